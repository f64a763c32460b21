//! One-fact lies: each rewrites one field of a well-formed dump so that it
//! states something false, and leaves everything else as it was. A grader
//! worth its name fails the trial for every one that applies; `crashsuite
//! sensitivity` tells every lie to real dumps of every case and counts which
//! rules catch it.
//!
//! The offsets are the minidump format's (`minidump_format.h` in Breakpad,
//! `MINIDUMP_*` in rust-minidump's `minidump-common`), little-endian; x86_64
//! CPU contexts only (`CONTEXT_AMD64`), so the context lies do not apply to
//! other architectures' dumps.

use crashsuite_data::Truth;

/// A lie cannot be told about this dump: the field is not there, or the
/// truth does not determine it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable(pub &'static str);

/// One lie.
pub struct Lie {
    /// Short name, such as `exception-code`.
    pub id: &'static str,
    /// The stream and field it falsifies.
    pub field: &'static str,
    /// The rules written to catch it; any one of them failing catches it.
    pub caught_by: &'static [&'static str],
    /// Tells the lie: rewrites the dump in place, or says why it cannot.
    pub tell: fn(&mut Vec<u8>, &Truth) -> Result<(), NotApplicable>,
}

impl std::fmt::Debug for Lie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lie").field("id", &self.id).field("field", &self.field).finish()
    }
}

const THREAD_LIST: u32 = 3;
const MODULE_LIST: u32 = 4;
const MEMORY_LIST: u32 = 5;
const EXCEPTION: u32 = 6;
const SYSTEM_INFO: u32 = 7;
const MEMORY_INFO_LIST: u32 = 16;
const THREAD_NAMES: u32 = 24;
const LINUX_PROC_STATUS: u32 = 0x4767_0004;
const LINUX_CMD_LINE: u32 = 0x4767_0006;
const LINUX_ENVIRON: u32 = 0x4767_0007;
const LINUX_AUXV: u32 = 0x4767_0008;
const LINUX_DSO_DEBUG: u32 = 0x4767_000A;
const CRASHPAD_INFO: u32 = 0x4350_0001;

/// `CONTEXT_AMD64`'s size, and its `rsp` and `rip`.
const AMD64_CONTEXT: usize = 1232;
const RSP: usize = 0x98;
const RIP: usize = 0xF8;
/// `MINIDUMP_THREAD`, `MINIDUMP_MODULE`, `MINIDUMP_MEMORY_DESCRIPTOR`.
const THREAD: usize = 48;
const MODULE: usize = 108;
const DESCRIPTOR: usize = 16;

/// The dump's bytes, read and written by offset; every access is checked.
struct Bytes<'a>(&'a mut Vec<u8>);

