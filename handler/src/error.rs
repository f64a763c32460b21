//! What can go wrong in an application's crash handler, whichever it is.

use std::{path::PathBuf, time::Duration};

/// What can go wrong on the client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing accepted the connection.
    #[error("cannot reach the monitor at {socket}: {source}")]
    Unreachable {
        /// Socket path.
        socket: PathBuf,
        /// The underlying error.
        source: minidumper::Error,
    },
    /// The monitor accepted the connection but did not answer in time.
    #[error("the monitor at {socket} did not answer within {deadline:?}")]
    Unresponsive {
        /// Socket path.
        socket: PathBuf,
        /// How long we waited.
        deadline: Duration,
    },
    /// Sending a message failed.
    #[error("sending to the monitor: {0}")]
    Send(minidumper::Error),
    /// The monitor refused or failed a dump request (its events say which).
    #[error("the monitor did not write the dump: {0}")]
    DumpNotWritten(minidumper::Error),
    /// The signal handler could not be installed.
    #[error("attaching the crash handler: {0}")]
    Attach(#[from] crash_handler::Error),
    /// The in-process handler failed.
    #[error("in-process handler: {0}")]
    InProcess(String),
    /// Starting a monitor process failed.
    #[error("starting monitor {exe}: {reason}")]
    Spawn {
        /// The monitor executable.
        exe: PathBuf,
        /// Why.
        reason: String,
    },
}
