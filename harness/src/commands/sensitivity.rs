//! `crashsuite sensitivity`: every one-fact lie told to real dumps of every
//! case, and which rules caught it.

use crashsuite::output::{self, Progress};
use crashsuite_data::Exit;
use crashsuite_runner::{
    Handler, Place, Platform, Trial,
    sensitivity::{self, LieScore, Told},
};
use serde::Serialize;

/// The measurement, as `--json` prints it.
#[derive(Serialize)]
struct Report<'a> {
    caught: usize,
    applicable: usize,
    lies: Vec<LieReport<'a>>,
    trials: &'a [sensitivity::TrialLies],
}

#[derive(Serialize)]
struct LieReport<'a> {
    id: &'static str,
    field: &'static str,
    written_for: &'static [&'static str],
    #[serde(flatten)]
    score: &'a LieScore,
}

/// Tells the lies to the dumps of `cases` (every case when empty) under
/// `handlers`; [`Exit::Failure`] when an applicable lie went uncaught.
pub fn sensitivity(
    handlers: &[&'static Handler],
    cases: &[String],
    jobs: usize,
    json: bool,
) -> anyhow::Result<Exit> {
    super::check_cases(cases)?;
    let trials: Vec<Trial> = Trial::matrix(handlers)?
        .into_iter()
        .filter(|t| cases.is_empty() || cases.contains(&t.case.id))
        .collect();
    let place = Place::locate(Platform::HOST)?;
    let mut progress = Progress::new(trials.len() as u64);
    let results = sensitivity::measure(&place, &trials, jobs, |trial| {
        let missed = trial.lies.iter().filter(|(_, told)| matches!(told, Told::Missed)).count();
        match &trial.skipped {
            Some(why) => progress.step(format_args!("{}: skipped: {why}", trial.trial)),
            None => progress.step(format_args!("{}: {missed} lies missed", trial.trial)),
        }
    });
    progress.finish();
    let scores = sensitivity::score(&results);
    let applicable: usize = scores.iter().map(|(_, s)| s.applicable).sum();
    let caught: usize = scores.iter().map(|(_, s)| s.caught).sum();
    if json {
        let lies = scores
            .iter()
            .map(|(lie, score)| LieReport {
                id: lie.id,
                field: lie.field,
                written_for: lie.caught_by,
                score,
            })
            .collect();
        output::json(&Report { caught, applicable, lies, trials: &results })?;
    } else {
        output::line(table(&scores))?;
        for trial in results.iter().filter(|t| t.skipped.is_some()) {
            let why = trial.skipped.as_deref().unwrap_or_default();
            output::line(format_args!("{}: lies not told: {why}", trial.trial))?;
        }
        output::line(format_args!(
            "sensitivity: {caught}/{applicable} lies caught ({} lies, {} trials)",
            scores.len(),
            results.iter().filter(|t| t.skipped.is_none()).count()
        ))?;
    }
    Ok(super::exit_for(caught == applicable))
}

/// One row per lie: where it applied, how often it was caught, by which
/// rules, and the trials where nothing caught it.
fn table(scores: &[(&'static sensitivity::Lie, LieScore)]) -> String {
    use comfy_table::{Table, presets::ASCII_MARKDOWN};
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN);
    table.set_header(["lie", "field", "caught / applicable", "caught by", "missed on"]);
    for (lie, score) in scores {
        let by: Vec<String> = score.caught_by.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
        table.add_row([
            lie.id.to_owned(),
            lie.field.to_owned(),
            format!("{}/{}", score.caught, score.applicable),
            by.join(", "),
            match score.missed.as_slice() {
                [] => String::new(),
                [a] => a.clone(),
                [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
            },
        ]);
    }
    table.to_string()
}
