//! Windows trials under Wine, on a Linux host: the Windows case executable
//! (`scripts/windows/build.sh`) runs with Wine 8 in the prefix that
//! `scripts/windows/setup.sh` keeps in the cache, which holds the
//! `bcryptprimitives.dll` stand-in Rust's standard library needs there.
//!
//! What differs from a Windows machine: the executable runs without its
//! DWARF (Wine's dbghelp hangs or crashes in `MiniDumpWriteDump` on it), so a
//! stripped copy is kept in the cache; the paths a case reads from its
//! environment are given as Windows paths (drive `Z:` is the Linux root);
//! and Linux sees only the low byte of the exit code, an exception code
//! after a crash ([`crashsuite_data::ObservedEnding::ExitLowByte`]).

use crashsuite_cases::Trigger;
use crashsuite_handler::{ClientError, MonitorProcess};
use std::{
    ffi::OsString,
    io,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

/// How long the reference monitor started under Wine may take to be ready:
/// Wine starts a process in about a second here, more under load.
const MONITOR_READY: Duration = Duration::from_secs(30);

/// A Wine installation and the harness's prefix.
#[derive(Debug, Clone)]
pub struct Wine {
    loader: PathBuf,
    prefix: PathBuf,
    stripped: PathBuf,
}

/// What Wine lacks here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WineError {
    /// No cache directory, where the prefix would be.
    #[error("no cache directory (set HOME or CRASHSUITE_CACHE_DIR)")]
    NoCache,
    /// No prefix made by the set-up script.
    #[error("no Wine prefix in {}: scripts/windows/setup.sh makes it", .0.display())]
    NoPrefix(PathBuf),
    /// No 64-bit Wine loader.
    #[error("no wine64: scripts/windows/setup.sh installs it")]
    NoLoader,
}

