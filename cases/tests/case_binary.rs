//! The `crashsuite-case` executable on its own, without a crash handler.
//!
//! (Having an integration test also makes `cargo nextest run --workspace`
//! build the executable, which the conformance trials run.)

use crashsuite_cases::{CrashThread, TRUTH_ENV, Trigger, Truth, catalogue};
use std::{os::unix::process::ExitStatusExt, process::Command};

fn case_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crashsuite-case"))
}

#[test]
fn lists_every_case() {
    let out = case_command().arg("--list").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for case in catalogue() {
        assert!(text.contains(case.id), "{} missing from:\n{text}", case.id);
    }
}

#[test]
fn bad_arguments_are_explained() {
    let out = case_command().arg("no_such_case").output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown case"));

    let out = case_command()
        .args(["abort", "--handler", "bogus"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown handler"));

    let out = case_command()
        .args(["abort", "--handler", "none"])
        .env_remove(TRUTH_ENV)
        .output();
    let out = out.expect("runs");
    assert_eq!(
        out.status.signal(),
        None,
        "no crash without a place for the truth"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(TRUTH_ENV));
}

#[test]
fn every_case_records_its_truth_and_crashes() {
    for case in catalogue().iter().filter(|c| c.runs_here().is_ok()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let truth_path = dir.path().join("truth.json");
        let child = case_command()
            .args([case.id, "--handler", "none"])
            .env(TRUTH_ENV, &truth_path)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawns");
        let pid = child.id();
        let status = child.wait_with_output().expect("waits").status;
        let truth = Truth::read(&truth_path).expect("the truth record was written");

        assert_eq!(truth.case, case.id);
        assert_eq!(truth.handler, "none");
        assert_eq!(truth.pid, pid);
        assert_eq!(truth.trigger, case.trigger);
        assert!(
            truth.annotations.is_empty(),
            "no handler, nothing annotated"
        );
        let workers: Vec<&str> = truth
            .threads
            .iter()
            .map(|t| t.name.as_str())
            .filter(|n| n.starts_with("cs-worker-"))
            .collect();
        assert_eq!(
            workers.len(),
            case.workers,
            "{}: {:?}",
            case.id,
            truth.threads
        );
        let crasher = truth
            .thread_name(truth.crashing_tid)
            .expect("the crashing thread is listed");
        match case.thread {
            CrashThread::Main => assert_eq!(truth.crashing_tid, pid, "{}", case.id),
            CrashThread::RawPthread => assert_eq!(crasher, "cs-raw-crasher"),
            CrashThread::CThread => assert_eq!(crasher, "cs-c-crasher"),
        }

        let signal = status
            .signal()
            .unwrap_or_else(|| panic!("{} exited: {status}", case.id));
        if case.trigger == Trigger::StackOverflow && case.thread == CrashThread::Main {
            // Without a crash handler, Rust's runtime catches the main
            // thread's overflow, prints "has overflowed its stack" and aborts.
            assert!(
                [libc::SIGSEGV, libc::SIGABRT].contains(&signal),
                "{}: {signal}",
                case.id
            );
        } else {
            assert_eq!(signal, truth.signal, "{}", case.id);
        }
    }
}
