//! Annotations and breadcrumbs (the CrashpadInfo stream).

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need, required};
use crashsuite_data::BREADCRUMBS_KEY;

pub(super) const RULES: &[&Rule] = &[&ANNOTATIONS, &BREADCRUMBS];

fn simple_annotations<'e>(
    facts: &Facts<'e, '_>,
) -> Result<&'e std::collections::BTreeMap<String, String>, Verdict> {
    let info = required(&facts.dump()?.crashpad, "a CrashpadInfo stream")?;
    Ok(&info.simple_annotations)
}

/// Crashpad's design: clients adorn crashes with per-process key/value
/// annotations, written as the CrashpadInfo stream's simple annotations.
static ANNOTATIONS: Rule = Rule {
    id: "ANN-01",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "CrashpadInfo",
    title: "every annotation the case set is in the dump with its value",
    checks: &[Field::new("CrashpadInfo", "simple annotations", Against::Truth)],
    check: |facts| {
        if need!(facts.truth()).annotations.is_empty() {
            return Verdict::skip("the case set no annotations");
        }
        let found = need!(simple_annotations(facts));
        let truth = need!(facts.truth());
        let (mut wrong, mut absent) = (Vec::new(), Vec::new());
        for (key, value) in &truth.annotations {
            match found.get(key) {
                Some(seen) if seen == value => {}
                Some(seen) => wrong.push(format!("{key}={seen:?} not {value:?}")),
                None => absent.push(key.as_str()),
            }
        }
        if !wrong.is_empty() {
            Verdict::fail(wrong.join("; "), "the case's annotations")
        } else if !absent.is_empty() {
            Verdict::missing(format!("annotations {absent:?}"))
        } else {
            Verdict::pass(format!("{} annotations", truth.annotations.len()))
        }
    },
};

/// crashsuite's reference handler keeps the last breadcrumbs as a JSON array
/// under the `crashsuite.breadcrumbs` annotation; other handlers may carry
/// them elsewhere, hence MAY.
static BREADCRUMBS: Rule = Rule {
    id: "ANN-02",
    level: Level::May,
    systems: Systems::ANY,
    stream: "CrashpadInfo",
    title: "the breadcrumbs the case left are in the dump, in order",
    checks: &[Field::new("CrashpadInfo", "the breadcrumbs annotation", Against::Truth)],
    check: |facts| {
        if need!(facts.truth()).breadcrumbs.is_empty() {
            return Verdict::skip("the case left no breadcrumbs");
        }
        let found = need!(simple_annotations(facts));
        let Some(json) = found.get(BREADCRUMBS_KEY) else {
            return Verdict::missing(format!("the breadcrumbs (a {BREADCRUMBS_KEY} annotation)"));
        };
        let crumbs: Result<Vec<String>, _> = serde_json::from_str(json);
        match crumbs {
            Ok(crumbs) => Verdict::equal(crumbs, need!(facts.truth()).breadcrumbs.clone()),
            Err(e) => Verdict::fail(format!("unparsable: {e}"), "a JSON array of strings"),
        }
    },
};
