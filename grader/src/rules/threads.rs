//! The ThreadList and ThreadNames streams.

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need, required};
use crashsuite_data::Trigger;
use std::collections::BTreeSet;

pub(super) const RULES: &[&Rule] = &[
    &CRASHING_THREAD_LISTED,
    &STACK_POINTER_IN_STACK,
    &ALL_THREADS,
    &NAMES,
    &UNIQUE_TIDS,
    &EVERY_STACK_POINTER,
    &STACKS_CAPTURED,
    &OVERFLOW_STACK_IS_REAL,
];

/// The crashing thread: the one the exception blames when it is one of the
/// case's crashing threads, else the case's first; without a truth record,
/// the one the exception blames.
pub(super) fn crashing_tid(facts: &Facts<'_, '_>) -> u32 {
    let blamed =
        facts.dump.and_then(|d| d.exception.as_ref().ok()).map(|e| e.get_crashing_thread_id());
    match facts.truth {
        Some(truth) => blamed
            .filter(|b| truth.crashing_tids.contains(b))
            .or(truth.crashing_tids.first().copied())
            .unwrap_or_default(),
        None => blamed.unwrap_or_default(),
    }
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
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "the crashing thread is in the thread list",
    checks: &[Field::new("ThreadList", "ThreadId of the crashing thread", Against::Truth)],
    check: |facts| {
        let threads = need!(thread_list(facts));
        if facts.truth.is_none() {
            need!(super::exception(facts));
        }
        let tid = crashing_tid(facts);
        match threads.get_thread(tid) {
            Some(_) => Verdict::pass(format!("thread {tid} listed")),
            None => Verdict::missing(format!("thread {tid} among {}", threads.threads.len())),
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
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "the crashing thread's stack pointer lies inside its captured stack",
    checks: &[
        Field::new("ThreadList", "Stack of the crashing thread", Against::Dump),
        Field::new("Exception", "ThreadContext: stack pointer", Against::Dump),
    ],
    check: |facts| {
        let dump = need!(facts.dump());
        let threads = need!(thread_list(facts));
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        if facts.truth.is_some_and(|truth| truth.stack_pointer_destroyed) {
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
            return Verdict::missing("a CPU context for the crashing thread");
        };
        let sp = context.get_stack_pointer();
        let Some(stack) = dump.memory.as_ref().and_then(|memory| thread.stack_memory(memory))
        else {
            return Verdict::missing(format!("stack memory covering sp {sp:#x}"));
        };
        let (start, size) = (stack.base_address(), stack.size());
        let range = format!("stack [{start:#x}, {:#x})", start.saturating_add(size));
        // Without a truth record any crash may be an overflow: a page below
        // the captured stack is accepted.
        let overflow = facts.truth.is_none_or(|truth| truth.trigger == Trigger::StackOverflow);
        let page = dump.page_size();
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
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "every thread the case made is in the thread list",
    checks: &[Field::new("ThreadList", "ThreadId of every thread", Against::Truth)],
    check: |facts| {
        let threads = need!(thread_list(facts));
        let listed: BTreeSet<u32> = threads.threads.iter().map(|t| t.raw.thread_id).collect();
        let missing: Vec<u32> = need!(facts.truth())
            .threads
            .iter()
            .map(|t| t.tid)
            .filter(|tid| !listed.contains(tid))
            .collect();
        if missing.is_empty() {
            Verdict::pass(format!(
                "{} of {} listed",
                need!(facts.truth()).threads.len(),
                listed.len()
            ))
        } else {
            Verdict::missing(format!("threads {missing:?}"))
        }
    },
};

/// Crashpad writes a ThreadNames stream (Windows' MINIDUMP_THREAD_NAME_LIST);
/// names are how people tell threads apart in a report.
static NAMES: Rule = Rule {
    id: "THR-04",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "ThreadNames",
    title: "thread names equal the names the kernel held",
    checks: &[Field::new("ThreadNames", "every name", Against::Truth)],
    check: |facts| {
        let dump = need!(facts.dump());
        let names = need!(required(&dump.thread_names, "a ThreadNames stream"));
        let truth = need!(facts.truth());
        let (mut wrong, mut unnamed) = (Vec::new(), Vec::new());
        for thread in &truth.threads {
            match names.get_name(thread.tid) {
                Some(seen) if *seen == thread.name => {}
                Some(seen) => wrong.push(format!("{}: {seen:?} not {:?}", thread.tid, thread.name)),
                None => unnamed.push(thread.tid),
            }
        }
        if !wrong.is_empty() {
            Verdict::fail(wrong.join("; "), "the case's thread names")
        } else if !unnamed.is_empty() {
            Verdict::missing(format!("names of threads {unnamed:?}"))
        } else {
            Verdict::pass(format!("{} names match", truth.threads.len()))
        }
    },
};

/// The thread id is how every other stream (Exception, ThreadNames,
/// BreakpadInfo) refers to a thread; two entries with one id are ambiguous.
static UNIQUE_TIDS: Rule = Rule {
    id: "THR-05",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "no thread id is listed twice",
    checks: &[Field::new("ThreadList", "ThreadId of every thread", Against::Dump)],
    check: |facts| {
        let threads = need!(thread_list(facts));
        let mut tids: Vec<u32> = threads.threads.iter().map(|t| t.raw.thread_id).collect();
        if tids.is_empty() {
            return Verdict::missing("the threads (the list is empty)");
        }
        tids.sort_unstable();
        let mut twice: Vec<u32> = tids.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        twice.dedup();
        if twice.is_empty() {
            Verdict::pass(format!("{} threads", tids.len()))
        } else {
            Verdict::fail(format!("listed twice: {twice:?}"), "unique ids")
        }
    },
};

/// Each thread's own stack pointer (not only the crashing one's) must lie in
/// its captured stack, or the walk of that thread stops at once (Breakpad
/// captures every thread's stack from its stack pointer up).
static EVERY_STACK_POINTER: Rule = Rule {
    id: "THR-06",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "every thread's stack pointer lies inside its captured stack",
    checks: &[
        Field::new("ThreadList", "Stack of every thread", Against::Dump),
        Field::new("ThreadList", "ThreadContext: stack pointer", Against::Dump),
    ],
    check: |facts| {
        let dump = need!(facts.dump());
        let threads = need!(thread_list(facts));
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        let Some(memory) = dump.memory.as_ref() else {
            return Verdict::missing("a memory list with the stacks");
        };
        let crashing = crashing_tid(facts);
        // An in-process writer's own thread, as BreakpadInfo names it: its
        // context is the writer's, mid-write, and processors skip it.
        let writer = dump.breakpad_info.as_ref().ok().and_then(|info| info.dump_thread_id);
        let (mut outside, mut absent, mut checked) = (Vec::new(), Vec::new(), 0);
        for thread in &threads.threads {
            let tid = thread.raw.thread_id;
            if tid == crashing || Some(tid) == writer {
                continue; // THR-02, which knows about overflows and destroyed stack pointers
            }
            checked += 1;
            let Some(sp) =
                thread.context(system_info, dump.misc.as_ref()).map(|c| c.get_stack_pointer())
            else {
                absent.push(format!("{tid}'s context"));
                continue;
            };
            match thread.stack_memory(memory) {
                Some(stack) => {
                    let start = stack.base_address();
                    if !(start..start.saturating_add(stack.size())).contains(&sp) {
                        outside.push(format!("{tid}: sp {sp:#x}"));
                    }
                }
                None => absent.push(format!("{tid}'s stack")),
            }
        }
        if !outside.is_empty() {
            Verdict::fail(outside.join(", "), "every stack pointer inside its stack")
        } else if !absent.is_empty() {
            Verdict::missing(absent.join(", "))
        } else if checked == 0 {
            Verdict::skip("no thread besides the crashing one (THR-02) and the writer's")
        } else {
            Verdict::pass(format!("{checked} threads"))
        }
    },
};

/// A thread without stack memory cannot be walked at all. The only excuse is
/// a crashing thread whose stack pointer the case destroyed.
static STACKS_CAPTURED: Rule = Rule {
    id: "THR-07",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "every thread has stack memory",
    checks: &[Field::new("ThreadList", "Stack of every thread", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let threads = need!(thread_list(facts));
        let Some(memory) = dump.memory.as_ref() else {
            return Verdict::missing("a memory list with the stacks");
        };
        if threads.threads.is_empty() {
            return Verdict::missing("the threads (the list is empty)");
        }
        let destroyed = facts.truth.is_some_and(|truth| truth.stack_pointer_destroyed);
        let excused = destroyed.then(|| crashing_tid(facts));
        let empty: Vec<u32> = threads
            .threads
            .iter()
            .filter(|t| Some(t.raw.thread_id) != excused)
            .filter(|t| thread_stack_size(t, memory) == 0)
            .map(|t| t.raw.thread_id)
            .collect();
        if empty.is_empty() {
            Verdict::pass(format!("{} stacks", threads.threads.len()))
        } else {
            Verdict::missing(format!("stacks of threads {empty:?}"))
        }
    },
};

fn thread_stack_size(
    thread: &minidump::MinidumpThread<'_>,
    memory: &minidump::UnifiedMemoryList<'_>,
) -> u64 {
    thread.stack_memory(memory).map_or(0, |stack| stack.size())
}

/// After a stack overflow the stack pointer sits in the guard region; a
/// writer that captures "from the stack pointer" may capture only the guard
/// page, or nothing, and lose the frames that overflowed. The real stack is
/// large (16 pages here at least: the recursion filled it).
static OVERFLOW_STACK_IS_REAL: Rule = Rule {
    id: "THR-08",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "ThreadList",
    title: "after a stack overflow, the captured stack is the real stack, not a guard page",
    checks: &[Field::new("ThreadList", "Stack of the crashing thread", Against::Truth)],
    check: |facts| {
        if need!(facts.truth()).trigger != Trigger::StackOverflow {
            return Verdict::skip("not a stack overflow");
        }
        let dump = need!(facts.dump());
        let threads = need!(thread_list(facts));
        let tid = crashing_tid(facts);
        let Some(thread) = threads.get_thread(tid) else {
            return Verdict::skip(format!("thread {tid} is not listed (THR-01)"));
        };
        let Some(memory) = dump.memory.as_ref() else {
            return Verdict::missing("a memory list with the overflowed stack");
        };
        let size = thread_stack_size(thread, memory);
        let least = 16 * dump.page_size();
        if size >= least {
            Verdict::pass(format!("{} KiB", size >> 10))
        } else {
            // What was captured is a guard page or a sliver: the real stack
            // is left out.
            Verdict::missing(format!(
                "the overflowed stack, at least {} KiB ({} KiB captured)",
                least >> 10,
                size >> 10
            ))
        }
    },
};
