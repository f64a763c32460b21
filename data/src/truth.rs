//! The truth record: what a case knows about its own crash, written before it
//! crashes and read by the harness.

use crate::trigger::{CrashSite, Trigger};
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

/// A library the case loaded on purpose. (Its build id is read from the file
/// by whoever checks the dump, as for the executable.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleTruth {
    /// Where it was loaded from.
    pub path: PathBuf,
}

/// How the process the harness started ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedEnding {
    /// Killed by this signal.
    Signal(i32),
    /// Exits with this code.
    Exit(i32),
}

/// The system the case ran on, as the case saw it: the dump's SystemInfo
/// must describe this system, which need not be the grader's (a case run in
/// an emulated aarch64 machine is graded on an x86_64 host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemTruth {
    /// As `std::env::consts::OS`.
    pub os: String,
    /// As `std::env::consts::ARCH`.
    pub arch: String,
    /// The `processor` entries of `/proc/cpuinfo` (Linux), else the
    /// processors the system reports.
    pub processors: u32,
}

impl SystemTruth {
    /// The system this process runs on.
    pub fn current() -> Self {
        let from_cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok().map(|text| {
            let entry =
                |line: &&str| line.split(':').next().is_some_and(|k| k.trim() == "processor");
            text.lines().filter(entry).count() as u32
        });
        let processors = from_cpuinfo
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(0, |n| n.get() as u32));
        Self {
            os: std::env::consts::OS.to_owned(),
            arch: std::env::consts::ARCH.to_owned(),
            processors,
        }
    }
}

/// The facts of one crash, from the process that crashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// Case id.
    pub case: String,
    /// The handler the case attached.
    pub handler: String,
    /// The system the case ran on.
    pub system: SystemTruth,
    /// Id of the process that crashes (for a forked case, the child).
    pub pid: u32,
    /// The threads that run the trigger: one, or all of them when several
    /// crash at once (the dump must blame one of these).
    pub crashing_tids: Vec<u32>,
    /// The exception code the dump must carry: the signal number, or
    /// `DUMP_REQUESTED` for a dump taken without a crash.
    pub exception_code: u32,
    /// Expected `si_code`, when the trigger determines it.
    pub si_code: Option<i32>,
    /// Expected fault address, when the trigger determines it.
    pub fault_address: Option<u64>,
    /// Expected instruction pointer at the crash, when the trigger determines it.
    pub instruction_pointer: Option<u64>,
    /// How the process the harness started ends.
    pub ending: ExpectedEnding,
    /// The crashing thread's stack pointer no longer points at its stack, so
    /// its stack memory may be missing.
    pub stack_pointer_destroyed: bool,
    /// Where the crash context's instruction pointer lies.
    pub crash_site: CrashSite,
    /// How the case crashes.
    pub trigger: Trigger,
    /// The function in which the crash happens.
    pub trigger_function: String,
    /// C frames between the crashing thread's start and the trigger.
    pub call_depth: u32,
    /// Bytes of heap ballast allocated and touched.
    pub ballast_bytes: u64,
    /// The case executable, as the kernel resolved it.
    pub executable: PathBuf,
    /// The case's command line.
    pub argv: Vec<String>,
    /// The value of `CRASHSUITE_MARKER` in the case's environment, when set:
    /// the harness sets it so the dump's copy of the environment can be checked.
    pub environ_marker: Option<String>,
    /// Every thread the case made, the main and crashing threads included.
    pub threads: Vec<ThreadTruth>,
    /// Libraries the case loaded on purpose.
    pub modules: Vec<ModuleTruth>,
    /// Annotations sent to the handler.
    pub annotations: BTreeMap<String, String>,
    /// Breadcrumbs sent to the handler, oldest first.
    pub breadcrumbs: Vec<String>,
    /// `CLOCK_MONOTONIC` in nanoseconds, taken just before the record is
    /// written, which is the last step before the trigger: crash-to-dump
    /// latency is measured from here.
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
    /// Writes the record as JSON. The written pages outlive the crash that
    /// follows (only a machine crash would lose them), so there is no fsync:
    /// it would add milliseconds of disk time between [`Truth::monotonic_ns`]
    /// and the trigger, and crash-to-dump latency is measured from there.
    pub fn write(&self, path: &Path) -> Result<(), TruthError> {
        self.write_to(&mut Self::create(path)?, path, &mut Vec::new())
    }

    /// Creates the file at `path` that [`Truth::write_to`] fills: a case that
    /// uses up its descriptors creates it first.
    pub fn create(path: &Path) -> Result<std::fs::File, TruthError> {
        std::fs::File::create(path).map_err(|source| TruthError::Io {
            what: "creating",
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the record as JSON into `file`, made by [`Truth::create`] at
    /// `path`, laid out in `buffer`: a case that uses up its address space
    /// reserves the buffer first, and writing allocates nothing more.
    pub fn write_to(
        &self,
        file: &mut std::fs::File,
        path: &Path,
        buffer: &mut Vec<u8>,
    ) -> Result<(), TruthError> {
        buffer.clear();
        serde_json::to_writer_pretty(&mut *buffer, self)
            .map_err(|source| TruthError::Parse { path: path.to_owned(), source })?;
        file.write_all(buffer).map_err(|source| TruthError::Io {
            what: "writing",
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a record written by [`Truth::write`].
    pub fn read(path: &Path) -> Result<Self, TruthError> {
        let bytes = std::fs::read(path).map_err(|source| TruthError::Io {
            what: "reading",
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|source| TruthError::Parse { path: path.to_owned(), source })
    }

    /// The recorded name of thread `tid`, if the case made it.
    pub fn thread_name(&self, tid: u32) -> Option<&str> {
        self.threads.iter().find(|t| t.tid == tid).map(|t| t.name.as_str())
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
            system: SystemTruth { os: "linux".into(), arch: "aarch64".into(), processors: 2 },
            pid: 1,
            crashing_tids: vec![2],
            exception_code: 11,
            si_code: Some(1),
            fault_address: None,
            instruction_pointer: Some(0),
            ending: ExpectedEnding::Signal(11),
            stack_pointer_destroyed: false,
            crash_site: CrashSite::Libc,
            trigger: Trigger::Abort,
            trigger_function: "f".into(),
            call_depth: 0,
            ballast_bytes: 0,
            executable: "/bin/x".into(),
            argv: vec!["x".into()],
            environ_marker: Some("m".into()),
            threads: vec![ThreadTruth { tid: 2, name: "t".into() }],
            modules: vec![ModuleTruth { path: "/lib/x.so".into() }],
            annotations: BTreeMap::from([("k".into(), "v".into())]),
            breadcrumbs: vec!["b".into()],
            monotonic_ns: 3,
        };
        truth.write(&path).expect("write");
        assert_eq!(Truth::read(&path).expect("read"), truth);
        assert_eq!(truth.thread_name(2), Some("t"));
        std::fs::write(&path, b"{").expect("write");
        assert!(matches!(Truth::read(&path), Err(TruthError::Parse { .. })));
        assert!(matches!(Truth::read(&dir.path().join("none")), Err(TruthError::Io { .. })));
    }
}
