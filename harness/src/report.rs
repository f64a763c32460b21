//! Printing graded trials: a table of trials against rules, then the details
//! of every failure and skip.

use crate::rules::{self, Grade, Verdict};
use comfy_table::{Table, presets::ASCII_MARKDOWN};
use std::fmt::Write as _;

/// The table: one row per trial, one column per rule, each cell `pass`,
/// `FAIL` or `skip`; a trial that could not be graded shows `error`.
pub fn table(grades: &[Grade]) -> String {
    let rules = rules::all();
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN);
    let mut header = vec!["trial".to_owned()];
    header.extend(rules.iter().map(|r| format!("{} {}", r.id, r.level)));
    header.push("result".to_owned());
    table.set_header(header);
    for grade in grades {
        let mut row = vec![grade.trial.clone()];
        if grade.error.is_some() {
            row.extend(rules.iter().map(|_| "error".to_owned()));
        } else {
            row.extend(grade.verdicts.iter().map(|v| {
                match v.verdict {
                    Verdict::Pass { .. } => "pass",
                    Verdict::Fail { .. } => "FAIL",
                    Verdict::Skip { .. } => "skip",
                }
                .to_owned()
            }));
        }
        row.push(if grade.passed() { "ok" } else { "FAILED" }.to_owned());
        table.add_row(row);
    }
    table.to_string()
}

/// Every failure, skip and grading error, one line each, grouped by trial.
pub fn details(grades: &[Grade]) -> String {
    let mut out = String::new();
    for grade in grades {
        let mut lines = Vec::new();
        if let Some(error) = &grade.error {
            lines.push(format!("  error: {error}"));
        }
        if let Some(note) = &grade.case_note {
            lines.push(format!("  {note}"));
        }
        for v in &grade.verdicts {
            match &v.verdict {
                Verdict::Fail { observed, expected } => lines.push(format!(
                    "  {} {} FAIL: observed {observed}; expected {expected}",
                    v.id, v.level
                )),
                Verdict::Skip { reason } => {
                    lines.push(format!("  {} {} skip: {reason}", v.id, v.level))
                }
                Verdict::Pass { .. } => {}
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "{}", grade.trial);
            for line in lines {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

/// One trial in full: every verdict with what was seen, and the crashing stack.
pub fn trial(grade: &Grade) -> String {
    let rules = rules::all();
    let mut out = String::new();
    if let Some(error) = &grade.error {
        let _ = writeln!(out, "error: {error}");
    }
    if let Some(note) = &grade.case_note {
        let _ = writeln!(out, "{note}");
    }
    for (v, rule) in grade.verdicts.iter().zip(&rules) {
        let line = match &v.verdict {
            Verdict::Pass { observed } => format!("pass  {observed}"),
            Verdict::Fail { observed, expected } => {
                format!("FAIL  observed {observed}; expected {expected}")
            }
            Verdict::Skip { reason } => format!("skip  {reason}"),
        };
        let _ = writeln!(out, "{} {:<6} {:<60} {line}", v.id, v.level, rule.title);
    }
    if !grade.crashing_stack.is_empty() {
        let _ = writeln!(
            out,
            "crashing thread: {}",
            grade.crashing_stack.join(" <- ")
        );
    }
    out
}
