//! Faults of the reference handler, each with a defined outcome.
// The reference monitor, its transport and these checks are Linux's.
#![cfg(target_os = "linux")]

mod common;

use crashsuite_handler::Client;
use std::{
    os::unix::process::ExitStatusExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Tells the helper test below which monitor to crash into.
const CRASH_INTO_ENV: &str = "CRASHSUITE_TEST_CRASH_INTO";
/// How long anything here may take: a hang guard, not a benchmark.
const GUARD: Duration = Duration::from_secs(15);

/// The crashing client: this test binary, re-run with only this test, attaches
/// the reference handler and sends itself SIGSEGV.
#[test]
#[ignore = "helper: the fault tests run it as their crashing child process"]
fn crashing_client_helper() {
    let socket = std::env::var_os(CRASH_INTO_ENV).expect("run by a fault test");
    let client = Client::connect(Path::new(&socket)).expect("connect");
    let _attached = client.attach().expect("attach");
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::SEGV)
        .expect("kill");
    std::thread::sleep(GUARD);
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < GUARD, "{what} did not happen within {GUARD:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_monitor_killed_mid_dump_leaves_no_dump_and_the_client_dies_of_its_signal() {
    let common::Setup { _dir, dumps, mut monitor } =
        common::start_monitor(&["--fault", "stall-before-publish"]);
    let socket = monitor.socket().to_owned();

    let mut client = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["crashing_client_helper", "--exact", "--ignored", "--nocapture"])
        .env(CRASH_INTO_ENV, &socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("client starts");

    // The dump is written but not published when the monitor dies.
    wait_until("a partial dump", || !files_ending(&dumps, ".dmp.partial").is_empty());
    monitor.kill();

    let killed = Instant::now();
    let mut status = None;
    wait_until("the client's death", || {
        status = client.try_wait().expect("wait");
        status.is_some()
    });
    let status = status.expect("ended");
    assert_eq!(
        status.signal(),
        Some(libc::SIGSEGV),
        "{status}, {:?} after the kill",
        killed.elapsed()
    );
    assert!(files_ending(&dumps, ".dmp").is_empty(), "no file ever appears as a complete dump");
}

#[test]
fn a_full_disk_fails_the_dump_clearly_and_the_monitor_dumps_again_once_space_exists() {
    use crashsuite_handler::{ClientError, monitor::Event};
    use rustix::process::{Pid, Resource, Rlimit, prlimit};
    let common::Setup { _dir, dumps, monitor } = common::start_monitor(&[]);
    let pid = Pid::from_raw(monitor.pid() as i32);
    // The disk is "full" past 4 KiB: a dump needs tens of KiB.
    let full = Rlimit { current: Some(4096), maximum: None };
    let old = prlimit(pid, Resource::Fsize, full).expect("limit the monitor");

    let client = Client::connect(monitor.socket()).expect("connect");
    let refused = client.dump_now();
    assert!(matches!(refused, Err(ClientError::DumpNotWritten(_))), "{:?}", refused.err());
    match monitor.next_event(GUARD) {
        Some(Event::Failed { error, .. }) => assert!(error.contains("File too large"), "{error}"),
        other => panic!("expected a clear failure, got {other:?}"),
    }
    assert!(std::fs::read_dir(&dumps).expect("dir").next().is_none(), "nothing left behind");

    prlimit(pid, Resource::Fsize, old).expect("give the space back");
    client.dump_now().expect("dumped once space exists");
    assert!(matches!(monitor.next_event(GUARD), Some(Event::Dump { .. })));
}

#[test]
fn with_ptrace_denied_the_dump_carries_soft_errors_and_the_crash_still_ends() {
    use minidump::{Minidump, MinidumpThreadList, format::MINIDUMP_STREAM_TYPE};
    let common::Setup { _dir, dumps, monitor } = common::start_monitor(&["--fault", "deny-ptrace"]);

    // minidump-writer cannot stop a single thread: it writes what it can
    // read without ptrace (no thread, no stack) and says why in its
    // SoftErrors stream, where LNX-10 reports it and THR-01 fails.
    let client = Client::connect(monitor.socket()).expect("connect");
    let started = Instant::now();
    client.dump_now().expect("a dump, with what could be read");
    assert!(started.elapsed() < GUARD, "the request hung for {:?}", started.elapsed());
    let [dump] = files_ending(&dumps, ".dmp").try_into().expect("one dump");
    let dump = Minidump::read_path(&dump).expect("readable");
    let threads: MinidumpThreadList = dump.get_stream().expect("a thread list");
    assert!(threads.threads.is_empty(), "no thread can be read without ptrace");
    let soft =
        dump.get_raw_stream(MINIDUMP_STREAM_TYPE::MozSoftErrors as u32).expect("soft errors");
    let soft = String::from_utf8_lossy(soft);
    assert!(soft.contains("PtraceAttachFailed"), "{soft}");

    let mut crashing = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["crashing_client_helper", "--exact", "--ignored", "--nocapture"])
        .env(CRASH_INTO_ENV, monitor.socket())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("client starts");
    let mut status = None;
    wait_until("the crashing client's death", || {
        status = crashing.try_wait().expect("wait");
        status.is_some()
    });
    assert_eq!(status.and_then(|s| s.signal()), Some(libc::SIGSEGV));
    wait_until("the crash's dump", || files_ending(&dumps, ".dmp").len() == 2);
}
