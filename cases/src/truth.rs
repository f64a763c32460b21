//! The truth record: what a case knows about its own crash, written before it
//! crashes and read by the harness.

use crate::trigger::Trigger;
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

/// A thread the case made (or its main thread).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadTruth {
    /// Kernel thread id.
    pub tid: u32,
    /// The name the kernel holds for it (`/proc/<pid>/task/<tid>/comm`).
    pub name: String,
}

/// The facts of one crash, from the process that crashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// Case id.
    pub case: String,
    /// The handler the case attached.
    pub handler: String,
    /// Process id.
    pub pid: u32,
    /// The thread the trigger runs on.
    pub crashing_tid: u32,
    /// Expected signal number.
    pub signal: i32,
    /// Expected `si_code`, when the trigger determines it.
    pub si_code: Option<i32>,
    /// Expected fault address, when the trigger determines it.
    pub fault_address: Option<u64>,
    /// How the case crashes.
    pub trigger: Trigger,
    /// The function in which the crash happens.
    pub trigger_function: String,
    /// The case executable, as the kernel resolved it.
    pub executable: PathBuf,
    /// Every thread the case made, the main and crashing threads included.
    pub threads: Vec<ThreadTruth>,
    /// Annotations sent to the handler.
    pub annotations: BTreeMap<String, String>,
    /// Breadcrumbs sent to the handler, oldest first.
    pub breadcrumbs: Vec<String>,
    /// `CLOCK_MONOTONIC` in nanoseconds, taken just before the trigger.
    pub monotonic_ns: u64,
}

/// Reading or writing a truth record failed.
#[derive(Debug, thiserror::Error)]
pub enum TruthError {
    /// File access failed.
    #[error("{what} truth record {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Which file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a truth record.
    #[error("truth record {path} is not valid: {source}")]
    Parse {
        /// Which file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

impl Truth {
    /// Writes the record as JSON and fsyncs it, so it survives the crash that
    /// follows.
    pub fn write_synced(&self, path: &Path) -> Result<(), TruthError> {
        let io = |what| {
            move |source| TruthError::Io {
                what,
                path: path.to_owned(),
                source,
            }
        };
        let json = serde_json::to_vec_pretty(self).map_err(|source| TruthError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let mut file = std::fs::File::create(path).map_err(io("creating"))?;
        file.write_all(&json).map_err(io("writing"))?;
        file.sync_all().map_err(io("syncing"))
    }

    /// Reads a record written by [`Truth::write_synced`].
    pub fn read(path: &Path) -> Result<Self, TruthError> {
        let bytes = std::fs::read(path).map_err(|source| TruthError::Io {
            what: "reading",
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| TruthError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// The recorded name of thread `tid`, if the case made it.
    pub fn thread_name(&self, tid: u32) -> Option<&str> {
        self.threads
            .iter()
            .find(|t| t.tid == tid)
            .map(|t| t.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_bad_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("truth.json");
        let truth = Truth {
            case: "c".into(),
            handler: "h".into(),
            pid: 1,
            crashing_tid: 2,
            signal: 11,
            si_code: Some(1),
            fault_address: None,
            trigger: Trigger::Abort,
            trigger_function: "f".into(),
            executable: "/bin/x".into(),
            threads: vec![ThreadTruth {
                tid: 2,
                name: "t".into(),
            }],
            annotations: BTreeMap::from([("k".into(), "v".into())]),
            breadcrumbs: vec!["b".into()],
            monotonic_ns: 3,
        };
        truth.write_synced(&path).expect("write");
        assert_eq!(Truth::read(&path).expect("read"), truth);
        assert_eq!(truth.thread_name(2), Some("t"));
        std::fs::write(&path, b"{").expect("write");
        assert!(matches!(Truth::read(&path), Err(TruthError::Parse { .. })));
        assert!(matches!(
            Truth::read(&dir.path().join("none")),
            Err(TruthError::Io { .. })
        ));
    }
}
