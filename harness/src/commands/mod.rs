//! One module per command (or a few small related ones); each returns how
//! the command ended.

pub mod bench;
pub mod diff;
#[cfg(target_os = "linux")]
pub mod floor;
pub mod fuzz;
pub mod gate;
pub mod lists;
pub mod run;
pub mod sensitivity;
pub mod stress;
pub mod verify;

use crashsuite_data::Exit;
use crashsuite_runner::{Handler, handlers};
use std::path::PathBuf;

/// A command line that names something that is not there: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// [`Exit::Success`] when `passed`, else [`Exit::Failure`].
pub fn exit_for(passed: bool) -> Exit {
    if passed { Exit::Success } else { Exit::Failure }
}

/// Refuses case ids the catalogue does not have.
pub fn check_cases(ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if crashsuite_cases::find(id)?.is_none() {
            return Err(Usage(format!("unknown case {id:?}; `crashsuite cases` lists them")).into());
        }
    }
    Ok(())
}

/// The handlers named on the command line (built in, or described by one of
/// `manifests`), plus every handler of `manifests`; the defaults when none.
pub fn choose_handlers(
    names: &[String],
    manifests: &[PathBuf],
) -> anyhow::Result<Vec<&'static Handler>> {
    let loaded: Vec<&'static Handler> =
        manifests.iter().map(|path| Handler::load(path)).collect::<Result<_, _>>()?;
    let mut chosen: Vec<&'static Handler> = Vec::new();
    let mut choose = |handler: &'static Handler| {
        if !chosen.iter().any(|h| std::ptr::eq(*h, handler)) {
            chosen.push(handler);
        }
    };
    for name in names {
        if name == "all" {
            handlers::known()?.iter().for_each(&mut choose);
            continue;
        }
        let handler = match loaded.iter().find(|h| &h.name == name) {
            Some(handler) => handler,
            None => handlers::find(name)?.ok_or_else(|| {
                Usage(format!("unknown handler {name:?}; `crashsuite handlers` lists them"))
            })?,
        };
        choose(handler);
    }
    loaded.into_iter().for_each(&mut choose);
    if chosen.is_empty() {
        return Ok(handlers::defaults()?);
    }
    Ok(chosen)
}
