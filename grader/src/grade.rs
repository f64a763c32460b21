//! Grading: every rule applied to an observed crash or to a dump alone,
//! and the grade that results.

use crate::{
    evidence::{DumpEvidence, DumpFile, NoDump},
    rules::{
        self, RuleVerdict, Verdict,
        deviations::{self, Deviations},
    },
};
use crashsuite_data::{ObservedEnding, SystemTruth, Truth, truth::TruthError};
use serde::Serialize;
use std::{fmt::Write as _, path::PathBuf};

/// The graded trial.
#[derive(Debug, Serialize)]
pub struct Grade {
    /// `handler::case`.
    pub trial: String,
    /// Why the trial could not be graded at all (for example, no truth record).
    pub error: Option<String>,
    /// How the case ended, with the end of its stderr, when that is not how
    /// its truth record says it ends (it never crashed, or hung).
    pub case_note: Option<String>,
    /// Each rule with its verdict, in [`rules::all`] order.
    pub verdicts: Vec<RuleVerdict>,
    /// The crashing thread's walked frames, innermost first, as `module+offset`.
    pub crashing_stack: Vec<String>,
    /// Every stream in the dump, by name, with what it says in a line (see
    /// [`crate::compare::summarise`]).
    pub streams: std::collections::BTreeMap<String, String>,
    /// The normalised digest compared with `golden/` (none when the trial
    /// could not be graded).
    pub digest: Option<String>,
}

impl Grade {
    fn not_graded(trial: String, error: String) -> Self {
        Self {
            trial,
            error: Some(error),
            case_note: None,
            verdicts: Vec::new(),
            crashing_stack: Vec::new(),
            streams: Default::default(),
            digest: None,
        }
    }

    /// The verdicts that fail the trial: a wrong fact at any level, a fact
    /// a MUST rule needs left out.
    pub fn failures(&self) -> impl Iterator<Item = &RuleVerdict> {
        self.verdicts.iter().filter(|v| v.verdict.fails_trial(v.level))
    }

    /// The coverage gaps: facts SHOULD and MAY rules read, left out.
    pub fn gaps(&self) -> impl Iterator<Item = &RuleVerdict> {
        self.verdicts.iter().filter(|v| v.verdict.is_gap(v.level))
    }

    /// True when the trial was graded and nothing failed it: no wrong fact,
    /// no fact a MUST rule needs left out.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.failures().next().is_none()
    }

    /// The grade in full: every verdict with what was seen, and the crashing
    /// stack.
    pub fn explain(&self) -> String {
        let rules = rules::all();
        let mut out = String::new();
        if let Some(error) = &self.error {
            let _ = writeln!(out, "error: {error}");
        }
        if let Some(note) = &self.case_note {
            let _ = writeln!(out, "{note}");
        }
        for (v, rule) in self.verdicts.iter().zip(&rules) {
            let line = match &v.verdict {
                Verdict::Pass { observed } => format!("pass  {observed}"),
                Verdict::Fail { observed, expected } => {
                    format!("FAIL  observed {observed}; expected {expected}")
                }
                Verdict::Missing { expected } => format!("missing  {expected}"),
                Verdict::Skip { reason } => format!("skip  {reason}"),
                Verdict::Deviation { observed, expected, reason } => {
                    format!("known deviation  observed {observed}; expected {expected}; {reason}")
                }
            };
            let _ = writeln!(out, "{} {:<6} {:<60} {line}", v.id, v.level, rule.title);
        }
        if !self.crashing_stack.is_empty() {
            let _ = writeln!(out, "crashing thread: {}", self.crashing_stack.join(" <- "));
        }
        out
    }
}

/// What was seen of one crash, for [`grade`]: everything the grader needs of
/// a trial, whoever ran it.
#[derive(Debug)]
pub struct Observation<'a> {
    /// Names the grade: `handler::case` for a trial.
    pub name: String,
    /// The case's truth record, or why there is none.
    pub truth: Result<&'a Truth, &'a TruthError>,
    /// The dump files that appeared, oldest first.
    pub dumps: &'a [PathBuf],
    /// How the crashed process ended.
    pub ending: &'a ObservedEnding,
    /// The crashed process's standard error.
    pub stderr: &'a str,
    /// How the handler's own process ended, when it died during the trial.
    pub handler_died: Option<&'a str>,
    /// The handler's known deviations on this case and platform.
    pub known: &'a Deviations,
    /// Directories of module files the dump's paths do not lead to (see
    /// [`VerifyOptions::symbols`]).
    pub symbols: &'a [PathBuf],
}

