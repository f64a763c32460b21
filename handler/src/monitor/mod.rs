//! The monitor: the process that writes dumps of its clients.
//!
//! It listens for clients and serves each connection on its own thread.
//! Every request is checked against the pid the system reports for the peer
//! (`SO_PEERCRED` on Linux, the named pipe's client process id on Windows),
//! never against what the message claims, as Chromium's crash dumping does: a
//! process can only have itself dumped.
//!
//! The protocol (frames, notes, one dump of a process at a time, events) is
//! here; each system's file holds its transport, how a request is checked and
//! which writer writes the dump: `linux.rs` (a `SOCK_SEQPACKET` socket,
//! minidump-writer's ptrace writer) and `windows.rs` (a message-mode named
//! pipe, the system's `MiniDumpWriteDump` reading the client's memory).
//!
//! Why not `minidumper::Server`: in minidumper 0.11 a request naming another
//! pid ends the server loop with an error, so one bad client stops the monitor
//! for all; its handler callbacks are not told which client a message came
//! from, so annotations could not be tied to the process that crashed; and on
//! Windows it needs AF_UNIX sockets, which Wine 8 lacks. The frames are
//! minidumper's (see [`crate::wire`]); on Linux clients use
//! `minidumper::Client` unchanged.

pub use crate::events::Event;
use crate::{
    annotations::{self, ClientNotes},
    dumpfile::{self, DumpFileError},
    wire::{self, Header, UserKind},
    writer,
};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        mod linux;
        use linux as system;
        pub use linux::deny_ptrace;
    } else {
        mod windows;
        use windows as system;
    }
}
use system::{Connection, Listener};

/// Checks that a request from `peer` names `peer` itself (`claimed`) and
/// one of its threads (`tid`, which `is_peers_thread` tells), or says why
/// not: a process can only have itself dumped.
fn check_sender(
    peer: u32,
    claimed: impl std::fmt::Display + TryInto<u32>,
    tid: impl std::fmt::Display,
    is_peers_thread: impl FnOnce() -> bool,
) -> Result<(), String> {
    let claimed_text = claimed.to_string();
    if claimed.try_into().ok() != Some(peer) {
        return Err(format!("asked for a dump of pid {claimed_text}, not its own"));
    }
    if !is_peers_thread() {
        return Err(format!("thread {tid} is not a thread of pid {peer}"));
    }
    Ok(())
}

/// What one receive from a client brought.
enum Received {
    /// The peer hung up.
    Closed,
    /// A packet larger than the buffer.
    Truncated,
    /// A packet of this many bytes.
    Packet(usize),
}

/// A fault the monitor injects on purpose, for fault tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// Write each dump's partial file, then stall forever instead of
    /// renaming it (a monitor that hangs or is killed mid-dump).
    StallBeforePublish,
    /// Write every dump without its thread list (its directory entry marked
    /// unused): a deliberately broken handler, which the rules must catch.
    DropThreadList,
    /// Run under a seccomp filter that makes `ptrace` and
    /// `process_vm_readv` fail with EPERM, as a sandbox that denies ptrace
    /// does (Docker's default profile did, before Linux 4.8). Linux only.
    DenyPtrace,
}

/// MINIDUMP_STREAM_TYPE of the thread list, which [`Fault::DropThreadList`]
/// drops.
const THREAD_LIST_STREAM: u32 = 3;

