//! `crashsuite-case-sentry-native`: runs one crash case under sentry-native's
//! crashpad backend. sentry-native starts the `crashpad_handler` its build
//! put next to this executable; the handler writes
//! `<CRASHSUITE_DUMP_DIR>/pending/<uuid>.dmp`. No DSN is set: nothing is
//! uploaded. The protocol is in handler/CONTRACT.md.

use crashsuite_cases::{
    DUMP_DIR_ENV,
    cli::env_path,
    handler::{Attached, CaseHandler},
};
use sentry_contrib_native::Options;
use std::path::PathBuf;

/// sentry-native, with its database in `database`.
struct SentryNative {
    database: PathBuf,
}

impl CaseHandler for SentryNative {
    fn name(&self) -> &str {
        "sentry-native"
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        let handler = std::env::current_exe()?.with_file_name("crashpad_handler");
        if !handler.is_file() {
            anyhow::bail!(
                "{} not found; scripts/alternates.sh sentry-native builds it",
                handler.display()
            );
        }
        let mut options = Options::new();
        options.set_database_path(&self.database);
        options.set_handler_path(handler);
        let shutdown = options.init()?;
        Ok(Box::new(Installed { _shutdown: shutdown }))
    }
}

/// sentry-native, initialised for as long as this lives. Its tags and
/// breadcrumbs go into sentry events, not into the minidump, so the case
/// sends it none.
struct Installed {
    _shutdown: sentry_contrib_native::Shutdown,
}

impl Attached for Installed {}

fn main() -> anyhow::Result<()> {
    crashsuite_cases::cli::main(std::env::args_os(), |name| match name.unwrap_or("sentry-native") {
        "sentry-native" => Ok(Box::new(SentryNative { database: env_path(DUMP_DIR_ENV)? })),
        other => anyhow::bail!("unknown handler {other:?}; expected `sentry-native` or `none`"),
    })
}
