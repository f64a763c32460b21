//! What a dump says, parsed once per trial and shared by every rule.

use crate::symbols;
use minidump::system_info::Cpu;
use minidump::{
    Minidump, MinidumpBreakpadInfo, MinidumpCrashpadInfo, MinidumpException, MinidumpLinuxCpuInfo,
    MinidumpLinuxEnviron, MinidumpLinuxLsbRelease, MinidumpLinuxMaps, MinidumpLinuxProcStatus,
    MinidumpMemoryInfoList, MinidumpMiscInfo, MinidumpModuleList, MinidumpStream,
    MinidumpSystemInfo, MinidumpThreadList, MinidumpThreadNames, UnifiedMemoryList,
};
use minidump_processor::ProcessState;
use std::path::Path;

/// A dump file read into memory.
pub struct DumpFile {
    /// The parsed container (list streams that cannot hold what they claim
    /// taken out: see [`crate::quarantine`]).
    pub dump: Minidump<'static, Vec<u8>>,
    /// The file's size in bytes.
    pub size: u64,
    /// The streams taken out before parsing, and why.
    pub quarantined: Vec<String>,
}

impl DumpFile {
    /// Reads and parses the header and directory of the dump at `path`.
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        Self::from_bytes(bytes).map_err(|e| format!("parsing {}: {e}", path.display()))
    }

    /// Parses the header and directory of a dump held in memory.
    pub fn from_bytes(mut bytes: Vec<u8>) -> Result<Self, String> {
        let size = bytes.len() as u64;
        let quarantined = crate::quarantine::quarantine(&mut bytes);
        let dump = Minidump::read(bytes).map_err(|e| e.to_string())?;
        Ok(Self { dump, size, quarantined })
    }
}

/// The streams of one dump, each parsed or with the reason it could not be,
/// and the processor's stack walk.
pub struct DumpEvidence<'a> {
    /// The container.
    pub dump: &'a Minidump<'static, Vec<u8>>,
    /// The file's size in bytes.
    pub size: u64,
    /// The streams taken out before parsing, and why.
    pub quarantined: &'a [String],
    /// SystemInfo.
    pub system_info: Result<MinidumpSystemInfo, String>,
    /// MiscInfo (Linux writers often have none).
    pub misc: Option<MinidumpMiscInfo>,
    /// Exception.
    pub exception: Result<MinidumpException<'a>, String>,
    /// ThreadList.
    pub threads: Result<MinidumpThreadList<'a>, String>,
    /// ThreadNames.
    pub thread_names: Result<MinidumpThreadNames, String>,
    /// ModuleList.
    pub modules: Result<MinidumpModuleList, String>,
    /// MemoryList and Memory64List, unified.
    pub memory: Option<UnifiedMemoryList<'a>>,
    /// CrashpadInfo (annotations).
    pub crashpad: Result<MinidumpCrashpadInfo, String>,
    /// LinuxProcStatus (`/proc/<pid>/status`).
    pub proc_status: Result<MinidumpLinuxProcStatus<'a>, String>,
    /// LinuxMaps (`/proc/<pid>/maps`).
    pub linux_maps: Result<MinidumpLinuxMaps<'a>, String>,
    /// LinuxCpuInfo (`/proc/cpuinfo`).
    pub cpu_info: Result<MinidumpLinuxCpuInfo<'a>, String>,
    /// LinuxLsbRelease (`/etc/lsb-release` or `/etc/os-release`).
    pub lsb_release: Result<MinidumpLinuxLsbRelease<'a>, String>,
    /// LinuxEnviron (`/proc/<pid>/environ`).
    pub environ: Result<MinidumpLinuxEnviron<'a>, String>,
    /// MemoryInfoList.
    pub memory_info: Result<MinidumpMemoryInfoList<'a>, String>,
    /// BreakpadInfo.
    pub breakpad_info: Result<MinidumpBreakpadInfo, String>,
    /// minidump-processor's result: threads with walked stacks.
    pub state: Result<ProcessState, String>,
    /// The names of the crashing (requesting) thread's frames, innermost
    /// first, from the verified module files.
    pub frame_names: Vec<Option<String>>,
}

