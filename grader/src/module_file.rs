//! The module files on disk: what identifies each (an ELF file's GNU build
//! id; a PE file's link timestamp, image size and CodeView record; a PDB's
//! GUID and age), the identifiers a minidump derives from them, and where a
//! dump's module has its file (or its PDB) here.

use minidump::Module as _;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Mutex,
    time::SystemTime,
};

/// Reading a module file failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// Which file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a module file (ELF, PE) or a PDB.
    #[error("{path} is not a module file: {message}")]
    Parse {
        /// Which file.
        path: String,
        /// The parser's message.
        message: String,
    },
}

/// What the rules need from a module file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// The GNU build id of an ELF file, when it has one.
    pub build_id: Option<Vec<u8>>,
    /// The code id a minidump lists for this file, lower-case: an ELF
    /// file's build id in hex, a PE file's link timestamp (8 hex digits)
    /// and image size (`{timestamp:08x}{size:x}`, as Windows' symbol servers
    /// and every writer spell it). `None` for an ELF file without a build id.
    pub code_id: Option<String>,
    /// The Breakpad debug id a minidump lists for this file: an ELF file's
    /// build id as a GUID with age 0 ([`guid_debug_id`]), a PE file's
    /// CodeView GUID and age. `None` when the file has neither.
    pub debug_id: Option<String>,
    /// The address a runtime address is taken back to: a runtime address
    /// minus the module's base plus this is an address in the file (an ELF
    /// file's first loadable segment, a PE file's image base).
    pub file_base: u64,
    /// The file addresses of its code: only there can an instruction
    /// pointer lie.
    pub code: Vec<std::ops::Range<u64>>,
    /// What fixes the file's bytes, to remember its frame names by
    /// ([`crate::names`]): an ELF file's build id; a PE file's code id,
    /// which a rebuild with the same timestamp and size can share, with the
    /// file's modification time.
    pub names_key: String,
}

type FactsCache = HashMap<(PathBuf, Option<SystemTime>), FileFacts>;

/// Files already read, by path and modification time: the same system
/// libraries appear in every dump of a run.
static CACHE: Mutex<Option<FactsCache>> = Mutex::new(None);

/// The facts of the ELF or PE file at `path`, read once per run.
pub fn facts(path: &Path) -> Result<FileFacts, FileError> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let key = (path.to_owned(), modified);
    let lock = || CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = lock().as_ref().and_then(|cache| cache.get(&key)) {
        return Ok(found.clone());
    }
    let found = read_facts(path, modified)?;
    lock().get_or_insert_with(HashMap::new).insert(key, found.clone());
    Ok(found)
}

