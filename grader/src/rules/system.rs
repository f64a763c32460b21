//! The SystemInfo stream.

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need, required};
use minidump::system_info::{Cpu, Os};

pub(super) const RULES: &[&Rule] = &[&OS, &CPU, &CPU_COUNT, &MISC_INFO];

fn system_info<'e>(facts: &Facts<'e, '_>) -> Result<&'e minidump::MinidumpSystemInfo, Verdict> {
    required(&facts.dump()?.system_info, "a SystemInfo stream")
}

/// Why a rule that compares with the system skips when it is not known.
const NOT_HERE: &str = "no truth record says which system made the dump (`--made-here` when this \
     machine did)";

/// An OS as SystemInfo spells it.
fn spelled_os(os: &str) -> Option<Os> {
    match os {
        "linux" => Some(Os::Linux),
        "windows" => Some(Os::Windows),
        "macos" => Some(Os::MacOs),
        "android" => Some(Os::Android),
        _ => None,
    }
}

/// A CPU architecture as SystemInfo spells it.
fn spelled_cpu(arch: &str) -> Option<Cpu> {
    match arch {
        "x86_64" => Some(Cpu::X86_64),
        "x86" => Some(Cpu::X86),
        "aarch64" => Some(Cpu::Arm64),
        "arm" => Some(Cpu::Arm),
        _ => None,
    }
}

/// Processors pick the context layout and the symbol files by OS and CPU
/// (minidump format: `MINIDUMP_SYSTEM_INFO`).
static OS: Rule = Rule {
    id: "SYS-01",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "SystemInfo",
    title: "SystemInfo names the operating system the dump was made on",
    checks: &[Field::new("SystemInfo", "PlatformId", Against::System)],
    check: |facts| {
        let info = need!(system_info(facts));
        if let Some(system) = facts.here {
            let Some(expected) = spelled_os(&system.os) else {
                return Verdict::skip(format!("no SystemInfo spelling for {}", system.os));
            };
            return Verdict::equal(info.os, expected);
        }
        // Judged by itself: the Linux streams Breakpad added (its `/proc`
        // copies, 0x47670003 to 0x4767000A; BreakpadInfo and AssertionInfo
        // below them are Windows' too) say Linux.
        let dump = need!(facts.dump());
        let linux = dump
            .directory
            .iter()
            .filter(|e| (0x4767_0003..=0x4767_000A).contains(&e.stream_type))
            .count();
        if linux == 0 {
            return Verdict::skip(format!("{NOT_HERE}, and no other stream names it"));
        }
        let says = format!("as its {linux} Linux streams say");
        match info.os {
            Os::Linux | Os::Android => Verdict::pass(format!("{:?}, {says}", info.os)),
            os => Verdict::fail(format!("{os:?}"), format!("Linux, {says}")),
        }
    },
};

/// See SYS-01: the CPU decides how every context in the dump is read.
static CPU: Rule = Rule {
    id: "SYS-02",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "SystemInfo",
    title: "SystemInfo names the CPU architecture the dump was made on",
    checks: &[Field::new("SystemInfo", "ProcessorArchitecture", Against::System)],
    check: |facts| {
        let info = need!(system_info(facts));
        if let Some(system) = facts.here {
            let Some(expected) = spelled_cpu(&system.arch) else {
                return Verdict::skip(format!("no SystemInfo spelling for {}", system.arch));
            };
            return Verdict::equal(info.cpu, expected);
        }
        // Judged by itself: the crash context is read as SystemInfo's CPU
        // says, and its own flags must agree.
        let dump = need!(facts.dump());
        let Ok(exception) = &dump.exception else {
            return Verdict::skip(format!("{NOT_HERE}, and there is no crash context to compare"));
        };
        if exception.raw.thread_context.data_size == 0 {
            return Verdict::skip(format!("{NOT_HERE}, and the crash context is empty"));
        }
        match exception.context(info, dump.misc.as_ref()) {
            Some(_) => Verdict::pass(format!("{:?}, as its crash context's flags say", info.cpu)),
            None => Verdict::fail(
                format!(
                    "{:?}, but the crash context ({} bytes) is not one",
                    info.cpu, exception.raw.thread_context.data_size
                ),
                "the CPU of the crash context",
            ),
        }
    },
};

/// `NumberOfProcessors` in SystemInfo: the processors of the system that
/// wrote the dump (Breakpad counts the `processor` entries of
/// `/proc/cpuinfo`, as the case does for its truth record).
static CPU_COUNT: Rule = Rule {
    id: "SYS-03",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "SystemInfo",
    title: "SystemInfo's processor count is the system's",
    checks: &[Field::new("SystemInfo", "NumberOfProcessors", Against::System)],
    check: |facts| {
        let info = need!(system_info(facts));
        let Some(system) = facts.here else {
            return Verdict::skip(format!("{NOT_HERE}; LNX-05 compares with the dump's cpuinfo"));
        };
        let processors = system.processors;
        if processors == 0 {
            return Verdict::skip("the system's processor count is unknown");
        }
        Verdict::equal(u32::from(info.raw.number_of_processors), processors)
    },
};

/// MiscInfo carries the process id on Windows and in Crashpad's Linux dumps
/// (minidump-writer writes none: the pid is in LinuxProcStatus; PRC-02 takes
/// either), and its process times (MINIDUMP_MISC1_PROCESS_TIMES, which
/// Windows' writer and Crashpad fill) say when the process was created, in
/// seconds since 1970 like the header's TimeDateStamp, when the dump was
/// written: a process created after its own dump, or at the epoch, is a
/// false time (a crash report's uptime is computed from it).
static MISC_INFO: Rule = Rule {
    id: "SYS-04",
    level: Level::May,
    systems: Systems::ANY,
    stream: "MiscInfo",
    title: "MiscInfo, when written, names the process that crashed, created before the dump",
    checks: &[
        Field::new("MiscInfo", "ProcessId", Against::Truth),
        Field::new("MiscInfo", "ProcessCreateTime", Against::Dump),
    ],
    check: |facts| {
        let dump = need!(facts.dump());
        let Some(misc) = &dump.misc else {
            return Verdict::skip("the handler wrote no MiscInfo stream");
        };
        let (mut seen, mut wrong, mut expected) = (Vec::new(), Vec::new(), Vec::new());
        match (misc.raw.process_id(), facts.truth) {
            (Some(&pid), Some(truth)) if pid != truth.pid => {
                wrong.push(format!("process {pid}"));
                expected.push(format!("process {}", truth.pid));
            }
            (Some(&pid), Some(_)) => seen.push(format!("process {pid}")),
            _ => {}
        }
        if let Some(&created) = misc.raw.process_create_time() {
            let written = dump.dump.header.time_date_stamp;
            if created != 0 && created <= written {
                seen.push(format!("created {}s before the dump", written - created));
            } else {
                wrong.push(format!("created at {created}, the dump written at {written}"));
                expected.push("a creation time after 1970 and before the dump".to_owned());
            }
        }
        if !wrong.is_empty() {
            Verdict::fail(wrong.join("; "), expected.join("; "))
        } else if seen.is_empty() {
            Verdict::skip(match facts.truth {
                Some(_) => "MiscInfo carries no process id or times",
                None => "MiscInfo carries no process times, and no truth record names the process",
            })
        } else {
            Verdict::pass(seen.join(", "))
        }
    },
};
