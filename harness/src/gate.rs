//! The regression gate: a run's `results.json` against stored baselines.
//! Per (handler, case, rule), at every level, it finds what broke (a fact
//! that was right, or a known deviation, and is now wrong or missing), what
//! was fixed, what fails the trial that the baseline did not have, checks
//! that passed and now skip, trials that ran before and now do not, and
//! baseline trials the run does not have at all. Anything but "fixed" is a
//! regression.
//!
//! A baseline is a results file too: any run's, or the trimmed ones kept in
//! `golden/<handler>/<os>-<arch>/baseline.json` (the gate's fields only, so
//! that they change only when a verdict does), which [`write_baselines`]
//! makes from a run.

use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::{Path, PathBuf},
};

/// The parts of `results.json` the gate reads (schema in harness/RESULTS.md),
/// which are all a stored baseline holds.
#[derive(Debug, Deserialize, Serialize)]
struct ResultsFile {
    schema: String,
    /// Where it ran, as golden/ names it (`Platform::label`).
    #[serde(default)]
    label: Option<String>,
    trials: Vec<TrialEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
struct TrialEntry {
    handler: String,
    case: String,
    outcome: String,
    not_run_reason: Option<String>,
    grade: Option<GradeEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
struct GradeEntry {
    error: Option<String>,
    verdicts: Vec<VerdictEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
struct VerdictEntry {
    id: String,
    level: String,
    verdict: String,
}

/// How one trial stands in a results file: why it did not run, or each
/// rule's level and verdict (`pass`, `fail`, `missing`, `skip`, `deviation`;
/// `error` for a trial that could not be graded or run).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    NotRun(String),
    Graded(BTreeMap<String, (String, String)>),
}

/// What the gate found.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Findings {
    /// `trial rule`: passed (or was a known deviation) in the baseline, fails now.
    pub broken: Vec<String>,
    /// `trial rule`: failed in the baseline, passes now.
    pub fixed: Vec<String>,
    /// `trial rule`: fails now, with no baseline verdict for it (a new case,
    /// rule or handler).
    pub new_failures: Vec<String>,
    /// `trial: reason`: graded in the baseline, not run now.
    pub newly_ignored: Vec<String>,
    /// `trial rule`: passed in the baseline, skipped now (a check that no
    /// longer looks).
    pub newly_skipped: Vec<String>,
    /// `trial`: in the baseline, absent from the run.
    pub vanished: Vec<String>,
}

impl Findings {
    /// True when anything got worse.
    pub fn regressed(&self) -> bool {
        !(self.broken.is_empty()
            && self.new_failures.is_empty()
            && self.newly_ignored.is_empty()
            && self.newly_skipped.is_empty()
            && self.vanished.is_empty())
    }

