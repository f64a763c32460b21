//! The SystemInfo stream.

use super::{Facts, Level, Rule, Verdict, need, required};
use minidump::system_info::{Cpu, Os};

pub(super) const RULES: &[&Rule] = &[&OS, &CPU, &CPU_COUNT, &MISC_PID];

fn system_info<'e>(facts: &Facts<'e, '_>) -> Result<&'e minidump::MinidumpSystemInfo, Verdict> {
    required(&facts.dump()?.system_info, "a SystemInfo stream")
}

/// The OS this harness runs on, as SystemInfo spells it.
fn host_os() -> Option<Os> {
    match std::env::consts::OS {
        "linux" => Some(Os::Linux),
        "windows" => Some(Os::Windows),
        "macos" => Some(Os::MacOs),
        "android" => Some(Os::Android),
        _ => None,
    }
}

/// The CPU this harness runs on, as SystemInfo spells it.
fn host_cpu() -> Option<Cpu> {
    match std::env::consts::ARCH {
        "x86_64" => Some(Cpu::X86_64),
        "x86" => Some(Cpu::X86),
        "aarch64" => Some(Cpu::Arm64),
        "arm" => Some(Cpu::Arm),
        _ => None,
    }
}

/// Processors pick the context layout and the symbol files by OS and CPU
/// (minidump format: `MINIDUMP_SYSTEM_INFO`); the case ran on this host.
static OS: Rule = Rule {
    id: "SYS-01",
    level: Level::Must,
    stream: "SystemInfo",
    title: "SystemInfo names the host's operating system",
    check: |facts| {
        let info = need!(system_info(facts));
        let Some(host) = host_os() else {
            return Verdict::skip(format!("no SystemInfo spelling for {}", std::env::consts::OS));
        };
        Verdict::equal(info.os, host)
    },
};

/// See SYS-01: the CPU decides how every context in the dump is read.
static CPU: Rule = Rule {
    id: "SYS-02",
    level: Level::Must,
    stream: "SystemInfo",
    title: "SystemInfo names the host's CPU architecture",
    check: |facts| {
        let info = need!(system_info(facts));
        let Some(host) = host_cpu() else {
            return Verdict::skip(format!("no SystemInfo spelling for {}", std::env::consts::ARCH));
        };
        Verdict::equal(info.cpu, host)
    },
};

/// The processors `/proc/cpuinfo` lists on this host.
fn host_processors() -> Option<u32> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let count =
        text.lines().filter(|l| l.split(':').next().is_some_and(|k| k.trim() == "processor"));
    Some(count.count() as u32)
}

/// `NumberOfProcessors` in SystemInfo: the processors of the host that wrote
/// the dump (Breakpad counts the `processor` entries of `/proc/cpuinfo`).
static CPU_COUNT: Rule = Rule {
    id: "SYS-03",
    level: Level::Should,
    stream: "SystemInfo",
    title: "SystemInfo's processor count is the host's",
    check: |facts| {
        let info = need!(system_info(facts));
        let Some(host) = host_processors() else {
            return Verdict::skip("the host's /proc/cpuinfo is unreadable");
        };
        Verdict::equal(u32::from(info.raw.number_of_processors), host)
    },
};

/// MiscInfo carries the process id on Windows and in Crashpad's Linux dumps;
/// minidump-writer writes none (the pid is in LinuxProcStatus; PRC-02 takes either).
static MISC_PID: Rule = Rule {
    id: "SYS-04",
    level: Level::May,
    stream: "MiscInfo",
    title: "MiscInfo, when written, names the process that crashed",
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
