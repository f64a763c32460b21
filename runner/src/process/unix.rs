//! Linux and macOS: process groups, signals, mode bits; on Linux a pidfd.

use crashsuite_data::ObservedEnding;
use std::{
    io,
    os::unix::{
        fs::DirBuilderExt,
        process::{CommandExt, ExitStatusExt},
    },
    path::Path,
    process::{Command, ExitStatus},
};

/// Starts the command in a process group of its own, so that whatever it
/// leaves running can be killed with it.
pub fn own_group(command: &mut Command) -> &mut Command {
    command.process_group(0)
}

/// Kills the process group `pgid` (the case and any helper it started).
pub fn kill_group(pgid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Whether any process of the group `pgid` still runs (signal 0 reaches it).
pub fn group_alive(pgid: u32) -> bool {
    rustix::process::Pid::from_raw(pgid as i32)
        .is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}

/// Creates `dir` and its parents, private to the user (mode 0700).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// The signal the process died of, or its exit code.
pub fn ending_of(status: ExitStatus) -> ObservedEnding {
    match status.signal() {
        Some(signal) => ObservedEnding::Signal(signal),
        None => ObservedEnding::Exit(status.code().unwrap_or(-1)),
    }
}

/// Waits for `child` to end without polling its status: a pidfd becomes
/// readable the moment it does. `None` at `deadline`.
#[cfg(target_os = "linux")]
pub fn wait_until(
    child: &mut std::process::Child,
    deadline: std::time::Instant,
) -> io::Result<Option<ExitStatus>> {
    use rustix::{
        event::{PollFd, PollFlags, poll},
        time::Timespec,
    };
    let pid = rustix::process::Pid::from_child(child);
    let pidfd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())?;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let timeout = Timespec::try_from(left).unwrap_or(Timespec { tv_sec: 0, tv_nsec: 0 });
        let mut fds = [PollFd::new(&pidfd, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => return Ok(None),
            Ok(_) => return child.wait().map(Some),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
