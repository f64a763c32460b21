//! The Exception stream.

use super::{Against, Field, Level, Rule, Systems, Verdict, exception, need, required};
use crashsuite_data::CrashSite;
use minidump::Module as _;

pub(super) const RULES: &[&Rule] =
    &[&CODE, &SI_CODE, &THREAD, &ADDRESS, &INSTRUCTION_POINTER, &CRASH_MODULE];

fn hex(value: u64) -> String {
    format!("{value:#x}")
}

/// Breakpad's Linux writer stores the signal number as the exception code
/// (`MD_EXCEPTION_CODE_LIN_*`), and `DUMP_REQUESTED` (0xFFFFFFFF) for a dump
/// taken on request; every Linux handler after it does the same.
static CODE: Rule = Rule {
    id: "EXC-01",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "Exception",
    title: "the exception code is the crash's signal (or DUMP_REQUESTED)",
    checks: &[Field::new("Exception", "ExceptionCode", Against::Truth)],
    check: |facts| {
        let exception = need!(exception(facts));
        Verdict::equal(
            exception.raw.exception_record.exception_code,
            need!(facts.truth()).exception_code,
        )
    },
};

/// Breakpad stores `si_code` as the exception flags; it tells a null-page
/// fault (`SEGV_MAPERR`) from a protection fault and a `kill` from a fault.
static SI_CODE: Rule = Rule {
    id: "EXC-02",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "Exception",
    title: "the exception flags are the signal's si_code",
    checks: &[Field::new("Exception", "ExceptionFlags", Against::Truth)],
    check: |facts| {
        let Some(code) = need!(facts.truth()).si_code else {
            return Verdict::skip("the trigger does not determine si_code");
        };
        let exception = need!(exception(facts));
        Verdict::equal(exception.raw.exception_record.exception_flags as i32, code)
    },
};

/// The minidump format's `ThreadId` of the exception stream names the thread
/// that crashed; processors start their report from it. When several threads
/// crash at once, it must name one of them (Breakpad's parallel-crash tests).
static THREAD: Rule = Rule {
    id: "EXC-03",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "Exception",
    title: "the exception names the thread that crashed",
    checks: &[Field::new("Exception", "ThreadId", Against::Truth)],
    check: |facts| {
        let exception = need!(exception(facts));
        let blamed = exception.get_crashing_thread_id();
        let crashing = &need!(facts.truth()).crashing_tids;
        if crashing.contains(&blamed) {
            Verdict::pass(format!("thread {blamed}"))
        } else if let [only] = crashing.as_slice() {
            Verdict::fail(format!("thread {blamed}"), format!("thread {only}"))
        } else {
            Verdict::fail(format!("thread {blamed}"), format!("one of {crashing:?}"))
        }
    },
};

/// Breakpad stores `si_addr` as the exception address: the address whose
/// access faulted, which tells a null dereference from a wild pointer.
static ADDRESS: Rule = Rule {
    id: "EXC-04",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "Exception",
    title: "the exception address is the faulting address",
    checks: &[Field::new("Exception", "ExceptionAddress", Against::Truth)],
    check: |facts| {
        let Some(address) = need!(facts.truth()).fault_address else {
            return Verdict::skip("the trigger does not determine the fault address");
        };
        let exception = need!(exception(facts));
        let record = &exception.raw.exception_record;
        // Windows keeps the faulting instruction's address in
        // ExceptionAddress, and an access violation's data address in
        // ExceptionInformation[1]; Breakpad's Linux layout puts the faulting
        // address itself in ExceptionAddress.
        const ACCESS_VIOLATION: u32 = 0xC000_0005;
        let windows = need!(facts.truth()).system.os == "windows";
        let observed = if windows
            && record.exception_code == ACCESS_VIOLATION
            && record.number_parameters >= 2
        {
            record.exception_information[1]
        } else {
            record.exception_address
        };
        Verdict::equal(hex(observed), hex(address))
    },
};

/// The exception's CPU context is where the stack walk starts; its
/// instruction pointer must be where execution stopped (0 after a call
/// through a null pointer, the page after a jump into data).
static INSTRUCTION_POINTER: Rule = Rule {
    id: "EXC-05",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "Exception",
    title: "the crash context's instruction pointer is where execution stopped",
    checks: &[Field::new("Exception", "ThreadContext: instruction pointer", Against::Truth)],
    check: |facts| {
        let Some(ip) = need!(facts.truth()).instruction_pointer else {
            return Verdict::skip("the trigger does not determine the instruction pointer");
        };
        let dump = need!(facts.dump());
        let exception = need!(exception(facts));
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        let Some(context) = exception.context(system_info, dump.misc.as_ref()) else {
            return Verdict::missing(format!("a crash context (its IP {})", hex(ip)));
        };
        Verdict::equal(hex(context.get_instruction_pointer()), hex(ip))
    },
};

/// Processors attribute a crash to the module holding the crash context's
/// instruction pointer ("crashed in libc.so.6"); a context taken from the
/// wrong place (the signal handler's frame, say) names the wrong module.
static CRASH_MODULE: Rule = Rule {
    id: "EXC-06",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "Exception",
    title: "the crash context's instruction pointer lies in the expected module",
    checks: &[Field::new("Exception", "ThreadContext: instruction pointer", Against::Truth)],
    check: |facts| {
        let site = need!(facts.truth()).crash_site;
        if site == CrashSite::Anywhere {
            return Verdict::skip("the trigger does not determine the module");
        }
        let dump = need!(facts.dump());
        let exception = need!(exception(facts));
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        let modules = need!(required(&dump.modules, "a ModuleList stream"));
        let Some(context) = exception.context(system_info, dump.misc.as_ref()) else {
            return Verdict::missing(format!("a crash context (its IP in {site:?})"));
        };
        let ip = context.get_instruction_pointer();
        let module = modules.module_at_address(ip).map(|m| m.code_file().into_owned());
        let file_name = module.as_deref().map(|m| m.rsplit('/').next().unwrap_or(m));
        let fits = match site {
            CrashSite::Executable => {
                module == Some(need!(facts.truth()).executable.display().to_string())
            }
            CrashSite::Libc => file_name.is_some_and(|f| f.starts_with("libc.so")),
            CrashSite::Plugin => need!(facts.truth())
                .modules
                .first()
                .is_some_and(|m| module == Some(m.path.display().to_string())),
            CrashSite::Unmapped => module.is_none(),
            CrashSite::Anywhere => true,
        };
        let observed = format!("{ip:#x} in {}", module.as_deref().unwrap_or("no module"));
        if fits { Verdict::pass(observed) } else { Verdict::fail(observed, format!("{site:?}")) }
    },
};
