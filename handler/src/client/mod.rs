//! The application side: connect to a monitor, attach the crash handler, send
//! annotations, breadcrumbs and on-demand dump requests.
//!
//! What differs per system is the transport, in its own file: on Linux
//! `minidumper::Client` over the monitor's socket (`linux.rs`), on Windows a
//! message-mode named pipe (`windows.rs`). Both carry [`crate::wire`]'s
//! frames.

use crate::{CONNECT_DEADLINE, ClientError, TransportError, crash_path, wire};
use crash_handler::CrashHandler;
use minidump_writer::crash_context::CrashContext;
use std::{
    path::Path,
    sync::{Arc, Mutex, mpsc},
};

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        mod linux;
        use linux::Transport;
    } else {
        mod windows;
        use windows::Transport;
    }
}

/// The stack of the thread that waits for the monitor's first answer.
/// glibc keeps an ended thread's stack and gives it to the next thread the
/// application starts with a stack of that size: measured here, a Rust
/// thread that got the probe's cached 2 MiB stack took 2 ms longer to run
/// into its guard page (`stack_overflow_rust_thread`, truth record to
/// SIGSEGV: 4.5 to 5.8 ms against 2.6 to 3.0 ms). A probe with a small stack
/// of its own leaves the application's threads as they would be without it.
const PROBE_STACK: usize = 64 << 10;

/// A connection to a monitor.
pub struct Client {
    transport: Transport,
    /// Dump requests wait for their own reply; one at a time.
    dump_lock: Mutex<()>,
}

impl Client {
    /// Connects to the monitor listening on `socket` (on Windows, a pipe
    /// name) and checks that it answers within [`CONNECT_DEADLINE`]. Never
    /// blocks longer than that.
    pub fn connect(socket: &Path) -> Result<Arc<Self>, ClientError> {
        let unreachable =
            |source: TransportError| ClientError::Unreachable { socket: socket.to_owned(), source };
        let transport = Transport::connect(socket).map_err(unreachable)?;
        let client = Arc::new(Self { transport, dump_lock: Mutex::new(()) });
        // A stopped or wedged monitor still accepts into its backlog: only an
        // answer proves it serves. The probe thread outlives a timeout and ends
        // when the monitor answers or dies; after an answer it is joined, so
        // a crash right after connecting finds no half-ended thread.
        let (tx, rx) = mpsc::channel();
        let probe = Arc::clone(&client);
        let prober = std::thread::Builder::new()
            .name("crashsuite-probe".into())
            .stack_size(PROBE_STACK)
            .spawn(move || {
                let _ = tx.send(probe.transport.ping());
            })
            .map_err(|e| unreachable(e.into()))?;
        match rx.recv_timeout(CONNECT_DEADLINE) {
            Ok(answer) => {
                let _ = prober.join();
                answer.map(|()| client).map_err(unreachable)
            }
            Err(_) => Err(ClientError::Unresponsive {
                socket: socket.to_owned(),
                deadline: CONNECT_DEADLINE,
            }),
        }
    }

    /// Sets a key/value annotation that goes into every later dump.
    pub fn annotate(&self, key: &str, value: &str) -> Result<(), ClientError> {
        let payload = wire::encode_annotation(key, value);
        self.transport
            .send_message(wire::UserKind::Annotation as u32, &payload)
            .map_err(ClientError::Send)
    }

    /// Records a breadcrumb; the monitor keeps the most recent ones.
    pub fn breadcrumb(&self, text: &str) -> Result<(), ClientError> {
        self.transport
            .send_message(wire::UserKind::Breadcrumb as u32, text.as_bytes())
            .map_err(ClientError::Send)
    }

    /// Asks the monitor for a dump of this process now, without crashing (a
    /// hang report). The dump's exception stream says "dump requested" and
    /// blames the calling thread. Returns when the dump is final on disk.
    pub fn dump_now(&self) -> Result<(), ClientError> {
        let _one_at_a_time = self.dump_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.transport.dump_now().map_err(ClientError::DumpNotWritten)
    }

    /// Sends a raw dump request. Used by [`Client::dump_now`], by the crash
    /// handler, and by tests that check what the monitor refuses.
    pub fn request(&self, context: &CrashContext) -> Result<(), ClientError> {
        let _one_at_a_time = self.dump_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.transport.request_dump(context).map_err(ClientError::DumpNotWritten)
    }

    /// Installs the crash handler: on a crash the crashing thread sends its
    /// context to the monitor and waits until the dump is written; then the
    /// crash goes on as it would have without a handler (on Linux the signal
    /// is re-raised with the default action, on Windows the process ends
    /// with the exception's code).
    pub fn attach(self: Arc<Self>) -> Result<AttachedHandler, ClientError> {
        let for_crash = Arc::clone(&self);
        #[expect(unsafe_code)]
        // SAFETY: the closure runs in the crash handler (on Linux a signal
        // handler). It calls only the transport's `request_dump`, which sends
        // from and receives into buffers it already owns (no allocation, no
        // lock), `write_stderr` (a raw write) and `crash_path`'s functions,
        // which are async-signal-safe.
        let event = unsafe {
            crash_handler::make_crash_event(move |context: &CrashContext| {
                crash_path::on_crash(
                    context,
                    |context| for_crash.transport.request_dump(context).is_ok(),
                    "crashsuite: the monitor wrote no dump\n",
                )
            })
        };
        let handler = CrashHandler::attach(event)?;
        Ok(AttachedHandler { _handler: handler, client: self })
    }
}

/// The crash handler, attached for as long as this value lives.
pub struct AttachedHandler {
    _handler: CrashHandler,
    client: Arc<Client>,
}

impl AttachedHandler {
    /// The connection the handler reports through.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl crate::Reporter for AttachedHandler {
    fn annotate(&self, key: &str, value: &str) -> Result<(), ClientError> {
        self.client.annotate(key, value)
    }

    fn breadcrumb(&self, text: &str) -> Result<(), ClientError> {
        self.client.breadcrumb(text)
    }

    fn dump_now(&self) -> Result<(), ClientError> {
        self.client.dump_now()
    }
}
