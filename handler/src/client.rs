//! The application side: connect to a monitor, attach the crash handler, send
//! annotations, breadcrumbs and on-demand dump requests.

use crate::{crash_path, monitor::Event, wire};
use crash_handler::CrashHandler;
use minidump_writer::crash_context::CrashContext;
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

/// How long the client waits for a monitor to answer before giving up.
pub const CONNECT_DEADLINE: Duration = Duration::from_secs(2);

/// What can go wrong on the client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing accepted the connection.
    #[error("cannot reach the monitor at {socket}: {source}")]
    Unreachable {
        /// Socket path.
        socket: PathBuf,
        /// The underlying error.
        source: minidumper::Error,
    },
    /// The monitor accepted the connection but did not answer in time.
    #[error("the monitor at {socket} did not answer within {deadline:?}")]
    Unresponsive {
        /// Socket path.
        socket: PathBuf,
        /// How long we waited.
        deadline: Duration,
    },
    /// Sending a message failed.
    #[error("sending to the monitor: {0}")]
    Send(minidumper::Error),
    /// The monitor refused or failed a dump request (its events say which).
    #[error("the monitor did not write the dump: {0}")]
    DumpNotWritten(minidumper::Error),
    /// The signal handler could not be installed.
    #[error("attaching the crash handler: {0}")]
    Attach(#[from] crash_handler::Error),
    /// The in-process handler failed.
    #[error("in-process handler: {0}")]
    InProcess(String),
    /// Starting a monitor process failed.
    #[error("starting monitor {exe}: {reason}")]
    Spawn {
        /// The monitor executable.
        exe: PathBuf,
        /// Why.
        reason: String,
    },
}

/// A connection to a monitor.
pub struct Client {
    inner: minidumper::Client,
    /// Dump requests wait for their own reply; one at a time.
    dump_lock: Mutex<()>,
}

impl Client {
    /// Connects to the monitor listening on `socket` and checks that it answers
    /// within [`CONNECT_DEADLINE`]. Never blocks longer than that.
    pub fn connect(socket: &Path) -> Result<Arc<Self>, ClientError> {
        let unreachable = |source| ClientError::Unreachable { socket: socket.to_owned(), source };
        let inner = minidumper::Client::with_name(minidumper::SocketName::Path(socket))
            .map_err(unreachable)?;
        let client = Arc::new(Self { inner, dump_lock: Mutex::new(()) });
        // A stopped or wedged monitor still accepts into its backlog: only an
        // answer proves it serves. The probe thread outlives a timeout and ends
        // when the monitor answers or dies; after an answer it is joined, so
        // a crash right after connecting finds no half-ended thread.
        let (tx, rx) = mpsc::channel();
        let probe = Arc::clone(&client);
        let prober = std::thread::spawn(move || {
            let _ = tx.send(probe.inner.ping());
        });
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
        self.inner
            .send_message(wire::UserKind::Annotation as u32, payload)
            .map_err(ClientError::Send)
    }

    /// Records a breadcrumb; the monitor keeps the most recent ones.
    pub fn breadcrumb(&self, text: &str) -> Result<(), ClientError> {
        self.inner
            .send_message(wire::UserKind::Breadcrumb as u32, text.as_bytes())
            .map_err(ClientError::Send)
    }

    /// Asks the monitor for a dump of this process now, without crashing (a
    /// hang report). The dump's exception stream says "dump requested" and
    /// blames the calling thread. Returns when the dump is final on disk.
    pub fn dump_now(&self) -> Result<(), ClientError> {
        let mut context = crash_path::zeroed_context();
        context.pid = rustix::process::getpid().as_raw_nonzero().get();
        context.tid = rustix::thread::gettid().as_raw_nonzero().get();
        // Under Yama's restricted ptrace (ptrace_scope 1, common on CI hosts)
        // the monitor may only trace us if we say so, as crash-handler does on
        // a crash. The permission is withdrawn once the dump is written.
        let _ = rustix::process::set_ptracer(rustix::process::PTracer::Any);
        let result = self.request(&context);
        let _ = rustix::process::set_ptracer(rustix::process::PTracer::None);
        result
    }

