//! Known deviations: rules a handler is known to fail on a case, each with
//! the reason, kept apart from the cases in each handler's manifest
//! (`runner/handlers/<handler>.toml`), as WPT keeps its expectations.
//!
//! A listed failure is reported as a deviation and does not fail the trial.
//! A listed rule that passes fails the trial instead, so the list never
//! outlives the bug it records.

use super::Verdict;
use serde::Deserialize;

/// One known deviation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// Case id; `*` for every case, on one platform.
    pub case: String,
    /// The platform (`os-arch`) it is seen on; every platform when absent.
    #[serde(default)]
    pub platform: Option<String>,
    /// Rule id.
    pub rule: String,
    /// Why the handler fails it: the limitation, with a reference.
    pub reason: String,
    /// The failure depends on timing: a pass is accepted too (WPT's
    /// `expected: [PASS, FAIL]`). Such an entry carries its evidence in
    /// `seen`.
    #[serde(default)]
    pub intermittent: bool,
    /// How often the entry was seen failing, as `crashsuite run --repeat N`
    /// counted it: some runs, not all, for an intermittent entry (required);
    /// every run for a permanent one.
    #[serde(default)]
    pub seen: Option<Seen>,
}

/// How often an intermittent deviation failed over repeated runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    /// Runs in which the rule failed.
    pub failed: u32,
    /// Runs in which it was graded at all (failed or passed).
    pub runs: u32,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "failed {} of {}", self.failed, self.runs)
    }
}

/// The known deviations of one handler.
#[derive(Debug, Clone, Default)]
pub struct Deviations {
    /// Every listed deviation.
    pub list: Vec<Deviation>,
}

impl Deviations {
    /// The deviations listed for `case` on `platform` (`os-arch`).
    pub fn for_case(&self, case: &str, platform: &str) -> Deviations {
        let applies = |d: &&Deviation| {
            (d.case == case || d.case == "*") && d.platform.as_deref().is_none_or(|p| p == platform)
        };
        Deviations { list: self.list.iter().filter(applies).cloned().collect() }
    }

    /// The deviation of `rule`, if it is listed.
    pub fn find(&self, rule: &str) -> Option<&Deviation> {
        self.list.iter().find(|d| d.rule == rule)
    }
}

/// A deviation entry that is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviationError {
    /// The case it names does not exist.
    #[error("no case {0:?} (`*` needs a platform)")]
    NoCase(String),
    /// The rule it names does not exist.
    #[error("no rule {0:?}")]
    NoRule(String),
    /// It gives no reason.
    #[error("{rule} on {case} has no reason")]
    NoReason {
        /// The rule.
        rule: String,
        /// The case.
        case: String,
    },
    /// An intermittent entry without evidence of both outcomes, or a
    /// permanent one whose evidence shows a pass.
    #[error(
        "{rule} on {case}: an intermittent entry needs `seen = {{ failed = F, runs = R }}` with \
         0 < F < R (`crashsuite run --repeat N` counts them); a permanent one's `seen`, if any, \
         has F = R"
    )]
    NoEvidence {
        /// The rule.
        rule: String,
        /// The case.
        case: String,
    },
}

/// Checks that every entry names one of `cases` and a real rule, and gives a
/// reason.
pub fn check(list: Vec<Deviation>, cases: &[&str]) -> Result<Deviations, DeviationError> {
    let rules = super::all();
    for deviation in &list {
        let every_case = deviation.case == "*" && deviation.platform.is_some();
        if !every_case && !cases.contains(&deviation.case.as_str()) {
            return Err(DeviationError::NoCase(deviation.case.clone()));
        }
        if !rules.iter().any(|r| r.id == deviation.rule) {
            return Err(DeviationError::NoRule(deviation.rule.clone()));
        }
        let (rule, case) = (deviation.rule.clone(), deviation.case.clone());
        if deviation.reason.trim().is_empty() {
            return Err(DeviationError::NoReason { rule, case });
        }
        let evidence_holds = match (deviation.intermittent, deviation.seen) {
            (true, Some(s)) => 0 < s.failed && s.failed < s.runs,
            (true, None) => false,
            (false, Some(s)) => 0 < s.runs && s.failed == s.runs,
            (false, None) => true,
        };
        if !evidence_holds {
            return Err(DeviationError::NoEvidence { rule, case });
        }
    }
    Ok(Deviations { list })
}

