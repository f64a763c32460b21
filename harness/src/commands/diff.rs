//! `crashsuite diff`: where two dumps of one crash differ, stream by stream,
//! and which rules grade them differently.

use super::Usage;
use crashsuite::output;
use crashsuite_data::Exit;
use crashsuite_grader::{
    Grade, compare,
    evidence::{DumpEvidence, DumpFile},
};
use crashsuite_runner::{
    Trial,
    binaries::Binaries,
    handlers,
    trial::{self, Limits},
};
use serde::Serialize;
use std::path::PathBuf;

/// A dump to compare: what to call it, the file, and its grade.
struct Side {
    label: String,
    file: DumpFile,
    grade: Grade,
}

/// A rule the two sides grade differently (or alike, with `--all`).
#[derive(Serialize)]
struct RuleRow {
    id: &'static str,
    level: crashsuite_grader::Level,
    left: &'static str,
    right: &'static str,
}

/// The comparison, as `--json` prints it.
#[derive(Serialize)]
struct Comparison {
    left: String,
    right: String,
    streams: Vec<compare::StreamRow>,
    rules: Vec<RuleRow>,
}

/// Compares two dump files, or one case run under two handlers.
pub fn diff(
    dumps: &[PathBuf],
    case: Option<&str>,
    names: &[String],
    all: bool,
    json: bool,
) -> anyhow::Result<Exit> {
    let sides = match case {
        Some(id) => run_sides(id, names)?,
        None => {
            let [a, b] = dumps else {
                return Err(Usage("give two dump files, or --case C --handler a,b".into()).into());
            };
            let mut sides = Vec::new();
            for path in [a, b] {
                let file = DumpFile::read(path).map_err(anyhow::Error::msg)?;
                let grade = crashsuite_grader::verify(path, None);
                sides.push(Side { label: path.display().to_string(), file, grade });
            }
            sides
        }
    };
    let [left, right] = sides.as_slice() else { unreachable!("two sides") };
    let summary = |side: &Side| compare::summarise(&DumpEvidence::gather(&side.file, &[]));
    let streams: Vec<compare::StreamRow> = compare::rows(&summary(left), &summary(right))
        .into_iter()
        .filter(|row| all || !row.same())
        .collect();
    let rules: Vec<RuleRow> = left
        .grade
        .verdicts
        .iter()
        .zip(&right.grade.verdicts)
        .map(|(l, r)| RuleRow {
            id: l.id,
            level: l.level,
            left: l.verdict.kind(),
            right: r.verdict.kind(),
        })
        .filter(|row| all || row.left != row.right)
        .collect();
    let comparison =
        Comparison { left: left.label.clone(), right: right.label.clone(), streams, rules };
    if json {
        output::json(&comparison)?;
    } else {
        output::line(table(&comparison))?;
    }
    Ok(Exit::Success)
}

/// Runs case `id` under the two handlers `names`.
fn run_sides(id: &str, names: &[String]) -> anyhow::Result<Vec<Side>> {
    let [a, b] = names else {
        return Err(Usage("--handler names two handlers, as in --handler a,b".into()).into());
    };
    let case = crashsuite_cases::find(id)?
        .ok_or_else(|| Usage(format!("unknown case {id:?}; `crashsuite cases` lists them")))?;
    let binaries = Binaries::locate()?;
    let mut sides = Vec::new();
    for name in [a, b] {
        let handler = handlers::find(name)?.ok_or_else(|| {
            Usage(format!("unknown handler {name:?}; `crashsuite handlers` lists them"))
        })?;
        let trial = Trial { handler, case };
        trial.runs_here(&binaries)?;
        let record = trial::run(&binaries, trial, Limits::default())?;
        let grade = record.grade();
        let [dump] = record.dumps.as_slice() else {
            anyhow::bail!(
                "{} left {} dumps; it must leave one to compare",
                trial.name(),
                record.dumps.len()
            );
        };
        let file = DumpFile::read(dump).map_err(anyhow::Error::msg)?;
        sides.push(Side { label: name.clone(), file, grade });
    }
    Ok(sides)
}

/// The comparison as two tables: streams, then rules.
fn table(comparison: &Comparison) -> String {
    use comfy_table::{Table, presets::ASCII_MARKDOWN};
    let mut streams = Table::new();
    streams.load_preset(ASCII_MARKDOWN);
    streams.set_header(["stream", &comparison.left, &comparison.right]);
    let absent = || "—".to_owned();
    for row in &comparison.streams {
        streams.add_row([
            row.stream.clone(),
            row.left.clone().unwrap_or_else(absent),
            row.right.clone().unwrap_or_else(absent),
        ]);
    }
    let mut rules = Table::new();
    rules.load_preset(ASCII_MARKDOWN);
    rules.set_header(["rule", &comparison.left, &comparison.right]);
    for row in &comparison.rules {
        rules.add_row([
            format!("{} {}", row.id, row.level),
            row.left.to_owned(),
            row.right.to_owned(),
        ]);
    }
    format!("{streams}\n\n{rules}")
}
