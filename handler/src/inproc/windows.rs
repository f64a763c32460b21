//! The in-process handler on Windows: crash-handler's exception filter
//! catches the exception, and the crashing thread writes the dump of its own
//! process with minidump-writer (the system's `MiniDumpWriteDump`), as
//! Breakpad's in-process Windows handler does. The process then ends with its
//! exception code.

use crate::{ClientError, writer};
use crashsuite_cases::trigger::WINDOWS_DUMP_REQUESTED;
use minidump_writer::{crash_context::CrashContext, minidump_writer::MinidumpWriter};
use std::{
    fs::File,
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

include!("common.rs");

/// Numbers the dumps of this process.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Nothing to prepare on Windows.
fn prepare() -> Result<(), ClientError> {
    Ok(())
}

/// Written to stderr when the crash could not be dumped.
const NO_DUMP: &str = "crashsuite: the in-process handler wrote no dump\n";

/// Writes the dump of a crash from the crashing thread, in the exception
/// filter. It allocates and `MiniDumpWriteDump` takes the loader lock: a
/// crash that broke the heap or holds that lock loses its dump, which is this
/// handler's known weakness.
fn dump_crash(context: &CrashContext) -> bool {
    match write(|file| MinidumpWriter::dump_crash_context(context, None, file)) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("crashsuite: in-process dump: {e}");
            false
        }
    }
}

/// Writes a dump of this process on request, blaming the calling thread,
/// with Crashpad's exception code for a dump without a crash.
fn dump_requested() -> Result<(), ClientError> {
    write(|file| {
        MinidumpWriter::dump_local_context(Some(WINDOWS_DUMP_REQUESTED as i32), None, None, file)
    })
    .map_err(ClientError::InProcess)
}

/// Runs the writer into a scratch file in the dump directory (the system
/// writes to a file handle), then finishes the dump from its bytes.
fn write(
    dump: impl FnOnce(&mut File) -> Result<(), minidump_writer::errors::Error>,
) -> Result<(), String> {
    let state = STATE.get().ok_or("not attached")?;
    let name = writer::dump_name(std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed));
    let scratch = state.dump_dir.join(format!("{name}.writing"));
    let written = File::create(&scratch)
        .map_err(|e| format!("creating {}: {e}", scratch.display()))
        .and_then(|mut file| dump(&mut file).map_err(|e| format!("minidump-writer: {e}")))
        .and_then(|()| std::fs::read(&scratch).map_err(|e| format!("reading it back: {e}")));
    let _ = std::fs::remove_file(&scratch);
    writer::publish(&state.dump_dir, &name, written?, &crash_notes(state), |_| (), || ())?;
    Ok(())
}

/// crash-handler 0.8 references the C runtime's `_invoke_watson` (it ends the
/// process after an invalid parameter), which Microsoft's C runtime has and
/// mingw-w64's lacks: GNU builds link this one, which ends the process the
/// same way, at once.
#[cfg(target_env = "gnu")]
#[allow(unsafe_code)]
// SAFETY: the symbol is defined nowhere else in a GNU build, and the function
// has the C runtime's signature: no arguments, never returns.
#[unsafe(no_mangle)]
pub extern "C" fn _invoke_watson() -> ! {
    std::process::abort()
}
