//! What can go wrong in an application's crash handler, whichever it is.

use std::{path::PathBuf, time::Duration};

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        /// What the transport to the monitor reports: minidumper's errors.
        pub type TransportError = minidumper::Error;
    } else if #[cfg(windows)] {
        /// What the transport to the monitor reports: the pipe's errors.
        pub type TransportError = PipeError;
    } else {
        /// What the transport to the monitor would report (no monitor here).
        pub type TransportError = std::io::Error;
    }
}

/// What the named pipe to the monitor reports (Windows).
#[cfg(windows)]
#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    /// Opening, reading or writing the pipe failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The monitor refused the request or could not write the dump (its
    /// events say which).
    #[error("the monitor refused the request")]
    Refused,
    /// The monitor closed the pipe before it answered.
    #[error("the monitor closed the pipe")]
    Closed,
    /// The monitor answered with a frame of another kind, or no frame.
    #[error("unexpected answer (kind {0})")]
    Unexpected(u32),
    /// A message too large for a frame.
    #[error("message larger than a frame")]
    TooLarge,
}

/// What can go wrong on the client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing accepted the connection.
    #[error("cannot reach the monitor at {socket}: {source}")]
    Unreachable {
        /// Socket path.
        socket: PathBuf,
        /// The underlying error.
        source: TransportError,
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
    Send(TransportError),
    /// The monitor refused or failed a dump request (its events say which).
    #[error("the monitor did not write the dump: {0}")]
    DumpNotWritten(TransportError),
    /// The signal handler could not be installed.
    #[error("attaching the crash handler: {0}")]
    Attach(#[from] crash_handler::Error),
    /// The in-process handler failed.
    #[error("in-process handler: {0}")]
    InProcess(#[from] InProcessError),
    /// Starting a monitor process failed.
    #[error("starting monitor {exe}: {reason}")]
    Spawn {
        /// The monitor executable.
        exe: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What can go wrong in the in-process handler.
#[derive(Debug, thiserror::Error)]
pub enum InProcessError {
    /// It is attached already: one per process.
    #[error("already attached in this process")]
    AlreadyAttached,
    /// It is not attached.
    #[error("not attached")]
    NotAttached,
    /// Preparing what the dump will need failed (the dumping child's stack,
    /// the dumper thread, the dump directory).
    #[error("{what}: {source}")]
    Prepare {
        /// What was being prepared.
        what: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Its annotation table is full.
    #[error("too many annotations")]
    TooManyAnnotations,
    /// The dump was not written (the writer's error went to standard error
    /// where it happened: a child process, or the dumper thread).
    #[error("the {0} wrote no dump")]
    NoDump(&'static str),
    /// Writing the dump failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Why a dump was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// No handler is attached to write it.
    #[error("not attached")]
    NotAttached,
    /// The system's minidump writer failed.
    #[error("minidump-writer: {0}")]
    Writer(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A file the dump passes through could not be made or read.
    #[error("{what} {path}: {source}")]
    File {
        /// What was being done.
        what: &'static str,
        /// Which file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Preparing the dump directory, appending the annotations or
    /// publishing the file failed.
    #[error(transparent)]
    Publish(#[from] crate::dumpfile::DumpFileError),
}
