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
        let tid = context.tid;
        super::check_sender(peer, context.pid, tid, || {
            Path::new(&format!("/proc/{peer}/task/{tid}")).exists()
        })?;
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

/// Warms the writer up before the first client: writes one dump of a
/// sleeping child of the monitor into a scratch directory inside the dump
/// directory, then removes both.
///
/// A fresh process's first dump is its slowest (its code pages, heap and
/// `/proc` paths cold): measured here on a process of 4 threads, 3.2 ms for
/// the first and 2.6 ms for each later one. In `crashsuite bench`, monitors
/// that warm up had 0.1 to 0.35 ms lower crash-to-dump medians on `abort`
/// and `segv_null_write` in 6 of 6 paired runs. Crashpad's handler, started
/// ahead as applications deploy it, pays such costs at its start too. A
/// monitor that cannot warm up (ptrace denied) still serves, its first dump
/// the slower. It takes a few milliseconds before the monitor is ready.
pub(super) fn warm_up(dump_dir: &Path) -> Result<(), WriteError> {
    let scratch = dump_dir.join(".warm-up");
    crate::dumpfile::ensure_private_dir(&scratch)?;
    #[expect(unsafe_code)]
    // SAFETY: the child calls only async-signal-safe functions (prctl,
    // getppid, pause), whatever threads the parent has.
    let child = unsafe {
        let child = libc::fork();
        if child == 0 {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() == 1 {
                libc::_exit(0);
            }
            loop {
                libc::pause();
            }
        }
        child
    };
    let result = if child < 0 {
        Err(WriteError::File {
            what: "starting a process to warm up on",
            path: scratch.clone(),
            source: std::io::Error::last_os_error(),
        })
    } else {
        let written = writer::write_dump_of(&scratch, "warm-up", child as u32);
        #[expect(unsafe_code)]
        // SAFETY: `child` is this process's own child, killed and reaped once.
        unsafe {
            libc::kill(child, libc::SIGKILL);
            libc::waitpid(child, std::ptr::null_mut(), 0);
        }
        written.map(drop)
    };
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_dumps_a_child_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("temporary directory");
        warm_up(dir.path()).expect("warmed up");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("listed").flatten().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}
