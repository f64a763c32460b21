//! Triggers as data: the ways a case crashes, where each runs and the
//! function a symbolised stack must reach. How each one fires is the case
//! catalogue's (`crashsuite-cases`).

use serde::{Deserialize, Serialize};

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
            Self::StackOverflow => "crashsuite_cases::native::stack_overflow",
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
