//! The Exception stream.

use super::{Facts, Level, Rule, Verdict, need, required};

pub(super) const RULES: &[&Rule] = &[&SIGNAL, &CODE, &THREAD, &ADDRESS];

fn exception<'e, 'a>(
    facts: &Facts<'e, 'a>,
) -> Result<&'e minidump::MinidumpException<'a>, Verdict> {
    let dump = facts.dump()?;
    required(&dump.exception, "an Exception stream")
}

/// Breakpad's Linux writer stores the signal number as the exception code
/// (`MD_EXCEPTION_CODE_LIN_*`), and so does every Linux handler after it.
static SIGNAL: Rule = Rule {
    id: "EXC-01",
    level: Level::Must,
    stream: "Exception",
    title: "the exception code is the signal that crashed the process",
    check: |facts| {
        let exception = need!(exception(facts));
        Verdict::equal(
            exception.raw.exception_record.exception_code,
            facts.truth.signal as u32,
        )
    },
};

/// Breakpad stores `si_code` as the exception flags; it tells a null-page
/// fault (`SEGV_MAPERR`) from a protection fault and a `kill` from a fault.
static CODE: Rule = Rule {
    id: "EXC-02",
    level: Level::Must,
    stream: "Exception",
    title: "the exception flags are the signal's si_code",
    check: |facts| {
        let Some(code) = facts.truth.si_code else {
            return Verdict::skip("the trigger does not determine si_code");
        };
        let exception = need!(exception(facts));
        Verdict::equal(exception.raw.exception_record.exception_flags as i32, code)
    },
};

/// The minidump format's `ThreadId` of the exception stream names the thread
/// that crashed; processors start their report from it.
static THREAD: Rule = Rule {
    id: "EXC-03",
    level: Level::Must,
    stream: "Exception",
    title: "the exception names the thread that crashed",
    check: |facts| {
        let exception = need!(exception(facts));
        Verdict::equal(exception.get_crashing_thread_id(), facts.truth.crashing_tid)
    },
};

/// Breakpad stores `si_addr` as the exception address: the address whose
/// access faulted, which tells a null dereference from a wild pointer.
static ADDRESS: Rule = Rule {
    id: "EXC-04",
    level: Level::Should,
    stream: "Exception",
    title: "the exception address is the faulting address",
    check: |facts| {
        let Some(address) = facts.truth.fault_address else {
            return Verdict::skip("the trigger does not determine the fault address");
        };
        let exception = need!(exception(facts));
        let observed = exception.raw.exception_record.exception_address;
        if observed == address {
            Verdict::pass(format!("{observed:#x}"))
        } else {
            Verdict::fail(format!("{observed:#x}"), format!("{address:#x}"))
        }
    },
};
