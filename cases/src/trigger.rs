//! Triggers: the code that crashes, and what it raises on this platform.

use crate::{catalogue::CrashThread, native};
use serde::{Deserialize, Serialize};

/// `si_code` of a `SIGSEGV` on an address with no mapping (`<asm-generic/siginfo.h>`;
/// the libc crate does not export it).
pub const SEGV_MAPERR: i32 = 1;
/// `si_code` of a `SIGSEGV` on a mapping whose protection forbids the access.
pub const SEGV_ACCERR: i32 = 2;

/// One way of crashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A store through a null pointer, in C.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address 0.
    NullWrite,
    /// sadness-generator's segfault: a store to an unmapped address above 4 GiB.
    /// Linux: `SIGSEGV`, `SEGV_MAPERR`, fault address `SEGFAULT_ADDRESS`.
    WildWrite,
    /// `abort()`. Linux: `SIGABRT` sent by `tgkill`, so `si_code` is `SI_TKILL`.
    Abort,
    /// sadness-generator's unbounded recursion. Linux: `SIGSEGV` below the
    /// stack; the fault address depends on the stack layout, and `si_code`
    /// on the thread (see [`Trigger::expected_on`]).
    StackOverflow,
    /// A C++ pure virtual call during construction. With the Itanium C++ ABI it
    /// ends in `__cxa_pure_virtual`, `std::terminate` and `abort()`: `SIGABRT`.
    PureVirtualCall,
}

/// What a trigger raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    /// Signal number.
    pub signal: i32,
    /// `si_code`, when the trigger determines it.
    pub si_code: Option<i32>,
    /// Fault address, when the trigger determines it.
    pub fault_address: Option<u64>,
}

impl Trigger {
    /// What this trigger raises on the platform this crate is built for, run
    /// on `thread`.
    ///
    /// A stack overflow differs by thread: the main thread's stack grows down
    /// into the kernel's guard gap, where nothing is mapped (`SEGV_MAPERR`);
    /// a pthread's stack ends at the guard page glibc maps with no access
    /// (`SEGV_ACCERR`).
    pub fn expected_on(self, thread: CrashThread) -> Expectation {
        let segv = |code, address| Expectation {
            signal: libc::SIGSEGV,
            si_code: Some(code),
            fault_address: address,
        };
        let abort = Expectation {
            signal: libc::SIGABRT,
            si_code: Some(libc::SI_TKILL),
            fault_address: None,
        };
        match self {
            Self::NullWrite => segv(SEGV_MAPERR, Some(0)),
            Self::WildWrite => segv(SEGV_MAPERR, Some(sadness_generator::SEGFAULT_ADDRESS)),
            Self::Abort | Self::PureVirtualCall => abort,
            Self::StackOverflow => Expectation {
                signal: libc::SIGSEGV,
                si_code: Some(match thread {
                    CrashThread::Main => SEGV_MAPERR,
                    CrashThread::RawPthread | CrashThread::CThread => SEGV_ACCERR,
                }),
                fault_address: None,
            },
        }
    }

    /// The function the crash happens in, as a symbolised stack shows it.
    pub fn function(self) -> &'static str {
        match self {
            Self::NullWrite => "crashsuite_write_null",
            Self::WildWrite => "sadness_generator::raise_segfault",
            Self::Abort => "sadness_generator::raise_abort",
            Self::StackOverflow => "sadness_generator::raise_stack_overflow",
            Self::PureVirtualCall => "__cxa_pure_virtual",
        }
    }

    /// Crashes the calling thread.
    pub fn fire(self) -> ! {
        match self {
            Self::NullWrite => native::write_null(),
            Self::WildWrite => native::sadness(sadness_generator::SadnessFlavor::Segfault),
            Self::Abort => native::sadness(sadness_generator::SadnessFlavor::Abort),
            Self::StackOverflow => native::stack_overflow(),
            Self::PureVirtualCall => native::pure_virtual_call(),
        }
    }
}