/// Reads only the parts it needs (headers, notes, the debug directory)
/// through `object`'s read cache: the case executables are tens of MB of
/// debug information.
fn read_facts(path: &Path, modified: Option<SystemTime>) -> Result<FileFacts, FileError> {
    use object::read::pe::{ImageNtHeaders, ImageOptionalHeader};
    use object::{LittleEndian as LE, Object as _, ObjectSection as _, ObjectSegment as _};
    let display = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|source| FileError::Read { path: display.clone(), source })?;
    let cache = object::ReadCache::new(file);
    let parse = |message: String| FileError::Parse { path: display.clone(), message };
    let object = object::File::parse(&cache).map_err(|e| parse(e.to_string()))?;
    // A PE file's code id: its link timestamp and image size.
    fn pe_code_id<Pe: ImageNtHeaders>(headers: &Pe) -> String {
        let stamp = headers.file_header().time_date_stamp.get(LE);
        format!("{stamp:08x}{:x}", headers.optional_header().size_of_image())
    }
    match &object {
        object::File::Elf32(_) | object::File::Elf64(_) => {
            let build_id = object.build_id().map_err(|e| parse(e.to_string()))?.map(<[u8]>::to_vec);
            // `segments()` of an ELF file are its PT_LOAD program headers.
            let loads: Vec<_> = object.segments().collect();
            let executable = |flags| {
                matches!(flags, object::SegmentFlags::Elf { p_flags, .. }
                    if p_flags.contains(object::elf::PF_X))
            };
            let code = loads
                .iter()
                .filter(|s| executable(s.flags()))
                .map(|s| s.address()..s.address().saturating_add(s.size()))
                .collect();
            Ok(FileFacts {
                code_id: build_id.as_deref().map(hex),
                names_key: build_id.as_deref().map(hex).unwrap_or_default(),
                debug_id: build_id.as_deref().map(|id| guid_debug_id(id, 0)),
                build_id,
                file_base: loads.iter().map(|s| s.address()).min().unwrap_or_default(),
                code,
            })
        }
        object::File::Pe32(_) | object::File::Pe64(_) => {
            let code_id = match &object {
                object::File::Pe32(pe) => pe_code_id(pe.nt_headers()),
                object::File::Pe64(pe) => pe_code_id(pe.nt_headers()),
                _ => unreachable!("matched PE above"),
            };
            let codeview = object.pdb_info().map_err(|e| parse(e.to_string()))?;
            let code = object
                .sections()
                .filter(|s| s.kind() == object::SectionKind::Text)
                .map(|s| s.address()..s.address().saturating_add(s.size()))
                .collect();
            let since = modified.and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok());
            Ok(FileFacts {
                build_id: None,
                names_key: format!("{code_id}-{}", since.unwrap_or_default().as_nanos()),
                code_id: Some(code_id),
                debug_id: codeview.map(|cv| guid_debug_id(&cv.guid(), cv.age())),
                file_base: object.relative_address_base(),
                code,
            })
        }
        other => Err(parse(format!("{:?}", other.format()))),
    }
}

/// Lower-case hex of `bytes`: how Breakpad and rust-minidump spell an ELF code id.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Breakpad debug id of a GUID and age: the GUID's first 16 bytes
/// (zero-padded when shorter, as an ELF build id may be) with its first three
/// fields read little-endian, then the age in hex. Upper-case, as
/// `DebugId::breakpad()` prints it. An ELF file's debug id is its build id
/// with age 0.
pub fn guid_debug_id(guid: &[u8], age: u32) -> String {
    let mut bytes = [0u8; 16];
    let n = guid.len().min(16);
    bytes[..n].copy_from_slice(&guid[..n]);
    bytes[..4].reverse();
    bytes[4..6].reverse();
    bytes[6..8].reverse();
    format!("{}{age:X}", hex(&bytes).to_uppercase())
}

/// Where the file a dump names is on this machine: an absolute path as
/// itself; a Windows path on drive `Z:` as Wine maps that drive by default,
/// onto `/` (Windows processes run under Wine here name their files so).
/// Whether the file there is the module's is for its identifiers to say.
pub fn host_path(named: &str) -> Option<PathBuf> {
    if let Some(rest) = named.strip_prefix("Z:\\").or_else(|| named.strip_prefix("z:\\")) {
        return Some(Path::new("/").join(rest.replace('\\', "/")));
    }
    let path = Path::new(named);
    (path.is_absolute() && !named.contains('\\')).then(|| path.to_owned())
}

/// The last component of a path a dump names, with either system's
/// separators.
fn file_name(named: &str) -> Option<&str> {
    named.rsplit(['/', '\\']).next().filter(|n| !n.is_empty())
}

/// The file of `module` on this machine, with its facts, when one provably
/// is its file: at the path the dump names (see [`host_path`]), under its
/// file name in one of `dirs` (symbol directories the user points at), or
/// there as a separate debug file under its build id
/// (`.build-id/ab/cdef….debug`, the layout of `/usr/lib/debug`); and with
/// the code id the dump lists. A file with another id is another build and
/// is not used.
pub fn locate(module: &minidump::MinidumpModule, dirs: &[PathBuf]) -> Option<(PathBuf, FileFacts)> {
    let listed = module.code_identifier()?.to_string().to_lowercase();
    let named = module.code_file();
    let in_dirs = dirs.iter().filter_map(|dir| Some(dir.join(file_name(&named)?)));
    let by_build_id = dirs.iter().filter_map(|dir| {
        let (head, tail) = (listed.get(..2)?, listed.get(2..).filter(|t| !t.is_empty())?);
        Some(dir.join(".build-id").join(head).join(format!("{tail}.debug")))
    });
    host_path(&named).into_iter().chain(in_dirs).chain(by_build_id).find_map(|path| {
        let facts = facts(&path).ok()?;
        (facts.code_id.as_deref() == Some(listed.as_str())).then_some((path, facts))
    })
}

