//! Triggers: the code that crashes, and what each raises where.
//!
//! [`Trigger`] (in `crashsuite-data`) is the one source of truth for what a
//! crash looks like; its doc comments say what each raises on Linux (x86_64
//! and aarch64), and on Windows or macOS where it runs there. What a trigger
//! raises is computed by [`Armed::expectation`], in one file per system
//! (`trigger/linux.rs`, `trigger/windows.rs`, `trigger/macos.rs`), and
//! [`Armed::fire`] crashes.

use crate::{catalogue::CrashThread, native};
pub use crashsuite_data::trigger::*;
use crashsuite_data::truth::ExpectedEnding;
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

/// Prepares what `trigger` needs before the truth is written (pages to
/// fault on, the file to map), in `scratch`.
pub fn arm(trigger: Trigger, scratch: &Path) -> std::io::Result<Armed> {
    Ok(Armed { trigger, target: system::arm(trigger, scratch)? })
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
    pub ending: ExpectedEnding,
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