/// Grades an observed crash with every rule, against the case's truth
/// record and the handler's known deviations.
pub fn grade(seen: &Observation<'_>) -> Grade {
    let truth = match seen.truth {
        Ok(truth) => truth,
        Err(e) => {
            let monitor = match seen.handler_died {
                Some(status) => format!("; the handler's monitor died ({status})"),
                None => String::new(),
            };
            let error = format!(
                "the case left no truth record ({e}); it ended with {:?}{monitor}; stderr: {}",
                seen.ending,
                seen.stderr.trim()
            );
            return Grade::not_graded(seen.name.clone(), error);
        }
    };
    // Several dumps for one crash fail DMP-01; the oldest, the crash's own,
    // is graded all the same, so that a wrong fact in it still fails.
    let (file, others) = match seen.dumps {
        [] => {
            let none = NoDump::NoneWritten { monitor_died: seen.handler_died.map(str::to_owned) };
            (Err(none), 0)
        }
        [oldest, others @ ..] => (DumpFile::read(oldest).map_err(NoDump::Unreadable), others.len()),
    };
    let graded = Graded {
        truth: Some(truth),
        here: Some(&truth.system),
        ending: Some(seen.ending),
        others,
        known: seen.known,
        symbols: seen.symbols,
    };
    let mut grade = grade_file(seen.name.clone(), file, graded);
    let as_expected = seen.ending.matches(truth.ending);
    grade.case_note = (!as_expected).then(|| {
        let stderr = seen.stderr.trim();
        let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "the case ended with {:?}, not {:?}; the end of its stderr:\n    {}",
            seen.ending,
            truth.ending,
            tail.join("\n    ")
        )
    });
    grade
}

/// How [`verify_with`] judges a dump on its own.
#[derive(Debug, Default, Clone)]
pub struct VerifyOptions<'a> {
    /// The case's truth record, when the dump came with one: its system
    /// applies, and the rules that compare with the crash's facts run.
    pub truth: Option<&'a Truth>,
    /// The dump was made on this machine: without a truth record, the
    /// machine's system (OS, CPU, processor count) applies, and every
    /// module's file at its path must have the ids the dump lists.
    pub made_here: bool,
    /// Directories holding module files (executables, libraries, DLLs) by
    /// file name, for dumps made elsewhere: a file there whose code id is the
    /// module's unwinds and names its frames.
    pub symbols: Vec<PathBuf>,
}

/// Grades one dump file made by anything, with or without a truth record.
/// Without one, the rules that compare with the crash's facts skip, and the
/// dump is judged by what it says about itself: its streams must agree with
/// each other, and a module is compared with the file at its path only when
/// that file has the module's code id (elsewhere, the file is another
/// build). Nothing of the grading machine applies.
pub fn verify(path: &std::path::Path, truth: Option<&Truth>) -> Grade {
    verify_with(path, &VerifyOptions { truth, ..VerifyOptions::default() })
}

/// [`verify`] with every option: made here, symbol directories.
pub fn verify_with(path: &std::path::Path, options: &VerifyOptions<'_>) -> Grade {
    let name = path.display().to_string();
    let file = DumpFile::read(path).map_err(NoDump::Unreadable);
    let here = options.made_here.then(SystemTruth::current);
    let system = options.truth.map(|t| &t.system).or(here.as_ref());
    grade_file(name, file, Graded::alone(options.truth, system, &options.symbols))
}

/// [`verify`] for a dump held in memory; `name` names it in the grade.
pub fn verify_bytes(name: &str, bytes: Vec<u8>, truth: Option<&Truth>) -> Grade {
    let file = DumpFile::from_bytes(bytes).map_err(NoDump::Unreadable);
    grade_file(name.to_owned(), file, Graded::alone(truth, truth.map(|t| &t.system), &[]))
}

