//! The stack walk of the crashing thread (`minidump-processor`).

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need, required};
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

pub(super) const RULES: &[&Rule] =
    &[&WALK_STARTS_AT_IP, &WALK_DEPTH, &CONSISTENT_CRASH, &REACHES_TRIGGER];

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

/// A Linux dump states the crashing thread's registers twice: in the
/// Exception stream's crash context and in the thread's ThreadList entry,
/// which Breakpad's writer (and every Linux writer after it) fills with the
/// same crash context, so that a processor walking either starts at the
/// crash. Two different answers mean one of them is false. (Windows writers
/// put the thread's state at dump time in ThreadList, inside the handler:
/// another fact, so the rule reads Linux dumps only.)
static WALK_STARTS_AT_IP: Rule = Rule {
    id: "STK-01",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "Exception | ThreadList",
    title: "the crashing thread's ThreadList context is the crash context",
    checks: &[Field::new("ThreadList", "ThreadContext of the crashing thread", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        let exception = need!(required(&dump.exception, "an Exception stream"));
        let threads = need!(required(&dump.threads, "a ThreadList stream"));
        let Some(crash) = exception.context(system_info, dump.misc.as_ref()) else {
            return Verdict::missing("the crash context");
        };
        let tid = exception.get_crashing_thread_id();
        let Some(thread) = threads.get_thread(tid) else {
            return Verdict::skip(format!("thread {tid} is not listed (THR-01)"));
        };
        let Some(listed) = thread.context(system_info, dump.misc.as_ref()) else {
            return Verdict::missing(format!("thread {tid}'s context in ThreadList"));
        };
        let registers = |c: &minidump::MinidumpContext| {
            format!("ip {:#x}, sp {:#x}", c.get_instruction_pointer(), c.get_stack_pointer())
        };
        Verdict::equal(registers(&listed), registers(&crash))
    },
};

/// A stack walk must get through deep stacks: rust-minidump bounds its walks
/// by frame count and stack size, and a handler that captures too little
/// stack cuts them short. Checked against the case's C recursion depth.
static WALK_DEPTH: Rule = Rule {
    id: "STK-02",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "stack walk",
    title: "the crashing thread's walk gets through the case's call depth",
    checks: &[Field::new("MemoryList", "the crashing thread's stack bytes", Against::Truth)],
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

/// rust-minidump checks the crash against the dump (the faulting address
/// against the instruction's memory access, the IP against the memory map)
/// and lists every disagreement as a crash inconsistency.
static CONSISTENT_CRASH: Rule = Rule {
    id: "STK-04",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "stack walk",
    title: "the processor finds the crash consistent",
    checks: &[Field::new("MemoryList", "the bytes of the crashing instruction", Against::Dump)],
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
    systems: Systems::ANY,
    stream: "stack walk",
    title: "the crashing thread's walk reaches the trigger function by name",
    checks: &[Field::new("MemoryList", "the crashing thread's stack bytes", Against::Disk)],
    check: |facts| {
        let truth = need!(facts.truth());
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
