//! `crashsuite run`: the conformance matrix, graded, printed and written.

use crashsuite::{
    output::{self, Progress},
    repeats, report,
    results::{Repeats, Results, TrialResult},
};
use crashsuite_data::Exit;
use crashsuite_grader::Grade;
use crashsuite_runner::{
    Handler, Place, Platform, Trial,
    matrix::{self, Keep, Outcome},
};
use std::{path::PathBuf, time::Instant};

/// What to run and what to show.
pub struct Request<'a> {
    /// Where: this host, the emulated machine or Wine.
    pub platform: Platform,
    /// The handlers graded.
    pub handlers: &'a [&'static Handler],
    /// The cases (every case when empty).
    pub cases: &'a [String],
    /// Where results.json, junit.xml and matrix.md go.
    pub report: Option<PathBuf>,
    /// Keep every run directory.
    pub keep: bool,
    /// Print every verdict.
    pub verbose: bool,
    /// Print the results as JSON instead of tables.
    pub json: bool,
    /// Trials at a time.
    pub jobs: usize,
    /// Rounds of the whole matrix (1 unless counting intermittent failures).
    pub repeat: usize,
}

/// Runs the matrix: [`Exit::Failure`] when a trial failed,
/// [`Exit::HarnessError`] when one could not be run.
pub fn run(request: Request<'_>) -> anyhow::Result<Exit> {
    let Request {
        platform,
        handlers,
        cases,
        report: report_dir,
        keep,
        verbose,
        json,
        jobs,
        repeat,
    } = request;
    let repeat = repeat.max(1);
    super::check_cases(cases)?;
    let trials: Vec<Trial> = Trial::matrix(handlers)?
        .into_iter()
        .filter(|t| cases.is_empty() || cases.contains(&t.case.id))
        .collect();
    let place = Place::locate(platform)?;
    if platform.in_vm() {
        eprintln!("booting the emulated {} machine for the trials", platform.label());
    }
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let mut progress = Progress::new((trials.len() * repeat) as u64);
    let keep = if keep { Keep::All } else { Keep::None };
    let mut rounds = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        rounds.push(matrix::run(&place, &trials, jobs, keep, |trial, outcome| {
            let name = trial.name();
            match outcome {
                Outcome::Graded(graded) => {
                    let verdict = match (graded.grade.passed(), &graded.hang) {
                        (true, None) => "ok",
                        (true, Some(_)) => "ok, hung (a known deviation)",
                        (false, None) => "FAILED",
                        (false, Some(_)) => "FAILED, hung",
                    };
                    progress.step(format_args!(
                        "{name}: {verdict} ({} ms)",
                        graded.timings.wall.as_millis()
                    ));
                    if let Some(dir) = &graded.kept {
                        progress.note(format_args!("{name}: kept {}", dir.display()));
                    }
                    if verbose {
                        progress.note(graded.grade.explain());
                    }
                }
                Outcome::NotRun(reason) => progress.step(format_args!("{name}: not run: {reason}")),
                Outcome::Error(error) => {
                    progress.step(format_args!("{name}: error"));
                    progress.note(format_args!("{name}: {error}"));
                }
            }
        }));
    }
    progress.finish();
    let tallies = (repeat > 1).then(|| Repeats {
        rounds: repeat,
        intermittent: repeats::tally(&trials, &platform.label(), &rounds),
        unlisted: repeats::unlisted(&trials, &rounds),
    });
    let trials: Vec<TrialResult> = trials
        .iter()
        .zip(worst_of(rounds))
        .map(|(trial, outcome)| TrialResult::new(trial, outcome))
        .collect();
    let mut results = Results::new(platform, handlers, trials, started_at, started.elapsed());
    results.repeats = tallies;
    let permanent = results.repeats.as_ref().map_or(0, |r| {
        r.intermittent.iter().filter(|t| t.finding == repeats::Finding::Permanent).count()
    });
    let grades: Vec<&Grade> = results.trials.iter().filter_map(|r| r.grade.as_ref()).collect();
    let failed = grades.iter().filter(|g| !g.passed()).count();
    let errors: Vec<&TrialResult> = results.trials.iter().filter(|t| t.error.is_some()).collect();
    if json {
        output::json(&results)?;
    } else {
        if handlers.len() > 1 {
            // Several handlers: their figures, then the cases side by side.
            output::line(format_args!(
                "{}\n\n{}",
                results.summary_table(),
                results.side_by_side()
            ))?;
        } else {
            output::line(report::table(&grades))?;
        }
        output::print(report::details(&grades, verbose))?;
        for trial in &results.trials {
            if let Some(hang) = &trial.hang {
                let name = format!("{}::{}", trial.handler, trial.case);
                output::print(report::hang(&name, hang))?;
            }
        }
        for trial in &errors {
            output::line(format_args!(
                "{}::{} error: {}",
                trial.handler,
                trial.case,
                trial.error.as_deref().unwrap_or_default()
            ))?;
        }
        let errors = match errors.len() {
            0 => String::new(),
            n => format!(", {n} could not run"),
        };
        output::line(format_args!(
            "{} trials, {} passed, {failed} failed{errors}, in {:.1} s",
            grades.len(),
            grades.len() - failed,
            started.elapsed().as_secs_f64()
        ))?;
        if let Some(counted) = &results.repeats {
            output::print(repeats::describe(
                &counted.intermittent,
                &counted.unlisted,
                counted.rounds,
            ))?;
        }
    }
    if let Some(dir) = report_dir {
        results.write(&dir)?;
        eprintln!("results written to {}", dir.display());
    }
    if failed > 0 || permanent > 0 {
        // A failed trial, or an entry listed as intermittent that failed in
        // every round: its evidence no longer holds.
        return Ok(Exit::Failure);
    }
    if !errors.is_empty() {
        // The runner failed, not a handler: the trials that ran are graded
        // and written above all the same.
        return Ok(Exit::HarnessError);
    }
    if grades.is_empty() {
        anyhow::bail!("no trial could run here (the reasons are above)");
    }
    Ok(Exit::Success)
}

/// Each trial's outcome over the rounds: the first that did not pass (an
/// error or a failure), or else the last.
fn worst_of(rounds: Vec<Vec<Outcome>>) -> Vec<Outcome> {
    let mut worst: Vec<Option<Outcome>> = Vec::new();
    for round in rounds {
        worst.resize_with(round.len(), || None);
        for (kept, outcome) in worst.iter_mut().zip(round) {
            let settled = match kept {
                Some(Outcome::Graded(graded)) => !graded.grade.passed(),
                Some(Outcome::Error(_)) => true,
                Some(Outcome::NotRun(_)) | None => false,
            };
            if !settled {
                *kept = Some(outcome);
            }
        }
    }
    worst.into_iter().flatten().collect()
}
