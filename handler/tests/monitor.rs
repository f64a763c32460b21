//! The reference handler against a real `crashsuite-monitor` process: the
//! test process is the client, and asks for dumps of itself.
// The reference monitor, its transport and these checks are Linux's.
#![cfg(target_os = "linux")]

mod common;

use common::start_monitor;
use crashsuite_handler::{
    Client, ClientError, MonitorProcess,
    annotations::BREADCRUMBS_KEY,
    monitor::Event,
    wire::{self, Header},
};
use minidump::{Minidump, MinidumpCrashpadInfo, MinidumpException, MinidumpThreadList};
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

const EVENT_WAIT: Duration = Duration::from_secs(10);

/// The next `Dump` event's path, failing on any other event.
fn next_dump(monitor: &MonitorProcess) -> PathBuf {
    match monitor.next_event(EVENT_WAIT) {
        Some(Event::Dump { path, .. }) => path,
        other => panic!("expected a dump event, got {other:?}"),
    }
}

fn dump_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("dump dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files
}

fn this_tid() -> u32 {
    rustix::thread::gettid().as_raw_nonzero().get() as u32
}

#[test]
fn on_demand_dump_says_dump_requested_and_blames_the_caller() {
    let setup = start_monitor(&[]);
    let client = Client::connect(setup.monitor.socket()).expect("connect");
    client.dump_now().expect("dump");
    let path = next_dump(&setup.monitor);

    let dump = Minidump::read_path(&path).expect("parses");
    let exception: MinidumpException<'_> = dump.get_stream().expect("exception stream");
    // MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED
    assert_eq!(exception.raw.exception_record.exception_code, 0xFFFF_FFFF);
    assert_eq!(exception.get_crashing_thread_id(), this_tid());
    let threads: MinidumpThreadList<'_> = dump.get_stream().expect("thread list");
    assert!(threads.get_thread(this_tid()).is_some(), "the caller is in the thread list");
}

#[test]
fn annotations_and_breadcrumbs_round_trip_into_the_dump() {
    let setup = start_monitor(&[]);
    let client = Client::connect(setup.monitor.socket()).expect("connect");
    client.annotate("build", "1.2.3").expect("annotate");
    client.annotate("user", "x").expect("annotate");
    client.annotate("user", "replaced \u{00e9}").expect("annotate");
    client.breadcrumb("opened file").expect("breadcrumb");
    client.breadcrumb("clicked \"save\"").expect("breadcrumb");
    client.dump_now().expect("dump");
    let path = next_dump(&setup.monitor);

    let dump = Minidump::read_path(&path).expect("parses");
    let info: MinidumpCrashpadInfo = dump.get_stream().expect("CrashpadInfo stream");
    let notes = &info.simple_annotations;
    assert_eq!(notes.get("build").map(String::as_str), Some("1.2.3"));
    assert_eq!(notes.get("user").map(String::as_str), Some("replaced \u{00e9}"));
    let crumbs: Vec<String> =
        serde_json::from_str(notes.get(BREADCRUMBS_KEY).expect("breadcrumbs")).expect("json");
    assert_eq!(crumbs, ["opened file", "clicked \"save\""]);
    // The streams minidump-writer wrote are still reachable through the new directory.
    let threads: MinidumpThreadList<'_> = dump.get_stream().expect("thread list");
    assert!(!threads.threads.is_empty());
}

#[test]
fn dumps_are_private_and_only_ever_appear_complete() {
    use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
    let setup = start_monitor(&[]);
    let client = Client::connect(setup.monitor.socket()).expect("connect");

    // Every name event in the dump directory while five dumps are written.
    let inotify = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).expect("inotify");
    let watch =
        WatchFlags::CREATE | WatchFlags::MOVED_TO | WatchFlags::MODIFY | WatchFlags::CLOSE_WRITE;
    inotify::add_watch(&inotify, &setup.dumps, watch).expect("watch");
    for _ in 0..5 {
        client.dump_now().expect("dump");
    }
    let mut buf = [std::mem::MaybeUninit::uninit(); 64 * 1024];
    let mut reader = inotify::Reader::new(&inotify, &mut buf);
    let mut events = Vec::new();
    while let Ok(event) = reader.next() {
        let name = event.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        events.push((name, event.events()));
    }

    // A `.dmp` name only ever comes into being by a rename of a finished
    // file: never created, written or closed under that name.
    let final_names: Vec<&String> =
        events.iter().filter(|(n, _)| n.ends_with(".dmp")).map(|(n, _)| n).collect();
    assert_eq!(final_names.len(), 5, "{events:?}");
    for (name, flags) in events.iter().filter(|(n, _)| n.ends_with(".dmp")) {
        assert_eq!(*flags, ReadFlags::MOVED_TO, "{name}: {flags:?}");
    }
    assert!(
        events
            .iter()
            .any(|(n, f)| n.ends_with(".dmp.partial") && f.contains(ReadFlags::CLOSE_WRITE)),
        "dumps are written under a temporary name first: {events:?}"
    );

    assert_eq!(std::fs::metadata(&setup.dumps).expect("dir").permissions().mode() & 0o777, 0o700);
    let files = dump_files(&setup.dumps);
    assert_eq!(files.len(), 5, "five dumps, no leftovers: {files:?}");
    for path in &files {
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("dmp"), "{path:?}");
        let mode = std::fs::metadata(path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{path:?}");
        Minidump::read_path(path).expect("every dump parses");
    }
}

