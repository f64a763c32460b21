//! `crashsuite verify`: grade one dump made by anything.

use crashsuite::output;
use crashsuite_data::{Exit, Truth};
use std::path::Path;

/// Grades `dump`: against `truth` when given, by this machine's system when
/// it was `made_here`, else by what it says about itself.
pub fn verify(
    dump: &Path,
    truth: Option<&Path>,
    made_here: bool,
    json: bool,
) -> anyhow::Result<Exit> {
    let truth = truth.map(Truth::read).transpose()?;
    let grade = match made_here {
        true => crashsuite_grader::verify_made_here(dump),
        false => crashsuite_grader::verify(dump, truth.as_ref()),
    };
    if json {
        output::json(&grade)?;
    } else {
        output::print(grade.explain())?;
    }
    Ok(super::exit_for(grade.passed()))
}
