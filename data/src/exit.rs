//! The exit codes of the `crashsuite` command.

/// How a `crashsuite` command ended, as its process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything checked passed.
    Success = 0,
    /// A conformance failure (a trial failed, a dump failed a rule that
    /// fails it) or a regression against the gate's baseline.
    Failure = 1,
    /// The command line was wrong: an unknown flag, a bad value, a name
    /// that names nothing (clap's own code for usage errors).
    Usage = 2,
    /// crashsuite itself could not do its job: an executable missing, a
    /// file it could not read or write, a set-up step not done.
    HarnessError = 3,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}
