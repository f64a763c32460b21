//! What a dump says, parsed once per trial and shared by every rule.

use crate::{quarantine::DirectoryEntry, symbols};
use minidump::system_info::Cpu;
use minidump::{
    Minidump, MinidumpBreakpadInfo, MinidumpCrashpadInfo, MinidumpException, MinidumpLinuxCpuInfo,
    MinidumpLinuxEnviron, MinidumpLinuxLsbRelease, MinidumpLinuxMaps, MinidumpLinuxProcStatus,
    MinidumpMemoryInfoList, MinidumpMiscInfo, MinidumpModuleList, MinidumpStream,
    MinidumpSystemInfo, MinidumpThreadList, MinidumpThreadNames, UnifiedMemoryList,
};
use minidump_processor::{ProcessError, ProcessState};
use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

/// Why a dump file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Its header or directory is not a minidump's.
    #[error("parsing {}: {source}", path.as_ref().map_or("the dump".into(), |p| p.display().to_string()))]
    Parse {
        /// The file, when it came from one.
        path: Option<PathBuf>,
        /// The reader's error.
        source: minidump::Error,
    },
}

/// Why there is no one dump to gather evidence from.
#[derive(Debug, thiserror::Error)]
pub enum NoDump {
    /// The handler wrote no dump.
    #[error("the handler wrote none{}", monitor_died.as_ref().map_or(String::new(), |s| format!(": its monitor died ({s})")))]
    NoneWritten {
        /// How the handler's monitor ended, when it died.
        monitor_died: Option<String>,
    },
    /// The dump cannot be read.
    #[error(transparent)]
    Unreadable(#[from] DumpError),
    /// Reading the dump panicked inside the readers.
    #[error("reading the dump panicked; it is unreadable")]
    Panicked,
}

/// Why a stream is not in the evidence: absent, or there and unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The dump has no such stream.
    #[error("{0}: not in the dump")]
    Missing(String),
    /// The dump has the stream, and it does not parse.
    #[error("{stream}: {reason}")]
    Unreadable {
        /// The stream.
        stream: String,
        /// What the reader said.
        reason: String,
    },
}

impl StreamError {
    fn of(stream_type: u32, error: minidump::Error) -> Self {
        use num_traits::FromPrimitive as _;
        let stream = match minidump::format::MINIDUMP_STREAM_TYPE::from_u32(stream_type) {
            Some(known) => format!("{known:?}"),
            None => format!("stream {stream_type:#x}"),
        };
        match error {
            minidump::Error::StreamNotFound => Self::Missing(stream),
            other => Self::Unreadable { stream, reason: other.to_string() },
        }
    }
}

/// A dump file read into memory.
pub struct DumpFile {
    /// The parsed container (list streams that cannot hold what they claim
    /// taken out: see [`crate::quarantine`]).
    pub dump: Minidump<'static, Arc<[u8]>>,
    /// The file's size in bytes.
    pub size: u64,
    /// The streams taken out before parsing, and why.
    pub quarantined: Vec<String>,
    /// The stream directory as the file holds it.
    pub directory: Vec<DirectoryEntry>,
    /// The bytes parsed (after the quarantine), shared with `dump`: some
    /// streams point at data outside themselves by RVA.
    pub bytes: Arc<[u8]>,
}

impl DumpFile {
    /// Reads and parses the header and directory of the dump at `path`.
    pub fn read(path: &Path) -> Result<Self, DumpError> {
        let bytes = std::fs::read(path)
            .map_err(|source| DumpError::Read { path: path.to_owned(), source })?;
        Self::from_bytes(bytes).map_err(|e| match e {
            DumpError::Parse { source, .. } => {
                DumpError::Parse { path: Some(path.to_owned()), source }
            }
            other => other,
        })
    }

    /// Parses the header and directory of a dump held in memory.
    pub fn from_bytes(mut bytes: Vec<u8>) -> Result<Self, DumpError> {
        let size = bytes.len() as u64;
        let directory = crate::quarantine::directory(&bytes);
        let quarantined = crate::quarantine::quarantine(&mut bytes, &directory);
        let bytes: Arc<[u8]> = bytes.into();
        let dump = Minidump::read(Arc::clone(&bytes))
            .map_err(|source| DumpError::Parse { path: None, source })?;
        Ok(Self { dump, size, quarantined, directory, bytes })
    }
}

