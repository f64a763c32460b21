// The in-process handler's part every system shares, included by each
// system's `inproc` module (so symbolised stacks name its functions
// `crashsuite_handler::inproc::*` everywhere). Each system supplies
// `prepare`, `dump_crash`, `NO_DUMP` and `dump_requested`.

use crate::{Reporter, annotations::ClientNotes, crash_path, dumpfile};
use crash_handler::CrashHandler;
use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

struct State {
    dump_dir: PathBuf,
    notes: Mutex<ClientNotes>,
}

static STATE: OnceLock<State> = OnceLock::new();

/// The in-process handler, attached for as long as this value lives.
pub struct InProcessHandler {
    _handler: CrashHandler,
}

impl InProcessHandler {
    /// Prepares `dump_dir` (private to the user) and installs the crash
    /// handler. One per process.
    pub fn attach(dump_dir: &Path) -> Result<Self, ClientError> {
        dumpfile::ensure_private_dir(dump_dir)
            .map_err(|e| InProcessError::Write(WriteError::Publish(e)))?;
        prepare()?;
        let state = State { dump_dir: dump_dir.to_owned(), notes: Mutex::default() };
        if STATE.set(state).is_err() {
            return Err(InProcessError::AlreadyAttached.into());
        }
        #[expect(unsafe_code)]
        // SAFETY: the closure runs in the crash handler (on Linux, a signal
        // handler); it calls only `crash_path::on_crash` and this system's
        // `dump_crash`, whose doc comment says what that does there.
        let event = unsafe {
            crash_handler::make_crash_event(|context: &CrashContext| {
                crash_path::on_crash(context, dump_crash, NO_DUMP)
            })
        };
        Ok(Self { _handler: CrashHandler::attach(event)? })
    }
}

fn notes() -> Result<std::sync::MutexGuard<'static, ClientNotes>, ClientError> {
    let state = STATE.get().ok_or(InProcessError::NotAttached)?;
    Ok(state.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// The annotations at the crash. A lock held by another thread at the crash
/// stays held: then there are none.
fn crash_notes(state: &State) -> std::collections::BTreeMap<String, String> {
    state.notes.try_lock().map(|n| n.simple_annotations()).unwrap_or_default()
}

impl Reporter for InProcessHandler {
    fn annotate(&self, key: &str, value: &str) -> Result<(), ClientError> {
        if notes()?.annotate(key.to_owned(), value.to_owned()) {
            Ok(())
        } else {
            Err(InProcessError::TooManyAnnotations.into())
        }
    }

    fn breadcrumb(&self, text: &str) -> Result<(), ClientError> {
        notes()?.breadcrumb(text.to_owned());
        Ok(())
    }

    fn dump_now(&self) -> Result<(), ClientError> {
        dump_requested()
    }
}