impl DumpEvidence<'_> {
    /// The page size of the system the dump comes from, as its SystemInfo
    /// names it: 16 KiB on macOS on Apple silicon, 4 KiB on every other
    /// system the cases run on (Linux's x86_64 and aarch64 kernels as
    /// Debian and Ubuntu build them, Windows, macOS on Intel).
    pub fn page_size(&self) -> u64 {
        use minidump::system_info::{Cpu, Os};
        match &self.system_info {
            Ok(info) if info.os == Os::MacOs && info.cpu == Cpu::Arm64 => 16 << 10,
            _ => 4 << 10,
        }
    }

    /// The raw bytes of a stream the `minidump` crate has no type for.
    pub fn raw_stream(&self, stream_type: u32) -> Result<&[u8], String> {
        self.dump.get_raw_stream(stream_type).map_err(|e| format!("stream {stream_type:#x}: {e}"))
    }
}

fn stream<'a, S: MinidumpStream<'a>>(dump: &'a Minidump<'static, Vec<u8>>) -> Result<S, String> {
    dump.get_stream::<S>().map_err(|e| {
        format!("{}: {e}", std::any::type_name::<S>().rsplit("::").next().unwrap_or("stream"))
    })
}

impl<'a> DumpEvidence<'a> {
    /// Parses every stream the rules look at, walks the stacks with the call
    /// frame information of the module files on disk whose build ids match,
    /// and names the crashing thread's frames.
    pub fn gather(file: &'a DumpFile) -> Self {
        let dump = &file.dump;
        let system_info: Result<MinidumpSystemInfo, String> = stream(dump);
        let modules: Result<MinidumpModuleList, String> = stream(dump);
        let verified = modules.as_ref().map(symbols::verified_modules).unwrap_or_default();
        // minidump-unwind 0.27's debug-info provider panics (`unimplemented!`)
        // for any CPU but x86_64 and arm64, which a corrupt SystemInfo can
        // claim (found by tests/hostile.rs): other CPUs get the plain walker.
        let unwindable =
            system_info.as_ref().ok().filter(|info| matches!(info.cpu, Cpu::X86_64 | Cpu::Arm64));
        let state = match unwindable {
            Some(info) => {
                let unwind_with = MinidumpModuleList::from_modules(
                    verified.iter().map(|(m, _)| m.clone()).collect(),
                );
                let provider = pollster::block_on(
                    minidump_unwind::debuginfo::DebugInfoSymbolProvider::new(info, &unwind_with),
                );
                pollster::block_on(minidump_processor::process_minidump(dump, &provider))
            }
            None => {
                let provider = minidump_unwind::Symbolizer::new(
                    minidump_unwind::simple_symbol_supplier(Vec::new()),
                );
                pollster::block_on(minidump_processor::process_minidump(dump, &provider))
            }
        }
        .map_err(|e| format!("processing: {e}"));
        let mut namer = symbols::Namer::new(verified);
        let frame_names = state
            .as_ref()
            .ok()
            .and_then(|s| s.requesting_thread.and_then(|i| s.threads.get(i)))
            .map(|stack| stack.frames.iter().map(|f| namer.name(f.instruction)).collect())
            .unwrap_or_default();
        crate::names::save_new();
        Self {
            dump,
            size: file.size,
            quarantined: &file.quarantined,
            system_info,
            misc: dump.get_stream().ok(),
            exception: stream(dump),
            threads: stream(dump),
            thread_names: stream(dump),
            modules,
            memory: dump.get_memory(),
            crashpad: stream(dump),
            proc_status: stream(dump),
            linux_maps: stream(dump),
            cpu_info: stream(dump),
            lsb_release: stream(dump),
            environ: stream(dump),
            memory_info: stream(dump),
            breakpad_info: stream(dump),
            state,
            frame_names,
        }
    }
}
