//! `crashsuite run --repeat N`: how often each intermittent known deviation
//! failed over N rounds of the same trials. That count is the evidence an
//! intermittent entry carries in its manifest (`seen`). An entry that failed
//! in every round is reported as permanent when its recorded rate makes that
//! unlikely (under 1%), and as failing every round otherwise (more rounds
//! tell).

use crashsuite_grader::{Grade, Seen, Verdict};
use crashsuite_runner::{Trial, matrix::Outcome};
use serde::Serialize;
use std::fmt::Write as _;

/// What the rounds showed of one intermittent entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// It failed in some rounds and passed in others, as listed.
    Intermittent,
    /// It failed in every round, which at its recorded rate would happen
    /// less than once in a hundred such runs: permanent here, not
    /// intermittent.
    Permanent,
    /// It failed in every round, as its recorded rate allows: more rounds
    /// tell whether it still passes sometimes.
    FailedEveryRound,
    /// It passed in every round: fixed, or rarer than these rounds show.
    NeverFailed,
    /// The rule was graded in no round (the trial did not run or skipped it).
    Unobserved,
}

/// One intermittent entry over the rounds.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    /// Handler name.
    pub handler: String,
    /// Case id, as the entry names it (`*` for every case).
    pub case: String,
    /// Rule id.
    pub rule: String,
    /// What these rounds counted.
    pub seen: Seen,
    /// What the manifest records.
    pub recorded: Option<Seen>,
    /// What that means for the entry.
    pub finding: Finding,
}

/// Counts, for every intermittent entry that applies to a trial on
/// `platform` (`os-arch`), the rounds in which its rule failed and those in
/// which it passed; an entry for every case (`*`) sums its cases. Trials
/// that ran in no round are left out. `rounds[r][t]` is trial `t`'s outcome
/// in round `r`.
pub fn tally(trials: &[Trial], platform: &str, rounds: &[Vec<Outcome>]) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = Vec::new();
    for (index, trial) in trials.iter().enumerate() {
        let graded: Vec<&Grade> = rounds
            .iter()
            .filter_map(|round| match round.get(index) {
                Some(Outcome::Graded(graded)) => Some(&graded.grade),
                _ => None,
            })
            .collect();
        if graded.is_empty() {
            continue;
        }
        let known = trial.handler.deviations.for_case(&trial.case.id, platform);
        for entry in known.list.iter().filter(|d| d.intermittent) {
            let tally = tally_of(&mut tallies, &trial.handler.name, &entry.case, &entry.rule);
            tally.recorded = entry.seen;
            let seen = &mut tally.seen;
            for grade in &graded {
                match grade.verdicts.iter().find(|v| v.id == entry.rule).map(|v| &v.verdict) {
                    Some(Verdict::Deviation { .. }) => seen.failed += 1,
                    Some(Verdict::Pass { .. }) => {}
                    _ => continue,
                }
                seen.runs += 1;
            }
        }
    }
    for tally in &mut tallies {
        tally.finding = finding(tally.seen, tally.recorded);
    }
    tallies
}

/// The tally of `rule` on `case` under `handler`, added (with nothing
/// counted) when there is none yet.
fn tally_of<'t>(
    tallies: &'t mut Vec<Tally>,
    handler: &str,
    case: &str,
    rule: &str,
) -> &'t mut Tally {
    let at = tallies.iter().position(|t| t.handler == handler && t.case == case && t.rule == rule);
    let at = at.unwrap_or_else(|| {
        tallies.push(Tally {
            handler: handler.to_owned(),
            case: case.to_owned(),
            rule: rule.to_owned(),
            seen: Seen { failed: 0, runs: 0 },
            recorded: None,
            finding: Finding::Unobserved,
        });
        tallies.len() - 1
    });
    &mut tallies[at]
}

/// What counts of failures and runs mean, given the rate the manifest
/// records (none for a failure no entry lists).
fn finding(seen: Seen, recorded: Option<Seen>) -> Finding {
    match (seen.failed, seen.runs) {
        (_, 0) => Finding::Unobserved,
        (0, _) => Finding::NeverFailed,
        (failed, runs) if failed == runs => {
            // The chance of failing every round at the recorded rate.
            let rate = recorded.map_or(1.0, |r| f64::from(r.failed) / f64::from(r.runs.max(1)));
            if rate.powi(runs as i32) < 0.01 {
                Finding::Permanent
            } else {
                Finding::FailedEveryRound
            }
        }
        _ => Finding::Intermittent,
    }
}

