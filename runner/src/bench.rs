//! What a crash costs: crash-to-dump latency, the time until the crashed
//! process is gone, dump size and verify time, per (handler, case), with
//! medians, 90th percentiles and each handler's ratio to the reference.
//!
//! Latency runs from the truth record's `CLOCK_MONOTONIC` stamp, the last
//! step before the trigger, to the moment the first `*.dmp` became final
//! ([`crate::watch`]); the same clock on both sides. Handlers are
//! interleaved per case (A B A B ...), so drift on a shared machine falls on
//! all of them alike.

use crate::{Trial, binaries::Binaries, handlers, trial};
use crashsuite_cases::{Case, CatalogueError};
use serde::{Deserialize, Serialize};
use std::{path::Path, process::Command, time::Instant};

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A trial could not be run.
    #[error(transparent)]
    Run(#[from] trial::RunError),
    /// A process timed against another could not be run.
    #[error("running {program}: {source}")]
    Process {
        /// The program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The generated cases of the curves could not be written or read.
    #[error("a generated case: {0}")]
    Case(#[from] CatalogueError),
    /// Writing a generated case file failed.
    #[error("writing a generated case: {0}")]
    Io(#[from] std::io::Error),
    /// A generated case could not be written as TOML.
    #[error("a generated case as TOML: {0}")]
    Toml(#[from] toml::ser::Error),
    /// The case the curves derive from is not in the catalogue.
    #[error("the catalogue has no {0}, which the curves derive from")]
    NoBaseCase(&'static str),
}

/// One measured trial.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Handler name.
    pub handler: String,
    /// Case id.
    pub case: String,
    /// Threads in the case's process at the crash (curves).
    pub threads: u32,
    /// MiB of heap the case touched before the crash (curves).
    pub ballast_mib: u32,
    /// Truth stamp to the first dump final, in ms (none without a dump).
    pub latency_ms: Option<f64>,
    /// Truth stamp to the case process gone, in ms.
    pub gone_ms: Option<f64>,
    /// Size of the first dump.
    pub dump_bytes: Option<u64>,
    /// Grading the trial (parse, walk with symbols, every rule), in ms.
    pub verify_ms: f64,
    /// Whether every MUST rule passed (known deviations aside).
    pub passed: bool,
    /// Whole-process `crashsuite verify` on the dump, in ms (with
    /// `--stackwalk`).
    pub verify_process_ms: Option<f64>,
    /// Whole-process `minidump-stackwalk --use-local-debuginfo` on the same
    /// dump, in ms (with `--stackwalk`).
    pub stackwalk_ms: Option<f64>,
    /// Where the time went, for a handler whose monitor reports it (the
    /// reference handler's, in its `dump` event).
    pub profile: Option<Profile>,
}

/// Where one dump's time went, in ms, as the monitor measured it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Profile {
    /// Crash (the truth stamp) to the request at the monitor: the signal
    /// delivered, the client's handler, the request sent.
    pub request_ms: f64,
    /// The system's writer: threads stopped, `/proc` and memory read, the
    /// dump laid out in memory.
    pub writer_ms: f64,
    /// Annotations appended, the file written and fsynced, renamed into
    /// place, the directory fsynced.
    pub persist_ms: f64,
}

impl Profile {
    /// The profile of `record`'s first dump, from its monitor's `dump` event.
    fn of(record: &trial::TrialRecord) -> Option<Self> {
        let stamp = record.truth.as_ref().ok()?.monotonic_ns;
        record.monitor_events.iter().find_map(|event| match event {
            crashsuite_handler::Event::Dump {
                received_ns, writer_micros, persist_micros, ..
            } => Some(Self {
                request_ms: received_ns.saturating_sub(stamp) as f64 / 1e6,
                writer_ms: *writer_micros as f64 / 1e3,
                persist_ms: *persist_micros as f64 / 1e3,
            }),
            _ => None,
        })
    }
}

/// Options of a measurement.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Runs per trial.
    pub runs: usize,
    /// A `minidump-stackwalk` executable to compare verify time with.
    pub stackwalk: Option<&'a Path>,
}

/// Runs every trial `options.runs` times, interleaved: run 1 of every
/// handler on a case, then run 2 of each, and so on. `progress` is told of
/// each sample.
pub fn measure(
    binaries: &Binaries,
    trials: &[Trial],
    options: &Options,
    mut progress: impl FnMut(&Sample),
) -> Result<Vec<Sample>, BenchError> {
    let mut samples = Vec::new();
    let mut cases: Vec<&'static Case> = Vec::new();
    for trial in trials {
        if !cases.iter().any(|c| std::ptr::eq(*c, trial.case)) {
            cases.push(trial.case);
        }
    }
    for case in cases {
        let of_case: Vec<&Trial> = trials.iter().filter(|t| std::ptr::eq(t.case, case)).collect();
        for _ in 0..options.runs {
            for trial in &of_case {
                let sample = measure_one(binaries, **trial, options)?;
                progress(&sample);
                samples.push(sample);
            }
        }
    }
    Ok(samples)
}

fn measure_one(binaries: &Binaries, trial: Trial, options: &Options) -> Result<Sample, BenchError> {
    let record = trial::run(binaries, trial, trial::Limits::default())?;
    let graded_at = Instant::now();
    let grade = record.grade();
    let verify_ms = ms(graded_at.elapsed());
    let dump = record.dumps.first();
    let (verify_process_ms, stackwalk_ms) = match (options.stackwalk, dump) {
        (Some(stackwalk), Some(dump)) => {
            let truth = record.run_dir.path().join("truth.json");
            let ours = time_process(
                Command::new(std::env::current_exe()?)
                    .arg("verify")
                    .arg(dump)
                    .arg("--truth")
                    .arg(&truth),
            )?;
            let theirs =
                time_process(Command::new(stackwalk).arg("--use-local-debuginfo").arg(dump))?;
            (Some(ours), Some(theirs))
        }
        _ => (None, None),
    };
    let scene = &trial.case.scene;
    Ok(Sample {
        handler: trial.handler.name.clone(),
        case: trial.case.id.clone(),
        threads: 1 + scene.workers + scene.crashers.saturating_sub(1),
        ballast_mib: scene.ballast_mib,
        latency_ms: record.latency_ms(),
        gone_ms: record.gone_ms(),
        dump_bytes: dump.and_then(|d| d.metadata().ok()).map(|m| m.len()),
        verify_ms,
        passed: grade.passed(),
        verify_process_ms,
        stackwalk_ms,
        profile: Profile::of(&record),
    })
}

/// Wall time of a process, in ms; its output is discarded, and its exit
/// status does not matter (a failing rule exits 1).
fn time_process(command: &mut Command) -> Result<f64, BenchError> {
    use std::process::Stdio;
    let started = Instant::now();
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().map_err(|source| {
        BenchError::Process { program: command.get_program().to_string_lossy().into(), source }
    })?;
    Ok(ms(started.elapsed()))
}

fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Median and 90th percentile (nearest rank).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Spread {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

impl Spread {
    /// The spread of `values`, or `None` when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut values: Vec<f64> = values.into_iter().collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let rank = |p: f64| values[((p * values.len() as f64).ceil() as usize).max(1) - 1];
        Some(Self { p50: rank(0.5), p90: rank(0.9) })
    }
}

impl std::fmt::Display for Spread {
    /// `p50 / p90`, two decimals.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} / {:.2}", self.p50, self.p90)
    }
}

/// `spread` as `p50 / p90`, or a dash when there is none.
pub fn show(spread: Option<Spread>) -> String {
    spread.map_or("—".to_owned(), |s| s.to_string())
}

/// The summary of one (handler, case).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Handler name.
    pub handler: String,
    /// Case id.
    pub case: String,
    /// Samples taken.
    pub runs: usize,
    /// Samples in which every MUST rule passed.
    pub passed: usize,
    /// Crash to dump final, ms.
    pub latency_ms: Option<Spread>,
    /// Crash to process gone, ms.
    pub gone_ms: Option<Spread>,
    /// Dump size, bytes.
    pub dump_bytes: Option<Spread>,
    /// Grading, ms.
    pub verify_ms: Option<Spread>,
    /// The reference handler's median latency on this case divided by this
    /// handler's (≤ 1: the reference is as fast or faster).
    pub reference_ratio: Option<f64>,
    /// Median whole-process `crashsuite verify` divided by median
    /// `minidump-stackwalk --use-local-debuginfo`.
    pub stackwalk_ratio: Option<f64>,
    /// The medians behind `stackwalk_ratio`, ms: ours, then stackwalk's.
    pub stackwalk_ms: Option<(f64, f64)>,
    /// Where the time went (see [`Profile`]), when the monitor reported it.
    pub profile: Option<ProfileRow>,
}

