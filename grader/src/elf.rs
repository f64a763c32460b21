//! Build ids of ELF files on disk, and the identifiers a minidump derives
//! from them.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Mutex,
    time::SystemTime,
};

/// Reading a build id failed.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// Which file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not ELF.
    #[error("{path} is not ELF: {message}")]
    Parse {
        /// Which file.
        path: String,
        /// The parser's message.
        message: String,
    },
}

/// What the rules need from an ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfFacts {
    /// The GNU build id, when the file has one.
    pub build_id: Option<Vec<u8>>,
    /// The virtual address of the first loadable segment: a runtime address
    /// minus the module's base plus this is an address in the file.
    pub first_load_vaddr: u64,
    /// The file addresses of its executable segments: only there can an
    /// instruction pointer lie.
    pub code: Vec<std::ops::Range<u64>>,
}

type FactsCache = HashMap<(PathBuf, Option<SystemTime>), ElfFacts>;

/// Files already read, by path and modification time: the same system
/// libraries appear in every dump of a run.
static CACHE: Mutex<Option<FactsCache>> = Mutex::new(None);

/// The GNU build id (`NT_GNU_BUILD_ID` note) of the ELF file at `path`.
pub fn build_id(path: &Path) -> Result<Option<Vec<u8>>, ElfError> {
    facts(path).map(|f| f.build_id)
}

/// The facts of the ELF file at `path`, read once per run.
pub fn facts(path: &Path) -> Result<ElfFacts, ElfError> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let key = (path.to_owned(), modified);
    let lock = || CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = lock().as_ref().and_then(|cache| cache.get(&key)) {
        return Ok(found.clone());
    }
    let found = read_facts(path)?;
    lock().get_or_insert_with(HashMap::new).insert(key, found.clone());
    Ok(found)
}

/// Reads only the parts it needs (headers, notes) through `object`'s read
/// cache: the case executables are tens of MB of debug information.
fn read_facts(path: &Path) -> Result<ElfFacts, ElfError> {
    use object::{Object as _, ObjectSegment as _, SegmentFlags};
    let display = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|source| ElfError::Read { path: display.clone(), source })?;
    let cache = object::ReadCache::new(file);
    let parse = |message: String| ElfError::Parse { path: display.clone(), message };
    let object = object::File::parse(&cache).map_err(|e| parse(e.to_string()))?;
    if object.format() != object::BinaryFormat::Elf {
        return Err(parse(format!("{:?}", object.format())));
    }
    let build_id = object.build_id().map_err(|e| parse(e.to_string()))?.map(<[u8]>::to_vec);
    // `segments()` of an ELF file are its PT_LOAD program headers.
    let loads: Vec<_> = object.segments().collect();
    let first_load_vaddr = loads.iter().map(|s| s.address()).min().unwrap_or_default();
    let code = loads
        .iter()
        .filter(|s| {
            matches!(s.flags(), SegmentFlags::Elf { p_flags, .. } if p_flags.contains(object::elf::PF_X))
        })
        .map(|s| s.address()..s.address().saturating_add(s.size()))
        .collect();
    Ok(ElfFacts { build_id, first_load_vaddr, code })
}

/// Lower-case hex of `bytes`: how Breakpad and rust-minidump spell an ELF code id.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Breakpad debug id of an ELF build id: its first 16 bytes (zero-padded
/// when shorter) read as a GUID, whose first three fields are little-endian,
/// then an age of 0. Upper-case hex, as `DebugId::breakpad()` prints it.
pub fn breakpad_debug_id(build_id: &[u8]) -> String {
    let mut guid = [0u8; 16];
    let n = build_id.len().min(16);
    guid[..n].copy_from_slice(&build_id[..n]);
    guid[..4].reverse();
    guid[4..6].reverse();
    guid[6..8].reverse();
    format!("{}0", hex(&guid).to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_id_swaps_guid_fields_and_pads() {
        let id: Vec<u8> = (0u8..20).collect();
        assert_eq!(breakpad_debug_id(&id), "030201000504070608090A0B0C0D0E0F0");
        assert_eq!(breakpad_debug_id(&[0xab, 0xcd]), "0000CDAB0000000000000000000000000");
    }

    #[test]
    fn reads_the_build_id_of_this_test_binary() {
        let exe = std::env::current_exe().expect("current exe");
        let id = build_id(&exe).expect("readable ELF").expect("Debian's linker adds build ids");
        assert!(id.len() >= 8, "{}", hex(&id));
        let code = facts(&exe).expect("readable ELF").code;
        assert!(!code.is_empty(), "an executable has code");
        assert!(code.iter().all(|r| r.start < r.end), "{code:?}");
        assert!(build_id(Path::new("/nonexistent")).is_err());
        let not_elf = tempfile::NamedTempFile::new().expect("tempfile");
        std::fs::write(not_elf.path(), b"not an elf file at all").expect("write");
        assert!(matches!(build_id(not_elf.path()), Err(ElfError::Parse { .. })));
    }
}
