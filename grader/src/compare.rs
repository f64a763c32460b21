//! Two dumps of the same crash side by side, stream by stream: which streams
//! each holds, and for each stream what it says in a line (threads, modules,
//! exception, memory, ...), so two handlers' dumps of one case can be told
//! apart at a glance.

use crate::evidence::DumpEvidence;
use minidump::{Module as _, format::MINIDUMP_STREAM_TYPE};
use num_traits::FromPrimitive as _;
use std::collections::BTreeMap;

/// One stream's line in each dump (`None`: the dump has no such stream).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StreamRow {
    /// The stream's name.
    pub stream: String,
    /// What the first dump's stream says.
    pub left: Option<String>,
    /// What the second dump's stream says.
    pub right: Option<String>,
}

impl StreamRow {
    /// True when both dumps say the same.
    pub fn same(&self) -> bool {
        self.left == self.right
    }
}

/// What each stream of a dump says, in one line, by stream name.
pub fn summarise(evidence: &DumpEvidence<'_>) -> BTreeMap<String, String> {
    let mut lines = BTreeMap::new();
    for entry in evidence.dump.all_streams() {
        if entry.stream_type == MINIDUMP_STREAM_TYPE::UnusedStream as u32 {
            continue;
        }
        let name = match MINIDUMP_STREAM_TYPE::from_u32(entry.stream_type) {
            Some(known) => format!("{known:?}"),
            None => format!("{:#x}", entry.stream_type),
        };
        lines.insert(name, format!("{} bytes", entry.location.data_size));
    }
    let mut say = |stream: &str, line: String| {
        if let Some(slot) = lines.get_mut(stream) {
            *slot = line;
        }
    };
    if let Ok(threads) = &evidence.threads {
        let stacks: u64 =
            threads.threads.iter().map(|t| u64::from(t.raw.stack.memory.data_size)).sum();
        say(
            "ThreadListStream",
            format!("{} threads, {} KiB of stacks", threads.threads.len(), stacks >> 10),
        );
    }
    if let (Ok(names), Ok(threads)) = (&evidence.thread_names, &evidence.threads) {
        let named =
            threads.threads.iter().filter(|t| names.get_name(t.raw.thread_id).is_some()).count();
        say("ThreadNamesStream", format!("{named} of {} threads named", threads.threads.len()));
    }
    if let Ok(modules) = &evidence.modules {
        let main = modules.main_module().map(|m| m.code_file().into_owned()).unwrap_or_default();
        let main = main.rsplit('/').next().unwrap_or_default().to_owned();
        say("ModuleListStream", format!("{} modules, main {main}", modules.iter().count()));
    }
    if let Ok(exception) = &evidence.exception {
        let record = &exception.raw.exception_record;
        say(
            "ExceptionStream",
            format!(
                "code {:#x}, flags {:#x}, address {:#x}",
                record.exception_code, record.exception_flags, record.exception_address
            ),
        );
    }
    if let Ok(info) = &evidence.system_info {
        say(
            "SystemInfoStream",
            format!("{:?} {:?}, {} processors", info.os, info.cpu, info.raw.number_of_processors),
        );
    }
    if let Some(misc) = &evidence.misc {
        let pid = misc.raw.process_id().map_or_else(|| "no pid".to_owned(), |p| format!("pid {p}"));
        say("MiscInfoStream", pid);
    }
    if let Some(memory) = &evidence.memory {
        let regions: Vec<_> = memory.iter().collect();
        let bytes: u64 = regions.iter().map(|r| r.size()).sum();
        let line = format!("{} regions, {} KiB", regions.len(), bytes >> 10);
        say("MemoryListStream", line.clone());
        say("Memory64ListStream", line);
    }
    if let Ok(info) = &evidence.memory_info {
        say("MemoryInfoListStream", format!("{} regions", info.iter().count()));
    }
    if let Ok(crashpad) = &evidence.crashpad {
        let annotations: usize =
            crashpad.module_list.iter().map(|m| m.simple_annotations.len()).sum::<usize>()
                + crashpad.simple_annotations.len();
        say("CrashpadInfoStream", format!("{annotations} simple annotations"));
    }
    lines
}

/// The streams of two dumps, in name order, each with what both say.
pub fn rows(left: &BTreeMap<String, String>, right: &BTreeMap<String, String>) -> Vec<StreamRow> {
    let mut streams: Vec<&String> = left.keys().chain(right.keys()).collect();
    streams.sort();
    streams.dedup();
    streams
        .into_iter()
        .map(|stream| StreamRow {
            stream: stream.clone(),
            left: left.get(stream).cloned(),
            right: right.get(stream).cloned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pair_streams_and_mark_what_one_side_lacks() {
        let left = BTreeMap::from([
            ("A".to_owned(), "1 thing".to_owned()),
            ("B".to_owned(), "same".to_owned()),
        ]);
        let right = BTreeMap::from([
            ("B".to_owned(), "same".to_owned()),
            ("C".to_owned(), "2 things".to_owned()),
        ]);
        let rows = rows(&left, &right);
        let names: Vec<&str> = rows.iter().map(|r| r.stream.as_str()).collect();
        assert_eq!(names, ["A", "B", "C"]);
        assert!(!rows[0].same() && rows[0].right.is_none());
        assert!(rows[1].same());
        assert!(rows[2].left.is_none());
    }
}
