//! The matrix executor: runs trials where they run, grades each, and
//! reports each outcome as it arrives. The `crashsuite run` command and the
//! conformance tests both run trials through it.

use crate::{
    hang::Hang,
    place::Place,
    trial::{NotRun, Trial, TrialRecord},
};
use crashsuite_grader::Grade;
use std::{path::PathBuf, time::Duration, time::Instant};

/// How one trial came out.
#[derive(Debug)]
pub enum Outcome {
    /// It ran and was graded.
    Graded(Box<Graded>),
    /// It does not run here.
    NotRun(NotRun),
    /// It could not be run: the runner failed (an executable would not
    /// start, the emulated machine stopped). Not a verdict on the handler.
    Error(String),
}

/// A trial that ran, with its grade.
#[derive(Debug)]
pub struct Graded {
    /// Every verdict.
    pub grade: Grade,
    /// How long it took.
    pub timings: Timings,
    /// The run directory (dump, truth record), when it was kept.
    pub kept: Option<PathBuf>,
    /// The hang, when the crashed case sat still and was dumped from
    /// outside: where each of its threads waited.
    pub hang: Option<Hang>,
}

/// How long a graded trial took.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Case start to dump found.
    pub wall: Duration,
    /// Crash to the first dump final, in milliseconds.
    pub latency_ms: Option<f64>,
    /// Grading.
    pub verify: Duration,
}

/// Which run directories outlive their trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// None.
    #[default]
    None,
    /// Every graded trial's.
    All,
    /// Those of trials that did not pass.
    Failed,
}

/// Runs `trials` at `place`, `jobs` at a time; `done` sees each trial's
/// outcome as it arrives. Outcomes come back in trial order, one per trial:
/// a trial that cannot run is [`Outcome::NotRun`], one whose run failed is
/// [`Outcome::Error`], and the rest go on.
pub fn run(
    place: &Place,
    trials: &[Trial],
    jobs: usize,
    keep: Keep,
    mut done: impl FnMut(&Trial, &Outcome),
) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(trials.len());
    let mut runnable = Vec::new();
    let mut slots = Vec::new();
    for trial in trials {
        match place.refuses(trial) {
            Ok(()) => {
                slots.push(outcomes.len());
                runnable.push(*trial);
                outcomes.push(None);
            }
            Err(reason) => {
                let outcome = Outcome::NotRun(reason);
                done(trial, &outcome);
                outcomes.push(Some(outcome));
            }
        }
    }
    let ran = place.run(
        &runnable,
        jobs,
        |trial, record| match record {
            Ok(record) => grade(record, keep),
            Err(e) => Outcome::Error(format!("running {}: {e}", trial.name())),
        },
        |index, outcome| done(&runnable[index], outcome),
    );
    for (slot, outcome) in slots.into_iter().zip(ran) {
        outcomes[slot] = Some(outcome);
    }
    outcomes.into_iter().map(|o| o.unwrap_or_else(|| unreachable!("every trial has one"))).collect()
}

/// Grades one trial's record and keeps its run directory if asked.
pub fn grade(record: TrialRecord, keep: Keep) -> Outcome {
    let grading = Instant::now();
    let grade = record.grade();
    let timings =
        Timings { wall: record.wall, latency_ms: record.latency_ms(), verify: grading.elapsed() };
    let kept = match keep {
        Keep::All => true,
        Keep::Failed => !grade.passed(),
        Keep::None => false,
    }
    .then(|| record.run_dir.keep());
    let hang = record.hang;
    Outcome::Graded(Box::new(Graded { grade, timings, kept, hang }))
}
