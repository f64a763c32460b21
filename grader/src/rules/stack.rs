//! The stack walk of the crashing thread (`minidump-processor`).

use super::{Facts, Level, Rule, Verdict, need, required};
use minidump_processor::{ProcessError, ProcessState};

/// The processor's result, or its verdict without one: missing when the
/// dump lacks what a walk needs (SystemInfo, ThreadList), a failure when the
/// processor could not read what is there.
fn processed<'e>(facts: &Facts<'e, '_>) -> Result<&'e ProcessState, Verdict> {
    facts.dump()?.state.as_ref().map_err(|e| match e {
        ProcessError::MissingSystemInfo | ProcessError::MissingThreadList => {
            Verdict::missing(format!("what a stack walk needs: {e}"))
        }
        other => Verdict::fail(format!("unprocessable: {other}"), "a processed dump"),
    })
}

pub(super) const RULES: &[&Rule] = &[
    &WALK_STARTS_AT_IP,
    &WALK_DEPTH,
    &FIRST_FRAME_FROM_CONTEXT,
    &CONSISTENT_CRASH,
    &REACHES_TRIGGER,
];

/// The processor's stack of the crashing thread.
fn crashing_stack<'e>(facts: &Facts<'e, '_>) -> Result<&'e minidump_unwind::CallStack, Verdict> {
    let state = processed(facts)?;
    let tid = super::threads::crashing_tid(facts);
    state
        .threads
        .iter()
        .find(|stack| stack.thread_id == tid)
        .ok_or_else(|| Verdict::missing(format!("a stack for the crashing thread {tid}")))
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
            return Verdict::missing(format!("a frame at {ip:#x}"));
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
        let depth = need!(facts.truth()).call_depth as usize;
        if depth == 0 {
            return Verdict::skip("the case crashes at no particular depth");
        }
        let stack = need!(crashing_stack(facts));
        let frames = stack.frames.len();
        if frames > depth {
            Verdict::pass(format!("{frames} frames"))
        } else {
            // The walk ran out: the stack the handler captured stops short.
            Verdict::missing(format!("more than {depth} frames ({frames} walked)"))
        }
    },
};

/// The first frame of the crashing thread comes from the dump's CPU context
/// (trust `context`), not from scanning: without a context the processor
/// guesses the crash location (minidump-processor's frame trust).
static FIRST_FRAME_FROM_CONTEXT: Rule = Rule {
    id: "STK-03",
    level: Level::Should,
    stream: "stack walk",
    title: "the crashing thread's first frame comes from its context",
    check: |facts| {
        let stack = need!(crashing_stack(facts));
        let scanned =
            stack.frames.iter().filter(|f| f.trust == minidump_unwind::FrameTrust::Scan).count();
        match stack.frames.first() {
            Some(first) if first.trust == minidump_unwind::FrameTrust::Context => {
                Verdict::pass(format!("{} frames, {scanned} found by scanning", stack.frames.len()))
            }
            Some(first) => {
                Verdict::missing(format!("a context for frame 0 (trust {:?})", first.trust))
            }
            None => Verdict::missing("a context for frame 0"),
        }
    },
};

/// rust-minidump checks the crash against the dump (the faulting address
/// against the instruction's memory access, the IP against the memory map)
/// and lists every disagreement as a crash inconsistency.
static CONSISTENT_CRASH: Rule = Rule {
    id: "STK-04",
    level: Level::Should,
    stream: "stack walk",
    title: "the processor finds the crash consistent",
    check: |facts| {
        let state = need!(processed(facts));
        let Some(info) = &state.exception_info else {
            return Verdict::skip("no exception to check");
        };
        if info.inconsistencies.is_empty() {
            Verdict::pass(format!("{}", info.reason))
        } else {
            Verdict::fail(format!("{:?}", info.inconsistencies), "no inconsistencies")
        }
    },
};

/// The point of a dump is the stack that led to the crash: the walk of the
/// crashing thread must reach the function that crashed, named from the
/// case's own debug information (files whose build ids match the dump). The
/// frames found by scanning on the way, where call frame information ran
/// out, are counted: they may be false.
static REACHES_TRIGGER: Rule = Rule {
    id: "STK-05",
    level: Level::Should,
    stream: "stack walk",
    title: "the crashing thread's walk reaches the trigger function by name",
    check: |facts| {
        let truth = need!(facts.truth());
        if truth.system.os == "windows" {
            // The grader's gap, not the handler's: frames are named from the
            // ELF files the modules were loaded from.
            return Verdict::skip(
                "crashsuite names frames from ELF files only; a Windows executable's (its PE \
                 unwind tables and mingw's DWARF) is not read yet",
            );
        }
        let function = &truth.trigger_function;
        let dump = need!(facts.dump());
        let stack = need!(crashing_stack(facts));
        let found = dump
            .frame_names
            .iter()
            .position(|name| name.as_deref().is_some_and(|n| n.contains(function.as_str())));
        match found {
            Some(index) => {
                let scanned = stack.frames[..=index.min(stack.frames.len().saturating_sub(1))]
                    .iter()
                    .filter(|f| f.trust == minidump_unwind::FrameTrust::Scan)
                    .count();
                Verdict::pass(format!("frame {index}, {scanned} scanned frames on the way"))
            }
            None => {
                // The walk never gets there: the frames that lead to the
                // crash are lost (too little stack, a context that points
                // elsewhere).
                let named = dump.frame_names.iter().flatten().take(5).cloned().collect::<Vec<_>>();
                Verdict::missing(format!(
                    "a frame in {function} (not among {} frames; first names {named:?})",
                    stack.frames.len()
                ))
            }
        }
    },
};
