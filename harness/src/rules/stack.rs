//! The stack walk of the crashing thread (`minidump-processor`).

use super::{Facts, Level, Rule, Verdict, need, required};

pub(super) const RULES: &[&Rule] = &[&WALK_STARTS_AT_IP, &WALK_DEPTH];

/// The processor's stack of the crashing thread.
fn crashing_stack<'e>(facts: &Facts<'e, '_>) -> Result<&'e minidump_unwind::CallStack, Verdict> {
    let state = required(&facts.dump()?.state, "a processed dump")?;
    let tid = super::threads::crashing_tid(facts);
    state.threads.iter().find(|stack| stack.thread_id == tid).ok_or_else(|| {
        Verdict::fail(format!("no stack for thread {tid}"), "the crashing thread's stack")
    })
}

/// The processor's walk of the crashing thread must begin where the crash
/// context says execution stopped; a mismatch means the ThreadList and
/// Exception contexts disagree (minidump-processor takes the exception
/// context for the crashing thread).
static WALK_STARTS_AT_IP: Rule = Rule {
    id: "STK-01",
    level: Level::Should,
    stream: "stack walk",
    title: "the crashing thread's walk starts at the crash context's instruction pointer",
    check: |facts| {
        let dump = need!(facts.dump());
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        let exception = need!(required(&dump.exception, "an Exception stream"));
        let Some(context) = exception.context(system_info, dump.misc.as_ref()) else {
            return Verdict::skip("the exception has no context");
        };
        let ip = context.get_instruction_pointer();
        let stack = need!(crashing_stack(facts));
        let Some(first) = stack.frames.first() else {
            return Verdict::fail("no frames", format!("a frame at {ip:#x}"));
        };
        let frames = stack.frames.len();
        if first.instruction == ip {
            Verdict::pass(format!("{frames} frames from {ip:#x}"))
        } else {
            Verdict::fail(format!("first frame at {:#x}", first.instruction), format!("{ip:#x}"))
        }
    },
};

/// A stack walk must get through deep stacks: rust-minidump bounds its walks
/// by frame count and stack size, and a handler that captures too little
/// stack cuts them short. Checked against the case's C recursion depth.
static WALK_DEPTH: Rule = Rule {
    id: "STK-02",
    level: Level::Should,
    stream: "stack walk",
    title: "the crashing thread's walk gets through the case's call depth",
    check: |facts| {
        let depth = facts.truth.call_depth as usize;
        if depth == 0 {
            return Verdict::skip("the case crashes at no particular depth");
        }
        let stack = need!(crashing_stack(facts));
        let frames = stack.frames.len();
        if frames > depth {
            Verdict::pass(format!("{frames} frames"))
        } else {
            Verdict::fail(format!("{frames} frames"), format!("more than {depth}"))
        }
    },
};
