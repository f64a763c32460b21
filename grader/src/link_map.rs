//! The LinuxDsoDebug stream: the dynamic linker's `r_debug` and the
//! `link_map` list it points to, which the `minidump` crate does not parse.
//!
//! The stream is `r_debug` followed by a copy of the main executable's
//! dynamic section (`Elf64_Dyn` entries of 16 bytes, `Elf32_Dyn` of 8).
//! Writers lay the structures out two ways on 64-bit systems: minidump-writer
//! serialises minidump-common's `DSO_DEBUG_64` and `LINK_MAP_64` packed (36
//! and 20 bytes), Breakpad writes its C structs with natural alignment (40
//! and 24 bytes, each 32-bit field before a 64-bit one padded). The stream's
//! size tells which, as only one leaves a whole number of dynamic entries;
//! 32-bit dumps have 24 and 12 bytes.

/// `r_debug` with its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsoDebug {
    /// `r_version`.
    pub version: u32,
    /// The address of the main executable's dynamic section (`_DYNAMIC`).
    pub dynamic: u64,
    /// The loaded objects, in the linker's order.
    pub entries: Vec<LinkMapEntry>,
    /// The size of one entry in the file (20 or 24 on 64-bit systems).
    pub entry_size: usize,
    /// The entries of the dynamic section copied after `r_debug`.
    pub dynamic_entries: usize,
}

/// One loaded object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMapEntry {
    /// `l_addr`: the difference between the file's addresses and memory's.
    pub addr: u64,
    /// `l_name`: the file (empty for the main executable).
    pub name: String,
    /// `l_ld`: the address of the object's dynamic section.
    pub ld: u64,
}

/// How one layout places the fields: (whether addresses are 64-bit, the
/// size of `r_debug`, of one entry and of one dynamic entry, the offset of
/// `brk` in `r_debug` and of `l_ld` in an entry).
const LAYOUTS: [(bool, usize, usize, usize, usize, usize); 3] = [
    (true, 36, 20, 16, 12, 12), // minidump-writer: packed
    (true, 40, 24, 16, 16, 16), // Breakpad: natural alignment
    (false, 24, 12, 8, 12, 8),  // 32-bit
];

/// The most entries a list may claim: far more than any process loads.
const MAX_ENTRIES: u32 = 1 << 16;

/// Reads the stream `raw` of a dump of a 64-bit process (`wide`) or a 32-bit
/// one, and the list and names it points to in `file` (the whole dump), or
/// says what does not hold.
pub fn read(raw: &[u8], file: &[u8], wide: bool) -> Result<DsoDebug, String> {
    let layout = LAYOUTS.iter().find(|(width, debug, _, dyn_size, ..)| {
        *width == wide && raw.len() >= *debug && (raw.len() - debug).is_multiple_of(*dyn_size)
    });
    let Some(&(_, debug_size, entry_size, dyn_size, brk_at, ld_at)) = layout else {
        let bits = if wide { 64 } else { 32 };
        return Err(format!(
            "a stream of {} bytes, which no {bits}-bit r_debug and dynamic section fill",
            raw.len()
        ));
    };
    let word = |bytes: &[u8], at: usize| -> Result<u64, String> {
        if wide {
            le::<8>(bytes, at).map(u64::from_le_bytes)
        } else {
            u32_at(bytes, at).map(u64::from)
        }
    };
    let version = u32_at(raw, 0)?;
    let map = u32_at(raw, 4)? as usize;
    let count = u32_at(raw, 8)?;
    let step = if wide { 8 } else { 4 };
    let dynamic = word(raw, brk_at + 2 * step)?;
    if count > MAX_ENTRIES {
        return Err(format!("a list of {count} entries"));
    }
    let list_end = map.checked_add(count as usize * entry_size);
    let Some(list) = list_end.and_then(|end| file.get(map..end)) else {
        return Err(format!("{count} entries at {map:#x}, past the file's {} bytes", file.len()));
    };
    let entries = list
        .chunks_exact(entry_size)
        .map(|entry| {
            let name_rva = u32_at(entry, step)? as usize;
            Ok(LinkMapEntry {
                addr: word(entry, 0)?,
                name: if name_rva == 0 { String::new() } else { string_at(file, name_rva)? },
                ld: word(entry, ld_at)?,
            })
        })
        .collect::<Result<_, String>>()?;
    let dynamic_entries = (raw.len() - debug_size) / dyn_size;
    Ok(DsoDebug { version, dynamic, entries, entry_size, dynamic_entries })
}

