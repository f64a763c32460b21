//! What both reference handlers do on the crashing thread, in the signal
//! handler: async-signal-safe helpers only (no allocation, no lock).

use minidump_writer::crash_context::CrashContext;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once this process has asked for its crash dump.
static DUMPED: AtomicBool = AtomicBool::new(false);

/// True the first time it is called in a process. One dump per process: a
/// second crash while the first is being handled (another thread crashing at
/// once, the abort that follows a breakpoint) is the same failure.
pub fn first_crash() -> bool {
    !DUMPED.swap(true, Ordering::SeqCst)
}

/// Queues SIGTRAP for the calling thread when `context` is a SIGTRAP.
///
/// crash-handler re-raises a signal after the dump by returning, so that the
/// faulting instruction runs again with the default action in place. A
/// breakpoint does not run again: x86's `int3` leaves the instruction pointer
/// after itself, and the process would go on (sadness-generator's trap then
/// aborts, which made a second dump and a death by SIGABRT). SIGTRAP is
/// blocked while its handler runs, so the queued one is delivered, with the
/// default action, as the handler returns.
pub fn requeue_trap(context: &CrashContext) {
    if context.siginfo.ssi_signo != libc::SIGTRAP as u32 {
        return;
    }
    #[allow(unsafe_code)]
    // SAFETY: tgkill takes plain integers; it is async-signal-safe.
    unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            libc::getpid(),
            libc::syscall(libc::SYS_gettid),
            libc::SIGTRAP,
        );
    }
}

/// A crash context of zeros: no signal. With a pid and tid filled in, it asks
/// for a dump on request.
pub fn zeroed_context() -> CrashContext {
    let zeros = [0u8; std::mem::size_of::<CrashContext>()];
    // `from_bytes` only checks the length, which is right by construction.
    CrashContext::from_bytes(&zeros).unwrap_or_else(|| unreachable!("sized to CrashContext"))
}
