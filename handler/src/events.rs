//! What a monitor reports: one JSON object per line on its stdout.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Something the monitor did, reported one JSON object per line by the
/// `crashsuite-monitor` binary so that a supervisor can follow it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The socket is bound; clients may connect.
    Ready {
        /// Socket path.
        socket: PathBuf,
        /// The monitor's pid.
        pid: u32,
    },
    /// A dump is final on disk.
    Dump {
        /// Process dumped.
        pid: u32,
        /// Thread blamed (the crashing or requesting thread).
        tid: u32,
        /// True for an on-demand dump, false for a crash.
        requested: bool,
        /// Path of the final `.dmp`.
        path: PathBuf,
        /// Size in bytes.
        bytes: u64,
        /// Time spent writing, in microseconds.
        micros: u64,
        /// `CLOCK_MONOTONIC` when the request arrived, in nanoseconds.
        received_ns: u64,
        /// Of `micros`, the system's writer (threads stopped, `/proc` and
        /// memory read, the dump laid out in memory).
        writer_micros: u64,
        /// Of `micros`, the file written, fsynced and renamed into place,
        /// and the directory fsynced.
        persist_micros: u64,
    },
    /// A dump request was refused.
    Refused {
        /// The pid the kernel reports for the sender.
        peer_pid: u32,
        /// Why.
        reason: String,
    },
    /// A dump could not be written.
    Failed {
        /// Process that asked.
        pid: u32,
        /// The error.
        error: String,
    },
    /// A connection was closed by the monitor because of what the peer sent.
    Dropped {
        /// The pid the kernel reports for the peer, when known.
        peer_pid: Option<u32>,
        /// Why.
        reason: String,
    },
}
