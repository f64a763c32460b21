//! Finding the executables a trial runs.

use std::path::{Path, PathBuf};

/// Environment variable that overrides where the executables are looked for.
pub const BIN_DIR_ENV: &str = "CRASHSUITE_BIN_DIR";

/// The executables of one build.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `crashsuite-case`.
    pub case: PathBuf,
    /// `crashsuite-monitor`.
    pub monitor: PathBuf,
}

/// The executables are missing.
#[derive(Debug, thiserror::Error)]
#[error(
    "{missing} not found in {dir}; build them with `cargo build --workspace --bins` \
     (add --release for a release run) or set {BIN_DIR_ENV}"
)]
pub struct MissingBinary {
    /// The file that is missing.
    pub missing: String,
    /// Where it was looked for.
    pub dir: PathBuf,
}

impl Binaries {
    /// Finds the executables in `$CRASHSUITE_BIN_DIR`, else in the directory of
    /// the running executable (for a test binary, the directory above `deps/`).
    pub fn locate() -> Result<Self, MissingBinary> {
        let dir = match std::env::var_os(BIN_DIR_ENV) {
            Some(dir) => PathBuf::from(dir),
            None => own_dir(),
        };
        Self::in_dir(&dir)
    }

    /// Finds the executables in `dir`.
    pub fn in_dir(dir: &Path) -> Result<Self, MissingBinary> {
        let find = |name: &str| {
            let path = dir.join(name);
            path.is_file()
                .then_some(path)
                .ok_or_else(|| MissingBinary { missing: name.to_owned(), dir: dir.to_owned() })
        };
        Ok(Self { case: find("crashsuite-case")?, monitor: find("crashsuite-monitor")? })
    }
}

fn own_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|name| name == "deps") {
        dir.parent().map(Path::to_path_buf).unwrap_or(dir)
    } else {
        dir
    }
}
