//! What the triggers raise on Linux (x86_64 and aarch64), and the pages and
//! files some of them fault on.

use super::{CrashSite, DUMP_REQUESTED, Expectation, Trigger};
use crate::{catalogue::CrashThread, native, truth::ExpectedEnding};
use std::path::Path;

/// `si_code` of a `SIGSEGV` on an address with no mapping (`<asm-generic/siginfo.h>`;
/// the libc crate does not export the SEGV/BUS/ILL/FPE/TRAP codes).
const SEGV_MAPERR: i32 = 1;
/// `si_code` of a `SIGSEGV` on a mapping whose protection forbids the access.
const SEGV_ACCERR: i32 = 2;
/// `si_code` of a `SIGBUS` on an address past the end of a mapped file.
const BUS_ADRERR: i32 = 2;
/// `si_code` of a `SIGFPE` from an integer divide by zero.
const FPE_INTDIV: i32 = 1;
/// `si_code` of a `SIGILL` from an illegal opcode.
const ILL_ILLOPC: i32 = 1;
/// `si_code` of a `SIGILL` from an illegal operand (x86's `ud2`).
const ILL_ILLOPN: i32 = 2;
/// `si_code` of a `SIGTRAP` from a breakpoint instruction on aarch64.
const TRAP_BRKPT: i32 = 1;
/// `si_code` the kernel gives signals it raises itself (x86's `int3`).
const SI_KERNEL: i32 = 0x80;

/// Prepares what `trigger` faults on, in `scratch`: the address, or 0.
pub(super) fn arm(trigger: Trigger, scratch: &Path) -> std::io::Result<usize> {
    Ok(match trigger {
        Trigger::ReadOnlyWrite => native::map_page(false)?,
        Trigger::JumpNonExec => native::map_page(true)?,
        Trigger::BusError => native::map_past_end_of_file(&scratch.join("sigbus.bin"))?,
        _ => 0,
    })
}

/// What `trigger`, armed with `target`, raises on `thread`.
pub(super) fn expectation(
    trigger: Trigger,
    target: u64,
    thread: CrashThread,
) -> Option<Expectation> {
    let x86 = cfg!(target_arch = "x86_64");
    let signal = |signal: i32, si_code: i32, fault_address: Option<u64>| Expectation {
        exception_code: signal as u32,
        si_code: Some(si_code),
        fault_address,
        instruction_pointer: None,
        ending: ExpectedEnding::Signal(signal),
        stack_pointer_destroyed: false,
        crash_site: CrashSite::Executable,
    };
    let in_libc =
        |expectation: Expectation| Expectation { crash_site: CrashSite::Libc, ..expectation };
    let abort = in_libc(signal(libc::SIGABRT, libc::SI_TKILL, None));
    Some(match trigger {
        Trigger::SadnessSegfault => {
            signal(libc::SIGSEGV, SEGV_MAPERR, Some(sadness_generator::SEGFAULT_ADDRESS))
        }
        Trigger::NullWrite | Trigger::NullRead => signal(libc::SIGSEGV, SEGV_MAPERR, Some(0)),
        Trigger::PluginNullWrite => Expectation {
            crash_site: CrashSite::Plugin,
            ..signal(libc::SIGSEGV, SEGV_MAPERR, Some(0))
        },
        Trigger::NullCall => Expectation {
            instruction_pointer: Some(0),
            crash_site: CrashSite::Unmapped,
            ..signal(libc::SIGSEGV, SEGV_MAPERR, Some(0))
        },
        Trigger::ReadOnlyWrite => signal(libc::SIGSEGV, SEGV_ACCERR, Some(target)),
        Trigger::JumpNonExec => Expectation {
            instruction_pointer: Some(target),
            crash_site: CrashSite::Unmapped,
            ..signal(libc::SIGSEGV, SEGV_ACCERR, Some(target))
        },
        Trigger::BusError => signal(libc::SIGBUS, BUS_ADRERR, Some(target)),
        Trigger::Abort
        | Trigger::PanicAbort
        | Trigger::CAssert
        | Trigger::PureVirtualCall
        | Trigger::UncaughtCppException
        | Trigger::DoubleFree
        | Trigger::HeapOverflow => abort,
        Trigger::DivideByZero if x86 => signal(libc::SIGFPE, FPE_INTDIV, None),
        Trigger::DivideByZero => in_libc(signal(libc::SIGFPE, libc::SI_TKILL, None)),
        Trigger::IllegalInstruction => {
            signal(libc::SIGILL, if x86 { ILL_ILLOPN } else { ILL_ILLOPC }, None)
        }
        Trigger::Breakpoint => {
            signal(libc::SIGTRAP, if x86 { SI_KERNEL } else { TRAP_BRKPT }, None)
        }
        Trigger::StackOverflow => {
            let code = if thread == CrashThread::Main { SEGV_MAPERR } else { SEGV_ACCERR };
            // The recursion may fault in a memcpy it calls.
            Expectation { crash_site: CrashSite::Anywhere, ..signal(libc::SIGSEGV, code, None) }
        }
        Trigger::RaiseSegv => in_libc(signal(libc::SIGSEGV, libc::SI_TKILL, None)),
        Trigger::GarbageStackPointer => Expectation {
            stack_pointer_destroyed: true,
            ..signal(libc::SIGSEGV, SEGV_MAPERR, Some(native::GARBAGE_STORE_ADDRESS))
        },
        Trigger::RequestDump => Expectation {
            exception_code: DUMP_REQUESTED,
            si_code: None,
            fault_address: None,
            instruction_pointer: None,
            ending: ExpectedEnding::Exit(0),
            stack_pointer_destroyed: false,
            crash_site: CrashSite::Anywhere,
        },
        Trigger::WindowsPurecall
        | Trigger::WindowsInvalidParameter
        | Trigger::WindowsHeapCorruption
        | Trigger::WindowsFastFail
        | Trigger::MacGuard => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::*;

    #[test]
    fn prepared_addresses_are_the_expected_fault_addresses() {
        let scratch = tempfile::tempdir().unwrap();
        for trigger in [Trigger::ReadOnlyWrite, Trigger::JumpNonExec, Trigger::BusError] {
            let armed = arm(trigger, scratch.path()).unwrap();
            let expected = armed.expectation(CrashThread::Main).unwrap();
            assert_eq!(expected.fault_address, Some(armed.target as u64), "{trigger:?}");
            assert_ne!(armed.target, 0, "{trigger:?}");
        }
    }
}
