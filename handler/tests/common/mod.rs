//! What the handler's integration tests share: a monitor in a fresh directory.

use crashsuite_handler::MonitorProcess;
use std::path::{Path, PathBuf};

/// A `crashsuite-monitor` process listening in a temporary directory.
pub struct Setup {
    /// Removed with the setup.
    pub _dir: tempfile::TempDir,
    /// Where the monitor writes dumps.
    pub dumps: PathBuf,
    /// The monitor (killed when dropped).
    pub monitor: MonitorProcess,
}

/// Starts the built monitor with `args` (for example `--fault ...`).
pub fn start_monitor(args: &[&str]) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let dumps = dir.path().join("dumps");
    let monitor = MonitorProcess::spawn_with_args(
        Path::new(env!("CARGO_BIN_EXE_crashsuite-monitor")),
        &dir.path().join("monitor.sock"),
        &dumps,
        args,
    )
    .expect("monitor starts");
    Setup { _dir: dir, dumps, monitor }
}