/// Errors that stop the monitor.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The socket (on Windows, the pipe) could not be made.
    #[error("binding monitor socket {path}: {source}")]
    Bind {
        /// Socket path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The dump directory could not be prepared.
    #[error(transparent)]
    DumpDir(#[from] DumpFileError),
}

/// Why the monitor ended a connection: what the peer sent, or the
/// connection failing. Reported in [`Event::Dropped`].
#[derive(Debug, thiserror::Error)]
enum Hangup {
    #[error("receive failed: {0}")]
    Receive(std::io::Error),
    #[error("packet larger than {} bytes", wire::MAX_PACKET)]
    TooLarge,
    #[error("malformed {0}-byte frame")]
    Malformed(usize),
    #[error("unexpected message kind {0}")]
    UnknownKind(u32),
    #[error("reply failed: {0}")]
    Reply(std::io::Error),
    #[error("annotation is not `key NUL value` in UTF-8")]
    BadAnnotation,
    #[error("more than {} annotations", annotations::MAX_ANNOTATIONS)]
    TooManyAnnotations,
    #[error("breadcrumb is not UTF-8")]
    BadBreadcrumb,
    #[error("unknown user message kind {0}")]
    UnknownUserKind(u32),
}

type EventSink = dyn Fn(&Event) + Send + Sync;

/// A bound monitor, ready to [`serve`](Monitor::serve).
pub struct Monitor {
    listener: Listener,
    shared: Arc<Shared>,
}

struct Shared {
    dump_dir: PathBuf,
    fault: Option<Fault>,
    notes: Mutex<HashMap<u32, ProcessNotes>>,
    sequence: AtomicU64,
    events: Box<EventSink>,
}

#[derive(Default)]
struct ProcessNotes {
    notes: ClientNotes,
    connections: usize,
    /// Held while a dump of this process is written. Two writers on two of the
    /// monitor's threads ptracing the same process at once (two of its
    /// threads asking for dumps on their own connections) race for its
    /// threads, and one can reap the other's ptrace stops with `waitpid`,
    /// leaving it waiting forever: a hang seen once in CI under load.
    dumping: Arc<Mutex<()>>,
}

impl Monitor {
    /// Prepares the dump directory (private to the user) and binds `socket`:
    /// on Linux a socket path (a stale socket file there is replaced), on
    /// Windows a pipe name (`\\.\pipe\...`). `events` is told of
    /// everything the monitor does.
    pub fn bind(
        socket: &Path,
        dump_dir: &Path,
        events: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<Self, MonitorError> {
        Self::bind_with_fault(socket, dump_dir, None, events)
    }

    /// [`Monitor::bind`], injecting `fault` into every dump.
    pub fn bind_with_fault(
        socket: &Path,
        dump_dir: &Path,
        fault: Option<Fault>,
        events: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<Self, MonitorError> {
        dumpfile::ensure_private_dir(dump_dir)?;
        let listener = Listener::bind(socket)
            .map_err(|source| MonitorError::Bind { path: socket.to_owned(), source })?;
        // A monitor that cannot warm up still serves; its first dump is the
        // slower (see `linux::warm_up`).
        #[cfg(target_os = "linux")]
        let _ = linux::warm_up(dump_dir);
        events(&Event::Ready { socket: socket.to_owned(), pid: std::process::id() });
        Ok(Self {
            listener,
            shared: Arc::new(Shared {
                dump_dir: dump_dir.to_owned(),
                fault,
                notes: Mutex::default(),
                sequence: AtomicU64::new(0),
                events: Box::new(events),
            }),
        })
    }

    /// Accepts clients until the process ends, each on its own thread.
    pub fn serve(mut self) -> ! {
        loop {
            match self.listener.accept() {
                Ok(conn) => {
                    let shared = Arc::clone(&self.shared);
                    let spawned = std::thread::Builder::new()
                        .name("monitor-conn".into())
                        .spawn(move || shared.serve_connection(&conn));
                    if let Err(e) = spawned {
                        self.shared.emit(Event::Dropped {
                            peer_pid: None,
                            reason: format!("no thread for the connection: {e}"),
                        });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.shared.emit(Event::Dropped {
                        peer_pid: None,
                        reason: format!("accept failed: {e}"),
                    });
                    // Out of descriptors or memory: back off instead of spinning.
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
    }
}

impl Shared {
    fn emit(&self, event: Event) {
        (self.events)(&event);
    }

    fn serve_connection(&self, conn: &Connection) {
        let Some(peer) = conn.peer_pid() else {
            self.emit(Event::Dropped { peer_pid: None, reason: "peer pid unknown".into() });
            return;
        };
        self.lock_notes().entry(peer).or_default().connections += 1;
        if let Err(reason) = self.converse(conn, peer) {
            self.emit(Event::Dropped { peer_pid: Some(peer), reason: reason.to_string() });
        }
        let mut notes = self.lock_notes();
        if let Some(entry) = notes.get_mut(&peer) {
            entry.connections -= 1;
            if entry.connections == 0 {
                notes.remove(&peer);
            }
        }
    }

    fn lock_notes(&self) -> std::sync::MutexGuard<'_, HashMap<u32, ProcessNotes>> {
        // A panic while holding the lock leaves the notes usable.
        self.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads frames until the peer hangs up (`Ok`) or sends something that
    /// ends the connection (`Err` with the reason).
    fn converse(&self, conn: &Connection, peer: u32) -> Result<(), Hangup> {
        let mut buf = vec![0u8; wire::MAX_PACKET];
        loop {
            let len = match conn.recv(&mut buf).map_err(Hangup::Receive)? {
                Received::Closed => return Ok(()),
                Received::Truncated => return Err(Hangup::TooLarge),
                Received::Packet(len) => len,
            };
            let (header, payload) = Header::parse(&buf[..len]).ok_or(Hangup::Malformed(len))?;
            let reply = match header.kind {
                wire::CRASH => Some(self.dump_request(peer, payload)),
                wire::PING => Some(wire::PONG),
                kind if kind >= wire::USER => {
                    self.user_message(peer, kind - wire::USER, payload)?;
                    None
                }
                kind => return Err(Hangup::UnknownKind(kind)),
            };
            if let Some(kind) = reply {
                conn.send(&Header { kind, size: 0 }.to_bytes()).map_err(Hangup::Reply)?;
            }
        }
    }

    fn user_message(&self, peer: u32, kind: u32, payload: &[u8]) -> Result<(), Hangup> {
        let mut notes = self.lock_notes();
        let entry = &mut notes.entry(peer).or_default().notes;
        match UserKind::from_u32(kind) {
            Some(UserKind::Annotation) => {
                let (key, value) = wire::decode_annotation(payload).ok_or(Hangup::BadAnnotation)?;
                if !entry.annotate(key, value) {
                    return Err(Hangup::TooManyAnnotations);
                }
            }
            Some(UserKind::Breadcrumb) => {
                let text = std::str::from_utf8(payload).map_err(|_| Hangup::BadBreadcrumb)?;
                entry.breadcrumb(text.to_owned());
            }
            None => return Err(Hangup::UnknownUserKind(kind)),
        }
        Ok(())
    }

    /// Serves one dump request and returns the reply kind.
    fn dump_request(&self, peer: u32, payload: &[u8]) -> u32 {
        let received_ns = crashsuite_cases::monotonic_ns();
        let request = match system::Request::check(peer, payload) {
            Ok(request) => request,
            Err(reason) => {
                self.emit(Event::Refused { peer_pid: peer, reason });
                return wire::CRASH_NACK;
            }
        };
        let (tid, requested) = (request.tid(), request.requested());
        let dumping = Arc::clone(&self.lock_notes().entry(peer).or_default().dumping);
        let _one_dump_at_a_time = dumping.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let started = Instant::now();
        match self.write_dump(peer, request) {
            Ok(published) => {
                self.emit(Event::Dump {
                    pid: peer,
                    tid,
                    requested,
                    path: published.path,
                    bytes: published.bytes,
                    micros: started.elapsed().as_micros() as u64,
                    received_ns,
                    writer_micros: published.writer.as_micros() as u64,
                    persist_micros: published.persist.as_micros() as u64,
                });
                wire::CRASH_ACK
            }
            Err(error) => {
                self.emit(Event::Failed { pid: peer, error: error.to_string() });
                wire::CRASH_NACK
            }
        }
    }

    fn write_dump(
        &self,
        pid: u32,
        request: system::Request,
    ) -> Result<writer::Published, crate::error::WriteError> {
        let pairs =
            self.lock_notes().get(&pid).map(|p| p.notes.simple_annotations()).unwrap_or_default();
        let name = writer::dump_name(pid, self.sequence.fetch_add(1, Ordering::Relaxed));
        let edit = |dump: &mut Vec<u8>| {
            if self.fault == Some(Fault::DropThreadList) {
                dumpfile::unlist_stream(dump, THREAD_LIST_STREAM);
            }
        };
        let stall = || {
            if self.fault == Some(Fault::StallBeforePublish) {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                }
            }
        };
        request.write(&self.dump_dir, &name, &pairs, edit, stall)
    }
}
