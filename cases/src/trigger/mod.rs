//! Triggers: the code that crashes, and what each raises where.
//!
//! This enum is the one source of truth for what a crash looks like. What a
//! trigger raises is computed by [`Armed::expectation`], in one file per
//! system (`trigger/linux.rs`, `trigger/windows.rs`, `trigger/macos.rs`); the
//! doc comment of each variant says what it raises on Linux (x86_64 and
//! aarch64), and on Windows or macOS where it runs there.

use crate::{catalogue::CrashThread, native, truth::Ending};
use serde::{Deserialize, Serialize};
use std::path::Path;

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        #[path = "linux.rs"]
        mod system;
    } else if #[cfg(windows)] {
        #[path = "windows.rs"]
        mod system;
    } else if #[cfg(target_os = "macos")] {
        #[path = "macos.rs"]
        mod system;
    }
}

/// Breakpad's exception code for a dump taken on request, without a crash
/// (`MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED`).
pub const DUMP_REQUESTED: u32 = 0xFFFF_FFFF;
/// Crashpad's exception code for a dump taken on request on Windows, which
/// crash-handler uses too (`ExceptionCode::User`).
pub const WINDOWS_DUMP_REQUESTED: u32 = 0x0CCA_11ED;

/// One way of crashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// sadness-generator's segfault: a store to an unmapped address above 4 GiB.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address `0x100000041`.
    SadnessSegfault,
    /// A store through a null pointer, in C.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address 0.
    NullWrite,
    /// A load through a null pointer, in C.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address 0.
    NullRead,
    /// A store to a page mapped read-only.
    /// Linux: `SIGSEGV`, `SEGV_ACCERR`, fault address the page.
    ReadOnlyWrite,
    /// A call through a null function pointer, in C.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address 0, instruction pointer 0.
    NullCall,
    /// A jump into a page mapped readable and writable but not executable.
    /// Linux: `SIGSEGV`, `SEGV_ACCERR`; fault address and instruction pointer
    /// are the page.
    JumpNonExec,
    /// sadness-generator's `abort()`.
    /// Linux: `SIGABRT` sent with `tgkill`, so `si_code` is `SI_TKILL`.
    Abort,
    /// A Rust panic in a process that aborts on panic: the hook prints the
    /// message and calls `abort()`, as `panic = "abort"` does.
    /// Linux: `SIGABRT`, `SI_TKILL`.
    PanicAbort,
    /// A failed C `assert`: `__assert_fail` prints and aborts.
    /// Linux: `SIGABRT`, `SI_TKILL`.
    CAssert,
    /// sadness-generator's integer divide by zero.
    /// Linux x86_64: `SIGFPE`, `FPE_INTDIV`. Linux aarch64: the CPU does not
    /// trap, so it is `raise(SIGFPE)`: `SI_TKILL`.
    DivideByZero,
    /// sadness-generator's illegal instruction.
    /// Linux x86_64: `ud2`, `SIGILL`, `ILL_ILLOPN`. aarch64: `udf #0`,
    /// `SIGILL`, `ILL_ILLOPC`.
    IllegalInstruction,
    /// sadness-generator's breakpoint.
    /// Linux x86_64: `int3`, `SIGTRAP`, `SI_KERNEL`. aarch64: `brk #0`,
    /// `SIGTRAP`, `TRAP_BRKPT`.
    Breakpoint,
    /// A store to the part of a shared file mapping that lies past the end of
    /// the file. Linux: `SIGBUS`, `BUS_ADRERR`, fault address the page.
    BusError,
    /// sadness-generator's unbounded recursion. Linux: `SIGSEGV` below the
    /// stack: `SEGV_MAPERR` on the main thread (the kernel's guard gap holds
    /// no mapping), `SEGV_ACCERR` on other threads (glibc maps a guard page
    /// with no access).
    StackOverflow,
    /// A C++ pure virtual call during construction; with the Itanium C++ ABI
    /// it ends in `__cxa_pure_virtual`, `std::terminate` and `abort()`.
    /// Linux: `SIGABRT`, `SI_TKILL`.
    PureVirtualCall,
    /// A C++ exception thrown through a `noexcept` function: `std::terminate`
    /// and `abort()`. Linux: `SIGABRT`, `SI_TKILL`.
    UncaughtCppException,
    /// `free()` of the same block twice; glibc detects it and aborts.
    /// Linux: `SIGABRT`, `SI_TKILL`.
    DoubleFree,
    /// A heap block overflowing into the next block's header, then `free()`;
    /// glibc detects it and aborts. Linux: `SIGABRT`, `SI_TKILL`.
    HeapOverflow,
    /// A null store inside `libcrashsuite_plugin.so`, loaded with `dlopen`.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address 0.
    PluginNullWrite,
    /// `raise(SIGSEGV)`. Linux: `SIGSEGV`, `SI_TKILL`, no fault address.
    RaiseSegv,
    /// The stack pointer is set to garbage, then a push faults.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address just below the garbage
    /// value; the thread's stack cannot be captured.
    GarbageStackPointer,
    /// No crash: the process asks the handler for a dump of itself and then
    /// exits 0. The dump's exception code is `DUMP_REQUESTED`.
    RequestDump,
    /// Windows: the CRT's `_purecall`. crash-handler reports
    /// `STATUS_NONCONTINUABLE_EXCEPTION` (0xC0000025).
    WindowsPurecall,
    /// Windows: a CRT function given an invalid parameter.
    /// `STATUS_INVALID_PARAMETER` (0xC000000D) as crash-handler reports it.
    WindowsInvalidParameter,
    /// Windows: heap corruption found by the heap manager.
    /// `STATUS_HEAP_CORRUPTION` (0xC0000374).
    WindowsHeapCorruption,
    /// Windows: `__fastfail`, which bypasses exception handlers in process.
    /// `STATUS_STACK_BUFFER_OVERRUN` (0xC0000409).
    WindowsFastFail,
    /// macOS: a guarded file descriptor closed: `EXC_GUARD` (12).
    MacGuard,
}