/// What a dump file is graded with besides itself.
struct Graded<'a> {
    /// The case's truth record.
    truth: Option<&'a Truth>,
    /// The system the dump was made on, when known (see [`rules::Facts::here`]).
    here: Option<&'a SystemTruth>,
    /// How the process ended.
    ending: Option<&'a ObservedEnding>,
    /// The other dumps written for the same crash.
    others: usize,
    /// The handler's known deviations.
    known: &'a Deviations,
    /// Directories of module files (see [`VerifyOptions::symbols`]).
    symbols: &'a [PathBuf],
}

impl<'a> Graded<'a> {
    /// A dump on its own: no ending seen, no other dump, no deviations.
    fn alone(
        truth: Option<&'a Truth>,
        here: Option<&'a SystemTruth>,
        symbols: &'a [PathBuf],
    ) -> Self {
        static NONE: std::sync::LazyLock<Deviations> =
            std::sync::LazyLock::new(Deviations::default);
        Self { truth, here, ending: None, others: 0, known: &NONE, symbols }
    }
}

/// Applies every rule to a read (or unreadable) dump file.
fn grade_file(trial: String, file: Result<DumpFile, NoDump>, with: Graded<'_>) -> Grade {
    let Graded { truth, here, ending, others, known, symbols } = with;
    // The readers are fuzzed, but a hostile dump must never take the
    // verifier down: a panic while reading is reported as an unreadable dump.
    let panicked = NoDump::Panicked;
    let (evidence, no_dump) = match &file {
        Ok(file) => {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                DumpEvidence::gather(file, symbols)
            })) {
                Ok(evidence) => (Some(evidence), None),
                Err(_) => (None, Some(&panicked)),
            }
        }
        Err(why) => (None, Some(why)),
    };
    let facts =
        rules::Facts { truth, ending, dump: evidence.as_ref(), no_dump, other_dumps: others, here };
    let all = rules::all();
    // The rules for other systems' dumps skip, saying so; the digest leaves
    // them out.
    let other_systems: Vec<&str> =
        all.iter().filter(|rule| !rule.for_system_of(&facts)).map(|rule| rule.id).collect();
    let verdicts: Vec<RuleVerdict> = all
        .into_iter()
        .map(|rule| {
            let verdict = rule.grade(&facts);
            let verdict = match known.find(rule.id) {
                Some(deviation) => deviations::apply(verdict, deviation),
                None => verdict,
            };
            RuleVerdict { id: rule.id, level: rule.level, verdict }
        })
        .collect();
    let crashing_stack = evidence.as_ref().map(crashing_stack).unwrap_or_default();
    let streams = evidence.as_ref().map(crate::compare::summarise).unwrap_or_default();
    let intermittent: Vec<&str> =
        known.list.iter().filter(|d| d.intermittent).map(|d| d.rule.as_str()).collect();
    let graded = crate::digest::Graded {
        verdicts: &verdicts,
        intermittent: &intermittent,
        other_systems: &other_systems,
    };
    let digest = Some(crate::digest::digest(evidence.as_ref(), truth, &graded));
    Grade { trial, error: None, case_note: None, verdicts, crashing_stack, streams, digest }
}

/// How many frames of the crashing thread a grade keeps.
const STACK_SHOWN: usize = 64;

fn crashing_stack(evidence: &DumpEvidence<'_>) -> Vec<String> {
    use minidump::Module as _;
    let Ok(state) = &evidence.state else { return Vec::new() };
    let Some(stack) = state.requesting_thread.and_then(|i| state.threads.get(i)) else {
        return Vec::new();
    };
    let mut shown: Vec<String> = stack
        .frames
        .iter()
        .zip(evidence.frame_names.iter().chain(std::iter::repeat(&None)))
        .take(STACK_SHOWN)
        .map(|(frame, name)| {
            let place = match &frame.module {
                Some(module) => {
                    let file = module.code_file();
                    let file = file.rsplit('/').next().unwrap_or_default().to_owned();
                    format!("{file}+{:#x}", frame.instruction - module.base_address())
                }
                None => format!("{:#x}", frame.instruction),
            };
            match name {
                Some(name) => format!("{name} ({place})"),
                None => place,
            }
        })
        .collect();
    if stack.frames.len() > STACK_SHOWN {
        shown.push(format!("... {} more frames", stack.frames.len() - STACK_SHOWN));
    }
    shown
}
