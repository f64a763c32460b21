//! `crashsuite gate`, `baseline` and `report`: a run's results against its
//! baselines, stored as baselines, or drawn as a page.

use crashsuite::{gate, html, output};
use crashsuite_data::Exit;
use std::path::{Path, PathBuf};

/// How `gate` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Lines of text.
    Text,
    /// Markdown, for a pull-request comment.
    Markdown,
    /// JSON.
    Json,
}

/// Compares `results` with `baselines`; writes the page to `html` if asked.
pub fn gate(
    baselines: &[PathBuf],
    results: &Path,
    format: Format,
    html: Option<&Path>,
) -> anyhow::Result<Exit> {
    let findings = gate::compare(baselines, results)?;
    let regressed = findings.regressed();
    match format {
        Format::Json => output::json(&findings)?,
        Format::Text | Format::Markdown => {
            output::print(findings.render(format == Format::Markdown))?
        }
    }
    if let Some(dir) = html {
        let runs = vec![html::read_results(results)?];
        let page = html::Page { runs, gate: Some(findings), bench: None };
        eprintln!("report written to {}", page.write(dir)?.display());
    }
    Ok(super::exit_for(!regressed))
}

/// Stores each run in `results` as baselines under `golden`.
pub fn baseline(results: &[PathBuf], golden: &Path) -> anyhow::Result<Exit> {
    for results in results {
        for path in gate::write_baselines(results, golden)? {
            output::line(path.display())?;
        }
    }
    Ok(Exit::Success)
}

/// Writes the HTML page of `results` (and `bench`) into `dir`.
pub fn report(results: &[PathBuf], dir: &Path, bench: Option<&Path>) -> anyhow::Result<Exit> {
    let runs =
        results.iter().map(|path| html::read_results(path)).collect::<anyhow::Result<_>>()?;
    let bench = bench.map(html::read_bench).transpose()?;
    let page = html::Page { runs, gate: None, bench };
    output::line(format_args!("report written to {}", page.write(dir)?.display()))?;
    Ok(Exit::Success)
}