/// Where a trigger can run.
pub struct Platforms {
    /// Operating systems, as `std::env::consts::OS`.
    pub os: &'static [&'static str],
    /// Architectures, as `std::env::consts::ARCH`.
    pub arch: &'static [&'static str],
}

const ARCHES: &[&str] = &["x86_64", "aarch64"];

impl Trigger {
    /// The systems this trigger is written for.
    pub fn platforms(self) -> Platforms {
        let os: &'static [&'static str] = match self {
            // sadness-generator's and Rust's own crashes, and a dump on request.
            Self::SadnessSegfault
            | Self::Abort
            | Self::PanicAbort
            | Self::DivideByZero
            | Self::IllegalInstruction
            | Self::Breakpoint
            | Self::StackOverflow
            | Self::RequestDump => &["linux", "windows"],
            Self::WindowsPurecall
            | Self::WindowsInvalidParameter
            | Self::WindowsHeapCorruption
            | Self::WindowsFastFail => &["windows"],
            Self::MacGuard => &["macos"],
            _ => &["linux"],
        };
        Platforms { os, arch: ARCHES }
    }

    /// The function the crash happens in, as a symbolised stack shows it.
    pub fn function(self) -> &'static str {
        match self {
            Self::SadnessSegfault => "sadness_generator::raise_segfault",
            Self::NullWrite => "crashsuite_write_null",
            Self::NullRead => "crashsuite_read_null",
            Self::ReadOnlyWrite => "crashsuite_write_to",
            Self::NullCall => "crashsuite_call_null",
            Self::JumpNonExec => "crashsuite_jump_to",
            Self::Abort => "sadness_generator::raise_abort",
            Self::PanicAbort => "crashsuite_cases::native::panic_abort",
            Self::CAssert => "crashsuite_assert_fail",
            Self::DivideByZero => "sadness_generator::raise_floating_point_exception",
            Self::IllegalInstruction => "sadness_generator::raise_illegal_instruction",
            Self::Breakpoint => "sadness_generator::raise_trap",
            Self::BusError => "crashsuite_write_to",
            Self::StackOverflow => "sadness_generator::raise_stack_overflow",
            Self::PureVirtualCall => "__cxa_pure_virtual",
            Self::UncaughtCppException => "crashsuite_throw_uncaught",
            Self::DoubleFree => "crashsuite_double_free",
            Self::HeapOverflow => "crashsuite_heap_overflow",
            Self::PluginNullWrite => "crashsuite_plugin_write_null",
            Self::RaiseSegv => "crashsuite_raise_segv",
            Self::GarbageStackPointer => "crashsuite_cases::native::garbage_stack_pointer",
            Self::RequestDump => "dump_now",
            Self::WindowsPurecall => "sadness_generator::raise_purecall",
            Self::WindowsInvalidParameter => "sadness_generator::raise_invalid_parameter",
            Self::WindowsHeapCorruption => "sadness_generator::raise_heap_corruption",
            Self::WindowsFastFail => "crashsuite_cases::native::fast_fail",
            Self::MacGuard => "sadness_generator::raise_guard_exception",
        }
    }

    /// Prepares what the trigger needs before the truth is written (pages to
    /// fault on, the file to map), in `scratch`.
    pub fn arm(self, scratch: &Path) -> std::io::Result<Armed> {
        Ok(Armed { trigger: self, target: system::arm(self, scratch)? })
    }
}

/// Where the crash context's instruction pointer lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashSite {
    /// In the case executable.
    Executable,
    /// In the C library (abort, raise).
    Libc,
    /// In the library the case loaded with dlopen.
    Plugin,
    /// In no module (address 0, or an anonymous page).
    Unmapped,
    /// The trigger does not determine it.
    Anywhere,
}

