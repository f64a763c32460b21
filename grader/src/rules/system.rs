//! The SystemInfo stream.

use super::{Against, Facts, Field, Level, Rule, Verdict, need, required};
use crashsuite_data::SystemTruth;
use minidump::system_info::{Cpu, Os};

pub(super) const RULES: &[&Rule] = &[&OS, &CPU, &CPU_COUNT, &MISC_PID];

fn system_info<'e>(facts: &Facts<'e, '_>) -> Result<&'e minidump::MinidumpSystemInfo, Verdict> {
    required(&facts.dump()?.system_info, "a SystemInfo stream")
}

/// The system the case ran on: its truth record's, or without one (a dump
/// verified on its own) the grader's.
fn case_system(facts: &Facts<'_, '_>) -> SystemTruth {
    facts.truth.map_or_else(SystemTruth::current, |truth| truth.system.clone())
}

/// An OS as SystemInfo spells it.
fn spelled_os(os: &str) -> Option<Os> {
    match os {
        "linux" => Some(Os::Linux),
        "windows" => Some(Os::Windows),
        "macos" => Some(Os::MacOs),
        "android" => Some(Os::Android),
        _ => None,
    }
}

/// A CPU architecture as SystemInfo spells it.
fn spelled_cpu(arch: &str) -> Option<Cpu> {
    match arch {
        "x86_64" => Some(Cpu::X86_64),
        "x86" => Some(Cpu::X86),
        "aarch64" => Some(Cpu::Arm64),
        "arm" => Some(Cpu::Arm),
        _ => None,
    }
}

/// Processors pick the context layout and the symbol files by OS and CPU
/// (minidump format: `MINIDUMP_SYSTEM_INFO`).
static OS: Rule = Rule {
    id: "SYS-01",
    level: Level::Must,
    stream: "SystemInfo",
    title: "SystemInfo names the operating system the case ran on",
    checks: &[Field::new("SystemInfo", "PlatformId", Against::System)],
    check: |facts| {
        let info = need!(system_info(facts));
        let system = case_system(facts);
        let Some(expected) = spelled_os(&system.os) else {
            return Verdict::skip(format!("no SystemInfo spelling for {}", system.os));
        };
        Verdict::equal(info.os, expected)
    },
};

/// See SYS-01: the CPU decides how every context in the dump is read.
static CPU: Rule = Rule {
    id: "SYS-02",
    level: Level::Must,
    stream: "SystemInfo",
    title: "SystemInfo names the CPU architecture the case ran on",
    checks: &[Field::new("SystemInfo", "ProcessorArchitecture", Against::System)],
    check: |facts| {
        let info = need!(system_info(facts));
        let system = case_system(facts);
        let Some(expected) = spelled_cpu(&system.arch) else {
            return Verdict::skip(format!("no SystemInfo spelling for {}", system.arch));
        };
        Verdict::equal(info.cpu, expected)
    },
};

/// `NumberOfProcessors` in SystemInfo: the processors of the system that
/// wrote the dump (Breakpad counts the `processor` entries of
/// `/proc/cpuinfo`, as the case does for its truth record).
static CPU_COUNT: Rule = Rule {
    id: "SYS-03",
    level: Level::Should,
    stream: "SystemInfo",
    title: "SystemInfo's processor count is the system's",
    checks: &[Field::new("SystemInfo", "NumberOfProcessors", Against::System)],
    check: |facts| {
        let info = need!(system_info(facts));
        let processors = case_system(facts).processors;
        if processors == 0 {
            return Verdict::skip("the system's processor count is unknown");
        }
        Verdict::equal(u32::from(info.raw.number_of_processors), processors)
    },
};

/// MiscInfo carries the process id on Windows and in Crashpad's Linux dumps;
/// minidump-writer writes none (the pid is in LinuxProcStatus; PRC-02 takes either).
static MISC_PID: Rule = Rule {
    id: "SYS-04",
    level: Level::May,
    stream: "MiscInfo",
    title: "MiscInfo, when written, names the process that crashed",
    checks: &[Field::new("MiscInfo", "ProcessId", Against::Truth)],
    check: |facts| {
        let dump = need!(facts.dump());
        let Some(misc) = &dump.misc else {
            return Verdict::skip("the handler wrote no MiscInfo stream");
        };
        match misc.raw.process_id() {
            Some(pid) => Verdict::equal(*pid, need!(facts.truth()).pid),
            None => Verdict::skip("MiscInfo carries no process id"),
        }
    },
};