impl Bytes<'_> {
    fn u32(&self, at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.0.get(at..at.checked_add(4)?)?.try_into().ok()?))
    }

    fn u64(&self, at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(self.0.get(at..at.checked_add(8)?)?.try_into().ok()?))
    }

    fn put(&mut self, at: usize, value: &[u8]) -> Result<(), NotApplicable> {
        let slot = at
            .checked_add(value.len())
            .and_then(|end| self.0.get_mut(at..end))
            .ok_or(NotApplicable("the field lies outside the file"))?;
        slot.copy_from_slice(value);
        Ok(())
    }

    fn set_u32(&mut self, at: usize, value: u32) -> Result<(), NotApplicable> {
        self.put(at, &value.to_le_bytes())
    }

    fn set_u64(&mut self, at: usize, value: u64) -> Result<(), NotApplicable> {
        self.put(at, &value.to_le_bytes())
    }

    /// Where the stream of `stream_type` is: its offset and size.
    fn stream(&self, stream_type: u32) -> Result<(usize, usize), NotApplicable> {
        let (count, dir) = (self.u32(8).unwrap_or(0), self.u32(12).unwrap_or(0) as usize);
        (0..count.min(256) as usize)
            .map(|i| dir + i * 12)
            .find(|&at| self.u32(at) == Some(stream_type))
            .and_then(|at| Some((self.u32(at + 8)? as usize, self.u32(at + 4)? as usize)))
            .ok_or(NotApplicable("the handler wrote no such stream"))
    }

    /// The entries of a list stream (a `u32` count, then fixed-size
    /// entries): their offsets.
    fn list(&self, stream_type: u32, entry: usize) -> Result<Vec<usize>, NotApplicable> {
        let (at, size) = self.stream(stream_type)?;
        let count = self.u32(at).unwrap_or(0) as usize;
        let fits = size.saturating_sub(4) / entry;
        Ok((0..count.min(fits)).map(|i| at + 4 + i * entry).collect())
    }

    /// Replaces the last byte of the first `needle` inside `range` (a
    /// digit with another digit, anything else with another letter), so
    /// that the text keeps its length and shape.
    fn alter_text(&mut self, range: (usize, usize), needle: &[u8]) -> Result<(), NotApplicable> {
        let (start, end) = (range.0, range.0.saturating_add(range.1).min(self.0.len()));
        let hay =
            self.0.get(start..end).ok_or(NotApplicable("the stream lies outside the file"))?;
        if needle.is_empty() {
            return Err(NotApplicable("nothing to alter"));
        }
        let found = hay
            .windows(needle.len())
            .position(|w| w == needle)
            .ok_or(NotApplicable("the text is not in the stream"))?;
        let at = start + found + needle.len() - 1;
        let byte = self.0[at];
        self.0[at] = match byte {
            b'0'..=b'8' => byte + 1,
            b'9' => b'0',
            b'a'..=b'y' | b'A'..=b'Y' => byte + 1,
            _ => b'a',
        };
        Ok(())
    }

    /// The crash context's offset, when it is an x86_64 one.
    fn crash_context(&self) -> Result<usize, NotApplicable> {
        let (at, _) = self.stream(EXCEPTION)?;
        let (size, rva) = (self.u32(at + 160), self.u32(at + 164));
        match (size, rva) {
            (Some(size), Some(rva)) if size as usize == AMD64_CONTEXT => Ok(rva as usize),
            (Some(_), Some(_)) => Err(NotApplicable("not an x86_64 crash context")),
            _ => Err(NotApplicable("the exception has no context")),
        }
    }
}

/// `thread_id` of the thread entry at `at`.
fn tid(bytes: &Bytes<'_>, at: usize) -> Option<u32> {
    bytes.u32(at)
}

