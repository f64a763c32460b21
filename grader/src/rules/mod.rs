//! The conformance rules, one module per stream.
//!
//! A rule has an id, a level, the stream it reads, a title and a check. The
//! check compares what the dump says with the case's truth record, the files
//! on disk, what the system knew at the crash and the dump itself, and
//! returns a [`Verdict`]: pass (with what it saw), fail (a fact the dump
//! states wrongly: seen vs expected), missing (a fact the dump leaves out)
//! or skip (with the reason). Each check's doc comment says where the
//! requirement comes from.
//!
//! A handler may omit, never lie: a wrong fact fails the trial whatever the
//! rule's level; a missing one fails it only at MUST (the dump is useless
//! without it), and is a coverage gap at SHOULD and MAY.

mod annotations;
mod breakpad;
pub mod deviations;
mod exception;
mod handles;
mod header;
mod linux;
mod memory;
mod modules;
mod process;
mod stack;
mod system;
mod threads;
mod windows;

use crate::evidence::{DumpEvidence, StreamError};
use crashsuite_data::{ObservedEnding, SystemTruth, Truth};
use serde::Serialize;

/// How binding a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Level {
    /// A handler that fails it produced a wrong or useless dump.
    Must,
    /// A handler that fails it lost information a user expects.
    Should,
    /// Nice to have.
    May,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Must => "MUST",
            Self::Should => "SHOULD",
            Self::May => "MAY",
        })
    }
}

/// The outcome of one rule on one trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The dump meets the rule.
    Pass {
        /// What was seen.
        observed: String,
    },
    /// The dump states a fact wrongly: it contradicts the truth record,
    /// the files on disk, the system, or itself. Fails the trial at any
    /// level.
    Fail {
        /// What was seen.
        observed: String,
        /// What the truth says.
        expected: String,
    },
    /// The dump leaves the fact out (the stream, or the part of it the rule
    /// reads, is not there). Fails the trial at MUST; a coverage gap at
    /// SHOULD and MAY.
    Missing {
        /// What was looked for.
        expected: String,
    },
    /// The rule could not be checked.
    Skip {
        /// Why.
        reason: String,
    },
    /// The dump breaks the rule (a wrong or missing fact), and the handler is
    /// known to: the failure is listed in the handler's manifest
    /// (`runner/handlers/<handler>.toml`) with a reason. Reported, but it does
    /// not fail the trial.
    Deviation {
        /// What was seen.
        observed: String,
        /// What the truth says.
        expected: String,
        /// Why the handler deviates.
        reason: String,
    },
}

impl Verdict {
    /// The verdict in a word: `pass`, `FAIL`, `missing`, `skip` or `known`
    /// (a known deviation).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Pass { .. } => "pass",
            Self::Fail { .. } => "FAIL",
            Self::Missing { .. } => "missing",
            Self::Skip { .. } => "skip",
            Self::Deviation { .. } => "known",
        }
    }

    /// Whether this verdict, at `level`, fails the trial: a wrong fact at
    /// any level, a missing one at MUST.
    pub fn fails_trial(&self, level: Level) -> bool {
        match self {
            Self::Fail { .. } => true,
            Self::Missing { .. } => level == Level::Must,
            Self::Pass { .. } | Self::Skip { .. } | Self::Deviation { .. } => false,
        }
    }

    /// Whether this verdict is a coverage gap: a fact a SHOULD or MAY rule
    /// reads, left out.
    pub fn is_gap(&self, level: Level) -> bool {
        matches!(self, Self::Missing { .. }) && level != Level::Must
    }

    fn pass(observed: impl ToString) -> Self {
        Self::Pass { observed: observed.to_string() }
    }

    fn fail(observed: impl ToString, expected: impl ToString) -> Self {
        Self::Fail { observed: observed.to_string(), expected: expected.to_string() }
    }

    fn missing(expected: impl ToString) -> Self {
        Self::Missing { expected: expected.to_string() }
    }

    fn skip(reason: impl ToString) -> Self {
        Self::Skip { reason: reason.to_string() }
    }

    /// Pass when `observed == expected`, else fail showing both.
    fn equal<T: PartialEq + std::fmt::Debug>(observed: T, expected: T) -> Self {
        if observed == expected {
            Self::pass(format!("{observed:?}"))
        } else {
            Self::fail(format!("{observed:?}"), format!("{expected:?}"))
        }
    }

    /// [`Verdict::equal`] for a fact the dump may leave out: missing when
    /// `observed` is `None`.
    fn present<T: PartialEq + std::fmt::Debug>(observed: Option<T>, expected: T) -> Self {
        match observed {
            Some(observed) => Self::equal(observed, expected),
            None => Self::missing(format!("{expected:?}")),
        }
    }
}

