//! The data crashsuite's crates share, with no native code and no heavy
//! dependencies: what a case writes, what a grader reads and what a command
//! returns.
//!
//! - [`truth`]: the truth record a case writes just before it crashes;
//! - [`trigger`]: the ways a case crashes, as data;
//! - [`ending`]: how a process was seen to end;
//! - [`exit`]: the exit codes of the `crashsuite` command;
//! - the environment variables a case executable reads, and [`cache_dir`].

pub mod ending;
pub mod exit;
pub mod trigger;
pub mod truth;

pub use ending::ObservedEnding;
pub use exit::Exit;
pub use trigger::{CrashSite, Trigger};
pub use truth::{ExpectedEnding, SystemTruth, Truth};

/// Environment variable naming the file the truth record goes to.
pub const TRUTH_ENV: &str = "CRASHSUITE_TRUTH";
/// Environment variable naming the socket of a monitor the harness started
/// for the handler (the reference handler's).
pub const SOCKET_ENV: &str = "CRASHSUITE_SOCKET";
/// Environment variable the harness sets to a value of its choosing, for the
/// dump's copy of the environment to show.
pub const MARKER_ENV: &str = "CRASHSUITE_MARKER";
/// Environment variable naming the directory where dumps must appear.
pub const DUMP_DIR_ENV: &str = "CRASHSUITE_DUMP_DIR";
/// The annotation key under which the reference handler stores its
/// breadcrumbs in Crashpad's annotations: a JSON array of strings, oldest
/// first.
pub const BREADCRUMBS_KEY: &str = "crashsuite.breadcrumbs";

/// crashsuite's cache directory: `$CRASHSUITE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/crashsuite`, else `~/.cache/crashsuite`, if the
/// environment names one. It holds frame names by build id and what the
/// set-up scripts install for the emulated machine and Wine.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("CRASHSUITE_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("crashsuite")))
        .or_else(|| env("HOME").map(|d| d.join(".cache/crashsuite")))
}
