//! What the built-in handlers do on the crashing thread, in the signal
//! handler (Linux) or the exception handler (Windows, macOS):
//! async-signal-safe helpers only (no allocation, no lock).

use crash_handler::CrashEventResult;
use minidump_writer::crash_context::CrashContext;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once this process has asked for its crash dump.
static DUMPED: AtomicBool = AtomicBool::new(false);

/// Set by [`fault_after_dump`].
static FAULT_AFTER_DUMP: AtomicBool = AtomicBool::new(false);

/// What a reference handler does with a crash: the first crash in the
/// process is dumped with `dump` (which says whether a dump was written;
/// `no_dump` goes to stderr when not), later ones are not. Then the crash is
/// handed back to the kernel's default action.
///
/// One dump per process: a second crash while the first is being handled
/// (another thread crashing at once, the abort that follows a breakpoint,
/// a fault in the handler itself) is the same failure.
pub fn on_crash(
    context: &CrashContext,
    dump: impl FnOnce(&CrashContext) -> bool,
    no_dump: &'static str,
) -> CrashEventResult {
    if !DUMPED.swap(true, Ordering::SeqCst) && !dump(context) {
        crash_handler::write_stderr(no_dump);
    }
    if FAULT_AFTER_DUMP.load(Ordering::SeqCst) {
        crash_handler::write_stderr("crashsuite: injected fault in the crash handler\n");
        fault();
    }
    #[cfg(target_os = "linux")]
    requeue_trap(context);
    CrashEventResult::Handled(true)
}

/// Fault injection for tests: from now on the crash handler itself faults
/// (a store to address 0) right after its dump. The process must still end,
/// with one dump.
pub fn fault_after_dump() {
    FAULT_AFTER_DUMP.store(true, Ordering::SeqCst);
}

/// The injected fault. SIGSEGV is blocked while the crash handler runs, so
/// the kernel kills the process with it.
fn fault() {
    #[expect(unsafe_code)]
    // SAFETY: deliberately not sound: this is the injected fault. A volatile
    // store to address 0 raises SIGSEGV at once; nothing runs after it.
    unsafe {
        std::ptr::null_mut::<u8>().write_volatile(1);
    }
}

/// Queues SIGTRAP for the calling thread when `context` is a SIGTRAP (Linux).
///
/// crash-handler re-raises a signal after the dump by returning, so that the
/// faulting instruction runs again with the default action in place. A
/// breakpoint does not run again: x86's `int3` leaves the instruction pointer
/// after itself, and the process would go on (sadness-generator's trap then
/// aborts, which made a second dump and a death by SIGABRT). SIGTRAP is
/// blocked while its handler runs, so the queued one is delivered, with the
/// default action, as the handler returns.
#[cfg(target_os = "linux")]
fn requeue_trap(context: &CrashContext) {
    if context.siginfo.ssi_signo != libc::SIGTRAP as u32 {
        return;
    }
    #[expect(unsafe_code)]
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
/// for a dump on request (Linux).
#[cfg(target_os = "linux")]
pub fn zeroed_context() -> CrashContext {
    let zeros = [0u8; std::mem::size_of::<CrashContext>()];
    // `from_bytes` only checks the length, which is right by construction.
    CrashContext::from_bytes(&zeros).unwrap_or_else(|| unreachable!("sized to CrashContext"))
}

/// Runs `dump` with a crash context for a dump on request (Windows): it
/// blames the calling thread, whose context is recorded as an exception
/// would record it (what crash-handler's `simulate_exception` does), with
/// Crashpad's exception code for a dump without a crash. The pointers stay
/// valid while `dump` runs.
#[cfg(windows)]
pub fn with_requested_exception<R>(dump: impl FnOnce(&CrashContext) -> R) -> R {
    use crashsuite_cases::trigger::WINDOWS_DUMP_REQUESTED;
    use minidump_writer::crash_context::{
        CONTEXT, EXCEPTION_POINTERS, EXCEPTION_RECORD, capture_context,
    };
    #[expect(unsafe_code)]
    // SAFETY: the record and context are plain data, zeroes valid for both;
    // capture_context fills the context of the calling thread, and
    // GetCurrentThreadId cannot fail. The pointers point into this frame,
    // which outlives `dump`.
    unsafe {
        let mut record: EXCEPTION_RECORD = std::mem::zeroed();
        record.ExceptionCode = WINDOWS_DUMP_REQUESTED as i32;
        let mut context: CONTEXT = std::mem::zeroed();
        capture_context(&mut context);
        let pointers =
            EXCEPTION_POINTERS { ExceptionRecord: &mut record, ContextRecord: &mut context };
        dump(&CrashContext {
            exception_pointers: &raw const pointers,
            process_id: std::process::id(),
            thread_id: windows_sys::Win32::System::Threading::GetCurrentThreadId(),
            exception_code: record.ExceptionCode,
        })
    }
}
