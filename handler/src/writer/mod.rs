//! Writing a dump of a process: the system's minidump writer, the annotation
//! stream appended, the file written atomically. Shared by the monitor (out of
//! process) and the in-process handlers.

use crate::{annotations, dumpfile, error::WriteError};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        mod linux;
        pub use linux::{restore_fault_address, write_dump_of, write_process_dump};
    } else if #[cfg(windows)] {
        mod windows;
        pub use windows::write_crash_dump;
    }
}

/// A dump file name (without `.dmp`) unique to this pid and sequence number.
pub fn dump_name(pid: u32, sequence: u64) -> String {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{millis}-{pid}-{sequence}")
}

/// A dump final on disk, and what it cost.
#[derive(Debug, Clone)]
pub struct Published {
    /// Its path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The system's writer: stopping the threads, reading `/proc` and the
    /// process's memory, laying the dump out in memory (zero when the bytes
    /// came from elsewhere).
    pub writer: Duration,
    /// Appending the annotations, writing the file, fsyncing it, renaming
    /// it into place and fsyncing the directory.
    pub persist: Duration,
}

/// Finishes a dump the writer made: appends the annotation stream with
/// `notes`, lets `edit` change the bytes (fault injection), and writes
/// `<dir>/<name>.dmp` atomically, `before_publish` running just before the
/// synced file takes its name.
pub fn publish(
    dir: &Path,
    name: &str,
    mut dump: Vec<u8>,
    notes: &BTreeMap<String, String>,
    edit: impl FnOnce(&mut Vec<u8>),
    before_publish: impl FnOnce(),
) -> Result<Published, WriteError> {
    let started = Instant::now();
    dumpfile::append_stream(&mut dump, annotations::STREAM_TYPE, |rva| {
        annotations::encode_crashpad_info(rva, notes)
    })?;
    edit(&mut dump);
    let path = dumpfile::write_atomically(dir, name, &dump, before_publish)?;
    let bytes = dump.len() as u64;
    Ok(Published { path, bytes, writer: Duration::ZERO, persist: started.elapsed() })
}
