//! Hostile dumps: real dumps mutated at random (bytes flipped, truncated,
//! directory entries pointing out of the file, huge counts, overlapping
//! streams, a frame-pointer chain that points at itself). Grading one must
//! never panic, never hang, and report what it could not read as findings.

use crashsuite::{Handler, Trial, binaries::Binaries, rules, rules::Verdict, runner};
use proptest::prelude::*;
use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

/// A real dump of a crash on a Rust thread with workers (several threads and
/// stacks to corrupt), made once per test process.
fn seed() -> &'static [u8] {
    static SEED: OnceLock<Vec<u8>> = OnceLock::new();
    SEED.get_or_init(|| {
        let binaries = Binaries::locate().expect("the workspace binaries are built");
        let case = crashsuite_cases::find("segv_cpp_thread").expect("catalogue").expect("case");
        let record =
            runner::run(&binaries, Trial { handler: Handler::Reference, case }, Default::default())
                .expect("trial runs");
        std::fs::read(record.dumps.first().expect("a dump")).expect("readable")
    })
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(slot) = bytes.get_mut(at..at + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    if let Some(slot) = bytes.get_mut(at..at + 8) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// `(offset of the entry, stream type, size, rva)` for every directory entry.
fn directory(bytes: &[u8]) -> Vec<(usize, u32, u32, u32)> {
    let (Some(count), Some(rva)) = (u32_at(bytes, 8), u32_at(bytes, 12)) else { return Vec::new() };
    (0..count.min(64) as usize)
        .map(|i| rva as usize + i * 12)
        .filter_map(|at| {
            Some((at, u32_at(bytes, at)?, u32_at(bytes, at + 4)?, u32_at(bytes, at + 8)?))
        })
        .collect()
}

/// One way of corrupting a dump; indices pick among what the dump holds.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bits: u8 },
    Truncate { keep_per_mille: usize },
    EntryOutOfFile { entry: usize },
    HugeCount { entry: usize },
    Overlap { from: usize, onto: usize },
    SelfReferencingFramePointer,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 1u8..).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        1 => (0usize..1000).prop_map(|keep_per_mille| Mutation::Truncate { keep_per_mille }),
        2 => any::<usize>().prop_map(|entry| Mutation::EntryOutOfFile { entry }),
        2 => any::<usize>().prop_map(|entry| Mutation::HugeCount { entry }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(from, onto)| Mutation::Overlap { from, onto }),
        1 => Just(Mutation::SelfReferencingFramePointer),
    ]
}

const THREAD_LIST: u32 = 3;
const RBP: usize = 0xA0;

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
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
            bytes.truncate(bytes.len() * keep_per_mille / 1000)
        }
        Mutation::EntryOutOfFile { entry } => {
            if let Some((at, ..)) = pick(entry) {
                let past_end = bytes.len() as u32 + 4096;
                put_u32(bytes, at + 8, past_end);
            }
        }
        Mutation::HugeCount { entry } => {
            // Every list stream starts with its element count.
            if let Some((_, _, _, rva)) = pick(entry) {
                put_u32(bytes, rva as usize, 0xFFFF_FFF0);
            }
        }
        Mutation::Overlap { from, onto } => {
            if let (Some((at, ..)), Some((_, _, _, rva))) = (pick(from), pick(onto)) {
                put_u32(bytes, at + 8, rva);
            }
        }
        Mutation::SelfReferencingFramePointer => {
            // Every thread's saved frame pointer, and its context's rbp, point
            // at one stack slot that holds its own address.
            let Some((_, _, _, list)) = entries.iter().copied().find(|e| e.1 == THREAD_LIST) else {
                return;
            };
            let count = u32_at(bytes, list as usize).unwrap_or(0).min(512) as usize;
            for i in 0..count {
                let thread = list as usize + 4 + i * 48;
                let (Some(start_lo), Some(start_hi)) =
                    (u32_at(bytes, thread + 24), u32_at(bytes, thread + 28))
                else {
                    return;
                };
                let start = u64::from(start_hi) << 32 | u64::from(start_lo);
                let (Some(size), Some(rva)) =
                    (u32_at(bytes, thread + 32), u32_at(bytes, thread + 36))
                else {
                    return;
                };
                let Some(context) = u32_at(bytes, thread + 44) else { return };
                let half = (size as usize / 2) & !7;
                let slot = start.wrapping_add(half as u64);
                put_u64(bytes, rva as usize + half, slot);
                put_u64(bytes, context as usize + RBP, slot);
            }
        }
    }
}

/// How long one hostile dump may take to grade: a hang guard, far above the
/// milliseconds a dump takes.
const HANG_GUARD: Duration = Duration::from_secs(20);

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_dumps_are_graded_without_panic_or_hang(
        mutations in proptest::collection::vec(mutation(), 1..4)
    ) {
        let mut bytes = seed().to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hostile.dmp");
        std::fs::write(&path, &bytes).expect("write");

        let started = Instant::now();
        let grade = rules::verify(&path, None);
        prop_assert!(started.elapsed() < HANG_GUARD, "grading took {:?}", started.elapsed());
        prop_assert_eq!(grade.verdicts.len(), rules::all().len());
        // A panic in a reader would be caught and reported; none may happen.
        for v in &grade.verdicts {
            if let Verdict::Fail { observed, .. } = &v.verdict {
                prop_assert!(!observed.contains("panicked"), "{} {}", v.id, observed);
            }
        }
    }
}
