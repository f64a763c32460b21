//! The digest of a graded dump: the part that must not drift, normalised so
//! that it is the same on any machine of one OS and architecture.
//!
//! It holds which streams exist, the exception's signal and code, the
//! crashing thread's name, the thread names (numbered names collapsed), the
//! modules by role (the case executable, the case's plugin, the vDSO, and a
//! count of system libraries, whose names and versions vary by host), the
//! module of the crash context's instruction pointer, and the verdicts that
//! are not a pass (every rule not listed passed, so a new rule that passes
//! changes no digest). Addresses, pids, tids, timestamps and sizes are left
//! out.

use crate::{evidence::DumpEvidence, rules::RuleVerdict};
use crashsuite_data::Truth;
use minidump::{Module as _, format::MINIDUMP_STREAM_TYPE};
use num_traits::FromPrimitive as _;
use std::{collections::BTreeMap, fmt::Write as _};

/// A module's role in a digest.
fn role(file: &str, truth: Option<&Truth>) -> String {
    // Linux paths, and Windows paths (a Windows process names its modules so).
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    if truth.is_some_and(|t| t.executable.display().to_string() == file) {
        format!("executable {name}")
    } else if truth.is_some_and(|t| t.modules.iter().any(|m| m.path.display().to_string() == file))
    {
        format!("plugin {name}")
    } else if name.contains("linux-gate.so") || name.contains("vdso") {
        "vdso".to_owned()
    } else {
        "<system library>".to_owned()
    }
}

/// How many of the crashing thread's own frames a digest keeps: enough to
/// show where and how it crashed, few enough to stay inside the stack a
/// handler captures whatever the stack's random placement (Breakpad takes
/// 32 KiB from the stack pointer, so its outermost frames come and go).
const OUR_FRAMES: usize = 8;

/// The crashing thread's named frames in this repository's code (the cases,
/// the handler, sadness-generator), innermost first, from the first outside
/// the handler, with a run of one function (a recursion) written once as
/// `name (repeated)`.
fn our_frames(names: &[Option<String>]) -> Vec<String> {
    const OURS: [&str; 3] = ["crashsuite", "sadness_generator", "<crashsuite"];
    const HANDLER: [&str; 2] = ["crashsuite_handler::", "<crashsuite_handler::"];
    let is = |prefixes: &[&str], name: &str| prefixes.iter().any(|p| name.starts_with(p));
    // Where a thread that asked for a dump waits inside the handler depends
    // on timing (the in-process twin's child can stop its parent before or
    // after it reaches its wait): those innermost frames are left out.
    let ours =
        names.iter().flatten().filter(|name| is(&OURS, name)).skip_while(|name| is(&HANDLER, name));
    let mut kept: Vec<String> = Vec::new();
    let mut previous: Option<&String> = None;
    for name in ours {
        if previous == Some(name) {
            if let Some(last) = kept.last_mut()
                && !last.ends_with(" (repeated)")
            {
                last.push_str(" (repeated)");
            }
        } else {
            kept.push(name.clone());
        }
        previous = Some(name);
        if kept.len() == OUR_FRAMES {
            break;
        }
    }
    kept
}

/// `cs-worker-17` becomes `cs-worker-*`, so a count replaces 200 lines.
fn collapse(name: &str) -> String {
    match name.rsplit_once('-') {
        Some((stem, number))
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{stem}-*")
        }
        _ => name.to_owned(),
    }
}

fn counted(items: impl IntoIterator<Item = String>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for item in items {
        *counts.entry(item).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .into_iter()
        .map(|(item, n)| if n == 1 { item } else { format!("{item} x{n}") })
        .collect();
    parts.join(", ")
}

/// The whole digest of a trial that left no dump when DMP-01 is an
/// intermittent known deviation: its golden holds the digest of a trial that
/// did leave one.
pub const NO_DUMP_THIS_TIME: &str =
    "dump: none this time (DMP-01 is an intermittent known deviation); not compared\n";

/// What a dump was graded with, for its digest.
pub struct Graded<'a> {
    /// Every rule's verdict.
    pub verdicts: &'a [RuleVerdict],
    /// The rules whose outcome is known to vary (intermittent deviations).
    pub intermittent: &'a [&'a str],
    /// The rules for other systems' dumps, which skip: left out.
    pub other_systems: &'a [&'a str],
}

