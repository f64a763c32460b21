//! crashsuite's grader used the way a handler project would use it in its
//! own test suite, in place of hand-written assertions on the dump
//! (crash-handling's `minidumper-test` has its own `assert_minidump`): the
//! handler writes a dump, the test grades it with every rule.
//!
//! The "handler" here is minidump-writer itself, dumping a live child
//! process on request, as a monitor does; the grading part is the last
//! lines of the test.
#![cfg(target_os = "linux")]

use crashsuite_grader::Verdict;
use minidump_writer::minidump_writer::MinidumpWriterConfig;
use std::process::Command;

#[test]
fn a_handler_test_grades_its_own_dump() {
    // The handler under test writes a dump of a process.
    let (_dir, path, _) = dump_of_a_sleeping_process();

    // Grading it: every rule that needs no truth record runs (the others
    // skip, saying so); a failure says which rule, what it saw and what it
    // expected.
    let grade = crashsuite_grader::verify(&path, None);
    assert!(grade.passed(), "{}", grade.explain());
    let passed = |id: &str| {
        grade.verdicts.iter().any(|v| v.id == id && matches!(v.verdict, Verdict::Pass { .. }))
    };
    for rule in ["DMP-01", "HDR-02", "HDR-03", "THR-01", "THR-05", "MOD-05", "MEM-03"] {
        assert!(passed(rule), "{rule}:\n{}", grade.explain());
    }
}

#[test]
fn every_threads_stack_shows_where_a_waiting_process_waits() {
    let (_dir, path, pid) = dump_of_a_sleeping_process();
    let stacks = crashsuite_grader::stacks::thread_stacks(&path).expect("readable");
    assert_eq!(stacks.len(), 1, "{stacks:?}");
    assert_eq!(stacks[0].tid, pid as u32);
    let waits = stacks[0].frames.iter().take(3).any(|f| f.contains("nanosleep"));
    assert!(waits, "{:?}", stacks[0].frames);
}

/// A dump, written by minidump-writer, of a `sleep` process once it sleeps;
/// the directory holding it, its path and the process's pid.
fn dump_of_a_sleeping_process() -> (tempfile::TempDir, std::path::PathBuf, i32) {
    let mut child = Command::new("sleep").arg("30").spawn().expect("sleep runs");
    let pid = child.id() as i32;
    // Until sleep has reached its sleep, its stack shows the loader: wait
    // until the kernel says it sleeps.
    let sleeping = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('S'))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !sleeping() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sleep.dmp");
    let mut file = std::fs::File::create(&path).expect("create");
    let written = MinidumpWriterConfig::new(pid, pid).write(&mut file);
    let _ = child.kill();
    let _ = child.wait();
    written.expect("minidump-writer dumps its child");
    (dir, path, pid)
}