/// The streams of one dump, each parsed or with the reason it could not be,
/// and the processor's stack walk.
pub struct DumpEvidence<'a> {
    /// The container.
    pub dump: &'a Minidump<'static, Arc<[u8]>>,
    /// The file's size in bytes.
    pub size: u64,
    /// The streams taken out before parsing, and why.
    pub quarantined: &'a [String],
    /// The stream directory as the file holds it.
    pub directory: &'a [DirectoryEntry],
    /// The bytes parsed, for data a stream points at by RVA.
    pub bytes: &'a [u8],
    /// SystemInfo.
    pub system_info: Result<MinidumpSystemInfo, StreamError>,
    /// MiscInfo (Linux writers often have none).
    pub misc: Option<MinidumpMiscInfo>,
    /// Exception.
    pub exception: Result<MinidumpException<'a>, StreamError>,
    /// ThreadList.
    pub threads: Result<MinidumpThreadList<'a>, StreamError>,
    /// ThreadNames.
    pub thread_names: Result<MinidumpThreadNames, StreamError>,
    /// ModuleList.
    pub modules: Result<MinidumpModuleList, StreamError>,
    /// MemoryList and Memory64List, unified.
    pub memory: Option<UnifiedMemoryList<'a>>,
    /// CrashpadInfo (annotations).
    pub crashpad: Result<MinidumpCrashpadInfo, StreamError>,
    /// LinuxProcStatus (`/proc/<pid>/status`).
    pub proc_status: Result<MinidumpLinuxProcStatus<'a>, StreamError>,
    /// LinuxMaps (`/proc/<pid>/maps`).
    pub linux_maps: Result<MinidumpLinuxMaps<'a>, StreamError>,
    /// LinuxCpuInfo (`/proc/cpuinfo`).
    pub cpu_info: Result<MinidumpLinuxCpuInfo<'a>, StreamError>,
    /// LinuxLsbRelease (`/etc/lsb-release` or `/etc/os-release`).
    pub lsb_release: Result<MinidumpLinuxLsbRelease<'a>, StreamError>,
    /// LinuxEnviron (`/proc/<pid>/environ`).
    pub environ: Result<MinidumpLinuxEnviron<'a>, StreamError>,
    /// MemoryInfoList.
    pub memory_info: Result<MinidumpMemoryInfoList<'a>, StreamError>,
    /// BreakpadInfo.
    pub breakpad_info: Result<MinidumpBreakpadInfo, StreamError>,
    /// minidump-processor's result: threads with walked stacks.
    pub state: Result<ProcessState, ProcessError>,
    /// The names of the crashing (requesting) thread's frames, innermost
    /// first, from the verified module files.
    pub frame_names: Vec<Option<String>>,
    /// Names any address in the verified module files (each file loaded
    /// once), for the walks of the other threads.
    pub namer: symbols::Namer,
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
    pub fn raw_stream(&self, stream_type: u32) -> Result<&[u8], StreamError> {
        self.dump.get_raw_stream(stream_type).map_err(|e| StreamError::of(stream_type, e))
    }
}

fn stream<'a, S: MinidumpStream<'a>>(
    dump: &'a Minidump<'static, Arc<[u8]>>,
) -> Result<S, StreamError> {
    dump.get_stream::<S>().map_err(|e| StreamError::of(S::STREAM_TYPE, e))
}

impl<'a> DumpEvidence<'a> {
    /// A stream the evidence does not keep, parsed on demand.
    pub fn stream<S: MinidumpStream<'a>>(&self) -> Result<S, StreamError> {
        stream(self.dump)
    }

    /// Parses every stream the rules look at, walks the stacks with the
    /// unwind information of the module files here whose code ids match (at
    /// the paths the dump names, or in the directories `symbols`), and names
    /// the crashing thread's frames.
    pub fn gather(file: &'a DumpFile, symbols: &[PathBuf]) -> Self {
        let dump = &file.dump;
        let system_info: Result<MinidumpSystemInfo, StreamError> = stream(dump);
        let modules: Result<MinidumpModuleList, StreamError> = stream(dump);
        let verified = modules
            .as_ref()
            .map(|modules| symbols::verified_modules(modules, symbols))
            .unwrap_or_default();
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
        };
        let memory = dump.get_memory();
        let mut state = state;
        if let (Ok(state), Ok(modules)) = (&mut state, &modules) {
            for stack in &mut state.threads {
                symbols::recover_lost_caller(stack, modules, memory.as_ref());
            }
        }
        let pdbs = modules
            .as_ref()
            .map(|modules| symbols::verified_pdbs(modules, symbols))
            .unwrap_or_default();
        let mut namer = symbols::Namer::new(verified, pdbs);
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
            directory: &file.directory,
            bytes: &file.bytes,
            system_info,
            misc: dump.get_stream().ok(),
            exception: stream(dump),
            threads: stream(dump),
            thread_names: stream(dump),
            modules,
            memory,
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
            namer,
        }
    }
}