/// What a rule check sees.
pub struct Facts<'e, 'a> {
    /// The case's truth record, when the dump came with one.
    pub truth: Option<&'e Truth>,
    /// How the crashed process ended, when the harness saw it.
    pub ending: Option<&'e ObservedEnding>,
    /// The dump, when there is one.
    pub dump: Option<&'e DumpEvidence<'a>>,
    /// Why there is no dump evidence, when there is none.
    pub no_dump: Option<&'e crate::evidence::NoDump>,
    /// The dumps written for the crash besides the one graded (the oldest).
    pub other_dumps: usize,
    /// The system the dump was made on, when that is known: its truth
    /// record's, or the grading machine's when the caller says the dump was
    /// made here. Then the files on disk are its modules' files too. Without
    /// it the dump is judged by what it says about itself.
    pub here: Option<&'e SystemTruth>,
}

impl<'e, 'a> Facts<'e, 'a> {
    /// The dump evidence, or a skip verdict saying why there is none.
    fn dump(&self) -> Result<&'e DumpEvidence<'a>, Verdict> {
        self.dump.ok_or_else(|| match self.no_dump {
            Some(why) => Verdict::skip(format!("no dump: {why}")),
            None => Verdict::skip("no dump"),
        })
    }

    /// The truth record, or a skip verdict: without one, only the rules on
    /// the dump's own structure can run.
    fn truth(&self) -> Result<&'e Truth, Verdict> {
        self.truth.ok_or_else(|| Verdict::skip("no truth record to compare with"))
    }
}

/// What a checked fact is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The case's truth record, written just before the crash.
    Truth,
    /// The files on disk (ELF build ids, debug information).
    Disk,
    /// The system the case ran on (its truth record's system: the OS, the
    /// CPU, the processors, the vDSO).
    System,
    /// The dump itself: another stream or field must agree.
    Dump,
    /// What the harness saw: the files written, how the process ended.
    Observed,
    /// The format's own constants.
    Format,
    /// A bound (a size limit).
    Bound,
    /// Nothing: only that the fact is there.
    Presence,
}

impl Against {
    /// In words, for the field table.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Truth => "the truth record",
            Self::Disk => "the files on disk",
            Self::System => "the system the case ran on",
            Self::Dump => "the dump's own consistency",
            Self::Observed => "what the harness saw",
            Self::Format => "the minidump format",
            Self::Bound => "a bound",
            Self::Presence => "presence only",
        }
    }
}

/// A field a rule checks, and what it is compared with.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Field {
    /// The stream (or `file`, `process`, `header`, `directory`).
    pub stream: &'static str,
    /// The field, in the format's words where it has them.
    pub field: &'static str,
    /// What it is compared with.
    pub against: Against,
}

impl Field {
    const fn new(stream: &'static str, field: &'static str, against: Against) -> Self {
        Self { stream, field, against }
    }
}

/// One conformance rule.
pub struct Rule {
    /// Stable id, such as `EXC-01`.
    pub id: &'static str,
    /// How binding it is.
    pub level: Level,
    /// The systems whose dumps it grades; on others it skips, saying so.
    pub systems: Systems,
    /// The stream (or other source) it reads.
    pub stream: &'static str,
    /// One line saying what it requires.
    pub title: &'static str,
    /// The fields it checks, and against what.
    pub checks: &'static [Field],
    /// The check.
    pub check: fn(&Facts<'_, '_>) -> Verdict,
}

