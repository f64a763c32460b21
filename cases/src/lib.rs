//! The crash-case catalogue of crashsuite.
//!
//! A case is data plus a trigger: a TOML file in `cases/catalogue/` names a
//! [`Trigger`] (the code that crashes) and a [`Scene`] (the crashing thread,
//! workers, call depth, ballast, a dlopen'd library, a fork, annotations and
//! breadcrumbs). Just before the trigger fires, the case writes its [`Truth`]
//! record, the facts a dump is checked against.
//!
//! - [`catalogue`]: loads and checks the case files, and says where each runs;
//! - [`trigger`]: the triggers and what each raises, per OS and architecture;
//! - [`scene`]: sets a case up and fires it;
//! - [`handler`]: what a case needs of the handler under test;
//! - [`cli`]: the command line every case executable shares;
//! - [`truth`]: the truth record (from `crashsuite-data`);
//! - `native`: what crosses into the system underneath, one file per system
//!   (`native/linux.rs`: C, C++, pthreads, fork, dlopen, assembly;
//!   `native/windows.rs`, `native/macos.rs`: those systems' own triggers).

pub mod catalogue;
pub mod cli;
pub mod handler;
pub mod scene;
pub mod trigger;
pub use crashsuite_data::truth;

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        #[path = "native/linux.rs"]
        mod native;
    } else if #[cfg(windows)] {
        #[path = "native/windows.rs"]
        mod native;
    } else if #[cfg(target_os = "macos")] {
        #[path = "native/macos.rs"]
        mod native;
    } else {
        compile_error!("crashsuite's cases run on Linux, Windows and macOS");
    }
}

pub use catalogue::{Case, CatalogueError, CrashThread, Scene, catalogue, find};
pub use crashsuite_data::{
    DUMP_DIR_ENV, MARKER_ENV, SOCKET_ENV, TRUTH_ENV,
    truth::{ExpectedEnding, ModuleTruth, SystemTruth, ThreadTruth, Truth},
};
pub use trigger::{Armed, CrashSite, Expectation, Trigger};

/// A monotonic clock in nanoseconds (`CLOCK_MONOTONIC`; Windows's
/// performance counter): one clock for every process on the machine, so a
/// case's [`Truth::monotonic_ns`] and the harness's readings can be
/// subtracted.
pub fn monotonic_ns() -> u64 {
    native::monotonic_ns()
}