#[test]
fn a_request_for_another_pid_is_refused_and_the_monitor_keeps_serving() {
    let setup = start_monitor(&[]);
    let client = Client::connect(setup.monitor.socket()).expect("connect");
    let zeros = vec![0u8; std::mem::size_of::<minidump_writer::crash_context::CrashContext>()];
    let mut context =
        minidump_writer::crash_context::CrashContext::from_bytes(&zeros).expect("sized");
    context.pid = setup.monitor.pid() as i32;
    context.tid = setup.monitor.pid() as i32;
    context.siginfo.ssi_signo = libc::SIGSEGV as u32;

    let refused = client.request(&context);
    assert!(matches!(refused, Err(ClientError::DumpNotWritten(_))), "{:?}", refused.err());
    match setup.monitor.next_event(EVENT_WAIT) {
        Some(Event::Refused { peer_pid, reason }) => {
            assert_eq!(peer_pid, std::process::id());
            assert!(reason.contains(&setup.monitor.pid().to_string()), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A thread of another process, claimed under our own pid, is refused too.
    context.pid = std::process::id() as i32;
    assert!(client.request(&context).is_err());
    assert!(matches!(setup.monitor.next_event(EVENT_WAIT), Some(Event::Refused { .. })));
    assert!(dump_files(&setup.dumps).is_empty(), "nothing written for refused requests");

    client.dump_now().expect("the same connection is still served");
    next_dump(&setup.monitor);
}

#[test]
fn malformed_frames_end_only_that_connection() {
    let setup = start_monitor(&[]);
    let good = Client::connect(setup.monitor.socket()).expect("connect");

    let hostile = uds::UnixSeqpacketConn::connect(setup.monitor.socket()).expect("raw connect");
    // A header that claims more payload than the packet carries.
    let mut packet = Header { kind: wire::USER + 1, size: 1000 }.to_bytes().to_vec();
    packet.extend_from_slice(b"short");
    hostile.send(&packet).expect("send");
    match setup.monitor.next_event(EVENT_WAIT) {
        Some(Event::Dropped { peer_pid, reason }) => {
            assert_eq!(peer_pid, Some(std::process::id()));
            assert!(reason.contains("malformed"), "{reason}");
        }
        other => panic!("expected the hostile connection dropped, got {other:?}"),
    }
    // A client that hangs up halfway through its session.
    let quitter = uds::UnixSeqpacketConn::connect(setup.monitor.socket()).expect("raw connect");
    quitter.send(&Header { kind: wire::PING, size: 0 }.to_bytes()).expect("send");
    drop(quitter);

    good.annotate("still", "here").expect("annotate");
    good.dump_now().expect("the other client is still served");
    // The quitter's pong may or may not have found it gone; either is fine.
    loop {
        match setup.monitor.next_event(EVENT_WAIT) {
            Some(Event::Dump { .. }) => break,
            Some(Event::Dropped { .. }) => {}
            other => panic!("expected a dump event, got {other:?}"),
        }
    }
}

#[test]
fn several_clients_are_served_at_once() {
    let setup = start_monitor(&[]);
    let clients: Vec<_> =
        (0..4).map(|_| Client::connect(setup.monitor.socket()).expect("connect")).collect();
    std::thread::scope(|scope| {
        for client in &clients {
            scope.spawn(|| client.dump_now().expect("dump"));
        }
    });
    for _ in 0..4 {
        next_dump(&setup.monitor);
    }
    assert_eq!(dump_files(&setup.dumps).len(), 4);
}

#[test]
fn an_absent_monitor_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Client::connect(&dir.path().join("nobody.sock")).err().expect("no monitor");
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("nobody.sock"), "{err}");
}

#[test]
fn a_monitor_that_never_answers_is_reported_within_the_deadline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("silent.sock");
    // Bound and listening, so connect succeeds, but nothing ever accepts.
    let _listener = uds::UnixSeqpacketListener::bind(&socket).expect("bind");
    let started = Instant::now();
    let err = Client::connect(&socket).err().expect("no answer");
    assert!(matches!(err, ClientError::Unresponsive { .. }), "{err}");
    // A hang guard, not a benchmark: the deadline is 2 s.
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}
