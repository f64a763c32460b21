//! Streams whose element counts do not fit their sizes, taken out before the
//! readers see them.
//!
//! rust-minidump 0.27 sizes some buffers from a stream's declared count
//! before checking it against the stream's bytes: a HandleDataStream claiming
//! 2^32 descriptors made it allocate 184 GB and abort the process (found by
//! tests/hostile.rs). A crash-testing tool must stay bounded on any file, so
//! each list stream's count is checked here, and a stream that cannot hold
//! what it claims has its directory entry turned into an unused one (type 0)
//! in the copy the readers parse. Rule HDR-05 reports what was taken out.
//! The directory is read here as the file holds it ([`directory`]), which
//! is also where a duplicate stream type (HDR-04) can be seen.

/// How a list stream lays out its count.
enum Layout {
    /// A `u32` count, then entries of a fixed size.
    Count32 { entry: u64 },
    /// A `u64` count and a `u64` base RVA, then entries of a fixed size
    /// (Memory64List).
    Count64 { entry: u64 },
    /// A header of `{ size_of_header: u32, size_of_entry: u32, count }`,
    /// with a `u32` or `u64` count; entries are at least `min_entry` bytes.
    /// (An entry size of 0 fits any count in no bytes, which the readers'
    /// own bound check accepts and then allocates for.)
    Sized { wide_count: bool, min_entry: u64 },
}

/// The list streams and their layouts (minidump format).
fn layout(stream_type: u32) -> Option<Layout> {
    Some(match stream_type {
        3 => Layout::Count32 { entry: 48 },  // ThreadList
        4 => Layout::Count32 { entry: 108 }, // ModuleList
        5 => Layout::Count32 { entry: 16 },  // MemoryList
        9 => Layout::Count64 { entry: 16 },  // Memory64List
        24 => Layout::Count32 { entry: 12 }, // ThreadNames
        12 => Layout::Sized { wide_count: false, min_entry: 32 }, // HandleData
        14 => Layout::Sized { wide_count: false, min_entry: 24 }, // UnloadedModuleList
        17 => Layout::Sized { wide_count: false, min_entry: 64 }, // ThreadInfoList
        16 => Layout::Sized { wide_count: true, min_entry: 48 }, // MemoryInfoList
        _ => return None,
    })
}

fn u32_at(bytes: &[u8], at: u64) -> Option<u64> {
    let at = usize::try_from(at).ok()?;
    Some(u64::from(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?)))
}

fn u64_at(bytes: &[u8], at: u64) -> Option<u64> {
    let at = usize::try_from(at).ok()?;
    Some(u64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// Bytes a list stream at `rva` needs for what it claims, or `None` when its
/// header does not even lie in the file or declares entries too small.
fn needed(bytes: &[u8], rva: u64, layout: &Layout) -> Option<u64> {
    Some(match *layout {
        Layout::Count32 { entry } => 4u64.saturating_add(u32_at(bytes, rva)?.saturating_mul(entry)),
        Layout::Count64 { entry } => {
            16u64.saturating_add(u64_at(bytes, rva)?.saturating_mul(entry))
        }
        Layout::Sized { wide_count, min_entry } => {
            let header = u32_at(bytes, rva)?;
            let entry = u32_at(bytes, rva + 4)?;
            if entry < min_entry {
                return None;
            }
            let count = if wide_count { u64_at(bytes, rva + 8)? } else { u32_at(bytes, rva + 8)? };
            header.saturating_add(count.saturating_mul(entry))
        }
    })
}

/// One entry of the stream directory, as the file holds it: readers keep
/// one stream per type, so a duplicate is only seen here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Where the entry itself sits in the file.
    pub offset: u64,
    /// The stream type.
    pub stream_type: u32,
    /// The stream's size.
    pub size: u32,
    /// The stream's offset.
    pub rva: u32,
}

/// The directory as the file holds it (at most 4096 entries read).
pub fn directory(bytes: &[u8]) -> Vec<DirectoryEntry> {
    let (Some(count), Some(directory)) = (u32_at(bytes, 8), u32_at(bytes, 12)) else {
        return Vec::new();
    };
    (0..count.min(4096))
        .map_while(|index| {
            let offset = directory + index * 12;
            let word = |at| u32_at(bytes, offset + at).and_then(|w| u32::try_from(w).ok());
            Some(DirectoryEntry { offset, stream_type: word(0)?, size: word(4)?, rva: word(8)? })
        })
        .collect()
}

/// Turns the entries of `directory` (the file's own, from [`directory`])
/// whose list streams cannot hold what they claim into unused ones, and
/// says which.
pub fn quarantine(bytes: &mut [u8], directory: &[DirectoryEntry]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in directory {
        let (at, stream_type) = (entry.offset, entry.stream_type);
        let (size, rva) = (u64::from(entry.size), u64::from(entry.rva));
        let Some(layout) = layout(stream_type) else { continue };
        if rva.saturating_add(size) > bytes.len() as u64 {
            // Out of the file: the readers refuse such a range themselves,
            // and HDR-02 reports it.
            continue;
        }
        let fits = needed(bytes, rva, &layout).is_some_and(|needed| needed <= size);
        if !fits {
            found.push(format!(
                "stream {stream_type:#x} claims more entries than its {size} bytes hold"
            ));
            if let Some(slot) = usize::try_from(at).ok().and_then(|at| bytes.get_mut(at..at + 4)) {
                slot.copy_from_slice(&0u32.to_le_bytes());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quarantine_all(bytes: &mut [u8]) -> Vec<String> {
        let entries = directory(bytes);
        quarantine(bytes, &entries)
    }

    /// A header and directory with one stream of `stream_type` holding `body`.
    fn dump_with(stream_type: u32, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0u8; 32];
        bytes[..4].copy_from_slice(b"MDMP");
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        bytes[12..16].copy_from_slice(&32u32.to_le_bytes());
        let rva = 44u32;
        bytes.extend_from_slice(&stream_type.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&rva.to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn a_count_that_fits_is_left_alone() {
        let mut body = 2u32.to_le_bytes().to_vec();
        body.resize(4 + 2 * 16, 0);
        let mut bytes = dump_with(5, &body);
        assert!(quarantine_all(&mut bytes).is_empty());
        assert_eq!(u32_at(&bytes, 32), Some(5));
    }

    #[test]
    fn entries_of_no_size_are_taken_out() {
        // HandleData: header 16, entries of 0 bytes, 2^32-1 of them "fit" in 16 bytes.
        let mut body = Vec::new();
        for word in [16u32, 0, u32::MAX, 0] {
            body.extend_from_slice(&word.to_le_bytes());
        }
        let mut bytes = dump_with(12, &body);
        assert_eq!(quarantine_all(&mut bytes).len(), 1);
    }

    #[test]
    fn a_huge_count_is_taken_out() {
        // HandleData: header 16, entries of 32, 0xFFFF_FFF0 of them in 16 bytes.
        let mut body = Vec::new();
        for word in [16u32, 32, 0xFFFF_FFF0, 0] {
            body.extend_from_slice(&word.to_le_bytes());
        }
        let mut bytes = dump_with(12, &body);
        let found = quarantine_all(&mut bytes);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(u32_at(&bytes, 32), Some(0), "the entry is now unused");
    }
}
