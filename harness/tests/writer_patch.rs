//! What the reference handler's patched minidump-writer does differently
//! (vendor/minidump-writer/PATCH.md): a stack capture bounded from the stack
//! pointer with no byte captured twice, `/proc/<pid>/maps` read once for three
//! streams, and a handle list cut at a limit that the dump owns up to.

#![cfg(target_os = "linux")]

use crashsuite_grader::Verdict;
use minidump::format::MINIDUMP_STREAM_TYPE;
use minidump::{
    Minidump, MinidumpHandleDataStream, MinidumpLinuxMaps, MinidumpMemoryInfoList,
    MinidumpThreadList,
};

mod common;

/// The stack each handler's writer keeps of a thread, from its stack
/// pointer's page (`handler/src/writer/linux.rs`).
const STACK_CAPTURE: u64 = 64 << 10;

/// The open descriptors each handler's writer lists at most.
const HANDLE_LIMIT: usize = 64;

#[test]
fn a_thread_that_overflowed_its_stack_is_dumped_small_and_whole() {
    let crashed = common::reference_dump("stack_overflow_main");
    let size = std::fs::metadata(&crashed.dump).expect("the dump").len();
    assert!(size <= 256 << 10, "{size} bytes");
    let grade = crashsuite_grader::verify(&crashed.dump, Some(&crashed.truth));
    assert!(grade.passed(), "{}", grade.explain());
    let dump = Minidump::read_path(&crashed.dump).expect("a dump");
    let threads: MinidumpThreadList = dump.get_stream().expect("a thread list");
    for thread in &threads.threads {
        let captured = u64::from(thread.raw.stack.memory.data_size);
        assert!(captured <= STACK_CAPTURE, "thread {}: {captured} bytes", thread.raw.thread_id);
    }
    let crashing = crashed.truth.crashing_tids[0];
    let stack = threads.get_thread(crashing).map(|t| t.raw.stack.memory.data_size);
    assert!(stack.is_some_and(|s| s > 0), "the crashing thread's stack is captured");
}

#[test]
fn threads_on_one_mapping_share_its_bytes() {
    // Two threads crash at once and wait in the handler on alternate signal
    // stacks in one merged mapping. Captured to the end of the mapping each,
    // the memory list overlapped itself in 37 of 60 runs; eight clean runs
    // in a row would happen by chance under one in a thousand.
    for run in 0..8 {
        let crashed = common::reference_dump("parallel_crashes");
        let grade = crashsuite_grader::verify(&crashed.dump, Some(&crashed.truth));
        for id in ["MEM-03", "THR-06"] {
            let verdict = verdict(&grade, id);
            assert!(matches!(verdict, Verdict::Pass { .. }), "run {run}, {id}: {verdict:?}");
        }
    }
}

#[test]
fn the_maps_stream_and_the_memory_info_list_describe_one_reading() {
    let crashed = common::reference_dump("dlopen_plugin");
    let dump = Minidump::read_path(&crashed.dump).expect("a dump");
    let maps: MinidumpLinuxMaps = dump.get_stream().expect("a LinuxMaps stream");
    let info: MinidumpMemoryInfoList = dump.get_stream().expect("a MemoryInfoList");
    let from_maps: Vec<(u64, u64)> =
        maps.iter().map(|m| (m.map.address.0, m.map.address.1 - m.map.address.0)).collect();
    let from_info: Vec<(u64, u64)> =
        info.iter().map(|i| (i.raw.base_address, i.raw.region_size)).collect();
    assert!(from_maps.len() > 10, "{} mappings", from_maps.len());
    assert_eq!(from_maps, from_info);
    let plugin = maps.iter().any(|m| format!("{:?}", m.map.pathname).contains("plugin"));
    assert!(plugin, "the dlopen'ed plugin is among the mappings");
}

#[test]
fn a_long_handle_list_is_cut_at_the_lowest_descriptors_and_says_so() {
    // The case has used up every descriptor the system gave it.
    let crashed = common::reference_dump("emfile");
    let dump = Minidump::read_path(&crashed.dump).expect("a dump");
    let handles: MinidumpHandleDataStream = dump.get_stream().expect("a handle list");
    let fds: Vec<u64> =
        handles.handles.iter().map(|h| *h.raw.handle().expect("a number")).collect();
    assert_eq!(fds.len(), HANDLE_LIMIT, "{fds:?}");
    assert_eq!(fds[..3], [0, 1, 2]);
    assert!(fds.windows(2).all(|w| w[0] < w[1]), "ascending: {fds:?}");
    let soft =
        dump.get_raw_stream(MINIDUMP_STREAM_TYPE::MozSoftErrors as u32).expect("soft errors");
    let soft: serde_json::Value = serde_json::from_slice(soft).expect("JSON");
    let cut = soft
        .as_array()
        .and_then(|errors| errors.iter().find_map(|e| e.get("HandleListTruncated")))
        .unwrap_or_else(|| panic!("the cut is recorded: {soft}"));
    assert_eq!(cut["listed"], HANDLE_LIMIT);
    let open = cut["open"].as_u64().unwrap_or_else(|| panic!("a count of the open ones: {cut}"));
    assert!(open > 1000, "{open} open");
    // Owned up to: a coverage gap, not a failure.
    let grade = crashsuite_grader::verify(&crashed.dump, Some(&crashed.truth));
    assert!(grade.passed(), "{}", grade.explain());
    let verdict = verdict(&grade, "LNX-10");
    assert!(matches!(verdict, Verdict::Missing { .. }), "{verdict:?}");
}

#[test]
fn a_short_handle_list_is_whole() {
    let crashed = common::reference_dump("abort");
    let dump = Minidump::read_path(&crashed.dump).expect("a dump");
    let handles: MinidumpHandleDataStream = dump.get_stream().expect("a handle list");
    assert!((3..HANDLE_LIMIT).contains(&handles.handles.len()), "{}", handles.handles.len());
    let grade = crashsuite_grader::verify(&crashed.dump, Some(&crashed.truth));
    let verdict = verdict(&grade, "LNX-10");
    assert!(matches!(verdict, Verdict::Pass { .. }), "{verdict:?}");
}

/// Rule `id`'s verdict in `grade`.
fn verdict<'a>(grade: &'a crashsuite_grader::Grade, id: &str) -> &'a Verdict {
    &grade.verdicts.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("{id}")).verdict
}
