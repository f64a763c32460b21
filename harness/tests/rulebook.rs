//! Every rule proven able to fail. For each rule, a real dump of a case
//! where the rule passes, and the same dump (or the same trial) changed so
//! that the rule must find a wrong or missing fact: a one-fact lie of the
//! sensitivity catalogue, a stream left out, a field zeroed, or another
//! ending of the process. The rules on streams only Windows' writers write
//! take their real dumps from `corpus/` (dumps made elsewhere, verified
//! without a truth record). The rulebook is walked: a rule without such a
//! scenario fails the test.

use crashsuite_data::{ExpectedEnding, ObservedEnding, Truth};
use crashsuite_grader::{Deviations, Grade, Observation, Verdict, rules};
use crashsuite_handler::dumpfile;
use crashsuite_mutate::lie::CATALOGUE;
use std::{collections::BTreeMap, path::PathBuf};

mod common;

use common::bytes::{entries, set_u32, set_u64, stream, u32_at, u64_at};

/// What a scenario changes.
enum Change {
    /// A lie of the sensitivity catalogue, by id.
    Lie(&'static str),
    /// An edit of the dump's bytes (knowing the truth).
    Bytes(fn(&mut Vec<u8>, &Truth)),
    /// No dump at all.
    NoDump,
    /// The process ended otherwise than its truth record says.
    Ending(ObservedEnding),
}

/// One rule made to fail on one case.
struct Scenario {
    rule: &'static str,
    case: &'static str,
    /// A true stream added first, for a rule on a stream the reference
    /// handler does not write.
    honest: Option<fn(&mut Vec<u8>, &Truth)>,
    change: Change,
}

const fn lie(rule: &'static str, case: &'static str, id: &'static str) -> Scenario {
    Scenario { rule, case, honest: None, change: Change::Lie(id) }
}

const fn edit(rule: &'static str, case: &'static str, f: fn(&mut Vec<u8>, &Truth)) -> Scenario {
    Scenario { rule, case, honest: None, change: Change::Bytes(f) }
}

/// A MiscInfo naming the process (MINIDUMP_MISC1_PROCESS_ID).
fn add_misc_info(bytes: &mut Vec<u8>, truth: &Truth) {
    let mut misc = Vec::new();
    for word in [24, 1, truth.pid, 0, 0, 0] {
        misc.extend_from_slice(&u32::to_le_bytes(word));
    }
    append(bytes, 15, misc);
}

/// A BreakpadInfo: the crashed thread requested the dump, another wrote it.
fn add_breakpad_info(bytes: &mut Vec<u8>, truth: &Truth) {
    let mut info = Vec::new();
    for word in [3, truth.crashing_tids[0] + 1, truth.crashing_tids[0]] {
        info.extend_from_slice(&u32::to_le_bytes(word));
    }
    append(bytes, 0x4767_0001, info);
}

/// The offsets of the ThreadList's entries (48 bytes each).
fn threads(bytes: &[u8]) -> Vec<usize> {
    let (at, _) = stream(bytes, 3);
    (0..u32_at(bytes, at) as usize).map(|i| at + 4 + i * 48).collect()
}

/// The ThreadList entry of thread `tid`.
fn thread(bytes: &[u8], tid: u32) -> usize {
    threads(bytes).into_iter().find(|&t| u32_at(bytes, t) == tid).expect("the thread is listed")
}

/// Replaces the first `from` in `bytes[range]` with `to` (same length).
fn replace(bytes: &mut [u8], range: (usize, usize), from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let hay = &bytes[range.0..range.0 + range.1];
    let at = hay.windows(from.len()).position(|w| w == from).expect("the text is there");
    bytes[range.0 + at..range.0 + at + to.len()].copy_from_slice(to);
}

/// Appends a stream of `stream_type` holding `body`.
fn append(bytes: &mut Vec<u8>, stream_type: u32, body: Vec<u8>) {
    dumpfile::append_stream(bytes, stream_type, |_| Ok::<_, String>(body)).expect("appended");
}

/// The MemoryList descriptor of the region holding `address`.
fn region_at(bytes: &[u8], address: u64) -> usize {
    let (list, _) = stream(bytes, 5);
    (0..u32_at(bytes, list) as usize)
        .map(|i| list + 4 + i * 16)
        .find(|&d| {
            let start = u64_at(bytes, d);
            (start..start + u64::from(u32_at(bytes, d + 8))).contains(&address)
        })
        .expect("a region holds the address")
}

/// The crash context's offset (the Exception stream's context location).
fn crash_context(bytes: &[u8]) -> usize {
    let (at, _) = stream(bytes, 6);
    u32_at(bytes, at + 164) as usize
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario { rule: "DMP-01", case: "segv_null_write", honest: None, change: Change::NoDump },
        edit("DMP-02", "segv_null_write", |bytes, _| bytes.resize(65 << 20, 0)),
        Scenario {
            rule: "PRC-01",
            case: "segv_null_write",
            honest: None,
            change: Change::Ending(ObservedEnding::Exit(0)),
        },
        lie("PRC-02", "segv_null_write", "process-id"),
        edit("HDR-01", "segv_null_write", |bytes, _| bytes[..4].copy_from_slice(b"PMDM")),
        edit("HDR-02", "segv_null_write", |bytes, _| {
            let at = u32_at(bytes, 12) as usize;
            let past = bytes.len() as u32 + 4096;
            set_u32(bytes, at + 8, past);
        }),
        edit("HDR-03", "segv_null_write", |bytes, _| {
            // LinuxCmdLine's entry pointed into LinuxEnviron's bytes.
            let environ = entries(bytes, 0x4767_0007)[0];
            let cmdline = entries(bytes, 0x4767_0006)[0];
            let rva = u32_at(bytes, environ + 8);
            set_u32(bytes, cmdline + 8, rva);
        }),
        edit("HDR-04", "segv_null_write", |bytes, _| {
            // A second LinuxCmdLine: LinuxEnviron's entry retyped.
            let environ = entries(bytes, 0x4767_0007)[0];
            set_u32(bytes, environ, 0x4767_0006);
        }),
        edit("HDR-05", "segv_null_write", |bytes, _| {
            let (at, _) = stream(bytes, 5);
            set_u32(bytes, at, 0xFFFF_FFF0);
        }),
        lie("EXC-01", "segv_null_write", "exception-code"),
        lie("EXC-02", "segv_null_write", "exception-flags"),
        lie("EXC-03", "segv_null_write", "exception-thread"),
        lie("EXC-04", "segv_null_write", "fault-address"),
        lie("EXC-05", "segv_null_call", "crash-ip"),
        lie("EXC-06", "segv_null_write", "crash-ip"),
        edit("THR-01", "segv_null_write", |bytes, truth| {
            let crashing = thread(bytes, truth.crashing_tids[0]);
            set_u32(bytes, crashing, 0x4000_0000);
        }),
        lie("THR-02", "segv_null_write", "crash-sp"),
        edit("THR-03", "segv_cpp_thread", |bytes, truth| {
            let other = truth.threads.iter().find(|t| !truth.crashing_tids.contains(&t.tid));
            let entry = thread(bytes, other.expect("a worker").tid);
            set_u32(bytes, entry, 0x4000_0001);
        }),
        lie("THR-04", "segv_cpp_thread", "thread-name"),
        lie("THR-05", "segv_cpp_thread", "thread-id-twice"),
        lie("THR-06", "segv_cpp_thread", "thread-stack"),
        edit("THR-07", "segv_cpp_thread", |bytes, truth| {
            // A worker's stack descriptor points where no memory was captured.
            let other = truth.threads.iter().find(|t| !truth.crashing_tids.contains(&t.tid));
            let entry = thread(bytes, other.expect("a worker").tid);
            let start = u64_at(bytes, entry + 24);
            set_u64(bytes, entry + 24, start ^ (1 << 44));
            set_u32(bytes, entry + 32, 0);
        }),
        edit("THR-08", "stack_overflow_rust_thread", |bytes, truth| {
            let entry = thread(bytes, truth.crashing_tids[0]);
            set_u32(bytes, entry + 32, 4096);
        }),
        edit("STK-01", "segv_null_write", |bytes, _| {
            // The Exception stream gets a context of its own, one
            // instruction on: the ThreadList keeps the real one.
            let context = crash_context(bytes);
            let mut copy = bytes[context..context + 1232].to_vec();
            let ip = u64_at(&copy, 0xF8);
            set_u64(&mut copy, 0xF8, ip + 4);
            let rva = bytes.len() as u32;
            bytes.extend_from_slice(&copy);
            let (exception, _) = stream(bytes, 6);
            set_u32(bytes, exception + 164, rva);
        }),
        edit("STK-02", "deep_stack", |bytes, truth| {
            // The captured stack cut to its first 256 bytes.
            let entry = thread(bytes, truth.crashing_tids[0]);
            let start = u64_at(bytes, entry + 24);
            let region = region_at(bytes, start);
            set_u32(bytes, region + 8, 256);
            set_u32(bytes, entry + 32, 256);
        }),
        edit("STK-04", "divide_by_zero", |bytes, _| {
            // The IP moved back onto the instruction before the division.
            let context = crash_context(bytes);
            let ip = u64_at(bytes, context + 0xF8);
            set_u64(bytes, context + 0xF8, ip - 1);
        }),
        edit("STK-05", "abort", |bytes, truth| {
            // The crashing thread's stack bytes zeroed: no return address
            // to walk through.
            let entry = thread(bytes, truth.crashing_tids[0]);
            let (size, rva) = (u32_at(bytes, entry + 32) as usize, u32_at(bytes, entry + 36));
            bytes[rva as usize..rva as usize + size].fill(0);
        }),
        lie("MOD-01", "segv_null_write", "module-name"),
        lie("MOD-02", "segv_null_write", "module-code-id"),
        lie("MOD-03", "segv_null_write", "module-code-id"),
        edit("MOD-04", "dlopen_plugin", |bytes, truth| {
            // The plugin's module entry renamed: it is no longer listed.
            let name = truth.modules[0].path.file_name().expect("a file name");
            let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
            let from = utf16(&name.to_string_lossy());
            let mut to = from.clone();
            to[0] ^= 0x20;
            let len = bytes.len();
            replace(bytes, (0, len), &from, &to);
        }),
        lie("MOD-05", "segv_null_write", "library-code-id"),
        lie("MOD-06", "segv_null_write", "library-code-id"),
        lie("MOD-07", "segv_null_write", "module-overlap"),
        edit("MOD-08", "segv_null_write", |bytes, _| {
            let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
            let len = bytes.len();
            replace(bytes, (0, len), &utf16("linux-vdso"), &utf16("linux-xdso"));
        }),
        edit("MEM-01", "abort", |bytes, _| {
            // The region around the crashing instruction moved away.
            let ip = u64_at(bytes, crash_context(bytes) + 0xF8);
            let region = region_at(bytes, ip);
            let start = u64_at(bytes, region);
            set_u64(bytes, region, start ^ (1 << 44));
        }),
        lie("MEM-02", "segv_null_write", "memory-at-zero"),
        lie("MEM-03", "segv_null_write", "memory-overlap"),
        lie("MEM-04", "segv_null_write", "memory-info-overlap"),
        lie("SYS-01", "segv_null_write", "system-os"),
        lie("SYS-02", "segv_null_write", "system-cpu"),
        lie("SYS-03", "segv_null_write", "processor-count"),
        Scenario {
            rule: "SYS-04",
            case: "segv_null_write",
            honest: Some(add_misc_info),
            change: Change::Bytes(|bytes, truth| {
                let (at, _) = stream(bytes, 15);
                set_u32(bytes, at + 8, truth.pid + 1);
            }),
        },
        Scenario {
            rule: "BPI-01",
            case: "segv_null_write",
            honest: Some(add_breakpad_info),
            change: Change::Bytes(|bytes, truth| {
                let (at, _) = stream(bytes, 0x4767_0001);
                set_u32(bytes, at + 8, truth.crashing_tids[0] + 2);
            }),
        },
        edit("HDL-01", "segv_null_write", |bytes, _| {
            // Every descriptor renumbered from 1000.
            let (at, _) = stream(bytes, 12);
            let (header, entry) = (u32_at(bytes, at) as usize, u32_at(bytes, at + 4) as usize);
            for i in 0..u32_at(bytes, at + 8) as usize {
                set_u64(bytes, at + header + i * entry, 1000 + i as u64);
            }
        }),
        lie("LNX-01", "segv_null_write", "process-id"),
        lie("LNX-02", "segv_null_write", "cmdline"),
        lie("LNX-03", "segv_null_write", "environ-marker"),
        lie("LNX-04", "segv_null_write", "auxv-vdso"),
        lie("LNX-05", "segv_null_write", "processor-count"),
        edit("LNX-06", "segv_null_write", |bytes, truth| {
            // The executable's first mapping moved: nothing maps its base.
            let path = truth.executable.to_string_lossy().into_owned();
            let range = stream(bytes, 0x4767_0009);
            let maps = String::from_utf8_lossy(&bytes[range.0..range.0 + range.1]).into_owned();
            let line = maps.lines().find(|l| l.ends_with(&path)).expect("mapped").to_owned();
            let mut moved = line.clone().into_bytes();
            // Its start past its end: the line maps nothing.
            moved[0] = if moved[0] == b'f' { b'e' } else { b'f' };
            replace(bytes, range, line.as_bytes(), &moved);
        }),
        edit("LNX-07", "segv_null_write", |bytes, _| {
            let range = stream(bytes, 0x4767_0005);
            replace(bytes, range, b"\nID=", b"\nIE=");
        }),
        lie("LNX-08", "segv_null_write", "link-map-ld"),
        edit("LNX-09", "segv_null_write", |bytes, _| {
            let range = stream(bytes, 0x4d7a_0003);
            replace(bytes, range, b"Max stack size", b"Max stack SIZE");
        }),
        edit("LNX-10", "segv_null_write", |bytes, _| {
            dumpfile::unlist_stream(bytes, 0x4d7a_0004);
            append(bytes, 0x4d7a_0004, br#"[{"StopProcessFailed": 1}]"#.to_vec());
        }),
        lie("ANN-01", "segv_null_write", "annotation-value"),
        lie("ANN-02", "segv_null_write", "breadcrumb"),
    ]
}

/// Grades `bytes` as the trial's dump, ending as `ending`.
fn grade(crashed: &common::Crashed, bytes: Option<&[u8]>, ending: &ObservedEnding) -> Grade {
    let path: PathBuf = crashed.dir.path().join("changed.dmp");
    let dumps = match bytes {
        Some(bytes) => {
            std::fs::write(&path, bytes).expect("write");
            vec![path]
        }
        None => Vec::new(),
    };
    crashsuite_grader::grade(&Observation {
        name: "rulebook".into(),
        truth: Ok(&crashed.truth),
        dumps: &dumps,
        ending,
        stderr: "",
        handler_died: None,
        known: &Deviations::default(),
        symbols: &[],
    })
}

/// One rule made to fail on a dump of `corpus/` (made elsewhere, graded
/// without a truth record).
struct CorpusScenario {
    rule: &'static str,
    dump: &'static str,
    change: fn(&mut Vec<u8>),
}

/// The stream type numbers of the Windows streams the scenarios edit.
const HANDLE_DATA: u32 = 12;
const UNLOADED_MODULES: u32 = 14;
const MISC_INFO: u32 = 15;
const THREAD_INFO: u32 = 17;

/// The offset of the first entry of a Windows list stream (ThreadInfoList,
/// UnloadedModuleList, HandleData), whose header starts with its own size.
fn first_entry(bytes: &[u8], stream_type: u32) -> usize {
    let (at, _) = stream(bytes, stream_type);
    at + u32_at(bytes, at) as usize
}

fn corpus_scenarios() -> Vec<CorpusScenario> {
    vec![
        CorpusScenario {
            // A thread described that the ThreadList does not hold.
            rule: "WIN-01",
            dump: "fizzbuzz_no_heap.dmp",
            change: |bytes| {
                let first = first_entry(bytes, THREAD_INFO);
                let tid = u32_at(bytes, first);
                set_u32(bytes, first, tid + 1);
            },
        },
        CorpusScenario {
            // An unloaded module of no size.
            rule: "WIN-02",
            dump: "tiny-exe-with-cet-xsave.dmp",
            change: |bytes| {
                let first = first_entry(bytes, UNLOADED_MODULES);
                set_u32(bytes, first + 8, 0);
            },
        },
        CorpusScenario {
            // The second handle given the first one's value.
            rule: "WIN-03",
            dump: "tiny-exe-with-cet-xsave.dmp",
            change: |bytes| {
                let (at, _) = stream(bytes, HANDLE_DATA);
                let (first, size) = (first_entry(bytes, HANDLE_DATA), u32_at(bytes, at + 4));
                let handle = u64_at(bytes, first);
                set_u64(bytes, first + size as usize, handle);
            },
        },
        CorpusScenario {
            // The process created an hour after its dump.
            rule: "SYS-04",
            dump: "tiny-exe-fastfail.dmp",
            change: |bytes| {
                let (at, _) = stream(bytes, MISC_INFO);
                let written = u32_at(bytes, 20);
                set_u32(bytes, at + 12, written + 3600);
            },
        },
    ]
}

fn verdict<'g>(grade: &'g Grade, rule: &str) -> &'g Verdict {
    &grade.verdicts.iter().find(|v| v.id == rule).expect("every rule has a verdict").verdict
}

