//! Running one trial: a case under a handler, in a fresh run directory.

use crate::binaries::Binaries;
use crashsuite_cases::{Case, DUMP_DIR_ENV, MARKER_ENV, SOCKET_ENV, TRUTH_ENV, Truth};
use crashsuite_handler::{MonitorProcess, monitor::Event};
use std::{
    os::unix::process::{CommandExt, ExitStatusExt},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Time limits of a trial.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a case may take from start to exit; then its process group
    /// is killed.
    pub case_deadline: Duration,
    /// How long a dump may take to appear after the case exits.
    pub dump_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { case_deadline: Duration::from_secs(20), dump_grace: Duration::from_secs(3) }
    }
}

/// A handler the harness can run cases under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// The reference handler: crash-handler + minidumper + minidump-writer,
    /// with the monitor in its own process.
    Reference,
    /// Its in-process twin: crash-handler + minidump-writer, dumping from a
    /// child cloned by the crashing thread.
    InProcess,
}

impl Handler {
    /// Every built-in handler.
    pub const ALL: &[Handler] = &[Handler::Reference, Handler::InProcess];

    /// Name used in trial names and on the case's command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reference => "reference",
            Self::InProcess => "inproc",
        }
    }

    /// What the handler is built from, with versions (checked against
    /// Cargo.lock by a test).
    pub fn version(self) -> &'static str {
        match self {
            Self::Reference => "crash-handler 0.8.1, minidumper 0.11.0, minidump-writer 0.13.0",
            Self::InProcess => "crash-handler 0.8.1, minidump-writer 0.13.0",
        }
    }

    /// The handler with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|h| h.name() == name)
    }
}

/// One (handler, case) pair.
#[derive(Debug, Clone, Copy)]
pub struct Trial {
    /// The handler.
    pub handler: Handler,
    /// The case.
    pub case: &'static Case,
}

impl Trial {
    /// Every trial of these handlers over the whole catalogue.
    pub fn matrix(handlers: &[Handler]) -> Result<Vec<Trial>, crashsuite_cases::CatalogueError> {
        let cases = crashsuite_cases::catalogue()?;
        Ok(handlers
            .iter()
            .flat_map(|&handler| cases.iter().map(move |case| Trial { handler, case }))
            .collect())
    }

    /// `handler::case`, the trial's test name.
    pub fn name(&self) -> String {
        format!("{}::{}", self.handler.name(), self.case.id)
    }
}

/// How the case process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Killed by this signal.
    Signal(i32),
    /// Exited with this code.
    Exit(i32),
    /// Still running at the deadline; its process group was killed.
    TimedOut,
}

/// Everything one trial produced.
#[derive(Debug)]
pub struct TrialRecord {
    /// What ran.
    pub trial: Trial,
    /// The run directory (removed when the record is dropped unless kept).
    pub run_dir: tempfile::TempDir,
    /// The truth record, or why there is none.
    pub truth: Result<Truth, String>,
    /// The dump files that appeared, oldest first.
    pub dumps: Vec<PathBuf>,
    /// How the case ended.
    pub ending: Ending,
    /// What the monitor reported.
    pub monitor_events: Vec<Event>,
    /// How the handler's own process ended, when it died during the trial.
    pub handler_died: Option<String>,
    /// The case's standard error.
    pub stderr: String,
    /// Case start to dump found.
    pub wall: Duration,
}

/// A trial could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Preparing the run directory failed.
    #[error("making a run directory: {0}")]
    RunDir(std::io::Error),
    /// The handler could not be started.
    #[error("starting the {handler} handler: {source}")]
    Handler {
        /// Handler name.
        handler: &'static str,
        /// The underlying error.
        source: crashsuite_handler::ClientError,
    },
    /// The case could not be started or waited for.
    #[error("running {exe}: {source}")]
    Case {
        /// The case executable.
        exe: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Runs `trial`: starts the handler, runs the case with a deadline (killing its
/// whole process group at the deadline), and collects what it left.
pub fn run(binaries: &Binaries, trial: Trial, limits: Limits) -> Result<TrialRecord, RunError> {
    let run_dir = tempfile::Builder::new()
        .prefix(&format!("crashsuite-{}-", trial.case.id))
        .tempdir()
        .map_err(RunError::RunDir)?;
    let dump_dir = run_dir.path().join("dumps");
    let truth_path = run_dir.path().join("truth.json");
    let socket = run_dir.path().join("monitor.sock");

    let mut monitor = match trial.handler {
        Handler::Reference => Some(
            MonitorProcess::spawn(&binaries.monitor, &socket, &dump_dir)
                .map_err(|source| RunError::Handler { handler: trial.handler.name(), source })?,
        ),
        Handler::InProcess => None,
    };

    let case_err = |source| RunError::Case { exe: binaries.case.clone(), source };
    let started = Instant::now();
    let mut child = Command::new(&binaries.case)
        .args(match &trial.case.file {
            Some(file) => vec![std::ffi::OsString::from("--case-file"), file.into()],
            None => vec![std::ffi::OsString::from(&trial.case.id)],
        })
        .arg("--handler")
        .arg(trial.handler.name())
        // The least environment: only what a case reads.
        .env_clear()
        .env(TRUTH_ENV, &truth_path)
        .env(SOCKET_ENV, &socket)
        .env(DUMP_DIR_ENV, &dump_dir)
        .env(MARKER_ENV, marker(&trial))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(case_err)?;
    let stderr_reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        })
    });

    let ending = loop {
        if let Some(status) = child.try_wait().map_err(case_err)? {
            break match status.signal() {
                Some(signal) => Ending::Signal(signal),
                None => Ending::Exit(status.code().unwrap_or(-1)),
            };
        }
        if started.elapsed() > limits.case_deadline {
            kill_group(child.id());
            let _ = child.wait();
            break Ending::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let dumps = wait_for_dumps(&dump_dir, limits.dump_grace);
    let wall = started.elapsed();
    // The group may hold stragglers (a helper the case forked); end them too.
    kill_group(child.id());
    let stderr = stderr_reader.and_then(|h| h.join().ok()).unwrap_or_default();
    let handler_died = monitor.as_mut().and_then(|m| m.ended()).map(|status| status.to_string());
    let monitor_events = monitor.map(|m| m.drain_events()).unwrap_or_default();

    let truth = Truth::read(&truth_path).map_err(|e| e.to_string());
    Ok(TrialRecord {
        trial,
        run_dir,
        truth,
        dumps,
        ending,
        monitor_events,
        handler_died,
        stderr,
        wall,
    })
}

/// A value for `CRASHSUITE_MARKER` that no other trial's environment holds.
fn marker(trial: &Trial) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{}-{}-{nanos}", trial.handler.name(), trial.case.id)
}

fn kill_group(pgid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// The final `.dmp` files in `dir`, oldest first, waiting up to `grace` for
/// the first to appear.
fn wait_for_dumps(dir: &Path, grace: Duration) -> Vec<PathBuf> {
    let deadline = Instant::now() + grace;
    loop {
        let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "dmp"))
            .map(|path| {
                let modified = path.metadata().and_then(|m| m.modified());
                (modified.unwrap_or(std::time::UNIX_EPOCH), path)
            })
            .collect();
        if !found.is_empty() || Instant::now() >= deadline {
            found.sort();
            return found.into_iter().map(|(_, path)| path).collect();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
