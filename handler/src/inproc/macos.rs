//! The in-process handler on macOS: crash-handler's exception port thread
//! receives the Mach exception, and writes the dump of its own task with
//! minidump-writer while the crashed thread is held by the kernel.

use crate::{
    ClientError,
    error::{InProcessError, WriteError},
    writer,
};
use minidump_writer::{crash_context::CrashContext, minidump_writer::MinidumpWriter};
use std::{
    io::Cursor,
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

include!("common.rs");

/// Numbers the dumps of this process.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Nothing to prepare on macOS.
fn prepare() -> Result<(), ClientError> {
    Ok(())
}

/// Written to stderr when the crash could not be dumped.
const NO_DUMP: &str = "crashsuite: the in-process handler wrote no dump\n";

/// Writes the dump of a crash. It runs on crash-handler's exception thread,
/// not in a signal handler: the crashed thread is suspended, the rest of the
/// process runs on.
fn dump_crash(context: &CrashContext) -> bool {
    let context = CrashContext {
        task: context.task,
        thread: context.thread,
        handler_thread: context.handler_thread,
        exception: context.exception,
    };
    match write(MinidumpWriter::with_crash_context(context)) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("crashsuite: in-process dump: {e}");
            false
        }
    }
}

/// Writes a dump of this task on request.
fn dump_requested() -> Result<(), ClientError> {
    write(MinidumpWriter::new(None, None)).map_err(|e| InProcessError::Write(e).into())
}

/// Runs the writer into memory and finishes the dump.
fn write(mut dumper: MinidumpWriter) -> Result<(), WriteError> {
    let state = STATE.get().ok_or(WriteError::NotAttached)?;
    let name = writer::dump_name(std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed));
    let mut cursor = Cursor::new(Vec::new());
    dumper.dump(&mut cursor).map_err(|e| WriteError::Writer(Box::new(e)))?;
    writer::publish(
        &state.dump_dir,
        &name,
        cursor.into_inner(),
        &crash_notes(state),
        |_| (),
        || (),
    )?;
    Ok(())
}
