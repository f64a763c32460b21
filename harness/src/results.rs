//! The results of a run, as files: JSON (a versioned schema, documented in
//! `harness/RESULTS.md`), JUnit XML, and a Markdown matrix (cases down, rules
//! across) that a CI job can post as its summary.

use comfy_table::{Table, presets::ASCII_MARKDOWN};
use crashsuite_grader::{Grade, Level, Verdict, rules};
use crashsuite_runner::{
    Handler, Platform, Trial,
    hang::Hang,
    matrix::{Outcome as Ran, Timings},
};
use serde::Serialize;
use std::{fmt::Write as _, path::Path, time::Duration};

/// The schema name and version of `results.json`.
pub const SCHEMA: &str = "crashsuite-results/1";

/// One run of the matrix.
#[derive(Debug, Serialize)]
pub struct Results {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The suite that ran.
    pub suite: Suite,
    /// Where it ran.
    pub platform: Platform,
    /// Where it ran, as golden/ names it ([`Platform::label`]: `os-arch`,
    /// with `-wine` under Wine).
    pub label: String,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// Wall time of the whole run, in milliseconds.
    pub wall_ms: u64,
    /// The handlers graded.
    pub handlers: Vec<HandlerInfo>,
    /// Every trial, in run order; with `--repeat`, each trial's first round
    /// that did not pass, or its last round.
    pub trials: Vec<TrialResult>,
    /// With `--repeat N`: how often each intermittent known deviation failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<Repeats>,
}

/// What `crashsuite run --repeat N` counted.
#[derive(Debug, Serialize)]
pub struct Repeats {
    /// Rounds run.
    pub rounds: usize,
    /// Every intermittent entry that applies to the trials.
    pub intermittent: Vec<crate::repeats::Tally>,
    /// Every rule that failed a trial in some round with no entry listing it.
    pub unlisted: Vec<crate::repeats::Tally>,
}

/// The suite that ran.
#[derive(Debug, Serialize)]
pub struct Suite {
    /// crashsuite's version.
    pub version: &'static str,
    /// The git commit it was built from, or `unknown`.
    pub commit: String,
}

/// A graded handler.
#[derive(Debug, Serialize)]
pub struct HandlerInfo {
    /// Its name in trial names.
    pub name: &'static str,
    /// What it is built from, with versions.
    pub version: &'static str,
}

/// How one trial came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every MUST rule passed (or is a known deviation).
    Pass,
    /// A MUST rule failed, or the trial could not be graded.
    Fail,
    /// The case does not run on this platform.
    NotRun,
    /// The trial could not be run: the runner failed, not the handler.
    Error,
    /// The case hung after its crash: every thread blocked, no CPU time and
    /// no dump activity for a second. It was dumped from outside (`hang`
    /// says where each thread waited) and killed; its grade, with the
    /// handler's known deviations, decides whether it fails the run.
    Hung,
}

/// One trial.
#[derive(Debug, Serialize)]
pub struct TrialResult {
    /// Handler name.
    pub handler: &'static str,
    /// Case id.
    pub case: String,
    /// How it came out.
    pub outcome: Outcome,
    /// Why it did not run, for [`Outcome::NotRun`].
    pub not_run_reason: Option<String>,
    /// Why it could not be run, for [`Outcome::Error`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Case start to dump found, in milliseconds.
    pub wall_ms: Option<u64>,
    /// Crash (the truth record's stamp) to the first dump final, in
    /// milliseconds, when both are known.
    pub latency_ms: Option<f64>,
    /// Grading the dump, in milliseconds.
    pub verify_ms: Option<f64>,
    /// Every verdict, the digest, the crashing stack.
    pub grade: Option<Grade>,
    /// For [`Outcome::Hung`]: each process's threads and where they waited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hang: Option<Hang>,
}

