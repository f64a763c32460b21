//! What the triggers raise on macOS: Mach exception types.

use super::{CrashSite, Expectation, Trigger};
use crate::{catalogue::CrashThread, truth::ExpectedEnding};
use std::path::Path;

/// `EXC_GUARD`.
const EXC_GUARD: u32 = 12;

/// Nothing to prepare: no macOS trigger faults on a prepared address.
pub(super) fn arm(_trigger: Trigger, _scratch: &Path) -> std::io::Result<usize> {
    Ok(0)
}

/// What `trigger` raises on macOS. A guard exception is fatal: the kernel
/// kills the process with `SIGKILL` once it has been reported.
pub(super) fn expectation(
    trigger: Trigger,
    _target: u64,
    _thread: CrashThread,
) -> Option<Expectation> {
    match trigger {
        Trigger::MacGuard => Some(Expectation {
            exception_code: EXC_GUARD,
            si_code: None,
            fault_address: None,
            instruction_pointer: None,
            ending: ExpectedEnding::Signal(libc::SIGKILL),
            stack_pointer_destroyed: false,
            crash_site: CrashSite::Anywhere,
        }),
        _ => None,
    }
}
