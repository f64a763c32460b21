//! How sensitive the grader is: every one-fact lie of
//! [`crashsuite_mutate::lie::CATALOGUE`] told to real dumps, each graded as
//! the trial's own dump would be. A lie is caught when the lying dump fails
//! the trial that the honest one passed.

use crate::{
    place::Place,
    trial::{Trial, TrialRecord},
};
use crashsuite_grader::{Grade, RuleVerdict};
pub use crashsuite_mutate::lie::{CATALOGUE, Lie};
use serde::Serialize;

/// What one lie did to one trial's dump.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Told {
    /// The trial failed, and these rules failed it that did not before.
    Caught {
        /// The rules.
        rules: Vec<String>,
    },
    /// The trial still passed: no rule saw the lie.
    Missed,
    /// The lie does not apply to this dump, and why.
    NotApplicable {
        /// Why.
        reason: String,
    },
}

/// One trial's dump under every lie.
#[derive(Debug, Clone, Serialize)]
pub struct TrialLies {
    /// `handler::case`.
    pub trial: String,
    /// Why the lies were not told, when they were not: the trial did not
    /// run, or its honest dump did not pass (a lie must be the only fault).
    pub skipped: Option<String>,
    /// Each lie's id and what it did.
    pub lies: Vec<(String, Told)>,
}

/// Runs `trials` at `place`, `jobs` at a time, and tells every lie to each
/// dump; `done` sees each trial's result as it arrives.
pub fn measure(
    place: &Place,
    trials: &[Trial],
    jobs: usize,
    mut done: impl FnMut(&TrialLies),
) -> Vec<TrialLies> {
    let mut results = Vec::new();
    let mut runnable = Vec::new();
    for trial in trials {
        match place.refuses(trial) {
            Ok(()) => runnable.push(*trial),
            Err(reason) => {
                let skipped = skipped(trial, format!("not run: {reason}"));
                done(&skipped);
                results.push(skipped);
            }
        }
    }
    results.extend(place.run(
        &runnable,
        jobs,
        |trial, record| match record {
            Ok(record) => tell_all(&record),
            Err(e) => skipped(trial, format!("the trial did not run: {e}")),
        },
        |_, result| done(result),
    ));
    results
}

fn skipped(trial: &Trial, why: String) -> TrialLies {
    TrialLies { trial: trial.name(), skipped: Some(why), lies: Vec::new() }
}

/// Tells every lie to the record's dump (the oldest, the one graded, when
/// the handler wrote several).
fn tell_all(record: &TrialRecord) -> TrialLies {
    let name = record.trial.name();
    let honest = record.grade();
    let (Ok(truth), [dump, ..]) = (&record.truth, record.dumps.as_slice()) else {
        return skipped(&record.trial, "no truth record, or no dump".into());
    };
    if !honest.passed() {
        return skipped(&record.trial, "its honest dump does not pass".into());
    }
    let Ok(bytes) = std::fs::read(dump) else {
        return skipped(&record.trial, "its dump could not be read".into());
    };
    let lies = CATALOGUE
        .iter()
        .map(|lie| (lie.id.to_owned(), tell(record, lie, &bytes, truth, &honest)))
        .collect();
    TrialLies { trial: name, skipped: None, lies }
}

/// Tells one lie and grades the lying dump as the trial's own.
fn tell(
    record: &TrialRecord,
    lie: &Lie,
    bytes: &[u8],
    truth: &crashsuite_data::Truth,
    honest: &Grade,
) -> Told {
    let known = record.known_deviations();
    if lie.caught_by.iter().all(|rule| known.find(rule).is_some()) {
        return Told::NotApplicable {
            reason: format!(
                "the rules written to catch it ({}) are known deviations of this handler here",
                lie.caught_by.join(", ")
            ),
        };
    }
    let mut lying = bytes.to_vec();
    if let Err(why) = (lie.tell)(&mut lying, truth) {
        return Told::NotApplicable { reason: why.0.to_owned() };
    }
    let path = record.run_dir.path().join(format!("lie-{}.dmp", lie.id));
    if let Err(e) = std::fs::write(&path, &lying) {
        return Told::NotApplicable { reason: format!("writing the lying dump: {e}") };
    }
    let mut dumps = record.dumps.clone();
    dumps[0] = path.clone();
    let graded = record.grade_dumps(&dumps);
    let _ = std::fs::remove_file(&path);
    let failed_before = |v: &RuleVerdict| honest.failures().any(|h| h.id == v.id);
    let rules: Vec<String> =
        graded.failures().filter(|v| !failed_before(v)).map(|v| v.id.to_owned()).collect();
    if graded.passed() { Told::Missed } else { Told::Caught { rules } }
}

/// The figures of one lie over many trials.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LieScore {
    /// Trials it applied to.
    pub applicable: usize,
    /// Of those, the ones it failed.
    pub caught: usize,
    /// The rules that caught it, with how often.
    pub caught_by: std::collections::BTreeMap<String, usize>,
    /// The trials where no rule caught it.
    pub missed: Vec<String>,
}

/// Every lie's figures over `results`, in catalogue order.
pub fn score(results: &[TrialLies]) -> Vec<(&'static Lie, LieScore)> {
    CATALOGUE
        .iter()
        .map(|lie| {
            let mut score = LieScore::default();
            for trial in results {
                match trial.lies.iter().find(|(id, _)| id == lie.id).map(|(_, told)| told) {
                    Some(Told::Caught { rules }) => {
                        score.applicable += 1;
                        score.caught += 1;
                        for rule in rules {
                            *score.caught_by.entry(rule.clone()).or_default() += 1;
                        }
                    }
                    Some(Told::Missed) => {
                        score.applicable += 1;
                        score.missed.push(trial.trial.clone());
                    }
                    Some(Told::NotApplicable { .. }) | None => {}
                }
            }
            (lie, score)
        })
        .collect()
}