impl TrialResult {
    /// How `trial` came out, as the matrix executor reported it.
    pub fn new(trial: &Trial, ran: Ran) -> Self {
        let mut result = Self {
            handler: &trial.handler.name,
            case: trial.case.id.clone(),
            outcome: Outcome::NotRun,
            not_run_reason: None,
            error: None,
            wall_ms: None,
            latency_ms: None,
            verify_ms: None,
            grade: None,
            hang: None,
        };
        match ran {
            Ran::Graded(graded) => {
                let Timings { wall, latency_ms, verify } = graded.timings;
                result.outcome = match (&graded.hang, graded.grade.passed()) {
                    (Some(_), _) => Outcome::Hung,
                    (None, true) => Outcome::Pass,
                    (None, false) => Outcome::Fail,
                };
                result.hang = graded.hang;
                result.wall_ms = Some(wall.as_millis() as u64);
                result.latency_ms = latency_ms;
                result.verify_ms = Some(verify.as_secs_f64() * 1e3);
                result.grade = Some(graded.grade);
            }
            Ran::NotRun(reason) => result.not_run_reason = Some(reason.to_string()),
            Ran::Error(error) => {
                result.outcome = Outcome::Error;
                result.error = Some(error);
            }
        }
        result
    }
}

impl TrialResult {
    /// The trial in one cell of a side-by-side table: `✓` (nothing failed
    /// it) or `✗` with the rules that did (a wrong fact at any level, a
    /// missing one at MUST), `≈n` for known deviations, `○n` for coverage
    /// gaps (facts SHOULD and MAY rules read, left out); or why it did not
    /// run.
    pub fn cell(&self) -> String {
        let Some(grade) = &self.grade else {
            return if self.outcome == Outcome::Error { "✗ error" } else { "not run" }.to_owned();
        };
        if grade.error.is_some() {
            return "✗ not graded".to_owned();
        }
        let failed: Vec<&str> = grade.failures().map(|v| v.id).collect();
        let mut cell =
            if failed.is_empty() { "✓".to_owned() } else { format!("✗ {}", failed.join(" ")) };
        if self.hang.is_some() {
            cell.push_str(" hung");
        }
        let known =
            grade.verdicts.iter().filter(|v| matches!(v.verdict, Verdict::Deviation { .. }));
        let (known, gaps) = (known.count(), grade.gaps().count());
        if known > 0 {
            let _ = write!(cell, " ≈{known}");
        }
        if gaps > 0 {
            let _ = write!(cell, " ○{gaps}");
        }
        cell
    }
}

/// One handler's results in figures.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Trials graded.
    pub graded: usize,
    /// Trials graded that nothing failed.
    pub passed: usize,
    /// Trials not run (platform, unsupported, not built).
    pub not_run: usize,
    /// Trials the runner failed to run.
    pub errors: usize,
    /// Trials whose case hung after its crash.
    pub hung: usize,
    /// Wrong facts: checks that failed, at any level.
    pub wrong: usize,
    /// Facts MUST rules need, left out.
    pub required_missing: usize,
    /// Known deviations (listed wrong or missing facts, each with its reason).
    pub known: usize,
    /// SHOULD and MAY checks of facts present and right.
    pub covered: usize,
    /// SHOULD and MAY checks of facts left out: coverage gaps.
    pub gaps: usize,
    /// Rule checks passed, at any level.
    pub passes: usize,
    /// Rule checks skipped (with a reason each).
    pub skipped: usize,
}

impl Summary {
    /// Coverage: the share of SHOULD and MAY checks whose fact the dump
    /// holds, as `covered/applicable (percent)`.
    pub fn coverage(&self) -> String {
        let applicable = self.covered + self.gaps;
        if applicable == 0 {
            return "—".to_owned();
        }
        format!(
            "{}/{applicable} ({:.0}%)",
            self.covered,
            100.0 * self.covered as f64 / applicable as f64
        )
    }
}

impl Results {
    /// The figures of `handler`'s trials.
    pub fn summary(&self, handler: &str) -> Summary {
        let mut summary = Summary::default();
        for trial in self.trials.iter().filter(|t| t.handler == handler) {
            let Some(grade) = &trial.grade else {
                if trial.outcome == Outcome::Error {
                    summary.errors += 1;
                } else {
                    summary.not_run += 1;
                }
                continue;
            };
            summary.graded += 1;
            summary.passed += usize::from(grade.passed());
            summary.hung += usize::from(trial.hang.is_some());
            for v in &grade.verdicts {
                let lesser = v.level != Level::Must;
                match v.verdict {
                    Verdict::Pass { .. } => {
                        summary.passes += 1;
                        summary.covered += usize::from(lesser);
                    }
                    Verdict::Deviation { .. } => summary.known += 1,
                    Verdict::Fail { .. } => summary.wrong += 1,
                    Verdict::Missing { .. } if lesser => summary.gaps += 1,
                    Verdict::Missing { .. } => summary.required_missing += 1,
                    Verdict::Skip { .. } => summary.skipped += 1,
                }
            }
        }
        summary
    }

