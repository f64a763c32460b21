//! The runner and the grading against stand-in case executables that hang,
//! or end without crashing: a trial that goes wrong must fail, and say why.
// The stand-ins are shell scripts beside the reference monitor: Linux's.
#![cfg(target_os = "linux")]

use crashsuite_runner::{Trial, binaries::Binaries, handlers, trial};
use std::{os::unix::fs::PermissionsExt, path::Path, time::Duration};

/// A binaries directory with the real monitor and `script` as the case.
fn with_fake_case(script: &str) -> (tempfile::TempDir, Binaries) {
    let real = Binaries::locate().expect("the workspace binaries are built");
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(
        real.dir.join("crashsuite-monitor"),
        dir.path().join("crashsuite-monitor"),
    )
    .expect("symlink");
    let case = dir.path().join("crashsuite-case");
    std::fs::write(&case, format!("#!/bin/sh\n{script}\n")).expect("write");
    std::fs::set_permissions(&case, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let binaries = Binaries::in_dir(dir.path()).expect("found");
    (dir, binaries)
}

fn abort_trial() -> Trial {
    let case = crashsuite_cases::find("abort").expect("catalogue").expect("case");
    Trial { handler: handlers::reference(), case }
}

fn gone(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Gone, or a zombie waiting for its new parent to reap it.
    stat.is_empty()
        || stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z'))
}

#[test]
fn a_hanging_case_is_killed_with_its_whole_process_group() {
    // The case leaves a child behind in its process group and hangs.
    let (dir, binaries) =
        with_fake_case("sleep 1000 & echo $! > \"$CRASHSUITE_TRUTH.child\"\nexec sleep 1000");
    let limits = trial::Limits {
        case_deadline: Duration::from_millis(500),
        dump_grace: Some(Duration::ZERO),
    };
    let record = trial::run(&binaries, abort_trial(), limits).expect("runs");
    assert_eq!(record.ending, crashsuite_data::ObservedEnding::TimedOut);

    let child_file = record.run_dir.path().join("truth.json.child");
    let child = std::fs::read_to_string(child_file).expect("the case recorded its child");
    let child = child.trim();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !gone(child) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(child), "the case's child {child} outlived the trial");

    let grade = record.grade();
    assert!(!grade.passed());
    assert!(grade.error.as_deref().is_some_and(|e| e.contains("no truth record")), "{grade:?}");
    drop(dir);
}

#[test]
fn a_case_that_does_not_crash_fails_the_dump_rule_and_says_how_it_ended() {
    // A well-formed truth record, then a clean exit: no crash, no dump.
    let truth = crashsuite_cases::Truth {
        case: "abort".into(),
        handler: "reference".into(),
        system: crashsuite_cases::SystemTruth::current(),
        pid: 1,
        crashing_tids: vec![1],
        exception_code: 6,
        si_code: None,
        fault_address: None,
        instruction_pointer: None,
        ending: crashsuite_data::ExpectedEnding::Signal(6),
        stack_pointer_destroyed: false,
        crash_site: crashsuite_cases::CrashSite::Libc,
        trigger: crashsuite_cases::Trigger::Abort,
        trigger_function: "abort".into(),
        call_depth: 0,
        ballast_bytes: 0,
        executable: "/bin/sh".into(),
        argv: Vec::new(),
        environ_marker: None,
        threads: Vec::new(),
        modules: Vec::new(),
        annotations: Default::default(),
        breadcrumbs: Vec::new(),
        monotonic_ns: 0,
    };
    let source = tempfile::NamedTempFile::new().expect("tempfile");
    truth.write(source.path()).expect("write");
    let script = format!(
        "cp {} \"$CRASHSUITE_TRUTH\"\necho 'nothing to see' >&2\nexit 7",
        source.path().display()
    );
    let (_dir, binaries) = with_fake_case(&script);
    let limits =
        trial::Limits { dump_grace: Some(Duration::from_millis(100)), ..Default::default() };
    let record = trial::run(&binaries, abort_trial(), limits).expect("runs");
    assert_eq!(record.ending, crashsuite_data::ObservedEnding::Exit(7));

    let grade = record.grade();
    assert!(!grade.passed());
    // No dump (DMP-01, a missing fact a MUST rule needs), and the process
    // ended wrongly (PRC-01, a wrong fact).
    let failed: Vec<&str> = grade.failures().map(|v| v.id).collect();
    assert_eq!(failed, ["DMP-01", "PRC-01"], "{grade:?}");
    let note = grade.case_note.expect("a note on how the case ended");
    assert!(note.contains("Exit(7)") && note.contains("nothing to see"), "{note}");
}