/// Applies a known deviation to a rule's verdict.
pub fn apply(verdict: Verdict, deviation: &Deviation) -> Verdict {
    let reason = &deviation.reason;
    match verdict {
        Verdict::Fail { observed, expected } => {
            Verdict::Deviation { observed, expected, reason: reason.clone() }
        }
        Verdict::Missing { expected } => {
            Verdict::Deviation { observed: "missing".into(), expected, reason: reason.clone() }
        }
        Verdict::Pass { observed } if !deviation.intermittent => Verdict::Fail {
            observed: format!("passes ({observed})"),
            expected: format!("the known deviation \"{reason}\"; remove it from the list"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_entries_are_refused() {
        let entry = |case: &str, rule: &str, reason: &str| {
            vec![Deviation {
                case: case.into(),
                platform: None,
                rule: rule.into(),
                reason: reason.into(),
                intermittent: false,
                seen: None,
            }]
        };
        let check = |list| check(list, &["abort"]);
        assert!(check(entry("abort", "EXC-01", "why")).is_ok());
        let no_case = DeviationError::NoCase("no_such_case".into());
        assert_eq!(check(entry("no_such_case", "EXC-01", "why")).unwrap_err(), no_case);
        let no_rule = DeviationError::NoRule("XXX-99".into());
        assert_eq!(check(entry("abort", "XXX-99", "why")).unwrap_err(), no_rule);
        let no_reason = check(entry("abort", "EXC-01", " ")).unwrap_err();
        assert!(matches!(no_reason, DeviationError::NoReason { .. }));
        let every = check(entry("*", "EXC-01", "why")).unwrap_err().to_string();
        assert!(every.contains("needs a platform"), "{every}");
        let with = |intermittent, seen| {
            let mut list = entry("abort", "EXC-01", "why");
            list[0].intermittent = intermittent;
            list[0].seen = seen;
            check(list)
        };
        let no_evidence = |r: Result<_, _>| matches!(r, Err(DeviationError::NoEvidence { .. }));
        assert!(with(true, Some(Seen { failed: 3, runs: 10 })).is_ok());
        assert!(no_evidence(with(true, None)));
        assert!(no_evidence(with(true, Some(Seen { failed: 10, runs: 10 }))), "always failed");
        assert!(no_evidence(with(true, Some(Seen { failed: 0, runs: 10 }))), "never failed");
        assert!(no_evidence(with(false, Some(Seen { failed: 3, runs: 10 }))), "passed sometimes");
        assert!(with(false, Some(Seen { failed: 10, runs: 10 })).is_ok());
    }

    #[test]
    fn every_case_entries_apply_on_their_platform_only() {
        let deviation = Deviation {
            case: "*".into(),
            platform: Some("windows-x86_64".into()),
            rule: "THR-04".into(),
            reason: "why".into(),
            intermittent: false,
            seen: None,
        };
        let all = check(vec![deviation], &[]).unwrap();
        assert!(all.for_case("abort", "windows-x86_64").find("THR-04").is_some());
        assert!(all.for_case("abort", "linux-x86_64").find("THR-04").is_none());
    }

    #[test]
    fn a_listed_failure_is_a_deviation_and_a_listed_pass_fails() {
        let mut deviation = Deviation {
            case: "c".into(),
            platform: None,
            rule: "r".into(),
            reason: "why".into(),
            intermittent: false,
            seen: None,
        };
        let fail = || Verdict::Fail { observed: "a".into(), expected: "b".into() };
        let pass = || Verdict::Pass { observed: "a".into() };
        assert!(matches!(apply(fail(), &deviation), Verdict::Deviation { .. }));
        assert!(matches!(apply(pass(), &deviation), Verdict::Fail { .. }));
        let skip = Verdict::Skip { reason: "s".into() };
        assert!(matches!(apply(skip, &deviation), Verdict::Skip { .. }));
        deviation.intermittent = true;
        deviation.seen = Some(Seen { failed: 1, runs: 2 });
        assert!(matches!(apply(pass(), &deviation), Verdict::Pass { .. }));
        assert!(matches!(apply(fail(), &deviation), Verdict::Deviation { .. }));
    }
}
