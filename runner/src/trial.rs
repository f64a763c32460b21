//! Running one trial: a case under a handler, in a fresh run directory.

use crate::hang::{Hang, HangWatch};
use crate::watch::DumpWatch;
use crate::{
    binaries::{Binaries, MissingBinary},
    handlers::Handler,
    platform::Platform,
    process,
};
use crashsuite_cases::{Case, DUMP_DIR_ENV, MARKER_ENV, SOCKET_ENV, TRUTH_ENV, Truth};
use crashsuite_data::{ObservedEnding, truth::TruthError};
use crashsuite_grader::{Deviations, Grade, Observation};
use crashsuite_handler::{Event, MonitorProcess};
use std::{
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
    /// How long a dump may take to appear after the case exits (default:
    /// what the handler's manifest says).
    pub dump_grace: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self { case_deadline: Duration::from_secs(20), dump_grace: None }
    }
}

impl Limits {
    /// The limits for trials on `platform`: the default, but under Wine,
    /// whose `MiniDumpWriteDump` takes about 9 s a dump (more with others
    /// dumping at once), a case may take 90 s.
    pub fn for_platform(platform: Platform) -> Self {
        if platform.under_wine() {
            Self { case_deadline: Duration::from_secs(90), ..Self::default() }
        } else {
            Self::default()
        }
    }
}

/// One (handler, case) pair.
#[derive(Debug, Clone, Copy)]
pub struct Trial {
    /// The handler.
    pub handler: &'static Handler,
    /// The case.
    pub case: &'static Case,
}