/// The digest of one dump, given the verdicts it was graded with: those that
/// are not a pass, one a line, but for the rules of other systems. A verdict
/// whose outcome is known to vary (an intermittent deviation) is written as
/// `known?` whichever way it went. When that is DMP-01 (whether a dump exists
/// at all), the dump that does exist is digested as any other, and a trial
/// that left none says only [`NO_DUMP_THIS_TIME`]: there is nothing to
/// compare that time.
pub fn digest(
    evidence: Option<&DumpEvidence<'_>>,
    truth: Option<&Truth>,
    graded: &Graded<'_>,
) -> String {
    let Graded { verdicts, intermittent, other_systems } = *graded;
    let mut out = match evidence {
        Some(evidence) => describe(evidence, truth, intermittent.contains(&"STK-05")),
        None if intermittent.contains(&"DMP-01") => return NO_DUMP_THIS_TIME.into(),
        None => "dump: none\n".to_owned(),
    };
    let _ = writeln!(out, "verdicts other than pass:");
    for v in verdicts.iter().filter(|v| !other_systems.contains(&v.id)) {
        let word = if intermittent.contains(&v.id) { "known?" } else { v.verdict.kind() };
        if word != "pass" {
            let _ = writeln!(out, "  {} {word}", v.id);
        }
    }
    out
}

/// The dump's part of the digest; the frames are left out when the walk is
/// `unreliable` (its STK-05 verdict is an intermittent known deviation).
fn describe(evidence: &DumpEvidence<'_>, truth: Option<&Truth>, unreliable: bool) -> String {
    let mut out = String::new();
    let mut streams: Vec<String> = evidence
        .dump
        .all_streams()
        .filter(|e| e.stream_type != MINIDUMP_STREAM_TYPE::UnusedStream as u32)
        .map(|e| match MINIDUMP_STREAM_TYPE::from_u32(e.stream_type) {
            Some(known) => format!("{known:?}"),
            None => format!("{:#x}", e.stream_type),
        })
        .collect();
    streams.sort();
    let _ = writeln!(out, "streams: {}", streams.join(", "));

    match &evidence.exception {
        Ok(exception) => {
            let record = &exception.raw.exception_record;
            let _ = writeln!(
                out,
                "exception: code {:#x}, flags {:#x}",
                record.exception_code, record.exception_flags
            );
            let tid = exception.get_crashing_thread_id();
            let name = evidence.thread_names.as_ref().ok().and_then(|n| n.get_name(tid));
            let name = name.map(|n| collapse(&n)).unwrap_or_else(|| "<unnamed>".into());
            let _ = writeln!(out, "crashing thread: {name}");
        }
        Err(_) => {
            let _ = writeln!(out, "exception: none");
        }
    }

    if let (Ok(threads), Ok(names)) = (&evidence.threads, &evidence.thread_names) {
        let all = threads.threads.iter().map(|t| {
            names
                .get_name(t.raw.thread_id)
                .map(|n| collapse(&n))
                .unwrap_or_else(|| "<unnamed>".into())
        });
        let _ = writeln!(out, "threads: {}", counted(all));
    }

    let ours = our_frames(&evidence.frame_names);
    if unreliable {
        let _ = writeln!(out, "our frames: (vary: STK-05 is an intermittent known deviation)");
    } else if !ours.is_empty() {
        let _ = writeln!(out, "our frames: {}", ours.join(" <- "));
    }

    if let Ok(modules) = &evidence.modules {
        let roles = modules.iter().map(|m| role(&m.code_file(), truth));
        let _ = writeln!(out, "modules: {}", counted(roles));
        let ip = evidence
            .exception
            .as_ref()
            .ok()
            .zip(evidence.system_info.as_ref().ok())
            .and_then(|(e, info)| e.context(info, evidence.misc.as_ref()))
            .map(|c| c.get_instruction_pointer());
        if let Some(ip) = ip {
            let site = modules.module_at_address(ip).map(|m| role(&m.code_file(), truth));
            let _ = writeln!(out, "crash site: {}", site.unwrap_or_else(|| "no module".into()));
        }
    }

    out
}