/// The PDB of `module` (Microsoft's debug information, which MSVC builds
/// keep beside the executable) in one of `dirs`, under the file name its
/// CodeView record gives, when its GUID and age are the module's debug id.
pub fn locate_pdb(module: &minidump::MinidumpModule, dirs: &[PathBuf]) -> Option<PathBuf> {
    let listed = module.debug_identifier()?.breakpad().to_string();
    let named = module.debug_file()?;
    let file_name = file_name(&named)?;
    dirs.iter()
        .map(|dir| dir.join(file_name))
        .find(|path| pdb_debug_id(path).is_ok_and(|id| id == listed))
}

/// The Breakpad debug id of the PDB at `path`: its GUID, then the age its
/// debug information stream records (the one the linker wrote into the
/// executable's CodeView record), else its header's.
pub fn pdb_debug_id(path: &Path) -> Result<String, FileError> {
    let display = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|source| FileError::Read { path: display.clone(), source })?;
    let parse = |e: pdb_addr2line::pdb::Error| FileError::Parse {
        path: display.clone(),
        message: format!("not a PDB: {e}"),
    };
    let mut pdb = pdb_addr2line::pdb::PDB::open(file).map_err(parse)?;
    let info = pdb.pdb_information().map_err(parse)?;
    let age = pdb.debug_information().ok().and_then(|dbi| dbi.age()).unwrap_or(info.age);
    let (data1, data2, data3, data4) = info.guid.as_fields();
    Ok(format!("{data1:08X}{data2:04X}{data3:04X}{}{age:X}", hex(data4).to_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_id_swaps_guid_fields_pads_and_adds_the_age() {
        let id: Vec<u8> = (0u8..20).collect();
        assert_eq!(guid_debug_id(&id, 0), "030201000504070608090A0B0C0D0E0F0");
        assert_eq!(guid_debug_id(&[0xab, 0xcd], 0), "0000CDAB0000000000000000000000000");
        assert_eq!(guid_debug_id(&[0; 16], 0x1a), "000000000000000000000000000000001A");
    }

    #[test]
    fn reads_the_build_id_of_this_test_binary() {
        let exe = std::env::current_exe().expect("current exe");
        let facts = facts(&exe).expect("readable ELF");
        let id = facts.build_id.expect("Debian's linker adds build ids");
        assert!(id.len() >= 8, "{}", hex(&id));
        assert_eq!(facts.code_id, Some(hex(&id)));
        assert!(!facts.code.is_empty(), "an executable has code");
        assert!(facts.code.iter().all(|r| r.start < r.end), "{:?}", facts.code);
        assert!(super::facts(Path::new("/nonexistent")).is_err());
        let not_elf = tempfile::NamedTempFile::new().expect("tempfile");
        std::fs::write(not_elf.path(), b"not an elf file at all").expect("write");
        assert!(matches!(super::facts(not_elf.path()), Err(FileError::Parse { .. })));
    }

    #[test]
    fn wine_paths_on_drive_z_are_host_paths() {
        assert_eq!(host_path("Z:\\tmp\\bin\\case.exe"), Some(PathBuf::from("/tmp/bin/case.exe")));
        assert_eq!(host_path("/usr/lib/libc.so.6"), Some(PathBuf::from("/usr/lib/libc.so.6")));
        assert_eq!(host_path("C:\\windows\\system32\\ntdll.dll"), None);
        assert_eq!(host_path("linux-gate.so"), None);
    }
}
