//! crashsuite's cache directory: `$CRASHSUITE_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/crashsuite`, else `~/.cache/crashsuite`. It holds frame
//! names by build id ([`crate::names`]) and what `scripts/aarch64/setup.sh`
//! installs for the emulated machine ([`crate::vm`]).

use std::path::PathBuf;

/// The cache directory, if the environment names one.
pub fn dir() -> Option<PathBuf> {
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("CRASHSUITE_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("crashsuite")))
        .or_else(|| env("HOME").map(|d| d.join(".cache/crashsuite")))
}
