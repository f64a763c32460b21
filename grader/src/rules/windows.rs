//! The streams Windows' own writer (dbghelp's `MiniDumpWriteDump`) defines
//! and Linux writers leave out: ThreadInfoList, UnloadedModuleList and the
//! handle list, each written when its `MINIDUMP_TYPE` flag asks for it.

use super::{Against, Field, Level, Rule, Systems, Verdict, need, parsed, required};
use minidump::{MinidumpHandleDataStream, MinidumpThreadInfoList, MinidumpUnloadedModuleList};
use std::collections::BTreeSet;

pub(super) const RULES: &[&Rule] = &[&THREAD_INFO, &UNLOADED_MODULES, &HANDLES_ONCE];

/// Seconds between 1601-01-01 (a FILETIME's epoch) and 1970-01-01.
const FILETIME_TO_UNIX: u64 = 11_644_473_600;

/// A FILETIME (100 ns since 1601) in seconds since 1970.
fn unix_seconds(filetime: u64) -> u64 {
    (filetime / 10_000_000).saturating_sub(FILETIME_TO_UNIX)
}

/// `MiniDumpWithThreadInfo` adds a ThreadInfoList: one entry per thread of
/// the ThreadList, with its creation time, CPU times and start address
/// (what Visual Studio and WinDbg show). An entry for a thread the ThreadList
/// does not hold, or a thread created after the dump was written, is false.
static THREAD_INFO: Rule = Rule {
    id: "WIN-01",
    level: Level::May,
    systems: Systems::WINDOWS,
    stream: "ThreadInfoList",
    title: "ThreadInfoList describes the listed threads, none created after the dump",
    checks: &[
        Field::new("ThreadInfoList", "ThreadId of every entry", Against::Dump),
        Field::new("ThreadInfoList", "CreateTime of every entry", Against::Dump),
    ],
    check: |facts| {
        let dump = need!(facts.dump());
        let threads = need!(required(&dump.threads, "a ThreadList stream"));
        let infos: MinidumpThreadInfoList =
            need!(parsed(dump, "a ThreadInfoList (MiniDumpWithThreadInfo)"));
        let listed: BTreeSet<u32> = threads.threads.iter().map(|t| t.raw.thread_id).collect();
        let described: BTreeSet<u32> = infos.thread_infos.iter().map(|i| i.raw.thread_id).collect();
        let written = u64::from(dump.dump.header.time_date_stamp);
        let later: Vec<String> = infos
            .thread_infos
            .iter()
            .filter(|i| i.raw.create_time != 0 && unix_seconds(i.raw.create_time) > written)
            .map(|i| format!("thread {} created at {}", i.raw.thread_id, i.raw.create_time))
            .collect();
        let strangers: Vec<&u32> = described.difference(&listed).collect();
        let undescribed: Vec<&u32> = listed.difference(&described).collect();
        if !strangers.is_empty() || !later.is_empty() {
            let mut wrong = later;
            if !strangers.is_empty() {
                wrong.push(format!("threads {strangers:?} not in the ThreadList"));
            }
            Verdict::fail(
                wrong.join("; "),
                format!("the ThreadList's threads, created before the dump ({written})"),
            )
        } else if !undescribed.is_empty() {
            Verdict::missing(format!("entries for threads {undescribed:?}"))
        } else if described.is_empty() {
            Verdict::skip("no thread listed or described")
        } else {
            Verdict::pass(format!("{} threads described", described.len()))
        }
    },
};

/// `MiniDumpWithUnloadedModules` adds the modules the process unloaded, so
/// that a crash in code that is gone still names its DLL: each entry has the
/// module's name, base, size, timestamp and checksum. An entry without a name
/// or a size names nothing.
static UNLOADED_MODULES: Rule = Rule {
    id: "WIN-02",
    level: Level::May,
    systems: Systems::WINDOWS,
    stream: "UnloadedModuleList",
    title: "every unloaded module is named and has a size",
    checks: &[Field::new("UnloadedModuleList", "ModuleNameRva, SizeOfImage", Against::Format)],
    check: |facts| {
        let unloaded: MinidumpUnloadedModuleList = need!(parsed(
            need!(facts.dump()),
            "an UnloadedModuleList (MiniDumpWithUnloadedModules)"
        ));
        let unnamed: Vec<String> = unloaded
            .iter()
            .filter(|m| m.name.trim().is_empty() || m.raw.size_of_image == 0)
            .map(|m| {
                format!("{:?} at {:#x}, {} bytes", m.name, m.raw.base_of_image, m.raw.size_of_image)
            })
            .collect();
        let count = unloaded.iter().count();
        if !unnamed.is_empty() {
            Verdict::fail(unnamed.join("; "), "a name and a size for each")
        } else if count == 0 {
            Verdict::skip("the process had unloaded no module")
        } else {
            Verdict::pass(format!("{count} unloaded modules"))
        }
    },
};

/// `MiniDumpWithHandleData` lists the process's open handles, one
/// descriptor each: a handle value is unique in a process, so one listed
/// twice is a copy, or two objects under one value.
static HANDLES_ONCE: Rule = Rule {
    id: "WIN-03",
    level: Level::May,
    systems: Systems::WINDOWS,
    stream: "HandleData",
    title: "the handle list lists each handle once",
    checks: &[Field::new("HandleData", "Handle of every descriptor", Against::Dump)],
    check: |facts| {
        let handles: MinidumpHandleDataStream =
            need!(parsed(need!(facts.dump()), "a handle list (MiniDumpWithHandleData)"));
        let values: Vec<u64> =
            handles.handles.iter().filter_map(|h| h.raw.handle().copied()).collect();
        let mut seen = BTreeSet::new();
        let twice: BTreeSet<String> =
            values.iter().filter(|v| !seen.insert(**v)).map(|v| format!("{v:#x}")).collect();
        if !twice.is_empty() {
            Verdict::fail(format!("listed twice: {twice:?}"), "each handle once")
        } else if values.is_empty() {
            Verdict::skip("the handle list is empty")
        } else {
            Verdict::pass(format!("{} handles", values.len()))
        }
    },
};