/// The catalogue: at least one lie per checked field.
pub const CATALOGUE: &[Lie] = &[
    Lie {
        id: "exception-code",
        field: "Exception: ExceptionCode",
        caught_by: &["EXC-01"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(EXCEPTION)?;
            let code = b.u32(at + 8).ok_or(NotApplicable("no exception record"))?;
            b.set_u32(at + 8, code ^ 1)
        },
    },
    Lie {
        id: "exception-flags",
        field: "Exception: ExceptionFlags (si_code)",
        caught_by: &["EXC-02"],
        tell: |dump, truth| {
            truth.si_code.ok_or(NotApplicable("the trigger does not determine si_code"))?;
            let mut b = Bytes(dump);
            let (at, _) = b.stream(EXCEPTION)?;
            let flags = b.u32(at + 12).ok_or(NotApplicable("no exception record"))?;
            b.set_u32(at + 12, flags.wrapping_add(1))
        },
    },
    Lie {
        id: "exception-thread",
        field: "Exception: ThreadId",
        caught_by: &["EXC-03"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(EXCEPTION)?;
            let thread = b.u32(at).ok_or(NotApplicable("no exception"))?;
            b.set_u32(at, thread ^ 0x4000_0000)
        },
    },
    Lie {
        id: "fault-address",
        field: "Exception: ExceptionAddress",
        caught_by: &["EXC-04"],
        tell: |dump, truth| {
            truth.fault_address.ok_or(NotApplicable("the trigger does not determine it"))?;
            let mut b = Bytes(dump);
            let (at, _) = b.stream(EXCEPTION)?;
            let address = b.u64(at + 24).ok_or(NotApplicable("no exception record"))?;
            b.set_u64(at + 24, address.wrapping_add(0x1000))
        },
    },
    Lie {
        id: "crash-ip",
        field: "Exception: the crash context's instruction pointer",
        caught_by: &["EXC-05", "EXC-06"],
        tell: |dump, truth| {
            if truth.instruction_pointer.is_none()
                && truth.crash_site == crashsuite_data::CrashSite::Anywhere
            {
                return Err(NotApplicable("the case knows neither the IP nor its module"));
            }
            let mut b = Bytes(dump);
            let context = b.crash_context()?;
            let ip = b.u64(context + RIP).ok_or(NotApplicable("a short context"))?;
            // Far from every module, and not 0.
            b.set_u64(context + RIP, ip ^ (1 << 44) | 0x10)
        },
    },
    Lie {
        id: "crash-sp",
        field: "Exception: the crash context's stack pointer",
        caught_by: &["THR-02"],
        tell: |dump, truth| {
            if truth.stack_pointer_destroyed {
                return Err(NotApplicable("the case destroys the stack pointer itself"));
            }
            let mut b = Bytes(dump);
            let context = b.crash_context()?;
            let sp = b.u64(context + RSP).ok_or(NotApplicable("a short context"))?;
            // Far from every stack.
            b.set_u64(context + RSP, sp ^ (1 << 44))
        },
    },
    Lie {
        id: "thread-id-twice",
        field: "ThreadList: a ThreadId",
        caught_by: &["THR-05"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let threads = b.list(THREAD_LIST, THREAD)?;
            let [first, second, ..] = threads[..] else {
                return Err(NotApplicable("one thread"));
            };
            let id = tid(&b, first).ok_or(NotApplicable("no thread"))?;
            b.set_u32(second, id)
        },
    },
    Lie {
        id: "thread-stack",
        field: "ThreadList: a thread's stack address",
        caught_by: &["THR-06", "THR-02"],
        tell: |dump, truth| {
            let mut b = Bytes(dump);
            let threads = b.list(THREAD_LIST, THREAD)?;
            let other = threads
                .iter()
                .copied()
                .find(|&t| tid(&b, t).is_some_and(|id| !truth.crashing_tids.contains(&id)))
                .ok_or(NotApplicable("no thread besides the crashing ones"))?;
            let start = b.u64(other + 24).ok_or(NotApplicable("no stack descriptor"))?;
            b.set_u64(other + 24, start.wrapping_add(0x10_0000))
        },
    },
    Lie {
        id: "thread-name",
        field: "ThreadNames: a name",
        caught_by: &["THR-04"],
        tell: |dump, truth| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(THREAD_NAMES)?;
            // Entries are (ThreadId u32, RVA64 of a MINIDUMP_STRING), packed.
            let count = b.u32(at).unwrap_or(0) as usize;
            let named = truth.threads.iter().find_map(|thread| {
                (0..count.min(4096)).map(|i| at + 4 + i * 12).find_map(|entry| {
                    (b.u32(entry)? == thread.tid && !thread.name.is_empty())
                        .then(|| Some((thread, b.u64(entry + 4)? as usize)))?
                })
            });
            let (thread, name) = named.ok_or(NotApplicable("no thread of the case is named"))?;
            let length = b.u32(name).ok_or(NotApplicable("the name lies outside the file"))?;
            let utf16: Vec<u8> = thread.name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            b.alter_text((name + 4, length as usize), &utf16[..utf16.len() - 1])
        },
    },
    Lie {
        id: "module-code-id",
        field: "ModuleList: the main module's CodeView record (build id)",
        caught_by: &["MOD-02", "MOD-03", "MOD-05", "MOD-06"],
        tell: |dump, _| flip_cv_record(dump, false),
    },
    Lie {
        id: "library-code-id",
        field: "ModuleList: a library's CodeView record (build id), one whose file is on disk",
        caught_by: &["MOD-04", "MOD-05", "MOD-06"],
        tell: |dump, _| flip_cv_record(dump, true),
    },
    Lie {
        id: "module-name",
        field: "ModuleList: the main module's name",
        caught_by: &["MOD-01"],
        tell: |dump, truth| {
            let mut b = Bytes(dump);
            let modules = b.list(MODULE_LIST, MODULE)?;
            let main = *modules.first().ok_or(NotApplicable("no module"))?;
            let name = b.u32(main + 20).ok_or(NotApplicable("no name"))? as usize;
            let length = b.u32(name).ok_or(NotApplicable("no name"))? as usize;
            let file = truth.executable.file_name().map(|f| f.to_string_lossy().into_owned());
            let file = file.ok_or(NotApplicable("no executable name"))?;
            let utf16: Vec<u8> = file.encode_utf16().flat_map(u16::to_le_bytes).collect();
            b.alter_text((name + 4, length), &utf16[..utf16.len().saturating_sub(1)])
        },
    },
    Lie {
        id: "module-overlap",
        field: "ModuleList: a module's base address",
        caught_by: &["MOD-07"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let modules = b.list(MODULE_LIST, MODULE)?;
            let [first, second, ..] = modules[..] else {
                return Err(NotApplicable("one module"));
            };
            let base = b.u64(first).ok_or(NotApplicable("no module"))?;
            b.set_u64(second, base)
        },
    },
    Lie {
        id: "memory-at-zero",
        field: "MemoryList: a region's start",
        caught_by: &["MEM-02"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let regions = b.list(MEMORY_LIST, DESCRIPTOR)?;
            let last = *regions.last().ok_or(NotApplicable("no region"))?;
            b.set_u64(last, 0)
        },
    },
    Lie {
        id: "memory-overlap",
        field: "MemoryList: a region's start",
        caught_by: &["MEM-03"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let regions = b.list(MEMORY_LIST, DESCRIPTOR)?;
            let [.., before, last] = regions[..] else {
                return Err(NotApplicable("one region"));
            };
            let start = b.u64(before).ok_or(NotApplicable("no region"))?;
            b.set_u64(last, start)
        },
    },
    Lie {
        id: "memory-info-overlap",
        field: "MemoryInfoList: a region's base",
        caught_by: &["MEM-04"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(MEMORY_INFO_LIST)?;
            let header = b.u32(at).ok_or(NotApplicable("no header"))? as usize;
            let entry = b.u32(at + 4).ok_or(NotApplicable("no header"))? as usize;
            let count = b.u64(at + 8).ok_or(NotApplicable("no header"))?;
            if count < 2 || entry < 32 {
                return Err(NotApplicable("fewer than two regions"));
            }
            let (first, second) = (at + header, at + header + entry);
            let base = b.u64(first).ok_or(NotApplicable("no region"))?;
            b.set_u64(second, base)
        },
    },
    Lie {
        id: "system-os",
        field: "SystemInfo: PlatformId",
        caught_by: &["SYS-01"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(SYSTEM_INFO)?;
            let platform = b.u32(at + 20).ok_or(NotApplicable("a short SystemInfo"))?;
            // Linux (0x8201) becomes Solaris (0x8202); others become Linux.
            b.set_u32(at + 20, if platform == 0x8201 { 0x8202 } else { 0x8201 })
        },
    },
    Lie {
        id: "system-cpu",
        field: "SystemInfo: ProcessorArchitecture",
        caught_by: &["SYS-02"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(SYSTEM_INFO)?;
            let cpu = b.u32(at).ok_or(NotApplicable("a short SystemInfo"))? & 0xFFFF;
            // x86 (0) for anything else, ARM (5) for x86.
            let lie: u16 = if cpu == 0 { 5 } else { 0 };
            b.put(at, &lie.to_le_bytes())
        },
    },
    Lie {
        id: "processor-count",
        field: "SystemInfo: NumberOfProcessors",
        caught_by: &["SYS-03", "LNX-05"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, _) = b.stream(SYSTEM_INFO)?;
            let count = *b.0.get(at + 6).ok_or(NotApplicable("a short SystemInfo"))?;
            b.put(at + 6, &[count.wrapping_add(1)])
        },
    },
    Lie {
        id: "process-id",
        field: "LinuxProcStatus: Tgid",
        caught_by: &["PRC-02", "LNX-01"],
        tell: |dump, truth| {
            let mut b = Bytes(dump);
            let stream = b.stream(LINUX_PROC_STATUS)?;
            b.alter_text(stream, format!("Tgid:\t{}", truth.pid).as_bytes())
        },
    },
    Lie {
        id: "cmdline",
        field: "LinuxCmdLine: an argument",
        caught_by: &["LNX-02"],
        tell: |dump, truth| {
            let mut b = Bytes(dump);
            let stream = b.stream(LINUX_CMD_LINE)?;
            let last = truth.argv.last().ok_or(NotApplicable("no arguments"))?;
            b.alter_text(stream, last.as_bytes())
        },
    },
    Lie {
        id: "environ-marker",
        field: "LinuxEnviron: the marker variable's value",
        caught_by: &["LNX-03"],
        tell: |dump, truth| {
            let marker = truth.environ_marker.as_ref().ok_or(NotApplicable("no marker"))?;
            let mut b = Bytes(dump);
            let stream = b.stream(LINUX_ENVIRON)?;
            b.alter_text(stream, format!("{}={marker}", crashsuite_data::MARKER_ENV).as_bytes())
        },
    },
    Lie {
        id: "auxv-vdso",
        field: "LinuxAuxv: AT_SYSINFO_EHDR",
        caught_by: &["LNX-04"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, size) = b.stream(LINUX_AUXV)?;
            let pair = (0..size / 16)
                .map(|i| at + i * 16)
                .find(|&p| b.u64(p) == Some(33))
                .ok_or(NotApplicable("no AT_SYSINFO_EHDR"))?;
            let value = b.u64(pair + 8).ok_or(NotApplicable("a short auxv"))?;
            b.set_u64(pair + 8, value.wrapping_add(0x1000))
        },
    },
    Lie {
        id: "link-map-ld",
        field: "LinuxDsoDebug: a library's l_ld",
        caught_by: &["LNX-08"],
        tell: |dump, _| {
            let mut b = Bytes(dump);
            let (at, size) = b.stream(LINUX_DSO_DEBUG)?;
            // r_debug then the dynamic section's 16-byte entries: packed
            // (minidump-writer, 20-byte entries) or naturally aligned
            // (Breakpad, 24-byte entries); l_name at 8, l_ld at 12 or 16.
            let (entry, ld) = match size {
                s if s >= 36 && (s - 36).is_multiple_of(16) => (20, 12),
                s if s >= 40 && (s - 40).is_multiple_of(16) => (24, 16),
                _ => return Err(NotApplicable("not a 64-bit r_debug")),
            };
            let (map, count) = (b.u32(at + 4), b.u32(at + 8));
            let (map, count) = (map.unwrap_or(0) as usize, count.unwrap_or(0).min(4096) as usize);
            // Two libraries (entries with a name) trade dynamic sections.
            let named: Vec<usize> = (0..count)
                .map(|i| map + i * entry)
                .filter(|&e| b.u32(e + 8).is_some_and(|name| name != 0))
                .collect();
            let [first, second, ..] = named[..] else {
                return Err(NotApplicable("fewer than two libraries"));
            };
            let (a, c) = (b.u64(first + ld), b.u64(second + ld));
            let (Some(a), Some(c)) = (a, c) else {
                return Err(NotApplicable("the list lies outside the file"));
            };
            b.set_u64(first + ld, c)?;
            b.set_u64(second + ld, a)
        },
    },
    Lie {
        id: "annotation-value",
        field: "CrashpadInfo: an annotation's value",
        caught_by: &["ANN-01"],
        tell: |dump, truth| {
            let (key, value) = truth
                .annotations
                .iter()
                .find(|(key, _)| key.as_str() != crashsuite_data::BREADCRUMBS_KEY)
                .ok_or(NotApplicable("no annotation"))?;
            alter_annotation(dump, key, value)
        },
    },
    Lie {
        id: "breadcrumb",
        field: "CrashpadInfo: a breadcrumb",
        caught_by: &["ANN-02"],
        tell: |dump, truth| {
            let crumb = truth.breadcrumbs.last().ok_or(NotApplicable("no breadcrumbs"))?;
            alter_annotation(dump, crashsuite_data::BREADCRUMBS_KEY, crumb)
        },
    },
];

