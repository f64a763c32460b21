//! The monitor on Linux: a `SOCK_SEQPACKET` socket whose peer the kernel
//! names (`SO_PEERCRED`), and minidump-writer's ptrace writer.

use super::Received;
use crate::{error::WriteError, writer};
use minidump_writer::crash_context::CrashContext;
use std::{collections::BTreeMap, io::IoSliceMut, path::Path};
use uds::{UnixSeqpacketConn, UnixSeqpacketListener};

/// The bound socket.
pub(super) struct Listener(UnixSeqpacketListener);

/// One client's connection.
pub(super) struct Connection(UnixSeqpacketConn);

impl Listener {
    /// Binds `socket`, replacing a stale socket file.
    pub(super) fn bind(socket: &Path) -> std::io::Result<Self> {
        let _ = std::fs::remove_file(socket);
        UnixSeqpacketListener::bind(socket).map(Self)
    }

    /// Waits for the next client.
    pub(super) fn accept(&mut self) -> std::io::Result<Connection> {
        self.0.accept_unix_addr().map(|(conn, _)| Connection(conn))
    }
}

impl Connection {
    /// The peer's pid, as the kernel saw it connect.
    pub(super) fn peer_pid(&self) -> Option<u32> {
        self.0.initial_peer_credentials().ok().and_then(|c| c.pid()).map(|pid| pid.get())
    }

    /// Receives one packet into `buf`.
    pub(super) fn recv(&self, buf: &mut [u8]) -> std::io::Result<Received> {
        let (len, truncated) = self.0.recv_vectored(&mut [IoSliceMut::new(buf)])?;
        Ok(match (len, truncated) {
            (_, true) => Received::Truncated,
            (0, false) => Received::Closed,
            (len, false) => Received::Packet(len),
        })
    }

    /// Sends one packet.
    pub(super) fn send(&self, packet: &[u8]) -> std::io::Result<()> {
        self.0.send(packet).map(drop)
    }
}

/// A dump request the monitor will serve: a crash context of the sender.
pub(super) struct Request {
    context: CrashContext,
}

impl Request {
    /// Checks a request from `peer`: the payload is a crash context of
    /// `peer` itself, blaming one of its threads. Otherwise says why not.
    pub(super) fn check(peer: u32, payload: &[u8]) -> Result<Self, String> {
        let context = CrashContext::from_bytes(payload)
            .ok_or_else(|| format!("crash context of {} bytes", payload.len()))?;
        let (claimed_pid, tid) = (context.pid, context.tid);
        if u32::try_from(claimed_pid).ok() != Some(peer) {
            return Err(format!("asked for a dump of pid {claimed_pid}, not its own"));
        }
        if !Path::new(&format!("/proc/{peer}/task/{tid}")).exists() {
            return Err(format!("thread {tid} is not a thread of pid {peer}"));
        }
        Ok(Self { context })
    }

    /// The thread blamed.
    pub(super) fn tid(&self) -> u32 {
        self.context.tid as u32
    }

    /// True for a dump on request: a zero signal number, no signal happened.
    pub(super) fn requested(&self) -> bool {
        self.context.siginfo.ssi_signo == 0
    }

    /// Writes the dump (see [`writer::write_process_dump`]).
    pub(super) fn write(
        self,
        dir: &Path,
        name: &str,
        notes: &BTreeMap<String, String>,
        edit: impl FnOnce(&mut Vec<u8>),
        before_publish: impl FnOnce(),
    ) -> Result<writer::Published, WriteError> {
        let requested = self.requested();
        writer::write_process_dump(dir, name, self.context, requested, notes, edit, before_publish)
    }
}

/// Installs [`Fault::DenyPtrace`](super::Fault::DenyPtrace)'s filter on the
/// calling thread, which the threads it starts later inherit.
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
