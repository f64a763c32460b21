//! Corrupts minidumps the ways hostile input does: bytes flipped, the file
//! truncated, stream directory entries pointing out of the file, huge list
//! counts, streams overlapping each other, and frame-pointer chains that
//! point at themselves.
//!
//! One [`Mutation`] at a time is applied with [`apply`]; indices in a
//! mutation pick among what the dump holds, so any value is valid for any
//! dump. The property tests draw mutations with [`strategy`] (feature
//! `proptest`); the fuzz target decodes them from its input with
//! `arbitrary` (feature `arbitrary`).
//!
//! [`lie`] holds the other kind of corruption: one well-formed field made
//! false, for measuring what the grader catches.

pub mod lie;

/// One way of corrupting a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Mutation {
    /// XOR the byte at `at` (modulo the length) with `bits`.
    Flip {
        /// Byte offset, taken modulo the dump's length.
        at: usize,
        /// Bits to flip.
        bits: u8,
    },
    /// Keep only the first `keep_per_mille`/1000 of the file.
    Truncate {
        /// Thousandths of the file to keep (values above 1000 keep it all).
        keep_per_mille: u16,
    },
    /// Point a directory entry's data past the end of the file.
    EntryOutOfFile {
        /// Directory entry, taken modulo the entry count.
        entry: usize,
    },
    /// Overwrite a stream's first word (a list stream's element count) with
    /// a huge count.
    HugeCount {
        /// Directory entry, taken modulo the entry count.
        entry: usize,
    },
    /// Point one directory entry at another entry's data.
    Overlap {
        /// The entry to redirect, taken modulo the entry count.
        from: usize,
        /// The entry whose data it then overlaps, taken modulo the count.
        onto: usize,
    },
    /// Make every thread's frame pointer point at a stack slot that holds
    /// its own address: a stack walk that follows it loops forever unless
    /// bounded.
    SelfReferencingFramePointer,
}

/// MINIDUMP_STREAM_TYPE of the thread list.
const THREAD_LIST: u32 = 3;
/// Offset of `rbp` in an x86_64 CONTEXT record.
const RBP: usize = 0xA0;
/// Size of one MINIDUMP_THREAD.
const THREAD_SIZE: usize = 48;
/// Directory entries looked at, at most (a real dump has about twenty).
const MAX_ENTRIES: u32 = 64;
/// Threads rewritten, at most.
const MAX_THREADS: u32 = 512;

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    if let Some(slot) = at.checked_add(value.len()).and_then(|end| bytes.get_mut(at..end)) {
        slot.copy_from_slice(value);
    }
}

/// A stream directory entry: where it sits in the file and what it says.
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: usize,
    stream_type: u32,
    rva: u32,
}

fn directory(bytes: &[u8]) -> Vec<Entry> {
    let (Some(count), Some(rva)) = (u32_at(bytes, 8), u32_at(bytes, 12)) else { return Vec::new() };
    (0..count.min(MAX_ENTRIES) as usize)
        .map(|i| rva as usize + i * 12)
        .filter_map(|at| {
            Some(Entry { at, stream_type: u32_at(bytes, at)?, rva: u32_at(bytes, at + 8)? })
        })
        .collect()
}

/// Applies one mutation to a dump in place. Never panics, whatever the bytes.
pub fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let entries = directory(bytes);
    let pick = |i: usize| entries.get(i % entries.len().max(1)).copied();
    match *mutation {
        Mutation::Flip { at, bits } => {
            let at = at % bytes.len().max(1);
            if let Some(byte) = bytes.get_mut(at) {
                *byte ^= bits;
            }
        }
        Mutation::Truncate { keep_per_mille } => {
            let keep = usize::from(keep_per_mille.min(1000));
            bytes.truncate(bytes.len() / 1000 * keep + bytes.len() % 1000 * keep / 1000);
        }
        Mutation::EntryOutOfFile { entry } => {
            if let Some(e) = pick(entry) {
                let past_end = u32::try_from(bytes.len()).unwrap_or(u32::MAX).saturating_add(4096);
                put(bytes, e.at + 8, &past_end.to_le_bytes());
            }
        }
        Mutation::HugeCount { entry } => {
            if let Some(e) = pick(entry) {
                put(bytes, e.rva as usize, &0xFFFF_FFF0u32.to_le_bytes());
            }
        }
        Mutation::Overlap { from, onto } => {
            if let (Some(from), Some(onto)) = (pick(from), pick(onto)) {
                put(bytes, from.at + 8, &onto.rva.to_le_bytes());
            }
        }
        Mutation::SelfReferencingFramePointer => {
            if let Some(list) = entries.iter().find(|e| e.stream_type == THREAD_LIST) {
                loop_frame_pointers(bytes, list.rva as usize);
            }
        }
    }
}

