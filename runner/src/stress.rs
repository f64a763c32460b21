//! Load: one monitor, many clients crashing at once, every crash checked for
//! exactly one complete dump that fails no rule.

use crate::binaries::{Binaries, MissingBinary};
use crashsuite_cases::{SOCKET_ENV, TRUTH_ENV, Truth};
use crashsuite_handler::{Event, MonitorProcess};
use std::{
    collections::HashMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The cases the stress run cycles through: quick ones, on several kinds of
/// thread.
pub const CASES: &[&str] = &["segv_null_write", "abort", "segv_c_thread", "segv_cpp_thread"];

/// Why a stress run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StressError {
    /// Its working directory could not be made.
    #[error("a working directory: {0}")]
    WorkDir(std::io::Error),
    /// An executable is missing.
    #[error(transparent)]
    Missing(#[from] MissingBinary),
    /// The reference handler's manifest names no monitor.
    #[error("the reference handler's manifest names no monitor")]
    NoMonitor,
    /// The monitor could not be started.
    #[error("starting the monitor: {0}")]
    Monitor(#[from] crashsuite_handler::ClientError),
    /// A crashing client could not be started.
    #[error("starting {}: {source}", exe.display())]
    Client {
        /// The case executable.
        exe: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Clients still ran at the deadline.
    #[error("{0} crashing clients were still running after 60 s")]
    Stragglers(usize),
}

/// What a stress run found.
#[derive(Debug, Default, serde::Serialize)]
pub struct Figures {
    /// Crashes started.
    pub crashes: usize,
    /// Crashes with exactly one dump.
    pub dumped_once: usize,
    /// Crashes with no dump.
    pub lost: usize,
    /// Crashes with more than one dump.
    pub duplicated: usize,
    /// Dumps that failed a rule (a wrong fact, or a missing one at MUST), or
    /// crashes with no truth record.
    pub failed: Vec<String>,
    /// Wall time of the run.
    pub wall: Duration,
}

impl Figures {
    /// True when every crash has exactly one dump and every dump passed.
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.failed.is_empty()
    }
}

/// Crashes `crashes` case processes against one monitor, `clients` at a time,
/// and checks every dump. `progress` is told of each finished crash.
pub fn run(
    binaries: &Binaries,
    clients: usize,
    crashes: usize,
    mut progress: impl FnMut(usize),
) -> Result<Figures, StressError> {
    let dir = tempfile::Builder::new()
        .prefix("crashsuite-stress-")
        .tempdir()
        .map_err(StressError::WorkDir)?;
    let socket = dir.path().join("monitor.sock");
    let dumps = dir.path().join("dumps");
    let reference = crate::handlers::reference();
    let (case, monitor) = reference.executables(binaries)?;
    let monitor = monitor.ok_or(StressError::NoMonitor)?;
    let monitor = MonitorProcess::spawn(&monitor, &socket, &dumps)?;
    let started = Instant::now();

    let mut running: Vec<(Child, PathBuf)> = Vec::new();
    let mut truths: Vec<PathBuf> = Vec::new();
    let mut finished = 0;
    let mut reap = |running: &mut Vec<(Child, PathBuf)>, finished: &mut usize| {
        let before = running.len();
        running.retain_mut(|(child, _)| !matches!(child.try_wait(), Ok(Some(_))));
        *finished += before - running.len();
        if before != running.len() {
            progress(*finished);
        }
    };
    for i in 0..crashes {
        while running.len() >= clients.max(1) {
            reap(&mut running, &mut finished);
            std::thread::sleep(Duration::from_millis(1));
        }
        let truth = dir.path().join(format!("truth-{i}.json"));
        let child = Command::new(&case)
            .arg(CASES[i % CASES.len()])
            .args(&reference.args)
            .env(TRUTH_ENV, &truth)
            .env(SOCKET_ENV, &socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| StressError::Client { exe: case.clone(), source })?;
        running.push((child, truth.clone()));
        truths.push(truth);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !running.is_empty() {
        reap(&mut running, &mut finished);
        if Instant::now() > deadline {
            for (child, _) in &mut running {
                let _ = child.kill();
            }
            return Err(StressError::Stragglers(running.len()));
        }
        std::thread::sleep(Duration::from_millis(1));
    }

    progress(finished);
    // Let the last answers arrive, then match dumps to crashes by pid.
    std::thread::sleep(Duration::from_millis(100));
    let mut dumps_of: HashMap<u32, Vec<PathBuf>> = HashMap::new();
    for event in monitor.drain_events() {
        if let Event::Dump { pid, path, .. } = event {
            dumps_of.entry(pid).or_default().push(path);
        }
    }
    let mut figures = Figures { crashes, wall: started.elapsed(), ..Figures::default() };
    for truth_path in &truths {
        let truth = match Truth::read(truth_path) {
            Ok(truth) => truth,
            Err(e) => {
                figures.failed.push(e.to_string());
                continue;
            }
        };
        match dumps_of.get(&truth.pid).map(Vec::as_slice).unwrap_or_default() {
            [] => figures.lost += 1,
            [only] => {
                figures.dumped_once += 1;
                let grade = crashsuite_grader::verify(only, Some(&truth));
                if !grade.passed() {
                    let failed: Vec<&str> = grade.failures().map(|v| v.id).collect();
                    figures.failed.push(format!("{} (pid {}): {failed:?}", truth.case, truth.pid));
                }
            }
            _ => figures.duplicated += 1,
        }
    }
    drop(monitor);
    Ok(figures)
}
