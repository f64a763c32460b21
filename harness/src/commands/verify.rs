//! `crashsuite verify`: grade one dump made by anything.

use crashsuite::output;
use crashsuite_data::{Exit, Truth};
use crashsuite_grader::VerifyOptions;
use std::path::{Path, PathBuf};

/// What `verify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// The verdicts, explained.
    Text,
    /// The grade as JSON.
    Json,
    /// The stack walk in minidump-stackwalk's JSON schema.
    Stackwalk,
}

/// Grades `dump`: against `truth` when given, by this machine's system when
/// it was `made_here`, else by what it says about itself, with the module
/// files in `symbols`; prints what `show` says.
pub fn verify(
    dump: &Path,
    truth: Option<&Path>,
    made_here: bool,
    symbols: Vec<PathBuf>,
    show: Show,
) -> anyhow::Result<Exit> {
    let truth = truth.map(Truth::read).transpose()?;
    let options = VerifyOptions { truth: truth.as_ref(), made_here, symbols };
    let grade = crashsuite_grader::verify_with(dump, &options);
    match show {
        Show::Text => output::print(grade.explain())?,
        Show::Json => output::json(&grade)?,
        Show::Stackwalk => {
            let walk = crashsuite_grader::stacks::stackwalk_json(dump, &options.symbols, true)?;
            output::line(format_args!("{walk}"))?;
        }
    }
    Ok(super::exit_for(grade.passed()))
}