impl Rule {
    /// Whether the rule is for the system of the dump in `facts` (or
    /// nothing names that system): a rule for another system's dumps skips,
    /// saying so.
    pub fn for_system_of(&self, facts: &Facts<'_, '_>) -> bool {
        Systems::of(facts).is_none_or(|os| self.systems.include(&os))
    }

    /// The rule's verdict on `facts`: a skip for a dump of a system it does
    /// not grade, else its check's.
    pub fn grade(&self, facts: &Facts<'_, '_>) -> Verdict {
        match self.systems.excludes(facts) {
            Some(skip) => skip,
            None => (self.check)(facts),
        }
    }
}

/// One rule's verdict in a grade ([`crate::Grade`]).
#[derive(Debug, Serialize)]
pub struct RuleVerdict {
    /// Rule id.
    pub id: &'static str,
    /// Rule level.
    pub level: Level,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Unwraps a `Result<_, Verdict>` inside a check: the error is the verdict.
macro_rules! need {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(verdict) => return verdict,
        }
    };
}
pub(crate) use need;

/// The systems whose dumps a rule grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Systems {
    /// Every system's: the rule reads what the format defines for all.
    Any,
    /// Only these systems' (as a truth record names them: `linux`,
    /// `windows`, `macos`): the rule reads streams or conventions only their
    /// writers define.
    Only(&'static [&'static str]),
}

impl Systems {
    /// Linux dumps only (Breakpad's `/proc` copies, signals, the vDSO, file
    /// descriptors).
    pub const LINUX: Self = Self::Only(&["linux"]);
    /// Windows dumps only (the streams dbghelp's writer defines).
    pub const WINDOWS: Self = Self::Only(&["windows"]);
    /// Dumps of every system.
    pub const ANY: Self = Self::Any;

    /// The systems in words: `any`, or their names joined by `,`.
    pub fn names(self) -> String {
        match self {
            Self::Any => "any".to_owned(),
            Self::Only(systems) => systems.join(","),
        }
    }

    /// The system the dump in `facts` comes from, as a truth record names
    /// it: the case's (its truth record), else the one the dump's
    /// SystemInfo names; `None` when nothing names it.
    fn of(facts: &Facts<'_, '_>) -> Option<String> {
        match (facts.truth, facts.dump) {
            (Some(truth), _) => Some(truth.system.os.clone()),
            (None, Some(dump)) => {
                dump.system_info.as_ref().ok().map(|info| format!("{:?}", info.os).to_lowercase())
            }
            (None, None) => None,
        }
    }

    /// Whether these are the systems of a dump from `os`.
    fn include(self, os: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only(systems) => systems.contains(&os),
        }
    }

    /// Why a rule for these systems does not grade the dump in `facts`, if
    /// it does not: its system is another, or nothing names it.
    fn excludes(self, facts: &Facts<'_, '_>) -> Option<Verdict> {
        let what = match self {
            Self::Any => return None,
            Self::Only(systems) => systems.join(" or "),
        };
        match Self::of(facts) {
            Some(os) if self.include(&os) => None,
            Some(os) => {
                Some(Verdict::skip(format!("a rule for {what} dumps; the process ran on {os}")))
            }
            None => Some(Verdict::skip(format!(
                "a rule for {what} dumps; no SystemInfo names the system"
            ))),
        }
    }
}

/// The stream a rule reads, or its verdict without it: missing when the
/// handler did not write it (an omission), a failure when it wrote it and it
/// does not parse (the bytes state something false).
fn required<'s, T>(stream: &'s Result<T, StreamError>, expected: &str) -> Result<&'s T, Verdict> {
    stream.as_ref().map_err(|e| absent(e, expected))
}

