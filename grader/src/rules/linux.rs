//! The Linux streams Breakpad added to the minidump format (`/proc` files).

use super::{Against, Field, Level, Rule, Systems, Verdict, need, raw, required};
use crate::link_map;
use minidump::{Module as _, format::MINIDUMP_STREAM_TYPE, system_info::Cpu};
use procfs_core::process::MMapPath;

pub(super) const RULES: &[&Rule] = &[
    &PROCESS_ID,
    &CMDLINE,
    &ENVIRON,
    &AUXV_VDSO,
    &CPU_INFO,
    &MAPS,
    &LSB_RELEASE,
    &DSO_DEBUG,
    &LIMITS,
    &NO_SOFT_ERRORS,
];

/// The process a dump is of: `Tgid` in the LinuxProcStatus stream, Breakpad's
/// copy of `/proc/<pid>/status` (its `Pid` line can be a thread's). A dump of
/// the wrong process (the parent of a forked child that crashed, say) is no
/// dump of the crash.
static PROCESS_ID: Rule = Rule {
    id: "LNX-01",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxProcStatus",
    title: "LinuxProcStatus is the status of the process that crashed (Tgid)",
    checks: &[Field::new("LinuxProcStatus", "Tgid", Against::Truth)],
    check: |facts| {
        let dump = need!(facts.dump());
        let status = need!(required(&dump.proc_status, "a LinuxProcStatus stream"));
        match tgid(status) {
            Some(tgid) => Verdict::equal(tgid, need!(facts.truth()).pid),
            None => Verdict::missing(format!("a Tgid line naming {}", need!(facts.truth()).pid)),
        }
    },
};

/// The `Tgid` (process id) line of a LinuxProcStatus stream.
pub(super) fn tgid(status: &minidump::MinidumpLinuxProcStatus<'_>) -> Option<u32> {
    status
        .iter()
        .find(|(key, _)| key.as_bytes() == b"Tgid")
        .and_then(|(_, value)| value.to_str().ok()?.trim().parse::<u32>().ok())
}

/// Breakpad's LinuxCmdLine stream is `/proc/<pid>/cmdline`: the arguments,
/// each followed by a NUL.
static CMDLINE: Rule = Rule {
    id: "LNX-02",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxCmdLine",
    title: "the command line is the case's argv",
    checks: &[Field::new("LinuxCmdLine", "the arguments", Against::Truth)],
    check: |facts| {
        let dump = need!(facts.dump());
        let raw = need!(raw(dump, MINIDUMP_STREAM_TYPE::LinuxCmdLine as u32, "the command line"));
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .skip_while(String::is_empty)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Verdict::equal(args, need!(facts.truth()).argv.clone())
    },
};

/// Breakpad's LinuxEnviron stream is `/proc/<pid>/environ`; the harness sets
/// a marker variable for the case, and the dump's copy must hold it.
static ENVIRON: Rule = Rule {
    id: "LNX-03",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxEnviron",
    title: "the environment holds the marker variable the harness set",
    checks: &[Field::new("LinuxEnviron", "the marker variable", Against::Truth)],
    check: |facts| {
        let Some(marker) = &need!(facts.truth()).environ_marker else {
            return Verdict::skip("the case ran without a marker variable");
        };
        let dump = need!(facts.dump());
        let environ = need!(required(&dump.environ, "a LinuxEnviron stream"));
        // `/proc/<pid>/environ` separates variables with NUL bytes, but
        // minidump 0.27's `MinidumpLinuxEnviron::iter` splits lines, which
        // reads the whole block as one variable: split the raw bytes here.
        let prefix = format!("{}=", crashsuite_data::MARKER_ENV);
        let raw = environ.raw_bytes();
        let found = raw
            .split(|b| *b == 0)
            .find_map(|var| var.strip_prefix(prefix.as_bytes()))
            .map(|value| String::from_utf8_lossy(value).into_owned());
        Verdict::present(found, marker.clone())
    },
};

/// Breakpad's LinuxAuxv stream is `/proc/<pid>/auxv`: (type, value) pairs of
/// machine words. `AT_SYSINFO_EHDR` (33) is where the kernel mapped the vDSO,
/// which the module list must agree with.
static AUXV_VDSO: Rule = Rule {
    id: "LNX-04",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxAuxv",
    title: "the auxiliary vector's AT_SYSINFO_EHDR is the vDSO module's base",
    checks: &[Field::new("LinuxAuxv", "AT_SYSINFO_EHDR", Against::Dump)],
    check: |facts| {
        const AT_SYSINFO_EHDR: u64 = 33;
        let dump = need!(facts.dump());
        let raw = need!(raw(dump, MINIDUMP_STREAM_TYPE::LinuxAuxv as u32, "an auxv"));
        let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let ehdr = raw
            .chunks_exact(16)
            .find(|pair| word(&pair[..8]) == AT_SYSINFO_EHDR)
            .map(|pair| word(&pair[8..]));
        let Some(ehdr) = ehdr else {
            return Verdict::missing("AT_SYSINFO_EHDR, the vDSO's address");
        };
        let modules = need!(required(&dump.modules, "a ModuleList stream"));
        match modules.module_at_address(ehdr) {
            Some(module) if module.base_address() == ehdr => {
                Verdict::pass(format!("{ehdr:#x}: {}", module.code_file()))
            }
            Some(module) => Verdict::fail(
                format!("{ehdr:#x} inside {} at {:#x}", module.code_file(), module.base_address()),
                "a module starting there",
            ),
            None => Verdict::fail(format!("{ehdr:#x}: no module"), "the vDSO module"),
        }
    },
};