/// Counts, for every rule that failed a trial (a wrong or missing fact with
/// no known deviation) in at least one round, the rounds it failed in and
/// those it passed in: the evidence a new known deviation needs.
pub fn unlisted(trials: &[Trial], rounds: &[Vec<Outcome>]) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = Vec::new();
    for (index, trial) in trials.iter().enumerate() {
        for round in rounds {
            let Some(Outcome::Graded(graded)) = round.get(index) else { continue };
            for verdict in &graded.grade.verdicts {
                let failed = verdict.verdict.fails_trial(verdict.level);
                let passed = matches!(verdict.verdict, Verdict::Pass { .. });
                if !failed && !passed {
                    continue;
                }
                let tally = tally_of(&mut tallies, &trial.handler.name, &trial.case.id, verdict.id);
                tally.seen.runs += 1;
                tally.seen.failed += u32::from(failed);
            }
        }
    }
    tallies.retain(|t| t.seen.failed > 0);
    for tally in &mut tallies {
        tally.finding = finding(tally.seen, None);
    }
    tallies
}

/// The tallies as lines, each with what the rounds counted, what the
/// manifest records and what the counts mean for the entry; then the
/// failures no entry lists.
pub fn describe(tallies: &[Tally], unlisted: &[Tally], rounds: usize) -> String {
    let mut out = format!("intermittent known deviations over {rounds} rounds:\n");
    if tallies.is_empty() {
        out.push_str("  none applies to these trials\n");
    }
    for t in tallies {
        let recorded = t.recorded.map(|s| s.to_string()).unwrap_or_else(|| "nothing".into());
        let meaning = match t.finding {
            Finding::Intermittent => "intermittent, as listed",
            Finding::Permanent => {
                "PERMANENT here (unlikely at the recorded rate): list it without `intermittent`"
            }
            Finding::FailedEveryRound => "failed every round, as the recorded rate allows",
            Finding::NeverFailed => "never failed: fixed, or rarer than these rounds show",
            Finding::Unobserved => "never graded: no evidence either way",
        };
        let _ = writeln!(
            out,
            "  {}::{} {}: {} (recorded: {recorded}); {meaning}",
            t.handler, t.case, t.rule, t.seen
        );
    }
    if !unlisted.is_empty() {
        let _ = writeln!(out, "failures no known deviation lists:");
    }
    for t in unlisted {
        let _ = writeln!(out, "  {}::{} {}: {}", t.handler, t.case, t.rule, t.seen);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_every_round_is_permanent_only_when_the_recorded_rate_makes_it_unlikely() {
        let seen = |failed, runs| Seen { failed, runs };
        assert_eq!(finding(seen(3, 3), Some(seen(58, 60))), Finding::FailedEveryRound);
        assert_eq!(finding(seen(3, 3), Some(seen(1, 2))), Finding::FailedEveryRound);
        assert_eq!(finding(seen(10, 10), Some(seen(1, 2))), Finding::Permanent);
        assert_eq!(finding(seen(4, 10), Some(seen(1, 2))), Finding::Intermittent);
        assert_eq!(finding(seen(0, 10), Some(seen(1, 2))), Finding::NeverFailed);
        assert_eq!(finding(seen(0, 0), Some(seen(1, 2))), Finding::Unobserved);
    }

    #[test]
    fn the_findings_follow_the_counts() {
        let lines = describe(
            &[
                Tally {
                    handler: "h".into(),
                    case: "c".into(),
                    rule: "DMP-01".into(),
                    seen: Seen { failed: 5, runs: 5 },
                    recorded: Some(Seen { failed: 2, runs: 10 }),
                    finding: Finding::Permanent,
                },
                Tally {
                    handler: "h".into(),
                    case: "c".into(),
                    rule: "PRC-01".into(),
                    seen: Seen { failed: 2, runs: 5 },
                    recorded: None,
                    finding: Finding::Intermittent,
                },
            ],
            &[],
            5,
        );
        assert!(lines.contains("h::c DMP-01: failed 5 of 5 (recorded: failed 2 of 10); PERMANENT"));
        assert!(lines.contains("h::c PRC-01: failed 2 of 5 (recorded: nothing); intermittent"));
    }
}