    /// The findings as text: one line each, under a heading per kind; as
    /// Markdown (for a pull-request comment) when `markdown`.
    pub fn render(&self, markdown: bool) -> String {
        let mut out = String::new();
        let verdict = if self.regressed() { "regressed" } else { "no regression" };
        if markdown {
            let _ = writeln!(out, "## crashsuite gate: {verdict}\n");
        } else {
            let _ = writeln!(out, "crashsuite gate: {verdict}");
        }
        for (title, lines) in [
            ("broken", &self.broken),
            ("new failures", &self.new_failures),
            ("newly ignored", &self.newly_ignored),
            ("newly skipped", &self.newly_skipped),
            ("vanished", &self.vanished),
            ("fixed", &self.fixed),
        ] {
            if lines.is_empty() {
                continue;
            }
            if markdown {
                let _ = writeln!(out, "### {title} ({})\n", lines.len());
                for line in lines {
                    let _ = writeln!(out, "- `{line}`");
                }
                out.push('\n');
            } else {
                for line in lines {
                    let _ = writeln!(out, "{title}: {line}");
                }
            }
        }
        out
    }
}

/// Writes `<golden>/<handler>/<platform>/baseline.json` for every handler
/// that ran a trial in `results`: its trials with the gate's fields only (outcome,
/// why not run, and every rule's verdict), in case order. Returns the files
/// written.
pub fn write_baselines(results: &Path, golden: &Path) -> Result<Vec<PathBuf>, GateError> {
    let run = read(results)?;
    let error = |message: String| GateError { path: results.display().to_string(), message };
    let label = run.label.clone().ok_or_else(|| error("no platform label".into()))?;
    let mut by_handler: BTreeMap<String, Vec<TrialEntry>> = BTreeMap::new();
    for trial in run.trials {
        by_handler.entry(trial.handler.clone()).or_default().push(trial);
    }
    let mut written = Vec::new();
    for (handler, mut trials) in by_handler {
        // A handler that did not run here (not built, or not for this
        // platform) has nothing to keep.
        if trials.iter().all(|t| t.grade.is_none()) {
            continue;
        }
        trials.sort_by(|a, b| a.case.cmp(&b.case));
        let file = ResultsFile { schema: run.schema.clone(), label: Some(label.clone()), trials };
        let dir = golden.join(&handler).join(&label);
        let path = dir.join("baseline.json");
        let text = serde_json::to_string_pretty(&file).map_err(|e| error(e.to_string()))?;
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, text + "\n"))
            .map_err(|e| error(format!("writing {}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}

/// The gate could not read a results file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct GateError {
    /// The file.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

fn read(path: &Path) -> Result<ResultsFile, GateError> {
    let error = |message: String| GateError { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let file: ResultsFile = serde_json::from_str(&text).map_err(|e| error(e.to_string()))?;
    if file.schema != crate::results::SCHEMA {
        return Err(error(format!(
            "schema {:?}, expected {:?}",
            file.schema,
            crate::results::SCHEMA
        )));
    }
    Ok(file)
}

fn standings(file: ResultsFile) -> BTreeMap<String, Standing> {
    file.trials
        .into_iter()
        .map(|trial| {
            let name = format!("{}::{}", trial.handler, trial.case);
            let error = || {
                let verdict = ("Must".to_owned(), "error".to_owned());
                Standing::Graded(BTreeMap::from([("(run)".to_owned(), verdict)]))
            };
            let standing = match (trial.outcome.as_str(), trial.grade) {
                ("error", _) => error(),
                ("not_run", _) | (_, None) => {
                    Standing::NotRun(trial.not_run_reason.unwrap_or_default())
                }
                (_, Some(grade)) if grade.error.is_some() => error(),
                (_, Some(grade)) => Standing::Graded(
                    grade.verdicts.into_iter().map(|v| (v.id, (v.level, v.verdict))).collect(),
                ),
            };
            (name, standing)
        })
        .collect()
}

/// Whether a verdict fails the trial: a wrong fact at any level, a missing
/// one at MUST, or a trial that could not be graded.
fn failing((level, verdict): &(String, String)) -> bool {
    match verdict.as_str() {
        "fail" | "error" => true,
        "missing" => level == "Must",
        _ => false,
    }
}

/// Whether the fact a verdict is about was there and right (or a known
/// deviation, which a change must not hide behind).
fn held((_, verdict): &(String, String)) -> bool {
    matches!(verdict.as_str(), "pass" | "deviation")
}

/// Compares the run in `results` with the `baselines` (one results file
/// each, for one or more handlers, all of the run's platform).
pub fn compare(baselines: &[PathBuf], results: &Path) -> Result<Findings, GateError> {
    let run = read(results)?;
    let mut before = BTreeMap::new();
    for path in baselines {
        let baseline = read(path)?;
        if let (Some(was), Some(now)) = (&baseline.label, &run.label)
            && was != now
        {
            return Err(GateError {
                path: path.display().to_string(),
                message: format!("a baseline of {was}, not of the run's {now}"),
            });
        }
        before.extend(standings(baseline));
    }
    let now = standings(run);
    let mut findings = Findings::default();
    // A baseline trial the run does not have is lost from view: a
    // regression, unless the run left that handler out altogether.
    let handlers_run: std::collections::BTreeSet<&str> =
        now.keys().filter_map(|t| t.split("::").next()).collect();
    for (trial, standing) in &before {
        let handler = trial.split("::").next().unwrap_or_default();
        if matches!(standing, Standing::Graded(_))
            && !now.contains_key(trial)
            && handlers_run.contains(handler)
        {
            findings.vanished.push(trial.clone());
        }
    }
    for (trial, standing) in &now {
        match (before.get(trial), standing) {
            (Some(Standing::Graded(_)), Standing::NotRun(reason)) => {
                findings.newly_ignored.push(format!("{trial}: {reason}"));
            }
            (old, Standing::Graded(rules)) => {
                let old_rules = match old {
                    Some(Standing::Graded(old_rules)) => Some(old_rules),
                    _ => None,
                };
                for (rule, verdict) in rules {
                    let line = format!("{trial} {rule}");
                    let lost = failing(verdict) || verdict.1 == "missing";
                    match old_rules.and_then(|r| r.get(rule)) {
                        // Right before, now wrong or left out, at any level.
                        Some(was) if held(was) && lost => findings.broken.push(line),
                        Some(was) if !failing(was) && failing(verdict) => {
                            findings.broken.push(line)
                        }
                        Some(was) if failing(was) && !failing(verdict) => findings.fixed.push(line),
                        Some(was) if was.1 == "pass" && verdict.1 == "skip" => {
                            findings.newly_skipped.push(line)
                        }
                        None if failing(verdict) => findings.new_failures.push(line),
                        _ => {}
                    }
                }
            }
            (_, Standing::NotRun(_)) => {}
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(trials: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let json =
            format!("{{\"schema\": \"{}\", \"trials\": [{trials}]}}", crate::results::SCHEMA);
        std::fs::write(file.path(), json).unwrap();
        file
    }

    fn graded(case: &str, exc01: &str, thr01: &str) -> String {
        graded_with(case, exc01, thr01, "missing")
    }

    /// A graded trial with two MUST rules and a SHOULD one.
    fn graded_with(case: &str, exc01: &str, thr01: &str, thr04: &str) -> String {
        format!(
            r#"{{"handler": "h", "case": "{case}", "outcome": "pass", "not_run_reason": null,
                "grade": {{"error": null, "verdicts": [
                    {{"id": "EXC-01", "level": "Must", "verdict": "{exc01}"}},
                    {{"id": "THR-01", "level": "Must", "verdict": "{thr01}"}},
                    {{"id": "THR-04", "level": "Should", "verdict": "{thr04}"}}]}}}}"#
        )
    }

    fn not_run(case: &str) -> String {
        format!(
            r#"{{"handler": "h", "case": "{case}", "outcome": "not_run",
                "not_run_reason": "not built", "grade": null}}"#
        )
    }

    #[test]
    fn sorts_changes_into_broken_fixed_new_and_ignored() {
        let baseline = file(&[graded("a", "pass", "fail"), graded("b", "pass", "pass")].join(","));
        let results = file(
            &[graded("a", "fail", "pass"), not_run("b"), graded("c", "deviation", "fail")]
                .join(","),
        );
        let findings = compare(&[baseline.path().into()], results.path()).unwrap();
        assert_eq!(findings.broken, ["h::a EXC-01"]);
        assert_eq!(findings.fixed, ["h::a THR-01"]);
        assert_eq!(findings.new_failures, ["h::c THR-01"]);
        assert_eq!(findings.newly_ignored, ["h::b: not built"]);
        assert!(findings.regressed());
        let text = findings.render(false);
        assert!(text.contains("broken: h::a EXC-01"), "{text}");
        assert!(findings.render(true).contains("### broken (1)"));
    }

    #[test]
    fn every_level_counts_and_nothing_goes_out_of_view() {
        let baseline = file(
            &[
                graded_with("a", "pass", "pass", "pass"),
                graded_with("b", "pass", "pass", "pass"),
                graded_with("c", "pass", "pass", "pass"),
            ]
            .join(","),
        );
        let results = file(
            &[
                graded_with("a", "pass", "pass", "fail"),
                graded_with("b", "skip", "pass", "missing"),
            ]
            .join(","),
        );
        let findings = compare(&[baseline.path().into()], results.path()).unwrap();
        // A SHOULD fact that was right: now wrong, or now left out.
        assert_eq!(findings.broken, ["h::a THR-04", "h::b THR-04"]);
        assert_eq!(findings.newly_skipped, ["h::b EXC-01"]);
        assert_eq!(findings.vanished, ["h::c"]);
        assert!(findings.regressed());
        let text = findings.render(false);
        assert!(text.contains("vanished: h::c") && text.contains("newly skipped: h::b EXC-01"));
    }

    #[test]
    fn the_same_run_passes_and_a_wrong_schema_is_refused() {
        let run = file(&graded("a", "pass", "deviation"));
        let findings = compare(&[run.path().into()], run.path()).unwrap();
        assert!(!findings.regressed(), "{findings:?}");
        let old = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(old.path(), r#"{"schema": "crashsuite-results/0", "trials": []}"#).unwrap();
        assert!(compare(&[old.path().into()], run.path()).unwrap_err().message.contains("schema"));
    }

    #[test]
    fn baselines_keep_the_gate_s_fields_per_handler_and_compare_as_the_run_did() {
        let run = tempfile::NamedTempFile::new().unwrap();
        let trials = [
            graded("b", "pass", "deviation"),
            graded("a", "pass", "pass"),
            not_run("a").replace("\"h\"", "\"unbuilt\""),
        ]
        .join(",");
        let json = format!(
            "{{\"schema\": \"{}\", \"label\": \"linux-x86_64\", \"wall_ms\": 5,
              \"trials\": [{trials}]}}",
            crate::results::SCHEMA
        );
        std::fs::write(run.path(), json).unwrap();
        let golden = tempfile::tempdir().unwrap();
        let written = write_baselines(run.path(), golden.path()).unwrap();
        assert_eq!(written, [golden.path().join("h/linux-x86_64/baseline.json")]);
        let text = std::fs::read_to_string(&written[0]).unwrap();
        assert!(text.contains("THR-04") && !text.contains("wall_ms"), "every verdict: {text}");
        assert!(text.find("\"a\"").unwrap() < text.find("\"b\"").unwrap(), "sorted: {text}");
        assert!(!compare(&written, run.path()).unwrap().regressed());
        let other = text.replace("linux-x86_64", "linux-aarch64");
        std::fs::write(&written[0], other).unwrap();
        assert!(compare(&written, run.path()).unwrap_err().message.contains("not of the run"));
    }
}
