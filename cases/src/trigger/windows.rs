//! What the triggers raise on Windows: exception codes (NTSTATUS), as
//! crash-handler reports them; a process ends with its exception code as its
//! exit code.

use super::{CrashSite, Expectation, Trigger, WINDOWS_DUMP_REQUESTED};
use crate::{catalogue::CrashThread, truth::ExpectedEnding};
use std::path::Path;

/// `EXCEPTION_ACCESS_VIOLATION`.
const ACCESS_VIOLATION: u32 = 0xC000_0005;
/// `EXCEPTION_INT_DIVIDE_BY_ZERO`.
const INT_DIVIDE_BY_ZERO: u32 = 0xC000_0094;
/// `EXCEPTION_ILLEGAL_INSTRUCTION`.
const ILLEGAL_INSTRUCTION: u32 = 0xC000_001D;
/// `EXCEPTION_BREAKPOINT`.
const BREAKPOINT: u32 = 0x8000_0003;
/// `EXCEPTION_STACK_OVERFLOW`.
const STACK_OVERFLOW: u32 = 0xC000_00FD;
/// `STATUS_FATAL_APP_EXIT`: what crash-handler reports for `abort()`, which
/// Windows has no exception for (it hooks `SIGABRT`, as Crashpad does).
const FATAL_APP_EXIT: u32 = 0x4000_0015;
/// `STATUS_NONCONTINUABLE_EXCEPTION`: crash-handler's code for `_purecall`.
const NONCONTINUABLE_EXCEPTION: u32 = 0xC000_0025;
/// `STATUS_INVALID_PARAMETER`.
const INVALID_PARAMETER: u32 = 0xC000_000D;
/// `STATUS_HEAP_CORRUPTION`.
const HEAP_CORRUPTION: u32 = 0xC000_0374;
/// `STATUS_STACK_BUFFER_OVERRUN`: `__fastfail`.
const STACK_BUFFER_OVERRUN: u32 = 0xC000_0409;
/// The exit code of `abort()` in the C runtime.
const ABORT_EXIT_CODE: i32 = 3;

/// Nothing to prepare: no Windows trigger faults on a prepared address.
pub(super) fn arm(_trigger: Trigger, _scratch: &Path) -> std::io::Result<usize> {
    Ok(0)
}

/// What `trigger` raises on Windows.
pub(super) fn expectation(
    trigger: Trigger,
    _target: u64,
    _thread: CrashThread,
) -> Option<Expectation> {
    let exception = |code: u32, ending: i32| Expectation {
        exception_code: code,
        si_code: None,
        fault_address: None,
        instruction_pointer: None,
        ending: ExpectedEnding::Exit(ending),
        stack_pointer_destroyed: false,
        crash_site: CrashSite::Anywhere,
    };
    let fatal = |code: u32| exception(code, code as i32);
    Some(match trigger {
        Trigger::SadnessSegfault => Expectation {
            fault_address: Some(sadness_generator::SEGFAULT_ADDRESS),
            crash_site: CrashSite::Executable,
            ..fatal(ACCESS_VIOLATION)
        },
        Trigger::Abort => exception(FATAL_APP_EXIT, ABORT_EXIT_CODE),
        // Rust's `process::abort` is `__fastfail(FAST_FAIL_FATAL_APP_EXIT)` on
        // Windows: past every in-process handler.
        Trigger::PanicAbort => fatal(STACK_BUFFER_OVERRUN),
        Trigger::DivideByZero => {
            Expectation { crash_site: CrashSite::Executable, ..fatal(INT_DIVIDE_BY_ZERO) }
        }
        Trigger::IllegalInstruction => {
            Expectation { crash_site: CrashSite::Executable, ..fatal(ILLEGAL_INSTRUCTION) }
        }
        Trigger::Breakpoint => {
            Expectation { crash_site: CrashSite::Executable, ..fatal(BREAKPOINT) }
        }
        Trigger::StackOverflow => fatal(STACK_OVERFLOW),
        Trigger::WindowsPurecall => fatal(NONCONTINUABLE_EXCEPTION),
        Trigger::WindowsInvalidParameter => fatal(INVALID_PARAMETER),
        Trigger::WindowsHeapCorruption => fatal(HEAP_CORRUPTION),
        Trigger::WindowsFastFail => fatal(STACK_BUFFER_OVERRUN),
        Trigger::RequestDump => exception(WINDOWS_DUMP_REQUESTED, 0),
        _ => return None,
    })
}
