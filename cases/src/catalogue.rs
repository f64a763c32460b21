//! The cases.

use crate::trigger::Trigger;

/// The thread a case crashes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashThread {
    /// The process's main thread.
    Main,
    /// A thread made with `pthread_create` from Rust, outside std (foreign to
    /// the Rust runtime).
    RawPthread,
    /// A thread made by C code; the crash happens in C on that thread.
    CThread,
}

/// One crash case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Stable id; also the trial name's second half (`reference::<id>`).
    pub id: &'static str,
    /// One line on what happens.
    pub summary: &'static str,
    /// How it crashes.
    pub trigger: Trigger,
    /// Where it crashes.
    pub thread: CrashThread,
    /// Named worker threads alive at the crash.
    pub workers: usize,
    /// Operating systems (as `std::env::consts::OS`) the case runs on.
    pub os: &'static [&'static str],
    /// Architectures (as `std::env::consts::ARCH`) the case runs on.
    pub arch: &'static [&'static str],
}

const LINUX: &[&str] = &["linux"];
const ANY_ARCH: &[&str] = &["x86_64", "aarch64"];

const CASES: &[Case] = &[
    Case {
        id: "segv_null",
        summary: "store through a null pointer in C on the main thread",
        trigger: Trigger::NullWrite,
        thread: CrashThread::Main,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
    Case {
        id: "segv_wild",
        summary: "sadness-generator's segfault: store to an unmapped address above 4 GiB",
        trigger: Trigger::WildWrite,
        thread: CrashThread::Main,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
    Case {
        id: "abort",
        summary: "abort() on the main thread",
        trigger: Trigger::Abort,
        thread: CrashThread::Main,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
    Case {
        id: "stack_overflow_main",
        summary: "unbounded recursion on the main thread",
        trigger: Trigger::StackOverflow,
        thread: CrashThread::Main,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
    Case {
        id: "stack_overflow_pthread",
        summary: "unbounded recursion on a raw pthread (a foreign thread)",
        trigger: Trigger::StackOverflow,
        thread: CrashThread::RawPthread,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
    Case {
        id: "segv_c_thread",
        summary: "store through a null pointer on a thread created by C code",
        trigger: Trigger::NullWrite,
        thread: CrashThread::CThread,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
    Case {
        id: "purecall",
        summary: "C++ pure virtual call during construction (__cxa_pure_virtual, then abort)",
        trigger: Trigger::PureVirtualCall,
        thread: CrashThread::Main,
        workers: 3,
        os: LINUX,
        arch: ANY_ARCH,
    },
];

/// Every case, in catalogue order.
pub fn catalogue() -> &'static [Case] {
    CASES
}

/// The case with this id.
pub fn find(id: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.id == id)
}

impl Case {
    /// `Ok` when the case can run on this machine, else why not.
    pub fn runs_here(&self) -> Result<(), String> {
        let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
        if !self.os.contains(&os) {
            return Err(format!("{} runs on {:?}, not {os}", self.id, self.os));
        }
        if !self.arch.contains(&arch) {
            return Err(format!("{} runs on {:?}, not {arch}", self.id, self.arch));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_findable() {
        for case in catalogue() {
            assert_eq!(find(case.id).map(|c| c.id), Some(case.id));
            assert_eq!(
                catalogue().iter().filter(|c| c.id == case.id).count(),
                1,
                "{}",
                case.id
            );
        }
        assert!(find("no_such_case").is_none());
    }

    #[test]
    fn c_threads_only_run_the_c_trigger() {
        // The C thread performs its own null store; no other trigger fits it.
        for case in catalogue()
            .iter()
            .filter(|c| c.thread == CrashThread::CThread)
        {
            assert_eq!(case.trigger, Trigger::NullWrite, "{}", case.id);
        }
    }
}