/// Alters `text` inside the value of the simple annotation `key`.
fn alter_annotation(dump: &mut Vec<u8>, key: &str, text: &str) -> Result<(), NotApplicable> {
    let mut b = Bytes(dump);
    let (at, _) = b.stream(CRASHPAD_INFO)?;
    // MINIDUMP_CRASHPAD_INFO: version, report and client GUIDs, then the
    // simple annotations' location: a count and (key, value) RVAs of
    // MINIDUMP_UTF8_STRINGs.
    let dictionary = b.u32(at + 40).ok_or(NotApplicable("no annotations"))? as usize;
    let count = b.u32(dictionary).unwrap_or(0) as usize;
    let string = |b: &Bytes<'_>, rva: usize| {
        let length = b.u32(rva)? as usize;
        Some((rva + 4, length, b.0.get(rva + 4..rva + 4 + length)?.to_vec()))
    };
    let entry = (0..count.min(4096))
        .map(|i| dictionary + 4 + i * 8)
        .find(|&e| {
            b.u32(e)
                .and_then(|k| string(&b, k as usize))
                .is_some_and(|(_, _, found)| found == key.as_bytes())
        })
        .ok_or(NotApplicable("the annotation is not in the dump"))?;
    let value = b.u32(entry + 4).ok_or(NotApplicable("no value"))? as usize;
    let (start, length, _) =
        string(&b, value).ok_or(NotApplicable("the value lies outside the file"))?;
    b.alter_text((start, length), text.as_bytes())
}