impl Trial {
    /// Every trial of these handlers over the whole catalogue.
    pub fn matrix(
        handlers: &[&'static Handler],
    ) -> Result<Vec<Trial>, crashsuite_cases::CatalogueError> {
        let cases = crashsuite_cases::catalogue()?;
        Ok(handlers
            .iter()
            .flat_map(|&handler| cases.iter().map(move |case| Trial { handler, case }))
            .collect())
    }

    /// `handler::case`, the trial's test name.
    pub fn name(&self) -> String {
        format!("{}::{}", self.handler.name, self.case.id)
    }

    /// Why the trial cannot run here, if it cannot: the case is for another
    /// platform, the handler does not support it, or the handler's
    /// executables are not built.
    pub fn runs_here(&self, binaries: &Binaries) -> Result<(), NotRun> {
        self.runs_on(Platform::HOST, binaries)
    }

    /// [`Trial::runs_here`] for trials on `platform`, with its executables
    /// in `binaries`.
    pub fn runs_on(&self, platform: Platform, binaries: &Binaries) -> Result<(), NotRun> {
        self.runs_on_platform(platform)?;
        self.handler.executables(binaries).map(drop).map_err(|e| NotRun::NotBuilt(e.to_string()))
    }

    /// [`Trial::runs_on`] without looking for executables: whether the case,
    /// the handler and the platform allow it.
    pub fn runs_on_platform(&self, platform: Platform) -> Result<(), NotRun> {
        self.case.runs_on(platform.os, platform.arch).map_err(NotRun::CaseElsewhere)?;
        if !self.handler.runs_on(&platform.system()) {
            return Err(NotRun::HandlerElsewhere {
                handler: self.handler.name.clone(),
                platforms: self.handler.platforms.clone(),
            });
        }
        if platform.under_wine()
            && let Some(reason) = crate::wine::unsupported(self.case.trigger)
        {
            return Err(NotRun::NotUnderWine(reason));
        }
        if let Some(reason) = self.handler.unsupported(&self.case.id) {
            return Err(NotRun::Unsupported {
                handler: self.handler.name.clone(),
                reason: reason.to_owned(),
            });
        }
        Ok(())
    }
}

/// Why a trial does not run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotRun {
    /// The case is for another system or architecture.
    #[error(transparent)]
    CaseElsewhere(#[from] crashsuite_cases::catalogue::Elsewhere),
    /// The handler does not run on this platform.
    #[error("{handler} runs on {} only", platforms.join(", "))]
    HandlerElsewhere {
        /// The handler.
        handler: String,
        /// Where it runs.
        platforms: Vec<String>,
    },
    /// Wine cannot run the case (the limitation is named).
    #[error("not under Wine: {0}")]
    NotUnderWine(&'static str),
    /// The handler's manifest says it does not support the case.
    #[error("{handler} does not support it: {reason}")]
    Unsupported {
        /// The handler.
        handler: String,
        /// Its manifest's reason.
        reason: String,
    },
    /// The handler's executables are not built here.
    #[error("{0}")]
    NotBuilt(String),
    /// The platform's trials cannot run here (the emulated machine or Wine
    /// is not set up).
    #[error("{0}")]
    NoPlace(String),
}

/// Everything one trial produced.
#[derive(Debug)]
pub struct TrialRecord {
    /// What ran.
    pub trial: Trial,
    /// Where it ran.
    pub platform: Platform,
    /// The run directory (removed when the record is dropped unless kept).
    pub run_dir: tempfile::TempDir,
    /// The truth record, or why there is none.
    pub truth: Result<Truth, TruthError>,
    /// The dump files that appeared, oldest first.
    pub dumps: Vec<PathBuf>,
    /// How the case ended.
    pub ending: ObservedEnding,
    /// What the monitor reported.
    pub monitor_events: Vec<Event>,
    /// How the handler's own process ended, when it died during the trial.
    pub handler_died: Option<String>,
    /// The case's standard error.
    pub stderr: String,
    /// Case start to dump found.
    pub wall: Duration,
    /// `CLOCK_MONOTONIC` (ns) when the first dump became final (see
    /// [`crate::watch`]), if one did.
    pub dump_final_ns: Option<u64>,
    /// `CLOCK_MONOTONIC` (ns) when the case process was seen to end, when
    /// the harness saw it on the case's own clock (not for emulated trials).
    pub ended_ns: Option<u64>,
    /// The hang, when the crashed case sat still and was dumped from
    /// outside (see [`crate::hang`]).
    pub hang: Option<Hang>,
    /// Directories of the system's module files that the dump's paths do
    /// not lead to, for its stack walks (under Wine, the prefix's
    /// `system32`).
    pub symbols: Vec<PathBuf>,
}

impl TrialRecord {
    /// Grades the trial with every rule, against its truth record and the
    /// handler's known deviations on its case and platform.
    pub fn grade(&self) -> Grade {
        self.grade_dumps(&self.dumps)
    }

    /// The handler's known deviations on this trial's case and platform.
    pub fn known_deviations(&self) -> Deviations {
        self.trial.handler.deviations.for_case(&self.trial.case.id, &self.platform.label())
    }

    /// [`TrialRecord::grade`] with `dumps` in place of the ones the trial
    /// left (a dump rewritten to test the grader, say).
    pub fn grade_dumps(&self, dumps: &[PathBuf]) -> Grade {
        let known = self.known_deviations();
        crashsuite_grader::grade(&Observation {
            name: self.trial.name(),
            truth: self.truth.as_ref(),
            dumps,
            ending: &self.ending,
            stderr: &self.stderr,
            handler_died: self.handler_died.as_deref(),
            known: &known,
            symbols: &self.symbols,
        })
    }

    /// Crash (the truth record's stamp, taken just before the trigger) to
    /// the first dump final, in milliseconds, when both are known.
    pub fn latency_ms(&self) -> Option<f64> {
        let stamp = self.truth.as_ref().ok()?.monotonic_ns;
        Some(self.dump_final_ns?.saturating_sub(stamp) as f64 / 1e6)
    }

    /// Crash to the case process seen gone, in milliseconds.
    pub fn gone_ms(&self) -> Option<f64> {
        let stamp = self.truth.as_ref().ok()?.monotonic_ns;
        Some(self.ended_ns?.saturating_sub(stamp) as f64 / 1e6)
    }
}

/// A trial could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Preparing the run directory failed.
    #[error("making a run directory: {0}")]
    RunDir(std::io::Error),
    /// An executable is missing.
    #[error(transparent)]
    Missing(#[from] MissingBinary),
    /// The handler could not be started.
    #[error("starting the {handler} handler: {source}")]
    Handler {
        /// Handler name.
        handler: String,
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
    /// The emulated machine stopped before the trial came back (one error,
    /// shared by every trial of the boot).
    #[error("the emulated machine stopped first: {0}")]
    MachineStopped(std::sync::Arc<dyn std::error::Error + Send + Sync>),
    /// The emulated machine ended without running the trial.
    #[error("the emulated machine never ran it")]
    NeverRan,
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

    let handler = trial.handler;
    let (exe, monitor_exe) = handler.executables(binaries)?;
    let final_dumps = match &handler.dump_subdir {
        Some(subdir) => dump_dir.join(subdir),
        None => dump_dir.clone(),
    };
    process::create_private_dir(&final_dumps).map_err(RunError::RunDir)?;
    let watch = DumpWatch::start(&final_dumps).map_err(RunError::RunDir)?;

    let case_err = |source| RunError::Case { exe: exe.clone(), source };
    // Windows executables run under Wine, which reads paths as Windows's.
    let wine = binaries
        .platform
        .under_wine()
        .then(crate::wine::Wine::locate)
        .transpose()
        .map_err(|e| case_err(std::io::Error::other(e)))?;
    let path_env = |path: &Path| match wine {
        Some(_) => crate::wine::windows_path(path),
        None => path.as_os_str().to_owned(),
    };
    // The monitor's socket; under Wine a pipe name. Either goes to the case
    // as it is.
    let socket = match &wine {
        Some(_) => crate::wine::pipe_name(run_dir.path()),
        None => run_dir.path().join("monitor.sock"),
    };
    let mut monitor = monitor_exe
        .map(|monitor| match &wine {
            Some(wine) => wine.start_monitor(&monitor, &socket, &dump_dir),
            None => MonitorProcess::spawn(&monitor, &socket, &dump_dir),
        })
        .transpose()
        .map_err(|source| RunError::Handler { handler: handler.name.clone(), source })?;

    let mut command = match &wine {
        Some(wine) => wine.command(&exe).map_err(case_err)?,
        // The least environment: only what a case reads.
        None => {
            let mut command = Command::new(&exe);
            command.env_clear();
            command
        }
    };
    let started = Instant::now();
    let mut child = process::own_group(&mut command)
        .args(match &trial.case.file {
            Some(file) => vec![std::ffi::OsString::from("--case-file"), path_env(file)],
            None => vec![std::ffi::OsString::from(&trial.case.id)],
        })
        .args(&handler.args)
        .env(TRUTH_ENV, path_env(&truth_path))
        .env(SOCKET_ENV, &socket)
        .env(DUMP_DIR_ENV, path_env(&dump_dir))
        .env(MARKER_ENV, marker(&trial))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(case_err)?;
    let stderr_reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        })
    });

    // A case under Wine runs Wine's own processes, which the watch cannot
    // read as the case's; it runs to its deadline.
    let others = monitor.as_ref().map(|m| vec![m.pid()]).unwrap_or_default();
    let mut hang_watch =
        wine.is_none().then(|| HangWatch::new(child.id(), others, &dump_dir, &truth_path));
    let mut hang = None;
    let deadline = started + limits.case_deadline;
    let ending = process::wait_watching(&mut child, deadline, || {
        let watch = hang_watch.as_mut()?;
        let quiet = watch.hung_for()?;
        hang = Some(watch.diagnose(quiet, &run_dir.path().join("hung")));
        Some(ObservedEnding::Hung { quiet_ms: quiet.as_millis() as u64 })
    })
    .map_err(case_err)?;
    let ending = match ending {
        ObservedEnding::Exit(code) if wine.is_some() => ObservedEnding::ExitLowByte(code as u8),
        ending => ending,
    };
    let ended_ns = crashsuite_cases::monotonic_ns();
    // A hung case's handler wrote nothing for a second: no dump is coming.
    let grace = match hang {
        Some(_) => Duration::ZERO,
        None => limits.dump_grace.unwrap_or(handler.dump_grace),
    };
    let dumps = wait_for_dumps(&final_dumps, grace, || process::group_alive(child.id()));
    let wall = started.elapsed();
    let dump_final_ns = watch.finish();
    // The group may hold stragglers (a helper the case forked); end them too.
    process::kill_group(child.id());
    let stderr = stderr_reader.and_then(|h| h.join().ok()).unwrap_or_default();
    let handler_died = monitor.as_mut().and_then(|m| m.ended()).map(|status| status.to_string());
    let monitor_events = monitor.map(|m| m.drain_events()).unwrap_or_default();

    let truth = Truth::read(&truth_path);
    if let (Some(hang), Ok(truth)) = (&mut hang, &truth) {
        hang.after_crash_ms = Some(ended_ns.saturating_sub(truth.monotonic_ns) as f64 / 1e6);
    }
    Ok(TrialRecord {
        trial,
        platform: binaries.platform,
        run_dir,
        truth,
        dumps,
        ending,
        monitor_events,
        handler_died,
        stderr,
        wall,
        dump_final_ns,
        ended_ns: Some(ended_ns),
        hang,
        symbols: wine.iter().map(crate::wine::Wine::system_dir).collect(),
    })
}

