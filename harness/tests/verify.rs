//! `crashsuite verify` and the rules on hand-corrupted copies of a real dump:
//! each corruption is caught by a named rule, and nothing panics.

use crashsuite_grader::{Verdict, rules};
use std::path::{Path, PathBuf};

mod common;

use common::bytes::{entries, u32_at};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// The verdict of rule `id`.
fn verdict<'g>(grade: &'g crashsuite_grader::Grade, id: &str) -> &'g Verdict {
    &grade.verdicts.iter().find(|v| v.id == id).expect("rule graded").verdict
}

/// Whether rule `id` fails the trial (a wrong fact, or a missing one at MUST).
fn fails(grade: &crashsuite_grader::Grade, id: &str) -> bool {
    grade.failures().any(|v| v.id == id)
}

const THREAD_LIST: u32 = 3;
const EXCEPTION: u32 = 6;

#[test]
fn corruptions_are_each_caught_by_a_named_rule() {
    let crashed = common::reference_dump("segv_null_write");
    let (dump, truth, dir) = (crashed.bytes(), &crashed.truth, crashed.dir.path());

    let intact = crashsuite_grader::verify(&write(dir, "intact.dmp", &dump), Some(truth));
    assert!(intact.passed(), "{}", intact.explain());

    // Truncated: the directory (at the end of our dumps) is gone.
    let truncated = crashsuite_grader::verify(
        &write(dir, "truncated.dmp", &dump[..dump.len() / 2]),
        Some(truth),
    );
    assert!(fails(&truncated, "DMP-01"), "{}", truncated.explain());

    // A directory entry pointing past the end of the file.
    let mut outside = dump.clone();
    let at = entries(&outside, THREAD_LIST)[0];
    let past_end = (outside.len() as u32 + 64).to_le_bytes();
    outside[at + 8..at + 12].copy_from_slice(&past_end);
    let graded = crashsuite_grader::verify(&write(dir, "outside.dmp", &outside), Some(truth));
    assert!(fails(&graded, "HDR-02"), "{}", graded.explain());

    // The thread list removed (its entry turned into an unused one).
    let mut removed = dump.clone();
    let at = entries(&removed, THREAD_LIST)[0];
    removed[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    let graded = crashsuite_grader::verify(&write(dir, "removed.dmp", &removed), Some(truth));
    assert!(fails(&graded, "THR-01"), "{}", graded.explain());
    assert!(!graded.passed());

    // The exception blaming another thread.
    let mut wrong = dump.clone();
    let at = entries(&wrong, EXCEPTION)[0];
    let stream = u32_at(&wrong, at + 8) as usize;
    wrong[stream..stream + 4].copy_from_slice(&(truth.pid + 100_000).to_le_bytes());
    let graded = crashsuite_grader::verify(&write(dir, "wrong-thread.dmp", &wrong), Some(truth));
    assert!(fails(&graded, "EXC-03"), "{}", graded.explain());
}

#[test]
fn without_a_truth_record_only_structural_rules_run() {
    let crashed = common::reference_dump("segv_null_write");
    let grade = crashsuite_grader::verify(&crashed.dump, None);
    assert!(grade.passed(), "{}", grade.explain());
    for id in ["HDR-01", "HDR-02", "HDR-03", "MEM-03", "MOD-05", "SYS-01", "THR-02", "THR-07"] {
        assert!(matches!(verdict(&grade, id), Verdict::Pass { .. }), "{id} should run");
    }
    for id in ["EXC-01", "THR-03", "ANN-01", "PRC-01"] {
        assert!(matches!(verdict(&grade, id), Verdict::Skip { .. }), "{id} should skip");
    }
}

#[test]
fn without_a_truth_record_a_dump_is_caught_contradicting_itself() {
    let crashed = common::reference_dump("segv_null_write");
    let dir = tempfile::tempdir().expect("tempdir");
    let told = |id: &str| {
        let lie = crashsuite_mutate::lie::CATALOGUE.iter().find(|l| l.id == id).expect(id);
        let mut bytes = std::fs::read(&crashed.dump).expect("readable");
        (lie.tell)(&mut bytes, &crashed.truth).expect("the lie applies");
        write(dir.path(), &format!("{id}.dmp"), &bytes)
    };
    // The system it names disagrees with its own Linux streams and with its
    // crash context.
    let os = crashsuite_grader::verify(&told("system-os"), None);
    assert!(matches!(verdict(&os, "SYS-01"), Verdict::Fail { .. }), "{}", os.explain());
    let cpu = crashsuite_grader::verify(&told("system-cpu"), None);
    assert!(matches!(verdict(&cpu, "SYS-02"), Verdict::Fail { .. }), "{}", cpu.explain());
    // A library's build id that no file here has: another build, for all a
    // dump from elsewhere can prove; wrong, for a dump made here.
    let id = told("library-code-id");
    let elsewhere = crashsuite_grader::verify(&id, None);
    assert!(!matches!(verdict(&elsewhere, "MOD-05"), Verdict::Fail { .. }));
    let made_here = crashsuite_grader::VerifyOptions { made_here: true, ..Default::default() };
    let here = crashsuite_grader::verify_with(&id, &made_here);
    assert!(matches!(verdict(&here, "MOD-05"), Verdict::Fail { .. }), "{}", here.explain());
}

#[test]
fn module_files_found_in_a_symbol_directory_name_the_frames() {
    // The dump names the case executable at a path that is not there (as a
    // dump from another machine does); the same file in a directory given
    // as --symbols is found by its file name and used because its build id
    // is the module's.
    let crashed = common::reference_dump("segv_null_write");
    let exe = &crashed.truth.executable;
    let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
    let parent = exe.parent().expect("a directory").display().to_string();
    let moved = format!("/{}", "x".repeat(parent.len() - 1));
    let mut bytes = crashed.bytes();
    let (from, to) = (utf16(&parent), utf16(&moved));
    let at = bytes.windows(from.len()).position(|w| w == from).expect("the module's name");
    bytes[at..at + to.len()].copy_from_slice(&to);
    let dump = write(crashed.dir.path(), "elsewhere.dmp", &bytes);
    let named = |grade: &crashsuite_grader::Grade| {
        grade.crashing_stack.iter().any(|frame| frame.contains("crashsuite_write_null"))
    };
    let alone = crashsuite_grader::verify(&dump, None);
    assert!(!named(&alone), "no file here to name from: {:?}", alone.crashing_stack);
    let dirs = vec![exe.parent().expect("a directory").to_owned()];
    let options = crashsuite_grader::VerifyOptions { symbols: dirs, ..Default::default() };
    let with = crashsuite_grader::verify_with(&dump, &options);
    assert!(named(&with), "{:?}", with.crashing_stack);
    // Its debug information alone, as a separate debug file under its
    // build id (`objcopy --only-keep-debug`, the layout of /usr/lib/debug).
    let debug = tempfile::tempdir().expect("tempdir");
    let id = crashsuite_grader::module_file::facts(exe).expect("ELF").code_id.expect("a build id");
    let place = debug.path().join(".build-id").join(&id[..2]);
    std::fs::create_dir_all(&place).expect("mkdir");
    let status = std::process::Command::new("objcopy")
        .arg("--only-keep-debug")
        .arg(exe)
        .arg(place.join(format!("{}.debug", &id[2..])))
        .status()
        .expect("binutils' objcopy runs");
    assert!(status.success());
    let options = crashsuite_grader::VerifyOptions {
        symbols: vec![debug.path().to_owned()],
        ..Default::default()
    };
    let from_debug = crashsuite_grader::verify_with(&dump, &options);
    assert!(named(&from_debug), "{:?}", from_debug.crashing_stack);
    // A file of that name with another build id is another build: unused.
    let other = tempfile::tempdir().expect("tempdir");
    let name = exe.file_name().expect("a file name");
    std::fs::copy(std::env::current_exe().expect("this test"), other.path().join(name))
        .expect("copy");
    let options = crashsuite_grader::VerifyOptions {
        symbols: vec![other.path().to_owned()],
        ..Default::default()
    };
    let wrong = crashsuite_grader::verify_with(&dump, &options);
    assert!(!named(&wrong), "{:?}", wrong.crashing_stack);
}

#[test]
fn a_call_through_a_null_pointer_keeps_the_function_that_made_it() {
    // Frame 0 is address 0, in no module: the walk must still name the
    // function whose call jumped there as frame 1 (symbols::recover_lost_caller).
    let crashed = common::reference_dump("segv_null_call");
    let grade = crashsuite_grader::verify(&crashed.dump, Some(&crashed.truth));
    assert!(matches!(verdict(&grade, "STK-05"), Verdict::Pass { .. }), "{}", grade.explain());
    let digest = grade.digest.as_deref().unwrap_or_default();
    assert!(digest.contains("our frames: crashsuite_call_null"), "{digest}");
}

/// What a dashboard reads first of minidump-stackwalk's JSON, as
/// minidump-processor's `json-schema.md` documents it: a typed reader of
/// that schema (every field optional, as the schema says).
mod stackwalk_schema {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct Walk {
        pub status: Option<String>,
        pub system_info: Option<SystemInfo>,
        pub crash_info: Option<CrashInfo>,
        pub crashing_thread: Option<Thread>,
        pub threads: Option<Vec<Thread>>,
        pub modules: Option<Vec<Module>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct SystemInfo {
        pub os: Option<String>,
        pub cpu_arch: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct CrashInfo {
        #[serde(rename = "type")]
        pub kind: Option<String>,
        pub address: Option<String>,
        pub crashing_thread: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Thread {
        pub frames: Option<Vec<Frame>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Frame {
        pub frame: Option<u32>,
        pub function: Option<String>,
        pub module: Option<String>,
        pub trust: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Module {
        pub filename: Option<String>,
        pub debug_id: Option<String>,
    }
}

#[test]
fn the_stack_walk_is_written_in_minidump_stackwalks_schema() {
    let crashed = common::reference_dump("segv_null_call");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["verify", "--stackwalk", "--truth"])
        .arg(crashed.dir.path().join("truth.json"))
        .arg(&crashed.dump)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let walk: stackwalk_schema::Walk = serde_json::from_slice(&out.stdout).expect("the schema");
    assert_eq!(walk.status.as_deref(), Some("OK"));
    let system = walk.system_info.expect("system_info");
    assert_eq!(system.os.as_deref(), Some("Linux"));
    assert!(system.cpu_arch.is_some());
    let crash = walk.crash_info.expect("crash_info");
    assert!(crash.kind.as_deref().is_some_and(|k| k.contains("SIGSEGV")), "{crash:?}");
    assert!(crash.address.is_some() && crash.crashing_thread.is_some(), "{crash:?}");
    assert!(!walk.threads.expect("threads").is_empty());
    let modules = walk.modules.expect("modules");
    assert!(
        modules.iter().any(|m| m.filename.as_deref() == Some("crashsuite-case")),
        "{modules:?}"
    );
    assert!(modules.iter().all(|m| m.debug_id.is_some()));
    // crashsuite's names fill the frames the processor could not name, the
    // caller it put back included.
    let frames = walk.crashing_thread.and_then(|t| t.frames).expect("crashing thread frames");
    let named = |name: &str| frames.iter().any(|f| f.function.as_deref() == Some(name));
    assert!(named("crashsuite_call_null"), "{frames:#?}");
    assert_eq!(frames[0].frame, Some(0));
    assert!(frames.iter().all(|f| f.trust.is_some() && f.module.is_some() || f.frame == Some(0)));
}

#[test]
fn the_cli_reports_garbage_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = write(dir.path(), "junk.dmp", b"MDMP but not really a minidump at all");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["verify", "--json"])
        .arg(&junk)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let grade: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let dmp = grade["verdicts"].as_array().expect("verdicts").iter().find(|v| v["id"] == "DMP-01");
    assert_eq!(dmp.expect("DMP-01")["verdict"], "fail");
}

#[test]
fn every_stream_the_reference_handler_writes_has_a_rule() {
    use minidump::format::MINIDUMP_STREAM_TYPE;
    use num_traits::FromPrimitive as _;
    let crashed = common::reference_dump("segv_null_write");
    let parsed = minidump::Minidump::read_path(&crashed.dump).expect("parses");
    let covered: Vec<&str> = rules::all().iter().map(|r| r.stream).collect();
    for entry in parsed.all_streams() {
        let name = match MINIDUMP_STREAM_TYPE::from_u32(entry.stream_type) {
            Some(known) => format!("{known:?}"),
            None => format!("{:#x}", entry.stream_type),
        };
        let stream = name.strip_suffix("Stream").unwrap_or(&name);
        assert!(covered.contains(&stream), "no rule reads the {name} stream");
    }
}
