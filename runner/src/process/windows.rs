//! Windows: no process groups or signals. A case's process is killed alone
//! at its deadline, and it ends with an exit code (an exception code for a
//! crash).

use crashsuite_data::ObservedEnding;
use std::{
    io,
    path::Path,
    process::{Command, ExitStatus},
};

/// Windows groups processes with job objects, which the cases do not need:
/// a case starts no helper of its own there. The command is left as it is.
pub fn own_group(command: &mut Command) -> &mut Command {
    command
}

/// Nothing beyond the case's own process to kill (see [`own_group`]).
pub fn kill_group(_pgid: u32) {}

/// No group outlives the case's own process (see [`own_group`]).
pub fn group_alive(_pgid: u32) -> bool {
    false
}

/// Creates `dir` and its parents; a new directory inherits the user's ACL.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// The exit code: for a crash, the exception code, as a signed 32-bit value.
pub fn ending_of(status: ExitStatus) -> ObservedEnding {
    ObservedEnding::Exit(status.code().unwrap_or(-1))
}
