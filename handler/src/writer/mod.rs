//! Writing a dump of a process: the system's minidump writer, the annotation
//! stream appended, the file written atomically. Shared by the monitor (out of
//! process) and the in-process handlers.

use crate::{annotations, dumpfile, error::WriteError};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{restore_fault_address, write_dump_of, write_process_dump};

/// A dump file name (without `.dmp`) unique to this pid and sequence number.
pub fn dump_name(pid: u32, sequence: u64) -> String {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{millis}-{pid}-{sequence}")
}

/// Finishes a dump the writer made: appends the annotation stream with
/// `notes`, lets `edit` change the bytes (fault injection), and writes
/// `<dir>/<name>.dmp` atomically, `before_publish` running just before the
/// synced file takes its name. Returns the path and the size.
pub fn publish(
    dir: &Path,
    name: &str,
    mut dump: Vec<u8>,
    notes: &BTreeMap<String, String>,
    edit: impl FnOnce(&mut Vec<u8>),
    before_publish: impl FnOnce(),
) -> Result<(PathBuf, u64), WriteError> {
    dumpfile::append_stream(&mut dump, annotations::STREAM_TYPE, |rva| {
        annotations::encode_crashpad_info(rva, notes)
    })?;
    edit(&mut dump);
    let path = dumpfile::write_atomically(dir, name, &dump, before_publish)?;
    Ok((path, dump.len() as u64))
}
