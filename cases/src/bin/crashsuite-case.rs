//! `crashsuite-case`: runs one crash case.
//!
//! `crashsuite-case <case> --handler reference|none` attaches the handler
//! (the reference monitor's socket comes from `CRASHSUITE_SOCKET`), writes the
//! truth record to `CRASHSUITE_TRUTH`, and crashes. `--list` prints the cases.

use anyhow::{Context as _, bail};
use clap::Parser;
use crashsuite_cases::{
    Case, DUMP_DIR_ENV, SOCKET_ENV, TRUTH_ENV, catalogue, find, scene::HandlerChoice,
};
use std::path::PathBuf;

/// Runs one crash case of the crashsuite catalogue.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Case id (see --list).
    #[arg(required_unless_present_any = ["list", "case_file"])]
    case: Option<String>,
    /// Run the case in this file instead of one of the catalogue (a generated
    /// scenario, or a case being written).
    #[arg(long, conflicts_with = "case")]
    case_file: Option<PathBuf>,
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
    let case: &'static Case = match (&args.case_file, args.case.as_deref()) {
        (Some(path), _) => Box::leak(Box::new(Case::from_file(path)?)),
        (None, id) => {
            let id = id.unwrap_or_default();
            find(id)?.with_context(|| {
                format!("unknown case {id:?}; `crashsuite-case --list` shows the cases")
            })?
        }
    };
    let handler = match args.handler.as_str() {
        "reference" => HandlerChoice::Reference { socket: env_path(SOCKET_ENV)? },
        "inproc" => HandlerChoice::InProcess { dump_dir: env_path(DUMP_DIR_ENV)? },
        "none" => HandlerChoice::None,
        other => bail!("unknown handler {other:?}; expected `reference`, `inproc` or `none`"),
    };
    crashsuite_cases::scene::run(case, &handler, env_path(TRUTH_ENV)?)
}