    /// A table of every handler's figures: trials passed, wrong facts,
    /// required facts missing, known deviations and coverage.
    pub fn summary_table(&self) -> String {
        let mut table = Table::new();
        table.load_preset(ASCII_MARKDOWN);
        let summaries: Vec<Summary> = self.handlers.iter().map(|h| self.summary(h.name)).collect();
        // Runner errors get a column when there are any.
        let errors = summaries.iter().any(|s| s.errors > 0);
        let mut header = vec![
            "handler",
            "trials passed",
            "not run",
            "hung",
            "wrong facts",
            "required missing",
            "known deviations",
            "coverage (SHOULD/MAY)",
            "checks passed",
            "skipped",
        ];
        if errors {
            header.push("errors");
        }
        table.set_header(header);
        for (handler, s) in self.handlers.iter().zip(summaries) {
            let mut row = vec![
                handler.name.to_owned(),
                format!("{}/{}", s.passed, s.graded),
                s.not_run.to_string(),
                s.hung.to_string(),
                s.wrong.to_string(),
                s.required_missing.to_string(),
                s.known.to_string(),
                s.coverage(),
                s.passes.to_string(),
                s.skipped.to_string(),
            ];
            if errors {
                row.push(s.errors.to_string());
            }
            table.add_row(row);
        }
        table.to_string()
    }

    /// Cases down, one column per handler, each cell a [`TrialResult::cell`].
    pub fn side_by_side(&self) -> String {
        let mut table = Table::new();
        table.load_preset(ASCII_MARKDOWN);
        let mut header = vec!["case"];
        header.extend(self.handlers.iter().map(|h| h.name));
        table.set_header(header);
        let mut cases: Vec<&str> = Vec::new();
        for trial in &self.trials {
            if !cases.contains(&trial.case.as_str()) {
                cases.push(&trial.case);
            }
        }
        for case in cases {
            let mut row = vec![case.to_owned()];
            for handler in &self.handlers {
                let trial =
                    self.trials.iter().find(|t| t.case == case && t.handler == handler.name);
                row.push(trial.map_or_else(|| "—".to_owned(), TrialResult::cell));
            }
            table.add_row(row);
        }
        table.to_string()
    }