/// What is wrong with one scenario, if anything: `rule` must pass on the
/// honest grade of the dump `on` names, and find a wrong or missing fact in
/// the grade of its changed copy.
fn judge(rule: &str, on: &str, honest: &Grade, changed: impl FnOnce() -> Grade) -> Option<String> {
    if !matches!(verdict(honest, rule), Verdict::Pass { .. }) {
        return Some(format!("{rule} does not pass on {on}: {:?}", verdict(honest, rule)));
    }
    match verdict(&changed(), rule) {
        Verdict::Fail { .. } | Verdict::Missing { .. } => None,
        other => Some(format!("{rule} on {on}: {other:?} after the change")),
    }
}

#[test]
fn every_rule_passes_on_a_real_dump_and_fails_when_its_fact_is_wrong_or_missing() {
    let scenarios = scenarios();
    let mut dumps: BTreeMap<&str, common::Crashed> = BTreeMap::new();
    let mut failures = Vec::new();
    for scenario in &scenarios {
        let crashed =
            dumps.entry(scenario.case).or_insert_with(|| common::reference_dump(scenario.case));
        let expected = match crashed.truth.ending {
            ExpectedEnding::Signal(signal) => ObservedEnding::Signal(signal),
            ExpectedEnding::Exit(code) => ObservedEnding::Exit(code),
        };
        let mut honest_bytes = crashed.bytes();
        if let Some(add) = scenario.honest {
            add(&mut honest_bytes, &crashed.truth);
        }
        let honest = grade(crashed, Some(&honest_bytes), &expected);
        let changed = || {
            let mut bytes = honest_bytes.clone();
            match &scenario.change {
                Change::Lie(id) => {
                    let lie =
                        CATALOGUE.iter().find(|l| l.id == *id).expect("a lie of the catalogue");
                    (lie.tell)(&mut bytes, &crashed.truth).expect("the lie applies");
                    grade(crashed, Some(&bytes), &expected)
                }
                Change::Bytes(f) => {
                    f(&mut bytes, &crashed.truth);
                    grade(crashed, Some(&bytes), &expected)
                }
                Change::NoDump => grade(crashed, None, &expected),
                Change::Ending(other) => grade(crashed, Some(&bytes), other),
            }
        };
        let on = format!("{}'s dump", scenario.case);
        failures.extend(judge(scenario.rule, &on, &honest, changed));
    }
    let corpus = corpus_scenarios();
    let corpus_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    for scenario in &corpus {
        let honest = std::fs::read(corpus_dir.join(scenario.dump)).expect("a corpus dump");
        let graded = crashsuite_grader::verify_bytes(scenario.dump, honest.clone(), None);
        let changed = || {
            let mut bytes = honest;
            (scenario.change)(&mut bytes);
            crashsuite_grader::verify_bytes(scenario.dump, bytes, None)
        };
        failures.extend(judge(scenario.rule, scenario.dump, &graded, changed));
    }
    let covered: Vec<&str> =
        scenarios.iter().map(|s| s.rule).chain(corpus.iter().map(|s| s.rule)).collect();
    for rule in rules::all() {
        if !covered.contains(&rule.id) {
            failures.push(format!("{} has no scenario in which it fails", rule.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