impl Wine {
    /// Finds Wine's 64-bit loader and the prefix `scripts/windows/setup.sh`
    /// made, or says what is missing.
    pub fn locate() -> Result<Self, WineError> {
        let cache = crashsuite_data::cache_dir().ok_or(WineError::NoCache)?.join("windows");
        let prefix = cache.join("prefix");
        if !prefix.join(".ready").exists() {
            return Err(WineError::NoPrefix(cache));
        }
        // Debian's wine64 package keeps its loader outside PATH.
        let on_path: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).map(|d| d.join("wine64")).collect())
            .unwrap_or_default();
        let loader = on_path
            .into_iter()
            .chain([PathBuf::from("/usr/lib/wine/wine64")])
            .find(|path| path.is_file())
            .ok_or(WineError::NoLoader)?;
        Ok(Self { loader, prefix, stripped: cache.join("bin") })
    }

    /// The prefix's `C:\windows\system32`, where Wine's own DLLs are (PE
    /// files with their unwind tables and DWARF): dumps name them there,
    /// on drive `C:`, which is not the Linux root.
    pub fn system_dir(&self) -> PathBuf {
        self.prefix.join("drive_c").join("windows").join("system32")
    }

    /// A command that runs `exe` under Wine, with an empty environment but
    /// for what Wine needs; the caller adds the case's (through
    /// [`windows_path`] for paths).
    pub fn command(&self, exe: &Path) -> io::Result<Command> {
        let mut command = Command::new(&self.loader);
        command
            .arg(self.stripped_copy(exe)?)
            .env_clear()
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all");
        if let Some(home) = std::env::var_os("HOME") {
            command.env("HOME", home);
        }
        Ok(command)
    }

    /// Starts the reference monitor `exe` under Wine, listening on the pipe
    /// `pipe` (see [`pipe_name`]) and writing to `dump_dir`.
    pub fn start_monitor(
        &self,
        exe: &Path,
        pipe: &Path,
        dump_dir: &Path,
    ) -> Result<MonitorProcess, ClientError> {
        let mut command = self
            .command(exe)
            .map_err(|e| ClientError::Spawn { exe: exe.to_owned(), reason: e.to_string() })?;
        command.arg("--socket").arg(pipe).arg("--dump-dir").arg(windows_path(dump_dir));
        MonitorProcess::start(command, pipe, MONITOR_READY)
    }

    /// `exe` without its DWARF, made once per build of it (by size and
    /// modification time) with mingw-w64's strip; the copies of its old
    /// builds are removed.
    fn stripped_copy(&self, exe: &Path) -> io::Result<PathBuf> {
        let metadata = std::fs::metadata(exe)?;
        let modified = metadata
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        // One directory per executable, and in it one per build, so that
        // the copy keeps the file's name.
        let name = exe.file_name().unwrap_or_default();
        let builds = self.stripped.join(name);
        let dir = builds.join(format!("{}-{modified}", metadata.len()));
        let copy = dir.join(name);
        if copy.is_file() {
            return Ok(copy);
        }
        std::fs::create_dir_all(&dir)?;
        // Trials run in parallel: each strips into a file of its own, and
        // the first to finish names the copy. The others use that one: strip
        // stamps each copy's PE header with the time it ran, so a copy
        // replaced under a running trial would not be the file it ran.
        let partial = tempfile::Builder::new().suffix(".exe").tempfile_in(&dir)?;
        let status = Command::new("x86_64-w64-mingw32-strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(partial.path())
            .arg(exe)
            .status()
            .map_err(|e| io::Error::other(format!("x86_64-w64-mingw32-strip: {e}")))?;
        if !status.success() {
            return Err(io::Error::other(format!("x86_64-w64-mingw32-strip failed: {status}")));
        }
        if let Err(e) = partial.persist_noclobber(&copy)
            && !copy.is_file()
        {
            return Err(e.error);
        }
        for entry in std::fs::read_dir(&builds)?.flatten() {
            if entry.path() != dir {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        Ok(copy)
    }
}

/// Why a trigger's cases cannot be graded under Wine 8, if they cannot: what
/// Wine does differently from Windows, as observed here. A Windows machine
/// runs them.
pub fn unsupported(trigger: Trigger) -> Option<&'static str> {
    match trigger {
        Trigger::StackOverflow => Some(
            "under Wine 8 the overflowing recursion faults again inside Wine's exception \
             dispatch, with 1808 bytes of stack left (WINEDEBUG=+seh: \"dispatch_exception stack \
             overflow 1808 bytes addr 0x17004368e stack 0x208f0 (0x20000-0x21000-0x220000)\", \
             the address in Wine's ntdll), and the process hangs there: no handler runs, in \
             process or out (the reference client's filter sends no request), no exit within \
             40 s. Windows dispatches EXCEPTION_STACK_OVERFLOW with the stack Rust's \
             SetThreadStackGuarantee keeps",
        ),
        Trigger::WindowsPurecall => Some(
            "under Wine 8, mingw-w64's msvcrt ends the process (exit code 255) without calling \
             the handler _set_purecall_handler installed",
        ),
        Trigger::WindowsInvalidParameter => Some(
            "under Wine 8 the process ends with STATUS_STACK_BUFFER_OVERRUN (a __fastfail) \
             without calling the handler _set_invalid_parameter_handler installed",
        ),
        Trigger::WindowsHeapCorruption => Some(
            "Wine 8's heap ends the process with STATUS_STACK_BUFFER_OVERRUN (a __fastfail) \
             instead of raising STATUS_HEAP_CORRUPTION through the exception handlers",
        ),
        _ => None,
    }
}

/// A name for the pipe of the monitor of the trial in `run_dir`, which no
/// other trial's uses (Wine's pipes are shared by every process of the
/// prefix).
pub fn pipe_name(run_dir: &Path) -> PathBuf {
    let unique = run_dir.file_name().unwrap_or_default().to_string_lossy();
    PathBuf::from(format!(r"\\.\pipe\{unique}"))
}

/// `path` as a Windows program under Wine names it: on drive `Z:`, which
/// Wine maps to the Linux root.
pub fn windows_path(path: &Path) -> OsString {
    let unix = path.to_string_lossy();
    format!("Z:{}", unix.replace('/', "\\")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_paths_are_on_drive_z() {
        assert_eq!(windows_path(Path::new("/tmp/run/truth.json")), "Z:\\tmp\\run\\truth.json");
    }
}