/// A value for `CRASHSUITE_MARKER` that no other trial's environment holds.
pub(crate) fn marker(trial: &Trial) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{}-{}-{nanos}", trial.handler.name, trial.case.id)
}

/// How long the harness keeps watching for another dump after the first,
/// while anything of the case's process group still runs: DMP-01 counts the
/// dumps, and a second one written a little later must not go unseen.
pub const SETTLE: Duration = Duration::from_millis(100);

/// The final `.dmp` files in `dir`, oldest first: waits up to `grace` for the
/// first to appear, then up to [`SETTLE`] more while `group_alive` says a
/// process that could still write one runs.
fn wait_for_dumps(dir: &Path, grace: Duration, group_alive: impl Fn() -> bool) -> Vec<PathBuf> {
    let deadline = Instant::now() + grace;
    let mut settled = None;
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
        let now = Instant::now();
        let done = if found.is_empty() {
            now >= deadline
        } else {
            now >= *settled.get_or_insert(now + SETTLE) || !group_alive()
        };
        if done {
            found.sort();
            return found.into_iter().map(|(_, path)| path).collect();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `work` on every item, `jobs` at a time, and returns the results in
/// item order. `done` sees each result as it arrives, on the calling thread.
pub fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, &R),
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (send, receive) = std::sync::mpsc::channel();
    let mut results: Vec<Option<R>> = items.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            let send = send.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    if send.send((index, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        for (index, result) in receive {
            done(index, &result);
            results[index] = Some(result);
        }
    });
    results.into_iter().map(|r| r.unwrap_or_else(|| unreachable!("every item ran"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_dump_written_while_the_group_lives_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("first.dmp"), b"1").unwrap();
        // The second dump appears after the first look, while the group lives.
        let later = dir.path().join("second.dmp");
        let dumps = wait_for_dumps(dir.path(), Duration::ZERO, || {
            if !later.exists() {
                std::thread::sleep(Duration::from_millis(20));
                std::fs::write(&later, b"2").unwrap();
            }
            true
        });
        let names: Vec<_> = dumps.iter().filter_map(|p| p.file_name()).collect();
        assert_eq!(names, ["first.dmp", "second.dmp"]);
    }

    #[test]
    fn with_the_group_gone_the_first_dump_ends_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("only.dmp"), b"1").unwrap();
        let asked = std::cell::Cell::new(0);
        let dumps = wait_for_dumps(dir.path(), Duration::from_secs(5), || {
            asked.set(asked.get() + 1);
            false
        });
        assert_eq!(dumps.len(), 1);
        assert_eq!(asked.get(), 1, "one look, no settling");
    }
}
