//! Every thread's walked and named stack in a dump: what shows where a hung
//! process waits, and the walk as minidump-stackwalk's JSON.

use crate::evidence::{DumpError, DumpEvidence, DumpFile};
use minidump::Module as _;
use serde::Serialize;

/// One thread's stack, innermost frame first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadStack {
    /// Thread id.
    pub tid: u32,
    /// Its name, when the dump gives one.
    pub name: Option<String>,
    /// Each frame: its function's name, or `module+offset`, or the address.
    pub frames: Vec<String>,
}

/// The stacks of every thread of the dump at `path`, in the dump's order.
pub fn thread_stacks(path: &std::path::Path) -> Result<Vec<ThreadStack>, DumpError> {
    let file = DumpFile::read(path)?;
    let mut evidence = DumpEvidence::gather(&file, &[]);
    let Ok(state) = &evidence.state else { return Ok(Vec::new()) };
    let namer = &mut evidence.namer;
    let names = evidence.thread_names.as_ref().ok();
    let stacks = state
        .threads
        .iter()
        .map(|thread| ThreadStack {
            tid: thread.thread_id,
            name: names.and_then(|n| n.get_name(thread.thread_id)).map(|n| n.into_owned()),
            frames: thread
                .frames
                .iter()
                .map(|frame| {
                    let named = namer.name(frame.instruction);
                    named.unwrap_or_else(|| match &frame.module {
                        Some(module) => {
                            let file = module.code_file();
                            let short = file.rsplit('/').next().unwrap_or(&file).to_owned();
                            format!("{short}+{:#x}", frame.instruction - module.base_address())
                        }
                        None => format!("{:#x}", frame.instruction),
                    })
                })
                .collect(),
        })
        .collect();
    crate::names::save_new();
    Ok(stacks)
}

/// Why a dump's walk could not be written as minidump-stackwalk's JSON.
#[derive(Debug, thiserror::Error)]
pub enum StackwalkError {
    /// The dump cannot be read.
    #[error(transparent)]
    Read(#[from] DumpError),
    /// minidump-processor could not walk it.
    #[error("walking the dump: {0}")]
    Walk(String),
    /// Writing the JSON failed.
    #[error("writing the JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The dump at `path` in minidump-stackwalk's JSON schema
/// (minidump-processor's `ProcessState::print_json`, whose
/// `json-schema.md` documents it), with crashsuite's frame names (from the
/// module files here, or in the directories `symbols`, whose code ids match)
/// filled in where the
/// processor had none, so that tools reading minidump-stackwalk's output
/// read crashsuite's.
pub fn stackwalk_json(
    path: &std::path::Path,
    symbols: &[std::path::PathBuf],
    pretty: bool,
) -> Result<String, StackwalkError> {
    let file = DumpFile::read(path)?;
    let mut evidence = DumpEvidence::gather(&file, symbols);
    let state = evidence.state.as_mut().map_err(|e| StackwalkError::Walk(e.to_string()))?;
    for frame in state.threads.iter_mut().flat_map(|thread| thread.frames.iter_mut()) {
        if frame.function_name.is_none() {
            frame.function_name = evidence.namer.name(frame.instruction);
        }
    }
    let mut out = Vec::new();
    state.print_json(&mut out, pretty)?;
    crate::names::save_new();
    Ok(String::from_utf8_lossy(&out).into_owned())
}
