//! The command line every case executable shares:
//!
//! ```text
//! <executable> <case> | --case-file FILE  [--handler NAME]  |  --list
//! ```
//!
//! with the truth record's path in `CRASHSUITE_TRUTH` (handler/CONTRACT.md
//! has the whole protocol). `--handler none` runs the case with no handler
//! at all, in any case executable.

use crate::{Case, TRUTH_ENV, catalogue, find, handler::CaseHandler, handler::NoHandler};
use anyhow::Context as _;
use clap::Parser;
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
    /// Handler to attach: one this executable offers, or `none`.
    #[arg(long)]
    handler: Option<String>,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
}

/// The value of an environment variable that names a path.
pub fn env_path(name: &str) -> anyhow::Result<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).with_context(|| format!("{name} is not set"))
}

/// Parses the command line `args` (the program's name first, as
/// `std::env::args_os()` gives them) and runs the case under the handler
/// `choose` returns for the `--handler` name (`None` when not given; `none`
/// never reaches it). Returns only for cases that end without a crash by
/// design.
pub fn main(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    choose: impl FnOnce(Option<&str>) -> anyhow::Result<Box<dyn CaseHandler>>,
) -> anyhow::Result<()> {
    let args = Args::parse_from(args);
    if args.list {
        for case in catalogue()? {
            let here =
                case.runs_here().err().map_or_else(|| "runs here".to_owned(), |e| e.to_string());
            println!("{:<24} {} ({here})", case.id, case.summary);
        }
        return Ok(());
    }
    let case: &'static Case = match (&args.case_file, args.case.as_deref()) {
        (Some(path), _) => Box::leak(Box::new(Case::from_file(path)?)),
        (None, id) => {
            let id = id.unwrap_or_default();
            find(id)?.with_context(|| format!("unknown case {id:?}; `--list` shows the cases"))?
        }
    };
    let handler = match args.handler.as_deref() {
        Some("none") => Box::new(NoHandler),
        name => choose(name)?,
    };
    crate::scene::run(case, handler.as_ref(), env_path(TRUTH_ENV)?)
}