/// Breakpad's LinuxCpuInfo stream is `/proc/cpuinfo`; it lists one
/// `processor` entry per processor SystemInfo counts.
static CPU_INFO: Rule = Rule {
    id: "LNX-05",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxCpuInfo",
    title: "/proc/cpuinfo lists as many processors as SystemInfo counts",
    checks: &[Field::new("LinuxCpuInfo", "processor entries", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let cpu_info = need!(required(&dump.cpu_info, "a LinuxCpuInfo stream"));
        let system_info = need!(required(&dump.system_info, "a SystemInfo stream"));
        let listed = cpu_info.iter().filter(|(key, _)| key.as_bytes() == b"processor").count();
        Verdict::equal(listed as u32, u32::from(system_info.raw.number_of_processors))
    },
};

/// Breakpad's LinuxMaps stream is `/proc/<pid>/maps`; processors use it to
/// explain addresses no module covers, so it must at least map the
/// executable where the module list puts it.
static MAPS: Rule = Rule {
    id: "LNX-06",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxMaps",
    title: "/proc/<pid>/maps maps the main executable where the module list puts it",
    checks: &[Field::new("LinuxMaps", "the main executable's mapping", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let maps = need!(required(&dump.linux_maps, "a LinuxMaps stream"));
        let modules = need!(required(&dump.modules, "a ModuleList stream"));
        let Some(main) = modules.main_module() else {
            return Verdict::skip("no main module (MOD-01)");
        };
        match maps.memory_info_at_address(main.base_address()) {
            Some(_) => Verdict::pass(format!("{} mappings", maps.memory_map_count())),
            None => Verdict::fail(
                format!("nothing mapped at {:#x}", main.base_address()),
                "the executable",
            ),
        }
    },
};

/// Breakpad's LinuxLsbRelease stream (`/etc/lsb-release`, or `os-release`)
/// tells which distribution's libraries to fetch symbols for.
static LSB_RELEASE: Rule = Rule {
    id: "LNX-07",
    level: Level::May,
    systems: Systems::LINUX,
    stream: "LinuxLsbRelease",
    title: "the distribution is named",
    checks: &[Field::new("LinuxLsbRelease", "ID", Against::Presence)],
    check: |facts| {
        let dump = need!(facts.dump());
        let release = need!(required(&dump.lsb_release, "a LinuxLsbRelease stream"));
        let id = release
            .iter()
            .find(|(key, _)| matches!(key.as_bytes(), b"ID" | b"DISTRIB_ID"))
            .map(|(_, value)| value.to_string_lossy().into_owned());
        match id {
            Some(id) => Verdict::pass(id),
            None => Verdict::missing("an ID or DISTRIB_ID"),
        }
    },
};

/// Breakpad's LinuxDsoDebug stream is the dynamic linker's `r_debug` with
/// its list of loaded objects (`link_map`): what a debugger reads when it
/// turns the dump into a core file. Each library's dynamic section (`l_ld`)
/// must lie in a mapping of the file mapped at its load bias (`l_addr`), and
/// the main executable's `_DYNAMIC` in a mapping of the main module's file:
/// the mappings as LinuxMaps lists them, or the module list's ranges when
/// there is none.
static DSO_DEBUG: Rule = Rule {
    id: "LNX-08",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "LinuxDsoDebug",
    title: "the dynamic linker's library list agrees with the process's mappings",
    checks: &[
        Field::new("LinuxDsoDebug", "each link_map entry's l_addr and l_ld", Against::Dump),
        Field::new("LinuxDsoDebug", "r_debug's dynamic", Against::Dump),
    ],
    check: |facts| {
        let dump = need!(facts.dump());
        let raw = need!(raw(dump, MINIDUMP_STREAM_TYPE::LinuxDsoDebug as u32, "the r_debug list"));
        if raw.is_empty() {
            return Verdict::missing("the r_debug list (the stream is empty)");
        }
        let wide = match &dump.system_info {
            Ok(info) => matches!(info.cpu, Cpu::X86_64 | Cpu::Arm64 | Cpu::Ppc64),
            Err(_) => return Verdict::skip("no SystemInfo to tell 32-bit from 64-bit"),
        };
        let debug = match link_map::read(raw, dump.bytes, wide) {
            Ok(debug) => debug,
            Err(e) => return Verdict::fail(e, "an r_debug whose link_map list lies in the file"),
        };
        let modules = need!(required(&dump.modules, "a ModuleList stream to compare with"));
        let mapped = |address: u64| mapped_file(dump, modules, address);
        let mut wrong = Vec::new();
        let libraries: Vec<_> = debug.entries.iter().filter(|e| !e.name.is_empty()).collect();
        // A library's load bias (l_addr) is where its first mapping starts
        // (its first segment's address is 0); its dynamic section (l_ld)
        // lies in a mapping of the same file. Names are not compared: the
        // linker's go through symbolic links (`libc.so.6` for
        // `libc-2.23.so`).
        let mut checked = 0;
        for entry in &libraries {
            let Some(file) = mapped(entry.addr) else { continue };
            checked += 1;
            let at_ld = mapped(entry.ld);
            if at_ld.as_deref() != Some(file.as_str()) {
                wrong.push(format!(
                    "{}'s l_ld {:#x} lies in {}, not {file}",
                    entry.name,
                    entry.ld,
                    at_ld.as_deref().unwrap_or("no file's mapping")
                ));
            }
        }
        if let Some(main) = modules.main_module().filter(|_| debug.dynamic != 0) {
            let (file, at_dynamic) = (mapped(main.base_address()), mapped(debug.dynamic));
            if file.is_some() && at_dynamic != file {
                wrong.push(format!(
                    "r_debug's dynamic {:#x} lies in {}, not {}",
                    debug.dynamic,
                    at_dynamic.as_deref().unwrap_or("no file's mapping"),
                    main.code_file()
                ));
            }
        }
        let expected = "each library's dynamic section in its own file's mapping";
        if !wrong.is_empty() {
            Verdict::fail(wrong.join("; "), expected)
        } else if checked == 0 {
            Verdict::skip(format!(
                "none of the {} libraries has a mapping at its load bias to compare with",
                libraries.len()
            ))
        } else {
            Verdict::pass(format!(
                "{checked} of {} libraries ({} bytes an entry) have their dynamic section in \
                 their own file's mapping; {} dynamic entries",
                libraries.len(),
                debug.entry_size,
                debug.dynamic_entries
            ))
        }
    },
};

/// The file mapped at `address`: as LinuxMaps names it when the dump has
/// that stream (`[vdso]` for the vDSO), else the module list's module there.
fn mapped_file(
    dump: &crate::evidence::DumpEvidence<'_>,
    modules: &minidump::MinidumpModuleList,
    address: u64,
) -> Option<String> {
    match &dump.linux_maps {
        Ok(maps) => match &maps.memory_info_at_address(address)?.map.pathname {
            MMapPath::Path(path) => Some(path.to_string_lossy().into_owned()),
            MMapPath::Vdso => Some("[vdso]".into()),
            _ => None,
        },
        Err(_) => modules.module_at_address(address).map(|m| m.code_file().into_owned()),
    }
}

/// Mozilla's LinuxLimits stream is `/proc/<pid>/limits`: the stack size
/// limit explains a stack overflow, the open-files limit an EMFILE.
static LIMITS: Rule = Rule {
    id: "LNX-09",
    level: Level::May,
    systems: Systems::LINUX,
    stream: "MozLinuxLimits",
    title: "the process's resource limits are captured",
    checks: &[Field::new("MozLinuxLimits", "Max stack size", Against::Presence)],
    check: |facts| {
        let dump = need!(facts.dump());
        let raw =
            need!(raw(dump, MINIDUMP_STREAM_TYPE::MozLinuxLimits as u32, "/proc/<pid>/limits"));
        if raw.windows(14).any(|w| w == b"Max stack size") {
            Verdict::pass(format!("{} lines", raw.split(|b| *b == b'\n').count()))
        } else {
            Verdict::missing("a \"Max stack size\" line of /proc/<pid>/limits")
        }
    },
};

/// minidump-writer records every part of the dump it could not write (a
/// thread it could not stop, a file it could not read) as a JSON list in
/// Mozilla's SoftErrors stream; a clean dump has an empty list.
static NO_SOFT_ERRORS: Rule = Rule {
    id: "LNX-10",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "MozSoftErrors",
    title: "the writer reports no soft errors",
    checks: &[Field::new("MozSoftErrors", "the list", Against::Presence)],
    check: |facts| {
        let dump = need!(facts.dump());
        match dump.raw_stream(MINIDUMP_STREAM_TYPE::MozSoftErrors as u32) {
            Ok(raw) => {
                let text = String::from_utf8_lossy(raw);
                match serde_json::from_str::<Vec<serde_json::Value>>(&text) {
                    Ok(errors) if errors.is_empty() => Verdict::pass("[]"),
                    // The writer says what it left out: an omission,
                    // owned up to.
                    Ok(errors) => Verdict::missing(format!(
                        "what the writer could not write ({} soft errors: {text})",
                        errors.len()
                    )),
                    Err(e) => Verdict::fail(format!("not a JSON list: {e}"), "[]"),
                }
            }
            Err(_) => {
                Verdict::skip("the handler wrote no SoftErrors stream (only minidump-writer does)")
            }
        }
    },
};