/// The Exception stream, or its verdict without it. With a truth record the
/// dump is of a crash or a request, and every such dump has one: missing.
/// Without one nothing says the dump is of a crash (a dump of a live
/// process, taken by a tool or a debugger, has none): a skip.
fn exception<'e, 'a>(
    facts: &Facts<'e, 'a>,
) -> Result<&'e minidump::MinidumpException<'a>, Verdict> {
    let dump = facts.dump()?;
    match (&dump.exception, facts.truth) {
        (Err(StreamError::Missing(_)), None) => Err(Verdict::skip(
            "no Exception stream, and no truth record says the dump is of a crash (a dump of a \
             live process has none)",
        )),
        (stream, _) => required(stream, "an Exception stream"),
    }
}

/// A stream the evidence does not keep, parsed on demand, or its verdict
/// without it (as [`required`]).
fn parsed<'a, S: minidump::MinidumpStream<'a>>(
    dump: &DumpEvidence<'a>,
    expected: &str,
) -> Result<S, Verdict> {
    dump.stream::<S>().map_err(|e| absent(&e, expected))
}

/// The raw bytes of a stream the `minidump` crate has no type for, or its
/// verdict without them (as [`required`]).
fn raw<'e>(
    dump: &'e DumpEvidence<'_>,
    stream_type: u32,
    expected: &str,
) -> Result<&'e [u8], Verdict> {
    dump.raw_stream(stream_type).map_err(|e| absent(&e, expected))
}

/// The verdict on a stream that is not in the evidence.
fn absent(error: &StreamError, expected: &str) -> Verdict {
    match error {
        StreamError::Missing(_) => Verdict::missing(expected),
        StreamError::Unreadable { .. } => Verdict::fail(format!("unreadable: {error}"), expected),
    }
}

/// Whether labelled ranges `[start, end)` are disjoint: a pass counting
/// them, or a failure naming each overlapping pair.
fn disjoint(mut ranges: Vec<(u64, u64, String)>, what: &str) -> Verdict {
    if ranges.is_empty() {
        return Verdict::skip(format!("no {what} to compare"));
    }
    ranges.sort();
    let overlaps: Vec<String> = ranges
        .windows(2)
        .filter(|pair| pair[1].0 < pair[0].1)
        .map(|pair| format!("{} and {}", pair[0].2, pair[1].2))
        .collect();
    if overlaps.is_empty() {
        Verdict::pass(format!("{} {what}", ranges.len()))
    } else {
        Verdict::fail(overlaps.join("; "), format!("disjoint {what}"))
    }
}

/// A range labelled by its bounds.
fn span(start: u64, end: u64) -> (u64, u64, String) {
    (start, end, format!("[{start:#x}, {end:#x})"))
}

/// Every rule, in report order.
pub fn all() -> Vec<&'static Rule> {
    [
        process::RULES,
        header::RULES,
        exception::RULES,
        threads::RULES,
        stack::RULES,
        modules::RULES,
        memory::RULES,
        system::RULES,
        breakpad::RULES,
        handles::RULES,
        linux::RULES,
        annotations::RULES,
        windows::RULES,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_titled() {
        let rules = all();
        for rule in &rules {
            assert_eq!(rules.iter().filter(|r| r.id == rule.id).count(), 1, "{}", rule.id);
            assert!(!rule.title.is_empty(), "{}", rule.id);
        }
    }

    #[test]
    fn nothing_to_compare_is_a_skip_not_a_pass() {
        assert!(matches!(disjoint(Vec::new(), "regions"), Verdict::Skip { .. }));
        let one = disjoint(vec![span(0x1000, 0x2000)], "regions");
        assert_eq!(one, Verdict::pass("1 regions"));
    }

    #[test]
    fn equal_shows_both_sides() {
        assert_eq!(Verdict::equal(1, 1), Verdict::pass("1"));
        assert_eq!(Verdict::equal(1, 2), Verdict::fail("1", "2"));
    }
}