/// The spreads of a row's [`Profile`]s.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProfileRow {
    /// Crash to the request at the monitor, ms.
    pub request_ms: Spread,
    /// The system's writer, ms.
    pub writer_ms: Spread,
    /// Writing, fsyncing and renaming the file, ms.
    pub persist_ms: Spread,
}

impl ProfileRow {
    fn of(profiles: &[Profile]) -> Option<Self> {
        Some(Self {
            request_ms: Spread::of(profiles.iter().map(|p| p.request_ms))?,
            writer_ms: Spread::of(profiles.iter().map(|p| p.writer_ms))?,
            persist_ms: Spread::of(profiles.iter().map(|p| p.persist_ms))?,
        })
    }
}

/// One row per (handler, case), in the order first measured.
pub fn summarise(samples: &[Sample]) -> Vec<Row> {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for s in samples {
        if !keys.contains(&(s.handler.as_str(), s.case.as_str())) {
            keys.push((&s.handler, &s.case));
        }
    }
    fn of<'a>(
        samples: &'a [Sample],
        handler: &'a str,
        case: &'a str,
    ) -> impl Iterator<Item = &'a Sample> + Clone {
        samples.iter().filter(move |s| s.handler == handler && s.case == case)
    }
    let reference = handlers::REFERENCE;
    keys.iter()
        .map(|&(handler, case)| {
            let latency = Spread::of(of(samples, handler, case).filter_map(|s| s.latency_ms));
            let reference_latency =
                Spread::of(of(samples, reference, case).filter_map(|s| s.latency_ms));
            let ours = Spread::of(of(samples, handler, case).filter_map(|s| s.verify_process_ms));
            let theirs = Spread::of(of(samples, handler, case).filter_map(|s| s.stackwalk_ms));
            Row {
                handler: handler.to_owned(),
                case: case.to_owned(),
                runs: of(samples, handler, case).count(),
                passed: of(samples, handler, case).filter(|s| s.passed).count(),
                latency_ms: latency,
                gone_ms: Spread::of(of(samples, handler, case).filter_map(|s| s.gone_ms)),
                dump_bytes: Spread::of(
                    of(samples, handler, case).filter_map(|s| s.dump_bytes).map(|b| b as f64),
                ),
                verify_ms: Spread::of(of(samples, handler, case).map(|s| s.verify_ms)),
                reference_ratio: match (reference_latency, latency) {
                    (Some(r), Some(l)) if handler != reference && l.p50 > 0.0 => {
                        Some(r.p50 / l.p50)
                    }
                    _ => None,
                },
                stackwalk_ratio: ours.zip(theirs).map(|(o, t)| o.p50 / t.p50),
                stackwalk_ms: ours.zip(theirs).map(|(o, t)| (o.p50, t.p50)),
                profile: ProfileRow::of(
                    &of(samples, handler, case).filter_map(|s| s.profile).collect::<Vec<_>>(),
                ),
            }
        })
        .collect()
}
