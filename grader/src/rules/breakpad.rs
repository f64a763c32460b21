//! The BreakpadInfo stream.

use super::{Against, Field, Level, Rule, Systems, Verdict, need, required};

pub(super) const RULES: &[&Rule] = &[&REQUESTING_THREAD];

/// Breakpad's `MDRawBreakpadInfo` names the thread that wrote the dump and
/// the thread that requested it; the requester is the one the exception
/// blames, and the writer is never it (it was stopped, being dumped). Only
/// Breakpad writes the stream (minidump-writer and Crashpad do not), so its
/// absence is a skip.
static REQUESTING_THREAD: Rule = Rule {
    id: "BPI-01",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "BreakpadInfo",
    title: "BreakpadInfo, when written, names the exception's thread as requester",
    checks: &[Field::new("BreakpadInfo", "requesting and dump thread ids", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let Ok(info) = &dump.breakpad_info else {
            return Verdict::skip("the handler wrote no BreakpadInfo stream");
        };
        let exception = need!(required(&dump.exception, "an Exception stream"));
        let blamed = exception.get_crashing_thread_id();
        let observed = format!(
            "requesting {:?}, dumping {:?}",
            info.requesting_thread_id, info.dump_thread_id
        );
        match info.requesting_thread_id {
            None => Verdict::skip("BreakpadInfo names no requesting thread"),
            Some(requesting) if requesting != blamed => {
                Verdict::fail(observed, format!("requesting {blamed}"))
            }
            Some(_) if info.dump_thread_id == Some(blamed) => {
                Verdict::fail(observed, "a dumping thread other than the crashed one")
            }
            Some(_) => Verdict::pass(observed),
        }
    },
};