/// The `N` little-endian bytes at `at`.
fn le<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], String> {
    at.checked_add(N)
        .and_then(|end| bytes.get(at..end))
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{N} bytes at {at:#x}, past the end"))
}

/// The `u32` at `at`.
fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    le::<4>(bytes, at).map(u32::from_le_bytes)
}

/// The MINIDUMP_STRING (a byte length, then UTF-16LE) at `rva`.
fn string_at(file: &[u8], rva: usize) -> Result<String, String> {
    let length =
        u32_at(file, rva).map_err(|_| format!("a name at {rva:#x}, past the file"))? as usize;
    let units = rva
        .checked_add(4)
        .zip(rva.checked_add(4 + length))
        .and_then(|(start, end)| file.get(start..end))
        .ok_or_else(|| format!("a name of {length} bytes at {rva:#x}, past the file"))?;
    let units: Vec<u16> = units.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect();
    Ok(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with one name at 0x10 and a two-entry list at 0x40, in the
    /// layout whose entries are `entry_size` bytes, and its r_debug.
    fn file(entry_size: usize) -> (Vec<u8>, Vec<u8>) {
        let mut file = vec![0u8; 0x40];
        let name: Vec<u8> = "/lib/x.so".encode_utf16().flat_map(u16::to_le_bytes).collect();
        file[0x10..0x14].copy_from_slice(&(name.len() as u32).to_le_bytes());
        file[0x14..0x14 + name.len()].copy_from_slice(&name);
        let ld_at = if entry_size == 20 { 12 } else { 16 };
        for (addr, name_rva, ld) in
            [(0u64, 0u32, 0x5000u64), (0x7f00_0000_0000, 0x10, 0x7f00_0000_3e00)]
        {
            let mut entry = vec![0u8; entry_size];
            entry[0..8].copy_from_slice(&addr.to_le_bytes());
            entry[8..12].copy_from_slice(&name_rva.to_le_bytes());
            entry[ld_at..ld_at + 8].copy_from_slice(&ld.to_le_bytes());
            file.extend(entry);
        }
        let mut debug = vec![1, 0, 0, 0, 0x40, 0, 0, 0, 2, 0, 0, 0];
        if entry_size == 24 {
            debug.extend([0; 4]);
        }
        for word in [0x1000u64, 0x2000, 0x5000] {
            debug.extend(word.to_le_bytes());
        }
        // Two dynamic entries, as the writers copy them after r_debug.
        debug.extend([0; 32]);
        (debug, file)
    }

    #[test]
    fn both_64_bit_layouts_read_alike() {
        for entry_size in [20, 24] {
            let (debug, file) = file(entry_size);
            let read = read(&debug, &file, true).expect("reads");
            assert_eq!((read.version, read.dynamic, read.entry_size), (1, 0x5000, entry_size));
            assert_eq!(read.dynamic_entries, 2);
            let names: Vec<_> = read.entries.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(names, ["", "/lib/x.so"]);
            assert_eq!(read.entries[1].ld, 0x7f00_0000_3e00);
        }
    }

    #[test]
    fn a_list_past_the_file_or_an_unknown_size_is_refused() {
        let (mut debug, file) = file(20);
        debug[8] = 200;
        assert!(read(&debug, &file, true).unwrap_err().contains("past the file"));
        assert!(read(&debug[..30], &file, true).unwrap_err().contains("30 bytes"));
    }
}
