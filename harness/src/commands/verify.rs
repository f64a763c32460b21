//! `crashsuite verify`: grade one dump made by anything.

use crashsuite::output;
use crashsuite_data::{Exit, Truth};
use crashsuite_grader::VerifyOptions;
use std::path::{Path, PathBuf};

/// The schema name and version of `verify --json` (`schemas/verify.schema.json`).
pub const SCHEMA: &str = "crashsuite-verify/1";

/// What `verify --json` prints: the grade, with its schema and whether it passed.
#[derive(serde::Serialize)]
struct Report<'g> {
    /// Always [`SCHEMA`].
    schema: &'static str,
    /// Nothing failed the dump.
    passed: bool,
    /// Every verdict, the stack, the streams, the digest.
    #[serde(flatten)]
    grade: &'g crashsuite_grader::Grade,
}

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
        Show::Json => {
            output::json(&Report { schema: SCHEMA, passed: grade.passed(), grade: &grade })?
        }
        Show::Stackwalk => {
            let walk = crashsuite_grader::stacks::stackwalk_json(dump, &options.symbols, true)?;
            output::line(format_args!("{walk}"))?;
        }
    }
    Ok(super::exit_for(grade.passed()))
}
