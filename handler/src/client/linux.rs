//! The client's transport on Linux: `minidumper::Client` over the monitor's
//! `SOCK_SEQPACKET` socket.

use crate::{TransportError, crash_path};
use minidump_writer::crash_context::CrashContext;
use std::path::Path;

/// A connected `minidumper` client.
pub(super) struct Transport(minidumper::Client);

impl Transport {
    /// Connects to the socket at `socket`.
    pub(super) fn connect(socket: &Path) -> Result<Self, TransportError> {
        minidumper::Client::with_name(minidumper::SocketName::Path(socket)).map(Self)
    }

    /// Asks the monitor to answer.
    pub(super) fn ping(&self) -> Result<(), TransportError> {
        self.0.ping()
    }

    /// Sends a user message of `kind`.
    pub(super) fn send_message(&self, kind: u32, payload: &[u8]) -> Result<(), TransportError> {
        self.0.send_message(kind, payload)
    }

    /// Sends a dump request and waits for the answer. Async-signal-safe.
    pub(super) fn request_dump(&self, context: &CrashContext) -> Result<(), TransportError> {
        self.0.request_dump(context)
    }

    /// Asks for a dump of this process blaming the calling thread, without
    /// a signal (a context of zeros names no signal).
    pub(super) fn dump_now(&self) -> Result<(), TransportError> {
        let mut context = crash_path::zeroed_context();
        context.pid = rustix::process::getpid().as_raw_nonzero().get();
        context.tid = rustix::thread::gettid().as_raw_nonzero().get();
        // Under Yama's restricted ptrace (ptrace_scope 1, common on CI hosts)
        // the monitor may only trace us if we say so, as crash-handler does on
        // a crash. The permission is withdrawn once the dump is written.
        let _ = rustix::process::set_ptracer(rustix::process::PTracer::Any);
        let result = self.request_dump(&context);
        let _ = rustix::process::set_ptracer(rustix::process::PTracer::None);
        result
    }
}
