//! `crashsuite verify`: grade one dump made by anything.

use crashsuite::output;
use crashsuite_data::{Exit, Truth};
use std::path::Path;

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
/// it was `made_here`, else by what it says about itself; prints what `show`
/// says.
pub fn verify(
    dump: &Path,
    truth: Option<&Path>,
    made_here: bool,
    show: Show,
) -> anyhow::Result<Exit> {
    let truth = truth.map(Truth::read).transpose()?;
    let grade = match made_here {
        true => crashsuite_grader::verify_made_here(dump),
        false => crashsuite_grader::verify(dump, truth.as_ref()),
    };
    match show {
        Show::Text => output::print(grade.explain())?,
        Show::Json => output::json(&grade)?,
        Show::Stackwalk => {
            let walk = crashsuite_grader::stacks::stackwalk_json(dump, true)?;
            output::line(format_args!("{walk}"))?;
        }
    }
    Ok(super::exit_for(grade.passed()))
}