/// Points every thread's saved frame pointer, and its context's `rbp`, at
/// one stack slot that holds its own address.
fn loop_frame_pointers(bytes: &mut [u8], list: usize) {
    let count = u32_at(bytes, list).unwrap_or(0).min(MAX_THREADS) as usize;
    for i in 0..count {
        let thread = list + 4 + i * THREAD_SIZE;
        let field = |offset: usize| u32_at(bytes, thread + offset);
        let (Some(start_lo), Some(start_hi), Some(size), Some(rva), Some(context)) =
            (field(24), field(28), field(32), field(36), field(44))
        else {
            return;
        };
        let start = u64::from(start_hi) << 32 | u64::from(start_lo);
        let half = (size as usize / 2) & !7;
        let slot = start.wrapping_add(half as u64).to_le_bytes();
        put(bytes, rva as usize + half, &slot);
        put(bytes, context as usize + RBP, &slot);
    }
}

/// Mutations weighted towards the cheap, common ones.
#[cfg(feature = "proptest")]
pub fn strategy() -> impl proptest::strategy::Strategy<Value = Mutation> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (any::<usize>(), 1u8..).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        1 => (0u16..1000).prop_map(|keep_per_mille| Mutation::Truncate { keep_per_mille }),
        2 => any::<usize>().prop_map(|entry| Mutation::EntryOutOfFile { entry }),
        2 => any::<usize>().prop_map(|entry| Mutation::HugeCount { entry }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(from, onto)| Mutation::Overlap { from, onto }),
        1 => Just(Mutation::SelfReferencingFramePointer),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump of two streams: a thread list with one thread and a context.
    fn tiny() -> Vec<u8> {
        let mut b = vec![0u8; 0x400];
        b[0..4].copy_from_slice(b"MDMP");
        b[8..12].copy_from_slice(&2u32.to_le_bytes()); // streams
        b[12..16].copy_from_slice(&0x20u32.to_le_bytes()); // directory
        // Entry 0: thread list at 0x40, entry 1: something at 0x100.
        b[0x20..0x24].copy_from_slice(&THREAD_LIST.to_le_bytes());
        b[0x24..0x28].copy_from_slice(&52u32.to_le_bytes());
        b[0x28..0x2C].copy_from_slice(&0x40u32.to_le_bytes());
        b[0x2C..0x30].copy_from_slice(&7u32.to_le_bytes());
        b[0x34..0x38].copy_from_slice(&0x100u32.to_le_bytes());
        b[0x40..0x44].copy_from_slice(&1u32.to_le_bytes()); // one thread
        let thread = 0x44;
        b[thread + 24..thread + 32].copy_from_slice(&0x7000_0000u64.to_le_bytes());
        b[thread + 32..thread + 36].copy_from_slice(&0x100u32.to_le_bytes()); // stack size
        b[thread + 36..thread + 40].copy_from_slice(&0x200u32.to_le_bytes()); // stack rva
        b[thread + 44..thread + 48].copy_from_slice(&0x300u32.to_le_bytes()); // context rva
        b
    }

    #[test]
    fn frame_pointer_slot_holds_its_own_address() {
        let mut b = tiny();
        apply(&mut b, &Mutation::SelfReferencingFramePointer);
        let slot = 0x7000_0000u64 + 0x80;
        assert_eq!(b[0x280..0x288], slot.to_le_bytes());
        assert_eq!(b[0x300 + RBP..0x300 + RBP + 8], slot.to_le_bytes());
    }

    #[test]
    fn directory_mutations_rewrite_the_entries() {
        let mut b = tiny();
        apply(&mut b, &Mutation::EntryOutOfFile { entry: 3 });
        assert_eq!(u32_at(&b, 0x34), Some(0x400 + 4096));
        apply(&mut b, &Mutation::Overlap { from: 0, onto: 0 });
        assert_eq!(u32_at(&b, 0x28), Some(0x40));
        apply(&mut b, &Mutation::HugeCount { entry: 0 });
        assert_eq!(u32_at(&b, 0x40), Some(0xFFFF_FFF0));
        apply(&mut b, &Mutation::Truncate { keep_per_mille: 500 });
        assert_eq!(b.len(), 0x200);
    }

    #[test]
    fn any_mutation_of_any_bytes_is_harmless() {
        for bytes in [vec![], b"MDMP".to_vec(), vec![0xFF; 17], tiny()] {
            for m in [
                Mutation::Flip { at: usize::MAX, bits: 0xFF },
                Mutation::Truncate { keep_per_mille: u16::MAX },
                Mutation::EntryOutOfFile { entry: usize::MAX },
                Mutation::HugeCount { entry: usize::MAX },
                Mutation::Overlap { from: usize::MAX, onto: 1 },
                Mutation::SelfReferencingFramePointer,
            ] {
                apply(&mut bytes.clone(), &m);
            }
        }
    }
}
