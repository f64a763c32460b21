//! The monitor: the process that writes dumps of its clients.
//!
//! It listens on a `SOCK_SEQPACKET` socket and serves each connection on its
//! own thread. Every request is checked against the pid the kernel reports for
//! the peer (`SO_PEERCRED`), never against what the message claims, as
//! Chromium's crash dumping does: a process can only have itself dumped.
//!
//! Why not `minidumper::Server`: in minidumper 0.11 a request naming another
//! pid ends the server loop with an error, so one bad client stops the monitor
//! for all; and its handler callbacks are not told which client a message came
//! from, so annotations could not be tied to the process that crashed. The
//! frames are minidumper's (see [`crate::wire`]) and clients use
//! `minidumper::Client` unchanged.

pub use crate::events::Event;
use crate::{
    annotations::{self, ClientNotes},
    dumpfile::{self, DumpFileError},
    wire::{self, Header, UserKind},
    writer,
};
use minidump_writer::crash_context::CrashContext;
use std::{
    collections::HashMap,
    io::IoSliceMut,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};
use uds::{UnixSeqpacketConn, UnixSeqpacketListener};

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
    /// does (Docker's default profile did, before Linux 4.8).
    DenyPtrace,
}

/// MINIDUMP_STREAM_TYPE of the thread list, which [`Fault::DropThreadList`]
/// drops.
const THREAD_LIST_STREAM: u32 = 3;

/// Installs [`Fault::DenyPtrace`]'s filter on the calling thread, which the
/// threads it starts later inherit.
pub fn deny_ptrace() -> Result<(), seccompiler::Error> {
    use seccompiler::{SeccompAction, SeccompFilter, TargetArch};
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let denied = [libc::SYS_ptrace, libc::SYS_process_vm_readv].map(|call| (call, Vec::new()));
    let filter = SeccompFilter::new(
        denied.into_iter().collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )?;
    let program: seccompiler::BpfProgram = filter.try_into()?;
    seccompiler::apply_filter(&program)
}

/// Errors that stop the monitor.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The socket could not be bound.
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
    listener: UnixSeqpacketListener,
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
    /// Prepares the dump directory (mode 0700) and binds `socket`, replacing a
    /// stale socket file. `events` is told of everything the monitor does.
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
        let _ = std::fs::remove_file(socket);
        let listener = UnixSeqpacketListener::bind(socket)
            .map_err(|source| MonitorError::Bind { path: socket.to_owned(), source })?;
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
    pub fn serve(self) -> ! {
        loop {
            match self.listener.accept_unix_addr() {
                Ok((conn, _)) => {
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

    fn serve_connection(&self, conn: &UnixSeqpacketConn) {
        let Some(peer) = conn.initial_peer_credentials().ok().and_then(|c| c.pid()) else {
            self.emit(Event::Dropped { peer_pid: None, reason: "peer pid unknown".into() });
            return;
        };
        let peer = peer.get();
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
    fn converse(&self, conn: &UnixSeqpacketConn, peer: u32) -> Result<(), Hangup> {
        let mut buf = vec![0u8; wire::MAX_PACKET];
        loop {
            let (len, truncated) =
                conn.recv_vectored(&mut [IoSliceMut::new(&mut buf)]).map_err(Hangup::Receive)?;
            if len == 0 {
                return Ok(());
            }
            if truncated {
                return Err(Hangup::TooLarge);
            }
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
        let Some(context) = CrashContext::from_bytes(payload) else {
            self.emit(Event::Refused {
                peer_pid: peer,
                reason: format!("crash context of {} bytes", payload.len()),
            });
            return wire::CRASH_NACK;
        };
        let (claimed_pid, tid) = (context.pid, context.tid);
        if u32::try_from(claimed_pid).ok() != Some(peer) {
            self.emit(Event::Refused {
                peer_pid: peer,
                reason: format!("asked for a dump of pid {claimed_pid}, not its own"),
            });
            return wire::CRASH_NACK;
        }
        if !Path::new(&format!("/proc/{peer}/task/{tid}")).exists() {
            self.emit(Event::Refused {
                peer_pid: peer,
                reason: format!("thread {tid} is not a thread of pid {peer}"),
            });
            return wire::CRASH_NACK;
        }
        // A zero signal number marks an on-demand request: no signal happened.
        let requested = context.siginfo.ssi_signo == 0;
        let dumping = Arc::clone(&self.lock_notes().entry(peer).or_default().dumping);
        let _one_dump_at_a_time = dumping.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let started = Instant::now();
        match self.write_dump(peer, context, requested) {
            Ok(published) => {
                self.emit(Event::Dump {
                    pid: peer,
                    tid: tid as u32,
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
        context: CrashContext,
        requested: bool,
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
        writer::write_process_dump(&self.dump_dir, &name, context, requested, &pairs, edit, stall)
    }
}