#[test]
fn missing_binaries_are_named() {
    let empty = tempfile::tempdir().expect("tempdir");
    let err = Binaries::in_dir(empty.path()).expect_err("nothing there");
    assert!(err.to_string().contains("crashsuite-case"), "{err}");
    assert!(Binaries::in_dir(Path::new("/nonexistent")).is_err());

    // A handler whose case executable is not built does not run, and says
    // how to build it.
    let manifest = "summary = \"s\"\nversion = \"v\"\nexecutable = \"crashsuite-case-ghost\"\n\
                    setup = \"scripts/ghost.sh\"\n";
    let ghost =
        Box::leak(Box::new(crashsuite_runner::Handler::parse("ghost", manifest).expect("valid")));
    let real = Binaries::locate().expect("the workspace binaries are built");
    let why = Trial { handler: ghost, ..abort_trial() }.runs_here(&real).expect_err("not built");
    assert!(matches!(why, crashsuite_runner::NotRun::NotBuilt(_)), "{why:?}");
    let why = why.to_string();
    assert!(why.contains("crashsuite-case-ghost") && why.contains("scripts/ghost.sh"), "{why}");
}

#[test]
fn a_monitor_that_dies_is_reported_as_the_reason_for_no_dump() {
    let real = Binaries::locate().expect("the workspace binaries are built");
    let dir = tempfile::tempdir().expect("tempdir");
    // A monitor that says it is ready, then dies.
    let monitor = dir.path().join("crashsuite-monitor");
    let ready = r#"{"event":"ready","socket":"none","pid":1}"#;
    std::fs::write(&monitor, format!("#!/bin/sh\necho '{ready}'\nexit 9\n")).expect("write");
    std::fs::set_permissions(&monitor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink(
        real.dir.join("crashsuite-case"),
        dir.path().join("crashsuite-case"),
    )
    .expect("symlink");
    let binaries = Binaries::in_dir(dir.path()).expect("found");

    let limits =
        trial::Limits { dump_grace: Some(Duration::from_millis(100)), ..Default::default() };
    let record = trial::run(&binaries, abort_trial(), limits).expect("runs");
    let grade = record.grade();
    assert!(!grade.passed());
    // The case could not reach the dead monitor, so it never got to its truth
    // record; the grade says why.
    let error = grade.error.expect("not graded");
    assert!(
        error.contains("monitor died") && error.contains("cannot reach the monitor"),
        "{error}"
    );
}

#[test]
fn a_handler_that_faults_inside_itself_leaves_one_dump_and_the_process_ends() {
    let case = crashsuite_cases::find("handler_faults").expect("catalogue").expect("case");
    let binaries = Binaries::locate().expect("the workspace binaries are built");
    for handler in handlers::defaults().expect("manifests") {
        let record =
            trial::run(&binaries, Trial { handler, case }, Default::default()).expect("runs");
        assert!(
            record.stderr.contains("injected fault in the crash handler"),
            "{handler:?}: the fault was not injected: {}",
            record.stderr
        );
        assert_eq!(
            record.ending,
            crashsuite_data::ObservedEnding::Signal(rustix::process::Signal::SEGV.as_raw()),
            "{handler:?}"
        );
        assert_eq!(record.dumps.len(), 1, "{handler:?}: {:?}", record.dumps);
        assert!(record.grade().passed(), "{handler:?}");
    }
}
