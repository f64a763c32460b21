//! The ThreadList and ThreadNames streams.

use super::{Facts, Level, Rule, Verdict, need, required};
use crashsuite_cases::Trigger;
use std::collections::BTreeSet;

pub(super) const RULES: &[&Rule] =
    &[&CRASHING_THREAD_LISTED, &STACK_POINTER_IN_STACK, &ALL_THREADS, &NAMES];

/// The crashing thread: the one the exception blames when it is one of the
/// case's crashing threads, else the case's first.
pub(super) fn crashing_tid(facts: &Facts<'_, '_>) -> u32 {
    let crashing = &facts.truth.crashing_tids;
    let blamed =
        facts.dump.and_then(|d| d.exception.as_ref().ok()).map(|e| e.get_crashing_thread_id());
    blamed.filter(|b| crashing.contains(b)).or(crashing.first().copied()).unwrap_or_default()
}

fn thread_list<'e, 'a>(
    facts: &Facts<'e, 'a>,
) -> Result<&'e minidump::MinidumpThreadList<'a>, Verdict> {
    required(&facts.dump()?.threads, "a ThreadList stream")
}

/// A processor looks the crashing thread up in ThreadList to walk its stack;
/// without it the report has no crashing stack (minidump format).
static CRASHING_THREAD_LISTED: Rule = Rule {
    id: "THR-01",
    level: Level::Must,
    stream: "ThreadList",
    title: "the crashing thread is in the thread list",
    check: |facts| {
        let threads = need!(thread_list(facts));
        let tid = crashing_tid(facts);
        match threads.get_thread(tid) {
            Some(_) => Verdict::pass(format!("thread {tid} listed")),
            None => Verdict::fail(format!("{} threads, not {tid}", threads.threads.len()), tid),
        }
    },
};

/// The stack walk starts at the crashing context's stack pointer; memory that
/// does not cover it makes the walk stop at the first frame. Breakpad captures
/// the stack from the stack pointer up; the crash context (Exception stream)
/// is preferred to the thread's own, as processors do. A stack overflow faults
/// with the stack pointer just below the mapped stack (in the kernel's guard
/// gap or glibc's guard page), so there it may lie up to a page below.
static STACK_POINTER_IN_STACK: Rule = Rule {
    id: "THR-02",
    level: Level::Must,
    stream: "ThreadList",
    title: "the crashing thread's stack pointer lies inside its captured stack",
    check: |facts| {
        let dump = need!(facts.dump());
        let threads = need!(thread_list(facts));
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        if facts.truth.stack_pointer_destroyed {
            return Verdict::skip("the case destroyed the crashing thread's stack pointer");
        }
        let tid = crashing_tid(facts);
        let Some(thread) = threads.get_thread(tid) else {
            return Verdict::skip(format!("thread {tid} is not listed (THR-01)"));
        };
        let context = dump
            .exception
            .as_ref()
            .ok()
            .and_then(|e| e.context(system_info, dump.misc.as_ref()))
            .or_else(|| thread.context(system_info, dump.misc.as_ref()));
        let Some(context) = context else {
            return Verdict::fail("no readable context", "a CPU context for the crashing thread");
        };
        let sp = context.get_stack_pointer();
        let Some(stack) = dump.memory.as_ref().and_then(|memory| thread.stack_memory(memory))
        else {
            return Verdict::fail(
                format!("sp {sp:#x}, no stack memory"),
                "stack memory covering sp",
            );
        };
        let (start, size) = (stack.base_address(), stack.size());
        let range = format!("stack [{start:#x}, {:#x})", start.saturating_add(size));
        let overflow = facts.truth.trigger == Trigger::StackOverflow;
        let page = rustix::param::page_size() as u64;
        if size > 0 && (start..start.saturating_add(size)).contains(&sp) {
            Verdict::pass(format!("sp {sp:#x} in {range}"))
        } else if overflow && size > 0 && (start.saturating_sub(page)..start).contains(&sp) {
            // The overflowing push faulted below the last mapped stack page;
            // nothing is mapped there to capture.
            Verdict::pass(format!("sp {sp:#x} {} bytes below {range} (overflow)", start - sp))
        } else if overflow {
            Verdict::fail(
                format!("sp {sp:#x}, {range}"),
                "sp inside the stack or within a page below it",
            )
        } else {
            Verdict::fail(format!("sp {sp:#x}, {range}"), "sp inside the stack")
        }
    },
};

/// A dump is a snapshot of the whole process: Breakpad and Crashpad list every
/// thread. Checked against the threads the case made.
static ALL_THREADS: Rule = Rule {
    id: "THR-03",
    level: Level::Should,
    stream: "ThreadList",
    title: "every thread the case made is in the thread list",
    check: |facts| {
        let threads = need!(thread_list(facts));
        let listed: BTreeSet<u32> = threads.threads.iter().map(|t| t.raw.thread_id).collect();
        let missing: Vec<u32> =
            facts.truth.threads.iter().map(|t| t.tid).filter(|tid| !listed.contains(tid)).collect();
        if missing.is_empty() {
            Verdict::pass(format!("{} of {} listed", facts.truth.threads.len(), listed.len()))
        } else {
            Verdict::fail(format!("missing {missing:?}"), "all case threads")
        }
    },
};

/// Crashpad writes a ThreadNames stream (Windows' MINIDUMP_THREAD_NAME_LIST);
/// names are how people tell threads apart in a report.
static NAMES: Rule = Rule {
    id: "THR-04",
    level: Level::Should,
    stream: "ThreadNames",
    title: "thread names equal the names the kernel held",
    check: |facts| {
        let dump = need!(facts.dump());
        let names = need!(required(&dump.thread_names, "a ThreadNames stream"));
        let wrong: Vec<String> = facts
            .truth
            .threads
            .iter()
            .filter_map(|t| {
                let seen = names.get_name(t.tid);
                (seen.as_deref() != Some(t.name.as_str()))
                    .then(|| format!("{}: {:?} not {:?}", t.tid, seen, t.name))
            })
            .collect();
        if wrong.is_empty() {
            Verdict::pass(format!("{} names match", facts.truth.threads.len()))
        } else {
            Verdict::fail(wrong.join("; "), "the case's thread names")
        }
    },
};
