//! `crashsuite verify`: grade one dump made by anything.

use crashsuite::output;
use crashsuite_data::{Exit, Truth};
use std::path::Path;

/// Grades `dump`, against `truth` when given.
pub fn verify(dump: &Path, truth: Option<&Path>, json: bool) -> anyhow::Result<Exit> {
    let truth = truth.map(Truth::read).transpose()?;
    let grade = crashsuite_grader::verify(dump, truth.as_ref());
    if json {
        output::json(&grade)?;
    } else {
        output::print(grade.explain())?;
    }
    Ok(super::exit_for(grade.passed()))
}
