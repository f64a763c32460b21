//! The MemoryList / Memory64List and MemoryInfoList streams.

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need, required};

pub(super) const RULES: &[&Rule] = &[&AROUND_IP, &NOTHING_AT_ZERO, &NO_OVERLAP, &INFO_NO_OVERLAP];

/// The crash context's instruction pointer, or a skip verdict.
fn crash_ip(facts: &Facts<'_, '_>) -> Result<u64, Verdict> {
    let dump = facts.dump()?;
    let exception = super::exception(facts)?;
    let system_info = required(&dump.system_info, "a SystemInfo stream")?;
    exception
        .context(system_info, dump.misc.as_ref())
        .map(|c| c.get_instruction_pointer())
        .ok_or_else(|| Verdict::skip("the exception has no context"))
}

/// Breakpad's writers capture 256 bytes around the crashing instruction
/// pointer, so that a processor can disassemble it; rust-minidump's
/// processor reads them to explain the crash.
static AROUND_IP: Rule = Rule {
    id: "MEM-01",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "MemoryList",
    title: "memory around the crashing instruction pointer is captured",
    checks: &[Field::new(
        "MemoryList",
        "the region around the crashing instruction",
        Against::Dump,
    )],
    check: |facts| {
        let dump = need!(facts.dump());
        let code = match facts.truth {
            Some(truth) => Some(truth.exception_code),
            None => dump.exception.as_ref().ok().map(|e| e.raw.exception_record.exception_code),
        };
        if code == Some(crashsuite_data::trigger::DUMP_REQUESTED) {
            return Verdict::skip("no crash: a dump on request has no crashing instruction");
        }
        let ip = need!(crash_ip(facts));
        if facts.truth.is_some_and(|truth| truth.instruction_pointer.is_some()) {
            return Verdict::skip(format!(
                "the case sends the instruction pointer to {ip:#x} on purpose"
            ));
        }
        let captured = dump.memory.as_ref().and_then(|m| m.memory_at_address(ip));
        match captured {
            Some(region) => Verdict::pass(format!(
                "{ip:#x} in [{:#x}, +{})",
                region.base_address(),
                region.size()
            )),
            None => Verdict::missing(format!("a region holding the IP {ip:#x}")),
        }
    },
};

/// A writer that captures "memory around the IP" when the IP is 0 must not
/// invent a region at address 0 (Breakpad checks the IP is mapped first).
static NOTHING_AT_ZERO: Rule = Rule {
    id: "MEM-02",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "MemoryList",
    title: "no captured region claims address 0",
    checks: &[Field::new("MemoryList", "StartOfMemoryRange", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let Some(memory) = dump.memory.as_ref() else {
            return Verdict::missing("a memory list");
        };
        let page = dump.page_size();
        match memory.iter().find(|m| m.base_address() < page) {
            Some(region) => Verdict::fail(
                format!("a region at {:#x}+{}", region.base_address(), region.size()),
                "nothing in the null page",
            ),
            None => Verdict::pass(format!("{} regions", memory.iter().count())),
        }
    },
};

/// Overlapping captured regions disagree about the bytes they share.
static NO_OVERLAP: Rule = Rule {
    id: "MEM-03",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "MemoryList",
    title: "captured memory regions do not overlap",
    checks: &[Field::new("MemoryList", "StartOfMemoryRange, DataSize", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let Some(memory) = dump.memory.as_ref() else {
            return Verdict::missing("a memory list");
        };
        let ranges = memory
            .iter()
            .map(|m| super::span(m.base_address(), m.base_address().saturating_add(m.size())))
            .collect();
        super::disjoint(ranges, "regions")
    },
};

/// MemoryInfoList describes the address space, one entry per region (the
/// minidump format's `MINIDUMP_MEMORY_INFO`); overlapping entries are
/// contradictory.
static INFO_NO_OVERLAP: Rule = Rule {
    id: "MEM-04",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "MemoryInfoList",
    title: "memory info regions do not overlap",
    checks: &[Field::new("MemoryInfoList", "BaseAddress, RegionSize", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let info = need!(required(&dump.memory_info, "a MemoryInfoList stream"));
        let ranges = info
            .iter()
            .filter_map(|r| r.memory_range())
            .map(|r| super::span(r.start, r.end))
            .collect();
        super::disjoint(ranges, "regions")
    },
};
