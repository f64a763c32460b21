//! The `crashsuite-case` executable on its own, without a crash handler: the
//! command line every case executable shares (`crashsuite_cases::cli`).
//!
//! (Having an integration test also makes `cargo nextest run --workspace`
//! build the executable, which the conformance trials run.)
// The reference monitor, its transport and these checks are Linux's.
#![cfg(target_os = "linux")]

use crashsuite_cases::{CrashThread, ExpectedEnding, TRUTH_ENV, Trigger, Truth, catalogue};
use std::{os::unix::process::ExitStatusExt, process::Command};

fn case_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crashsuite-case"))
}

#[test]
fn lists_every_case() {
    let out = case_command().arg("--list").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for case in catalogue().unwrap() {
        assert!(text.contains(&case.id), "{} missing from:\n{text}", case.id);
    }
}

#[test]
fn bad_arguments_are_explained() {
    let out = case_command().arg("no_such_case").output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown case"));

    let out = case_command().args(["abort", "--handler", "bogus"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown handler"));

    let dir = tempfile::tempdir().expect("tempdir");
    let out = case_command()
        .args(["handler_faults", "--handler", "none"])
        .env(TRUTH_ENV, dir.path().join("truth.json"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no fault injection"));

    let out = case_command().args(["abort", "--handler", "none"]).env_remove(TRUTH_ENV).output();
    let out = out.expect("runs");
    assert_eq!(out.status.signal(), None, "no crash without a place for the truth");
    assert!(String::from_utf8_lossy(&out.stderr).contains(TRUTH_ENV));
}

#[test]
fn every_case_records_its_truth_and_ends_as_it_says() {
    for case in catalogue().unwrap().iter().filter(|c| c.runs_here().is_ok()) {
        if case.trigger == Trigger::RequestDump || case.scene.handler_faults {
            continue; // needs a handler to ask, or to inject the fault into
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let truth_path = dir.path().join("truth.json");
        let child = case_command()
            .args([case.id.as_str(), "--handler", "none"])
            .env(TRUTH_ENV, &truth_path)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawns");
        let pid = child.id();
        let status = child.wait_with_output().expect("waits").status;
        let truth = Truth::read(&truth_path)
            .unwrap_or_else(|e| panic!("{}: no truth record: {e} ({status})", case.id));

        let id = &case.id;
        assert_eq!(&truth.case, id);
        assert_eq!(truth.handler, "none");
        assert_eq!(truth.trigger, case.trigger);
        assert!(truth.annotations.is_empty(), "{id}: no handler, nothing annotated");
        if !case.scene.fork {
            assert_eq!(truth.pid, pid, "{id}");
        } else {
            assert_ne!(truth.pid, pid, "{id}: the child crashes, not the parent");
        }
        let workers = truth.threads.iter().filter(|t| t.name.starts_with("cs-worker-")).count();
        assert_eq!(workers, case.scene.workers as usize, "{id}: {:?}", truth.threads);
        assert_eq!(truth.crashing_tids.len(), case.scene.crashers as usize, "{id}");
        for tid in &truth.crashing_tids {
            let name = truth.thread_name(*tid).expect("the crashing thread is listed");
            let expected = match (case.scene.thread, case.scene.crashers) {
                (CrashThread::Main, _) => "crashsuite-case",
                (CrashThread::Rust, 1) => "cs-rust-crasher",
                (CrashThread::RawPthread, 1) => "cs-raw-crasher",
                (CrashThread::CThread, _) => "cs-c-crasher",
                (CrashThread::CppThread, _) => "cs-cpp-crasher",
                (CrashThread::Rust | CrashThread::RawPthread, _) => "cs-crasher-",
            };
            assert!(name.starts_with(expected), "{id}: crashing thread named {name}");
        }
        assert_eq!(truth.modules.len(), usize::from(case.scene.dlopen), "{id}");

        match truth.ending {
            ExpectedEnding::Exit(code) => assert_eq!(status.code(), Some(code), "{id}: {status}"),
            ExpectedEnding::Signal(signal) => {
                assert_eq!(status.signal(), Some(signal), "{id}: {status}")
            }
        }
    }
}
