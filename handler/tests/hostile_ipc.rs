//! A hostile client: random sequences of malformed, oversized, truncated and
//! out-of-order messages, and hang-ups. The monitor must stay up, keep serving
//! a well-behaved client, and write only dumps that parse.
// The reference monitor, its transport and these checks are Linux's.
#![cfg(target_os = "linux")]

mod common;

use crashsuite_handler::{
    Client,
    wire::{self, Header},
};
use proptest::prelude::*;
use std::{
    path::Path,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

/// Sequences run and packets sent, across the whole test run; printed after
/// each sequence (`--no-capture` shows the figures).
static SEQUENCES: AtomicUsize = AtomicUsize::new(0);
static PACKETS: AtomicUsize = AtomicUsize::new(0);

/// One thing the hostile client does.
#[derive(Debug, Clone)]
enum Step {
    /// A packet with a header whose size field may lie.
    Packet { kind: u32, claimed: Option<u32>, payload: Vec<u8> },
    /// A packet larger than the monitor accepts.
    Oversized { len: usize },
    /// Bytes too few to hold a header.
    Runt { bytes: Vec<u8> },
    /// A crash request of the right size for another process.
    ForeignCrash { pid: i32 },
    /// Hang up and connect again.
    Reconnect,
}

fn kind() -> impl Strategy<Value = u32> {
    prop_oneof![(0u32..8), Just(wire::USER + 1), Just(wire::USER + 2), any::<u32>(),]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (kind(), proptest::option::of(any::<u32>()), proptest::collection::vec(any::<u8>(), 0..2048))
            .prop_map(|(kind, claimed, payload)| Step::Packet { kind, claimed, payload }),
        1 => (wire::MAX_PACKET + 1..wire::MAX_PACKET * 2).prop_map(|len| Step::Oversized { len }),
        1 => proptest::collection::vec(any::<u8>(), 1..8).prop_map(|bytes| Step::Runt { bytes }),
        1 => (1i32..i32::MAX).prop_map(|pid| Step::ForeignCrash { pid }),
        1 => Just(Step::Reconnect),
    ]
}

fn connect(socket: &Path) -> uds::UnixSeqpacketConn {
    let conn = uds::UnixSeqpacketConn::connect(socket).expect("connect");
    conn.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    conn
}

fn send(conn: &uds::UnixSeqpacketConn, step: &Step) {
    let packet = match step {
        Step::Packet { kind, claimed, payload } => {
            let size = claimed.unwrap_or(payload.len() as u32);
            let mut packet = Header { kind: *kind, size }.to_bytes().to_vec();
            packet.extend_from_slice(payload);
            packet
        }
        Step::Oversized { len } => {
            let mut packet = Header { kind: wire::USER + 2, size: *len as u32 }.to_bytes().to_vec();
            packet.resize(wire::HEADER_LEN + len, b'x');
            packet
        }
        Step::Runt { bytes } => bytes.clone(),
        Step::ForeignCrash { pid } => {
            let zeros =
                vec![0u8; std::mem::size_of::<minidump_writer::crash_context::CrashContext>()];
            let mut context =
                minidump_writer::crash_context::CrashContext::from_bytes(&zeros).expect("sized");
            context.pid = *pid;
            context.tid = *pid;
            context.siginfo.ssi_signo = libc::SIGSEGV as u32;
            let mut packet =
                Header { kind: wire::CRASH, size: zeros.len() as u32 }.to_bytes().to_vec();
            packet.extend_from_slice(context.as_bytes());
            packet
        }
        Step::Reconnect => return,
    };
    // The monitor may already have hung up on us: that is its right.
    let _ = conn.send(&packet);
    PACKETS.fetch_add(1, Ordering::Relaxed);
    // Drain any answer so the socket never fills.
    let mut reply = [0u8; 64];
    let _ = conn.recv(&mut reply);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_monitor_survives_a_hostile_client(steps in proptest::collection::vec(step(), 1..24)) {
        let common::Setup { _dir, dumps, monitor } = common::start_monitor(&[]);
        let socket = monitor.socket().to_owned();

        let mut hostile = connect(&socket);
        for step in &steps {
            if matches!(step, Step::Reconnect) {
                hostile = connect(&socket);
            }
            send(&hostile, step);
        }
        drop(hostile);

        // A well-behaved client is still served, and every dump parses.
        let client = Client::connect(&socket).expect("the monitor still answers");
        client.dump_now().expect("the monitor still dumps");
        for entry in std::fs::read_dir(&dumps).expect("dump dir") {
            let path = entry.expect("entry").path();
            prop_assert_eq!(path.extension().and_then(|e| e.to_str()), Some("dmp"), "{:?}", path);
            prop_assert!(minidump::Minidump::read_path(&path).is_ok(), "{:?} does not parse", path);
        }
        drop(monitor);
        eprintln!(
            "hostile ipc: {} sequences, {} packets so far",
            SEQUENCES.fetch_add(1, Ordering::Relaxed) + 1,
            PACKETS.load(Ordering::Relaxed)
        );
    }
}
