//! The dump file itself and how the crashed process ended.

use super::{Facts, Level, Rule, Verdict};
use crate::runner::Ending;

pub(super) const RULES: &[&Rule] = &[&DUMP_WRITTEN, &DIED_OF_SIGNAL];

/// A handler exists to leave one dump per crash: Breakpad's and Crashpad's
/// contract. Two dumps for one crash, or a file that does not parse, count as
/// none.
static DUMP_WRITTEN: Rule = Rule {
    id: "DMP-01",
    level: Level::Must,
    stream: "file",
    title: "the handler wrote exactly one readable dump",
    check: |facts| match facts.dump {
        Some(evidence) => Verdict::pass(format!("{} streams", evidence.dump.all_streams().count())),
        None => Verdict::fail(facts.no_dump, "one dump"),
    },
};

/// After dumping, a handler re-raises the signal so that the process "appears
/// to crash normally" (Chromium's Linux crash dumping) and its parent sees the
/// real cause. Compared with the signal the case expects.
static DIED_OF_SIGNAL: Rule = Rule {
    id: "PRC-01",
    level: Level::Should,
    stream: "process",
    title: "the process died of the signal that crashed it",
    check: |facts: &Facts<'_, '_>| {
        let expected = format!("killed by signal {}", facts.truth.signal);
        match facts.ending {
            Ending::Signal(signal) if *signal == facts.truth.signal => {
                Verdict::pass(format!("killed by signal {signal}"))
            }
            Ending::Signal(signal) => Verdict::fail(format!("killed by signal {signal}"), expected),
            Ending::Exit(code) => Verdict::fail(format!("exited with {code}"), expected),
            Ending::TimedOut => Verdict::fail("still running at the deadline", expected),
        }
    },
};