    /// Sends a raw dump request. Used by [`Client::dump_now`], by the crash
    /// handler, and by tests that check what the monitor refuses.
    pub fn request(&self, context: &CrashContext) -> Result<(), ClientError> {
        let _one_at_a_time = self.dump_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.inner.request_dump(context).map_err(ClientError::DumpNotWritten)
    }

    /// Installs the crash handler: on a crash signal the crashing thread sends
    /// its context to the monitor, waits until the dump is written, and the
    /// signal is then re-raised with the default action, so the process dies
    /// as it would have without a handler.
    pub fn attach(self: Arc<Self>) -> Result<AttachedHandler, ClientError> {
        let for_crash = Arc::clone(&self);
        #[allow(unsafe_code)]
        // SAFETY: the closure runs in a signal handler. It calls only
        // `request_dump`, which sends from and receives into buffers it already
        // owns (no allocation, no lock), `write_stderr` (a raw write(2)) and
        // `crash_path`'s functions, which are async-signal-safe.
        let event = unsafe {
            crash_handler::make_crash_event(move |context: &CrashContext| {
                crash_path::on_crash(
                    context,
                    |context| for_crash.inner.request_dump(context).is_ok(),
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

/// A `crashsuite-monitor` process started by this process.
pub struct MonitorProcess {
    child: Child,
    socket: PathBuf,
    events: mpsc::Receiver<Event>,
}

impl MonitorProcess {
    /// Starts `exe` (the `crashsuite-monitor` binary) on `socket`, writing dumps
    /// to `dump_dir`, and waits until it is ready (at most [`CONNECT_DEADLINE`]).
    pub fn spawn(exe: &Path, socket: &Path, dump_dir: &Path) -> Result<Self, ClientError> {
        Self::spawn_with_args(exe, socket, dump_dir, &[])
    }

    /// [`MonitorProcess::spawn`] with more arguments (`--fault ...`).
    pub fn spawn_with_args(
        exe: &Path,
        socket: &Path,
        dump_dir: &Path,
        args: &[&str],
    ) -> Result<Self, ClientError> {
        let spawn_err = |reason: String| ClientError::Spawn { exe: exe.to_owned(), reason };
        // The monitor reads nothing from its environment, and gets nothing.
        let mut child = Command::new(exe)
            .env_clear()
            .arg("--socket")
            .arg(socket)
            .arg("--dump-dir")
            .arg(dump_dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_err(e.to_string()))?;
        let Some(stdout) = child.stdout.take() else {
            return Err(spawn_err("no stdout pipe".into()));
        };
        let events = forward_events(stdout);
        let mut monitor = Self { child, socket: socket.to_owned(), events };
        match monitor.events.recv_timeout(CONNECT_DEADLINE) {
            Ok(Event::Ready { .. }) => Ok(monitor),
            Ok(other) => Err(spawn_err(format!("first event was {other:?}"))),
            Err(_) => {
                let status = monitor.child.try_wait().ok().flatten();
                Err(spawn_err(match status {
                    Some(status) => format!("exited before it was ready: {status}"),
                    None => format!("not ready within {CONNECT_DEADLINE:?}"),
                }))
            }
        }
    }

    /// The socket clients connect to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The monitor's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the next event.
    pub fn next_event(&self, timeout: Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Kills the monitor at once (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How the monitor ended, if it has.
    pub fn ended(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The events reported so far and not yet taken.
    pub fn drain_events(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }
}

impl Drop for MonitorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses the monitor's event lines on a thread; lines that are not events are
/// passed on as `Dropped` events so that nothing it says is lost.
fn forward_events(stdout: ChildStdout) -> mpsc::Receiver<Event> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let event = serde_json::from_str(&line).unwrap_or(Event::Dropped {
                peer_pid: None,
                reason: format!("unparsed monitor output: {line}"),
            });
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    rx
}
