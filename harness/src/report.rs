//! Printing graded trials: a table of trials against rules, then the details
//! of every wrong fact, missing fact, known deviation and (on request) skip,
//! and where a hung trial's threads waited.

use comfy_table::{Table, presets::ASCII_MARKDOWN};
use crashsuite_grader::{Grade, Verdict};
use crashsuite_runner::hang::Hang;
use std::fmt::Write as _;

/// The table: one row per trial with its result, how many rules passed,
/// were skipped, are known deviations or found a coverage gap, and which
/// failed the trial (a wrong fact, or a missing one a MUST rule needs). Fits
/// a 100-column terminal; the full matrix is in the JSON results.
pub fn table(grades: &[&Grade]) -> String {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN);
    table.set_header(["trial", "result", "pass", "skip", "known", "gaps", "failing rules"]);
    for grade in grades {
        let count =
            |f: fn(&Verdict) -> bool| grade.verdicts.iter().filter(|v| f(&v.verdict)).count();
        let failed: Vec<String> = grade
            .failures()
            .map(|v| match v.verdict {
                Verdict::Missing { .. } => format!("{} {} missing", v.id, v.level),
                _ => format!("{} {}", v.id, v.level),
            })
            .collect();
        let failed = match &grade.error {
            Some(_) => "(not graded: see below)".to_owned(),
            None => failed.join(", "),
        };
        table.add_row([
            grade.trial.clone(),
            if grade.passed() { "ok" } else { "FAILED" }.to_owned(),
            count(|v| matches!(v, Verdict::Pass { .. })).to_string(),
            count(|v| matches!(v, Verdict::Skip { .. })).to_string(),
            count(|v| matches!(v, Verdict::Deviation { .. })).to_string(),
            grade.gaps().count().to_string(),
            failed,
        ]);
    }
    table.to_string()
}

/// Every failure, known deviation and grading error (and, with `skips`,
/// every skip with its reason), one line each, grouped by trial.
pub fn details(grades: &[&Grade], skips: bool) -> String {
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
                Verdict::Missing { expected } => {
                    let what = if v.verdict.fails_trial(v.level) { "MISSING" } else { "gap" };
                    lines.push(format!("  {} {} {what}: {expected}", v.id, v.level))
                }
                Verdict::Skip { reason } if skips => {
                    lines.push(format!("  {} {} skip: {reason}", v.id, v.level))
                }
                Verdict::Skip { .. } => {}
                Verdict::Deviation { observed, expected, reason } => lines.push(format!(
                    "  {} {} known deviation: observed {observed}; expected {expected}; {reason}",
                    v.id, v.level
                )),
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

/// How many frames of each hung thread are shown.
const HUNG_FRAMES: usize = 12;

/// Where a hung trial's threads waited: each process and thread, innermost
/// frame first, threads with the same stack shown once with their count.
pub fn hang(trial: &str, hang: &Hang) -> String {
    let after = match hang.after_crash_ms {
        Some(ms) => format!(", called hung {:.1} s after the crash", ms / 1e3),
        None => String::new(),
    };
    let mut out = format!(
        "{trial} hung: blocked, no CPU time and no dump activity for {} ms{after}; dumped \
         from outside, where each thread waited:\n",
        hang.quiet_ms
    );
    for process in &hang.processes {
        let _ = writeln!(out, "  process {}", process.pid);
        if let Some(error) = &process.error {
            let _ = writeln!(out, "    ({error})");
        }
        let mut shown: Vec<(&[String], Vec<String>)> = Vec::new();
        for thread in &process.stacks {
            let frames = &thread.frames[..thread.frames.len().min(HUNG_FRAMES)];
            let who = match &thread.name {
                Some(name) => format!("{} ({name})", thread.tid),
                None => thread.tid.to_string(),
            };
            match shown.iter_mut().find(|(seen, _)| *seen == frames) {
                Some((_, threads)) => threads.push(who),
                None => shown.push((frames, vec![who])),
            }
        }
        for (frames, threads) in shown {
            let _ = writeln!(out, "    thread {}:", threads.join(", "));
            for frame in frames {
                let _ = writeln!(out, "      {frame}");
            }
        }
    }
    out
}