/// What a dump of a crash must show, as the trigger determines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    /// The exception code: the signal number on Linux, the exception code
    /// on Windows and macOS, or the system's code for a dump on request.
    pub exception_code: u32,
    /// `si_code` (Linux), when the trigger determines it.
    pub si_code: Option<i32>,
    /// Fault address, when the trigger determines it.
    pub fault_address: Option<u64>,
    /// Instruction pointer at the crash, when the trigger determines it.
    pub instruction_pointer: Option<u64>,
    /// How the process ends: the signal it dies of, or its exit code.
    pub ending: Ending,
    /// The crashing thread's stack pointer no longer points at its stack.
    pub stack_pointer_destroyed: bool,
    /// Where the crash context's instruction pointer lies.
    pub crash_site: CrashSite,
}

/// A trigger with what it prepared; cheap to copy to the crashing thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Armed {
    /// The trigger.
    pub trigger: Trigger,
    /// The address it will fault on, for triggers that prepared one.
    target: usize,
}

impl Armed {
    /// What the crash raises on this system when it runs on `thread`;
    /// `None` for a trigger that does not run here.
    pub fn expectation(&self, thread: CrashThread) -> Option<Expectation> {
        system::expectation(self.trigger, self.target as u64, thread)
    }

    /// Crashes the calling thread. [`Trigger::RequestDump`] is not a crash;
    /// the scene handles it and never calls this.
    pub fn fire(&self) -> ! {
        use sadness_generator::SadnessFlavor as Sad;
        match self.trigger {
            Trigger::SadnessSegfault => native::sadness(Sad::Segfault),
            Trigger::Abort => native::sadness(Sad::Abort),
            Trigger::PanicAbort => native::panic_abort(),
            Trigger::DivideByZero => native::sadness(Sad::DivideByZero),
            Trigger::IllegalInstruction => native::sadness(Sad::Illegal),
            Trigger::Breakpoint => native::sadness(Sad::Trap),
            Trigger::StackOverflow => native::stack_overflow(),
            #[cfg(target_os = "linux")]
            Trigger::NullWrite => native::write_null(),
            #[cfg(target_os = "linux")]
            Trigger::NullRead => native::read_null(),
            #[cfg(target_os = "linux")]
            Trigger::ReadOnlyWrite | Trigger::BusError => native::write_to(self.target),
            #[cfg(target_os = "linux")]
            Trigger::NullCall => native::call_null(),
            #[cfg(target_os = "linux")]
            Trigger::JumpNonExec => native::jump_to(self.target),
            #[cfg(target_os = "linux")]
            Trigger::CAssert => native::assert_fail(),
            #[cfg(target_os = "linux")]
            Trigger::PureVirtualCall => native::pure_virtual_call(),
            #[cfg(target_os = "linux")]
            Trigger::UncaughtCppException => native::throw_uncaught(),
            #[cfg(target_os = "linux")]
            Trigger::DoubleFree => native::double_free(),
            #[cfg(target_os = "linux")]
            Trigger::HeapOverflow => native::heap_overflow(),
            #[cfg(target_os = "linux")]
            Trigger::PluginNullWrite => native::plugin_write_null(),
            #[cfg(target_os = "linux")]
            Trigger::RaiseSegv => native::raise_segv(),
            #[cfg(target_os = "linux")]
            Trigger::GarbageStackPointer => native::garbage_stack_pointer(),
            #[cfg(windows)]
            Trigger::WindowsPurecall => native::purecall(),
            #[cfg(windows)]
            Trigger::WindowsInvalidParameter => native::invalid_parameter(),
            #[cfg(windows)]
            Trigger::WindowsHeapCorruption => native::heap_corruption(),
            #[cfg(windows)]
            Trigger::WindowsFastFail => native::fast_fail(),
            #[cfg(target_os = "macos")]
            Trigger::MacGuard => native::guard_exception(),
            // A dump on request is the scene's, and the rest are other systems'.
            #[allow(unreachable_patterns)]
            _ => native::unsupported(self.trigger.function()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_names_a_function_and_a_platform() {
        use Trigger::*;
        let all = [
            SadnessSegfault,
            NullWrite,
            NullRead,
            ReadOnlyWrite,
            NullCall,
            JumpNonExec,
            Abort,
            PanicAbort,
            CAssert,
            DivideByZero,
            IllegalInstruction,
            Breakpoint,
            BusError,
            StackOverflow,
            PureVirtualCall,
            UncaughtCppException,
            DoubleFree,
            HeapOverflow,
            PluginNullWrite,
            RaiseSegv,
            GarbageStackPointer,
            RequestDump,
            WindowsPurecall,
            WindowsInvalidParameter,
            WindowsHeapCorruption,
            WindowsFastFail,
            MacGuard,
        ];
        for trigger in all {
            assert!(!trigger.function().is_empty());
            let platforms = trigger.platforms();
            assert!(!platforms.os.is_empty() && !platforms.arch.is_empty());
            let here = platforms.os.contains(&std::env::consts::OS);
            let armed = Armed { trigger, target: 0 };
            assert_eq!(armed.expectation(CrashThread::Main).is_some(), here, "{trigger:?}");
        }
    }
}