/// Flips a byte of the build id in the CodeView record of the main module
/// (`library` false), or of the first library whose file is on disk (the
/// build id a grader can check; the vDSO's, say, has no file).
fn flip_cv_record(dump: &mut Vec<u8>, library: bool) -> Result<(), NotApplicable> {
    // 'BpEL', the Breakpad ELF signature, as a little-endian u32.
    const BPEL: u32 = 0x4270_454c;
    let mut b = Bytes(dump);
    let modules = b.list(MODULE_LIST, MODULE)?;
    let on_disk = |b: &Bytes<'_>, module: usize| {
        let name = b.u32(module + 20)? as usize;
        let length = b.u32(name)? as usize;
        let units: Vec<u16> =
            b.0.get(name + 4..name + 4 + length)?
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
        let path = std::path::PathBuf::from(String::from_utf16(&units).ok()?);
        Some(path.is_absolute() && path.is_file())
    };
    let record = modules
        .iter()
        .enumerate()
        .filter(|&(i, &m)| if library { i > 0 && on_disk(&b, m) == Some(true) } else { i == 0 })
        .filter_map(|(_, &m)| Some((b.u32(m + 76)? as usize, b.u32(m + 80)? as usize)))
        .find(|&(size, rva)| size > 4 && b.u32(rva) == Some(BPEL))
        .ok_or(NotApplicable("no such module with a build id"))?;
    let at = record.1 + 4;
    let byte = *b.0.get(at).ok_or(NotApplicable("the record lies outside the file"))?;
    b.put(at, &[byte ^ 0xFF])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_lie_names_its_rules() {
        for lie in CATALOGUE {
            assert_eq!(CATALOGUE.iter().filter(|l| l.id == lie.id).count(), 1, "{}", lie.id);
            assert!(!lie.caught_by.is_empty() && !lie.field.is_empty(), "{}", lie.id);
        }
    }

    #[test]
    fn text_keeps_its_length_and_changes() {
        let mut bytes = b"Name:\tx\nTgid:\t1239\n".to_vec();
        let len = bytes.len();
        Bytes(&mut bytes).alter_text((0, len), b"Tgid:\t1239").expect("found");
        assert_eq!(bytes, b"Name:\tx\nTgid:\t1230\n");
        let missing = Bytes(&mut bytes).alter_text((0, len), b"Pid");
        assert_eq!(missing, Err(NotApplicable("the text is not in the stream")));
    }
}
