//! Finding the executables a trial runs.

use crate::platform::Platform;
use std::path::{Path, PathBuf};

/// Environment variable that overrides where the executables are looked for.
pub const BIN_DIR_ENV: &str = "CRASHSUITE_BIN_DIR";

/// Environment variable that overrides where the aarch64 executables are
/// looked for.
pub const AARCH64_BIN_DIR_ENV: &str = "CRASHSUITE_AARCH64_BIN_DIR";

/// Environment variable that overrides where the Windows executables are
/// looked for.
pub const WINDOWS_BIN_DIR_ENV: &str = "CRASHSUITE_WINDOWS_BIN_DIR";

/// The built-in handlers' executables, which every binaries directory holds.
const BUILT_IN: &[&str] = &["crashsuite-case", "crashsuite-monitor"];

/// The directory of one build's executables: the built-in handlers' and any
/// alternate handler's built into the same target directory.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// Where the executables are.
    pub dir: PathBuf,
    /// The platform they are built for.
    pub platform: Platform,
}

/// An executable is missing.
#[derive(Debug, thiserror::Error)]
#[error("{missing} not found in {dir}; {hint}")]
pub struct MissingBinary {
    /// The file that is missing.
    pub missing: String,
    /// Where it was looked for.
    pub dir: PathBuf,
    /// How to get it.
    pub hint: String,
}

impl Binaries {
    /// Finds the executables in `$CRASHSUITE_BIN_DIR`, else in the directory of
    /// the running executable (for a test binary, the directory above `deps/`),
    /// and checks that the built-in handlers' are there.
    pub fn locate() -> Result<Self, MissingBinary> {
        let dir = match std::env::var_os(BIN_DIR_ENV) {
            Some(dir) => PathBuf::from(dir),
            None => own_dir(),
        };
        Self::in_dir(&dir)
    }

    /// Finds the executables for `platform`: the host's as [`Binaries::locate`]
    /// does; another platform's in its environment variable's directory
    /// (`$CRASHSUITE_AARCH64_BIN_DIR`, `$CRASHSUITE_WINDOWS_BIN_DIR`), else in
    /// the cross build beside this one (`<target dir>/<triple>/<profile>`,
    /// where scripts/aarch64/build.sh and scripts/windows/build.sh put them).
    pub fn locate_for(platform: Platform) -> Result<Self, MissingBinary> {
        if !platform.emulated() {
            return Self::locate();
        }
        let (env, triple, script) = if platform.under_wine() {
            (WINDOWS_BIN_DIR_ENV, platform.triple(), "scripts/windows/build.sh")
        } else {
            (AARCH64_BIN_DIR_ENV, platform.triple(), "scripts/aarch64/build.sh")
        };
        let dir = match std::env::var_os(env) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let own = match std::env::var_os(BIN_DIR_ENV) {
                    Some(dir) => PathBuf::from(dir),
                    None => own_dir(),
                };
                let profile = own.file_name().map(PathBuf::from).unwrap_or_default();
                own.parent().unwrap_or(&own).join(triple).join(profile)
            }
        };
        Self::in_dir_for(&dir, platform).map_err(|missing| MissingBinary {
            hint: format!("{script} builds it (add --release for a release run) or set {env}"),
            ..missing
        })
    }

    /// Uses the executables in `dir`, checking that the built-in handlers'
    /// are there.
    pub fn in_dir(dir: &Path) -> Result<Self, MissingBinary> {
        Self::in_dir_for(dir, Platform::HOST)
    }

    /// [`Binaries::in_dir`] for executables built for `platform`.
    pub fn in_dir_for(dir: &Path, platform: Platform) -> Result<Self, MissingBinary> {
        let binaries = Self { dir: dir.to_owned(), platform };
        for name in BUILT_IN {
            binaries.find(name, None)?;
        }
        Ok(binaries)
    }

    /// The executable `name` in this directory, or at `name` itself when it
    /// is a path (holds a `/`); `setup` says how to get it when it is not one
    /// of the workspace's.
    pub fn find(&self, name: &str, setup: Option<&str>) -> Result<PathBuf, MissingBinary> {
        let file = if self.platform.os == "windows" { format!("{name}.exe") } else { name.into() };
        let path = if name.contains('/') { PathBuf::from(name) } else { self.dir.join(&file) };
        if path.is_file() {
            return Ok(path);
        }
        let hint = match setup {
            Some(setup) => format!("{setup} builds it"),
            None => format!(
                "build it with `cargo build --workspace --bins` (add --release for a release \
                 run) or set {BIN_DIR_ENV}"
            ),
        };
        Err(MissingBinary { missing: file, dir: self.dir.clone(), hint })
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
