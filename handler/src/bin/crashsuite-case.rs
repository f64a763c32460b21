//! `crashsuite-case`: runs one crash case under a built-in handler.
//!
//! `crashsuite-case <case> --handler reference|inproc|none` attaches the
//! handler (the reference monitor's socket, or pipe name on Windows, comes
//! from `CRASHSUITE_SOCKET`,
//! the in-process handler's dump directory from `CRASHSUITE_DUMP_DIR`),
//! writes the truth record to `CRASHSUITE_TRUTH`, and crashes. `--list`
//! prints the cases. The protocol is in handler/CONTRACT.md.

use anyhow::bail;
use crashsuite_cases::{
    DUMP_DIR_ENV,
    cli::env_path,
    handler::{Attached, CaseHandler},
};
use crashsuite_handler::{InProcessHandler, Reporter, crash_path};
use std::path::PathBuf;

/// The reference handler, reporting to the monitor on `socket` (Linux; on
/// Windows a pipe name).
#[cfg(any(target_os = "linux", windows))]
struct Reference {
    socket: PathBuf,
}

/// The in-process handler, writing to `dump_dir`.
struct InProcess {
    dump_dir: PathBuf,
}

#[cfg(any(target_os = "linux", windows))]
impl CaseHandler for Reference {
    fn name(&self) -> &str {
        "reference"
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        let client = crashsuite_handler::Client::connect(&self.socket)?;
        Ok(Box::new(Builtin(client.attach()?)))
    }

    /// The inherited connection speaks for the parent (the monitor sees the
    /// parent's pid on it), so the child makes its own.
    fn after_fork(&self, attached: Box<dyn Attached>) -> anyhow::Result<Box<dyn Attached>> {
        drop(attached);
        self.attach()
    }
}

impl CaseHandler for InProcess {
    fn name(&self) -> &str {
        "inproc"
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        Ok(Box::new(Builtin(InProcessHandler::attach(&self.dump_dir)?)))
    }
}

/// Either built-in handler, attached.
struct Builtin<R: Reporter>(R);

impl<R: Reporter> Attached for Builtin<R> {
    fn takes_annotations(&self) -> bool {
        true
    }

    fn annotate(&self, key: &str, value: &str) -> anyhow::Result<()> {
        Ok(self.0.annotate(key, value)?)
    }

    fn breadcrumb(&self, text: &str) -> anyhow::Result<()> {
        Ok(self.0.breadcrumb(text)?)
    }

    fn dump_now(&self) -> anyhow::Result<()> {
        Ok(self.0.dump_now()?)
    }

    fn fault_after_dump(&self) -> anyhow::Result<()> {
        crash_path::fault_after_dump();
        Ok(())
    }
}

fn main() -> anyhow::Result<()> {
    crashsuite_cases::cli::main(
        std::env::args_os(),
        |name| -> anyhow::Result<Box<dyn CaseHandler>> {
            match name.unwrap_or("reference") {
                #[cfg(any(target_os = "linux", windows))]
                "reference" => {
                    Ok(Box::new(Reference { socket: env_path(crashsuite_cases::SOCKET_ENV)? }))
                }
                #[cfg(not(any(target_os = "linux", windows)))]
                "reference" => bail!(
                    "the reference handler's monitor runs on Linux and Windows; use `--handler \
                     inproc`"
                ),
                "inproc" => Ok(Box::new(InProcess { dump_dir: env_path(DUMP_DIR_ENV)? })),
                other => {
                    bail!("unknown handler {other:?}; expected `reference`, `inproc` or `none`")
                }
            }
        },
    )
}
