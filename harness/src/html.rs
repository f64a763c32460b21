//! The results as one self-contained HTML page: the matrix (cases down,
//! handlers across, a column per platform when the results hold several),
//! per-handler counts, filters, every trial's rules, stack, streams and
//! digest on click, a gate's findings and the bench figures.
//!
//! The page is data and a small script that draws it (`html/page.*`): the
//! results files go in as they are, as JSON, with the rule catalogue beside
//! them. Nothing is fetched; the file opens from disk anywhere.

use crate::{bench_view, gate::Findings, results};
use anyhow::{Context as _, bail};
use crashsuite_grader::rules;
use crashsuite_runner::curves;
use serde::Serialize;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("html/page.html");
const STYLE: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/page.js");

/// What the page shows.
#[derive(Debug, Default, Serialize)]
pub struct Page {
    /// Results files (`results.json`, schema `crashsuite-results/1`), as read.
    pub runs: Vec<serde_json::Value>,
    /// The gate's findings against a baseline, if the page is a gate's.
    pub gate: Option<Findings>,
    /// Bench figures, if any.
    pub bench: Option<Bench>,
}

/// The bench figures on the page.
#[derive(Debug, Serialize)]
pub struct Bench {
    /// `rows` of `bench.json`.
    pub rows: serde_json::Value,
    /// The cost curves, drawn.
    pub charts: Vec<Chart>,
}

/// One drawn chart.
#[derive(Debug, Serialize)]
pub struct Chart {
    /// Its caption.
    pub title: String,
    /// An SVG document.
    pub svg: String,
}

/// The catalogue entry of a rule, for the page's tables and filters.
#[derive(Serialize)]
struct RuleInfo {
    id: &'static str,
    level: rules::Level,
    stream: &'static str,
    title: &'static str,
}

/// Reads a `results.json`, refusing other files.
pub fn read_results(path: &Path) -> anyhow::Result<serde_json::Value> {
    let value: serde_json::Value = read_json(path)?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(results::SCHEMA) => Ok(value),
        other => bail!(
            "{} is not a crashsuite results file (schema {other:?}, expected {:?})",
            path.display(),
            results::SCHEMA
        ),
    }
}

/// Reads a `bench.json` and draws its curves.
pub fn read_bench(path: &Path) -> anyhow::Result<Bench> {
    #[derive(serde::Deserialize)]
    struct File {
        schema: String,
        rows: serde_json::Value,
        curves: Option<Vec<curves::Curve>>,
    }
    let file: File = read_json(path)?;
    if file.schema != bench_view::SCHEMA {
        bail!("{} has schema {:?}, expected {:?}", path.display(), file.schema, bench_view::SCHEMA);
    }
    let curves = file.curves.unwrap_or_default();
    let mut charts = Vec::new();
    for axis in [curves::Axis::Threads, curves::Axis::BallastMib] {
        if curves.iter().any(|c| c.axis == axis) {
            charts.push(Chart {
                title: format!("crash→dump latency and dump size against {}", axis.label()),
                svg: bench_view::svg(&curves, axis)?,
            });
        }
    }
    Ok(Bench { rows: file.rows, charts })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

impl Page {
    /// The page as one HTML document.
    pub fn render(&self) -> anyhow::Result<String> {
        #[derive(Serialize)]
        struct Data<'a> {
            #[serde(flatten)]
            page: &'a Page,
            rules: Vec<RuleInfo>,
        }
        let rules = rules::all()
            .into_iter()
            .map(|r| RuleInfo { id: r.id, level: r.level, stream: r.stream, title: r.title })
            .collect();
        let json = serde_json::to_string(&Data { page: self, rules })?;
        // Inside <script>, no `<` may open a tag: JSON spells it \u003c.
        let json = json.replace('<', "\\u003c");
        Ok(TEMPLATE.replace("/*CSS*/", STYLE).replace("/*JS*/", SCRIPT).replace("/*DATA*/", &json))
    }

    /// Writes `report.html` into `dir` (made if missing) and returns its path.
    pub fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("report.html");
        std::fs::write(&path, self.render()?)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_close_the_script_element() {
        let hostile = serde_json::json!({
            "schema": results::SCHEMA,
            "trials": [{ "handler": "</script><script>alert(1)</script>", "case": "x" }],
        });
        let html = Page { runs: vec![hostile], ..Page::default() }.render().expect("render");
        assert_eq!(html.matches("</script>").count(), 2, "only the page's own two scripts close");
        assert!(html.contains("\\u003c/script>\\u003cscript>alert(1)"));
    }

    #[test]
    fn only_results_files_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("other.json");
        std::fs::write(&path, br#"{"schema": "something-else/1"}"#).expect("write");
        let error = read_results(&path).expect_err("refused").to_string();
        assert!(error.contains("not a crashsuite results file"), "{error}");
    }
}