    /// The results of `trials` run with `handlers` on `platform`.
    pub fn new(
        platform: Platform,
        handlers: &[&'static Handler],
        trials: Vec<TrialResult>,
        started: std::time::SystemTime,
        wall: Duration,
    ) -> Self {
        let started_unix =
            started.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        Self {
            schema: SCHEMA,
            suite: Suite {
                version: env!("CARGO_PKG_VERSION"),
                commit: env!("CRASHSUITE_COMMIT").to_owned(),
            },
            label: platform.label(),
            platform,
            started_unix,
            wall_ms: wall.as_millis() as u64,
            handlers: handlers
                .iter()
                .map(|h| HandlerInfo { name: &h.name, version: &h.version })
                .collect(),
            trials,
            repeats: None,
        }
    }

    /// Writes `results.json`, `junit.xml` and `matrix.md` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        use anyhow::Context as _;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
        };
        write("results.json", serde_json::to_string_pretty(self)?)?;
        write("junit.xml", self.junit()?)?;
        write("matrix.md", self.markdown())
    }

    /// JUnit XML: one test suite per handler, one test case per trial.
    pub fn junit(&self) -> anyhow::Result<String> {
        use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
        let mut report = Report::new("crashsuite");
        report.set_time(Duration::from_millis(self.wall_ms));
        for handler in &self.handlers {
            let mut suite = TestSuite::new(handler.name);
            for trial in self.trials.iter().filter(|t| t.handler == handler.name) {
                let status = match trial.outcome {
                    Outcome::Pass => TestCaseStatus::success(),
                    Outcome::Hung if trial.grade.as_ref().is_some_and(Grade::passed) => {
                        TestCaseStatus::success()
                    }
                    Outcome::Hung => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        status.set_message(format!(
                            "hung; {}",
                            failure_summary(trial.grade.as_ref())
                        ));
                        status
                    }
                    Outcome::NotRun => {
                        let mut status = TestCaseStatus::skipped();
                        status.set_message(trial.not_run_reason.clone().unwrap_or_default());
                        status
                    }
                    Outcome::Fail => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        status.set_message(failure_summary(trial.grade.as_ref()));
                        status
                    }
                    Outcome::Error => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                        status.set_message(trial.error.clone().unwrap_or_default());
                        status
                    }
                };
                let mut case = TestCase::new(trial.case.as_str(), status);
                case.set_classname(handler.name);
                if let Some(ms) = trial.wall_ms {
                    case.set_time(Duration::from_millis(ms));
                }
                if let Some(grade) = &trial.grade {
                    case.set_system_out(grade.explain());
                }
                suite.add_test_case(case);
            }
            report.add_test_suite(suite);
        }
        Ok(report.to_string()?)
    }

    /// A Markdown matrix per handler: cases down, rules across.
    pub fn markdown(&self) -> String {
        let rules = rules::all();
        let mut out = String::from("# crashsuite conformance\n\n");
        let _ = writeln!(
            out,
            "crashsuite {}, commit {}, {}-{}. ✓ pass · ✗ wrong · ○ missing · – skip · ≈ known deviation\n",
            self.suite.version, self.suite.commit, self.platform.os, self.platform.arch
        );
        let _ = writeln!(out, "{}\n", self.summary_table());
        let _ = writeln!(
            out,
            "## Side by side\n\n✓ nothing failed the trial · ✗ the rules that did (a wrong fact, or a \
             missing one a MUST rule needs) · ≈n known deviations · ○n coverage gaps (SHOULD/MAY \
             facts left out)\n\n{}\n",
            self.side_by_side()
        );
        for handler in &self.handlers {
            let trials: Vec<&TrialResult> =
                self.trials.iter().filter(|t| t.handler == handler.name).collect();
            let graded: Vec<&Grade> = trials.iter().filter_map(|t| t.grade.as_ref()).collect();
            let passed = graded
                .iter()
                .flat_map(|g| &g.verdicts)
                .filter(|v| matches!(v.verdict, Verdict::Pass { .. }))
                .count();
            let failed: usize = graded.iter().map(|g| g.failures().count()).sum();
            let gaps: usize = graded.iter().map(|g| g.gaps().count()).sum();
            let _ = writeln!(out, "## {} ({})\n", handler.name, handler.version);
            let _ = writeln!(
                out,
                "{} trials ({} passed), {passed} rule checks passed, {failed} failing the trial, \
                 {gaps} coverage gaps\n",
                trials.len(),
                trials.iter().filter(|t| t.grade.as_ref().is_some_and(Grade::passed)).count()
            );
            let _ = write!(out, "| case |");
            for rule in &rules {
                let _ = write!(out, " {} |", rule.id);
            }
            let _ = write!(out, "\n|---|");
            for _ in &rules {
                let _ = write!(out, ":-:|");
            }
            out.push('\n');
            for trial in trials {
                let _ = write!(out, "| {} |", trial.case);
                match &trial.grade {
                    Some(grade) if grade.error.is_none() => {
                        for v in &grade.verdicts {
                            let mark = match v.verdict {
                                Verdict::Pass { .. } => "✓",
                                Verdict::Fail { .. } => "✗",
                                Verdict::Missing { .. } => "○",
                                Verdict::Skip { .. } => "–",
                                Verdict::Deviation { .. } => "≈",
                            };
                            let _ = write!(out, " {mark} |");
                        }
                    }
                    _ => {
                        let why = trial
                            .not_run_reason
                            .as_deref()
                            .or(trial.error.as_deref().map(|_| "error"))
                            .unwrap_or("not graded");
                        let _ = write!(out, " {why} |");
                        for _ in 1..rules.len() {
                            out.push_str(" |");
                        }
                    }
                }
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

fn failure_summary(grade: Option<&Grade>) -> String {
    let Some(grade) = grade else { return "not graded".into() };
    if let Some(error) = &grade.error {
        return error.clone();
    }
    let failed: Vec<&str> = grade.failures().map(|v| v.id).collect();
    format!("rules failed: {}", failed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crashsuite_runner::{NotRun, handlers, matrix::Graded};

    fn trial(case: &str) -> Trial {
        let case = crashsuite_cases::find(case).unwrap().expect("in the catalogue");
        Trial { handler: handlers::reference(), case }
    }

    fn sample() -> Results {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.dmp");
        std::fs::write(&junk, b"not a minidump").unwrap();
        let failed = crashsuite_grader::verify(&junk, None);
        let timings = Timings {
            wall: Duration::from_millis(12),
            latency_ms: Some(3.5),
            verify: Duration::from_millis(2),
        };
        let graded = Graded { grade: failed, timings, kept: None, hang: None };
        let trials = vec![
            TrialResult::new(&trial("abort"), Ran::Graded(Box::new(graded))),
            TrialResult::new(
                &trial("windows_fastfail"),
                Ran::NotRun(NotRun::NotBuilt("not built here".into())),
            ),
            TrialResult::new(&trial("segv_null_write"), Ran::Error("it would not start".into())),
        ];
        Results::new(
            Platform::HOST,
            &[handlers::reference()],
            trials,
            std::time::SystemTime::now(),
            Duration::from_secs(1),
        )
    }

    #[test]
    fn json_carries_the_schema_and_every_verdict() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(json["trials"][0]["outcome"], "fail");
        assert_eq!(json["trials"][1]["outcome"], "not_run");
        assert_eq!(json["trials"][2]["outcome"], "error");
        assert_eq!(json["trials"][2]["error"], "it would not start");
        let verdicts = json["trials"][0]["grade"]["verdicts"].as_array().unwrap();
        assert_eq!(verdicts.len(), rules::all().len());
    }

    #[test]
    fn junit_counts_failures_and_skips() {
        let xml = sample().junit().unwrap();
        assert!(xml.contains(r#"tests="3""#) && xml.contains(r#"failures="1""#), "{xml}");
        assert!(xml.contains(r#"errors="1""#), "{xml}");
        assert!(xml.contains(r#"skipped="1""#), "{xml}");
        assert!(xml.contains("DMP-01"), "the failure names the rule: {xml}");
    }

    #[test]
    fn markdown_has_a_column_per_rule_and_a_row_per_trial() {
        let md = sample().markdown();
        let header = md.lines().find(|l| l.starts_with("| case |")).unwrap();
        assert_eq!(header.matches(" | ").count(), rules::all().len());
        assert!(md.lines().any(|l| l.starts_with("| abort | ✗ |")), "{md}");
        assert!(md.contains("| windows_fastfail | not built here |"), "{md}");
    }

    #[test]
    fn the_summary_and_side_by_side_count_what_was_graded() {
        let results = sample();
        let summary = results.summary("reference");
        assert_eq!((summary.graded, summary.passed, summary.not_run, summary.errors), (1, 0, 1, 1));
        let checks = summary.passes
            + summary.known
            + summary.wrong
            + summary.required_missing
            + summary.gaps
            + summary.skipped;
        assert_eq!(checks, rules::all().len());
        assert!(summary.wrong >= 1, "the junk dump fails DMP-01: {summary:?}");

        let table = results.side_by_side();
        let row =
            |case: &str| table.lines().find(|l| l.starts_with(&format!("| {case} "))).unwrap();
        assert!(row("abort").contains("✗ DMP-01"), "{table}");
        assert!(row("windows_fastfail").contains("not run"), "{table}");
        assert!(
            results.summary_table().contains("| reference | 0/1 "),
            "{}",
            results.summary_table()
        );
    }

    #[test]
    fn handler_versions_match_the_lock_files() {
        let root = std::path::Path::new(
            &std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo for tests"),
        )
        .join("..");
        let read = |path: std::path::PathBuf| std::fs::read_to_string(path).unwrap_or_default();
        // The Python package an alternate handler comes in is pinned here.
        let pins = read(root.join("scripts/alternates.sh"));
        for handler in handlers::known().unwrap() {
            // An alternate handler's package has its own lock file.
            let alternate = root.join("alternates").join(&handler.name).join("Cargo.lock");
            let lock =
                if alternate.exists() { read(alternate) } else { read(root.join("Cargo.lock")) };
            for part in handler.version.split(", ") {
                let (name, version) = part.split_once(' ').unwrap();
                let locked = format!("name = \"{name}\"\nversion = \"{version}\"");
                let pinned = format!("{name}=={version}");
                assert!(
                    lock.contains(&locked) || pins.contains(&pinned),
                    "{}: {name} {version} is neither locked nor pinned",
                    handler.name
                );
            }
        }
    }
}
