//! `crashsuite-case-breakpad`: runs one crash case under Breakpad's
//! in-process handler, which writes `<CRASHSUITE_DUMP_DIR>/<uuid>.dmp` from a
//! child it clones at the crash. The protocol is in handler/CONTRACT.md.

use breakpad_handler::{BreakpadHandler, InstallOptions};
use crashsuite_cases::{
    DUMP_DIR_ENV,
    cli::env_path,
    handler::{Attached, CaseHandler},
};
use std::{os::unix::fs::DirBuilderExt, path::PathBuf};

/// Breakpad, writing to `dump_dir`.
struct Breakpad {
    dump_dir: PathBuf,
}

impl CaseHandler for Breakpad {
    fn name(&self) -> &str {
        "breakpad"
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        // Breakpad writes into the directory but does not make it.
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.dump_dir)?;
        // Breakpad calls back after writing; the dump's path is all it says,
        // and the harness finds the file itself.
        let handler = BreakpadHandler::attach(
            &self.dump_dir,
            InstallOptions::SignalHandler,
            Box::new(|_dump: PathBuf| {}),
        )?;
        Ok(Box::new(Installed { _handler: handler }))
    }
}

/// Breakpad's handler, installed for as long as this lives. It takes no
/// annotations and no dump requests through this crate.
struct Installed {
    _handler: BreakpadHandler,
}

impl Attached for Installed {}

fn main() -> anyhow::Result<()> {
    crashsuite_cases::cli::main(std::env::args_os(), |name| match name.unwrap_or("breakpad") {
        "breakpad" => Ok(Box::new(Breakpad { dump_dir: env_path(DUMP_DIR_ENV)? })),
        other => anyhow::bail!("unknown handler {other:?}; expected `breakpad` or `none`"),
    })
}
