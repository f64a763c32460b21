//! Windows: the system's `MiniDumpWriteDump` (through minidump-writer) of a
//! process from its exception pointers: this process's own (the in-process
//! handler) or another's (the monitor, which has the writer read the
//! pointers from the client's memory).

use super::Published;
use crate::error::WriteError;
use minidump_writer::{MinidumpType, crash_context::CrashContext, minidump_writer::MinidumpWriter};
use std::{collections::BTreeMap, fs::File, path::Path, time::Instant};

/// What the dump holds beyond `MiniDumpNormal`'s threads, stacks and
/// modules: the memory map, each thread's times and state, the modules
/// already unloaded and the open handles.
const DUMP_TYPE: MinidumpType = MinidumpType::WithFullMemoryInfo
    .union(MinidumpType::WithThreadInfo)
    .union(MinidumpType::WithUnloadedModules)
    .union(MinidumpType::WithHandleData);

/// Writes a dump of `context.process_id`, with the exception `context`
/// points at, to `<dir>/<name>.dmp` with `notes` as its annotations. The
/// system writes to a file handle: the dump goes to a scratch file in `dir`
/// first and is finished from its bytes by [`super::publish`], `edit` and
/// `before_publish` being its hooks.
///
/// The exception pointers must stay valid while this runs: the thread that
/// made them waits for the dump.
pub fn write_crash_dump(
    dir: &Path,
    name: &str,
    context: &CrashContext,
    notes: &BTreeMap<String, String>,
    edit: impl FnOnce(&mut Vec<u8>),
    before_publish: impl FnOnce(),
) -> Result<Published, WriteError> {
    let scratch = dir.join(format!("{name}.writing"));
    let file_error = |what| {
        let path = scratch.clone();
        move |source| WriteError::File { what, path, source }
    };
    let started = Instant::now();
    let written = File::create(&scratch)
        .map_err(file_error("creating"))
        .and_then(|mut file| {
            MinidumpWriter::dump_crash_context(context, Some(DUMP_TYPE), &mut file)
                .map_err(|e| WriteError::Writer(Box::new(e)))
        })
        .and_then(|()| std::fs::read(&scratch).map_err(file_error("reading back")));
    let writer = started.elapsed();
    let _ = std::fs::remove_file(&scratch);
    let published = super::publish(dir, name, written?, notes, edit, before_publish)?;
    Ok(Published { writer, ..published })
}
