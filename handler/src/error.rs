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
