//! The crash-case catalogue of crashsuite.
//!
//! A case is a [`Trigger`] (the code that crashes) run on a [`CrashThread`]
//! inside a scene of named worker threads, with annotations and breadcrumbs
//! sent to the handler first. Just before the trigger fires, the case writes
//! its [`Truth`] record, the facts a dump is checked against.
//!
//! - [`catalogue`]: the cases, and where each one runs;
//! - [`trigger`]: the triggers and what each raises on this platform;
//! - [`scene`]: sets a case up and fires it (the `crashsuite-case` binary);
//! - [`truth`]: the truth record.

pub mod catalogue;
mod native;
pub mod scene;
pub mod trigger;
pub mod truth;

pub use catalogue::{Case, CrashThread, catalogue, find};
pub use trigger::{Expectation, Trigger};
pub use truth::{ThreadTruth, Truth};

/// Environment variable naming the file the truth record goes to.
pub const TRUTH_ENV: &str = "CRASHSUITE_TRUTH";
/// Environment variable naming the reference monitor's socket.
pub const SOCKET_ENV: &str = "CRASHSUITE_SOCKET";
/// Environment variable naming the directory where dumps must appear.
pub const DUMP_DIR_ENV: &str = "CRASHSUITE_DUMP_DIR";
