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
    /// `expected: [PASS, FAIL]`).
    #[serde(default)]
    pub intermittent: bool,
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
        if deviation.reason.trim().is_empty() {
            return Err(DeviationError::NoReason {
                rule: deviation.rule.clone(),
                case: deviation.case.clone(),
            });
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
    }

    #[test]
    fn every_case_entries_apply_on_their_platform_only() {
        let deviation = Deviation {
            case: "*".into(),
            platform: Some("windows-x86_64".into()),
            rule: "THR-04".into(),
            reason: "why".into(),
            intermittent: false,
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
        };
        let fail = || Verdict::Fail { observed: "a".into(), expected: "b".into() };
        let pass = || Verdict::Pass { observed: "a".into() };
        assert!(matches!(apply(fail(), &deviation), Verdict::Deviation { .. }));
        assert!(matches!(apply(pass(), &deviation), Verdict::Fail { .. }));
        let skip = Verdict::Skip { reason: "s".into() };
        assert!(matches!(apply(skip, &deviation), Verdict::Skip { .. }));
        deviation.intermittent = true;
        assert!(matches!(apply(pass(), &deviation), Verdict::Pass { .. }));
        assert!(matches!(apply(fail(), &deviation), Verdict::Deviation { .. }));
    }
}
