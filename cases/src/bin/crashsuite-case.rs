//! `crashsuite-case`: runs one crash case.
//!
//! `crashsuite-case <case> --handler reference|none` attaches the handler
//! (the reference monitor's socket comes from `CRASHSUITE_SOCKET`), writes the
//! truth record to `CRASHSUITE_TRUTH`, and crashes. `--list` prints the cases.

use anyhow::{Context as _, bail};
use clap::Parser;
use crashsuite_cases::{
    DUMP_DIR_ENV, SOCKET_ENV, TRUTH_ENV, catalogue, find, scene::HandlerChoice,
};
use std::path::PathBuf;

/// Runs one crash case of the crashsuite catalogue.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Case id (see --list).
    #[arg(required_unless_present = "list")]
    case: Option<String>,
    /// Handler to attach: `reference` (the monitor's socket comes from
    /// CRASHSUITE_SOCKET), `inproc` (dumps go to CRASHSUITE_DUMP_DIR) or
    /// `none`.
    #[arg(long, default_value = "reference")]
    handler: String,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
}

fn env_path(name: &str) -> anyhow::Result<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).with_context(|| format!("{name} is not set"))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.list {
        for case in catalogue()? {
            let here = case.runs_here().err().unwrap_or_else(|| "runs here".into());
            println!("{:<24} {} ({here})", case.id, case.summary);
        }
        return Ok(());
    }
    let id = args.case.unwrap_or_default();
    let Some(case) = find(&id)? else {
        bail!("unknown case {id:?}; `crashsuite-case --list` shows the cases");
    };
    let handler = match args.handler.as_str() {
        "reference" => HandlerChoice::Reference { socket: env_path(SOCKET_ENV)? },
        "inproc" => HandlerChoice::InProcess { dump_dir: env_path(DUMP_DIR_ENV)? },
        "none" => HandlerChoice::None,
        other => bail!("unknown handler {other:?}; expected `reference`, `inproc` or `none`"),
    };
    crashsuite_cases::scene::run(case, &handler, env_path(TRUTH_ENV)?)
}
