//! A monitor process started by the application or the harness: spawned with
//! its socket and dump directory, followed through the JSON events it prints
//! one per line (see [`crate::Event`]).

use crate::{CONNECT_DEADLINE, ClientError, Event};
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// A `crashsuite-monitor` process started by this process.
pub struct MonitorProcess {
    child: Child,
    /// Its pid as its own system numbers it (its `ready` event's).
    system_pid: u32,
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
        // The monitor reads nothing from its environment, and gets nothing.
        let mut command = Command::new(exe);
        command.env_clear().arg("--socket").arg(socket).arg("--dump-dir").arg(dump_dir).args(args);
        Self::start(command, socket, CONNECT_DEADLINE)
    }

    /// Starts a monitor with `command`, which names its socket (`socket`)
    /// and dump directory already (for a monitor started through another
    /// program, such as Wine), and waits up to `ready_within` for it to be
    /// ready.
    pub fn start(
        mut command: Command,
        socket: &Path,
        ready_within: Duration,
    ) -> Result<Self, ClientError> {
        let exe = PathBuf::from(command.get_program());
        let spawn_err = |reason: String| ClientError::Spawn { exe: exe.clone(), reason };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_err(e.to_string()))?;
        let Some(stdout) = child.stdout.take() else {
            return Err(spawn_err("no stdout pipe".into()));
        };
        let events = forward_events(stdout);
        // Dropped on an error, it kills the monitor.
        let mut monitor = Self { child, system_pid: 0, socket: socket.to_owned(), events };
        match monitor.events.recv_timeout(ready_within) {
            Ok(Event::Ready { pid, .. }) => {
                monitor.system_pid = pid;
                Ok(monitor)
            }
            Ok(other) => Err(spawn_err(format!("first event was {other:?}"))),
            Err(_) => {
                let status = monitor.child.try_wait().ok().flatten();
                Err(spawn_err(match status {
                    Some(status) => format!("exited before it was ready: {status}"),
                    None => format!("not ready within {ready_within:?}"),
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

    /// The monitor's pid as its own system numbers it: under Wine, the
    /// Windows pid its clients would name, not [`MonitorProcess::pid`].
    pub fn system_pid(&self) -> u32 {
        self.system_pid
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
