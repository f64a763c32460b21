//! What several test files need.

/// Writes, into `dir`, the manifest of a deliberately broken handler: the
/// reference handler with a monitor that drops the thread list from every
/// dump (`crashsuite-monitor --fault drop-thread-list`), described as any
/// handler would be. Its name is `broken`; THR-01 and THR-07 fail. The
/// reference monitor is Linux's.
#[cfg(target_os = "linux")]
pub fn broken_handler(dir: &std::path::Path) -> std::path::PathBuf {
    let bins =
        crashsuite_runner::binaries::Binaries::locate().expect("the workspace binaries are built");
    let monitor = dir.join("broken-monitor");
    let real = bins.dir.join("crashsuite-monitor");
    let script = format!("#!/bin/sh\nexec {} --fault drop-thread-list \"$@\"\n", real.display());
    std::fs::write(&monitor, script).expect("write");
    std::fs::set_permissions(&monitor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let manifest = dir.join("broken.toml");
    std::fs::write(
        &manifest,
        format!(
            "summary = \"drops the thread list\"\nversion = \"0\"\nexecutable = \"{}\"\n\
             args = [\"--handler\", \"reference\"]\nmonitor = \"./broken-monitor\"\n",
            bins.dir.join("crashsuite-case").display()
        ),
    )
    .expect("write");
    manifest
}
