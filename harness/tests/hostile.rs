//! Hostile dumps: real dumps mutated at random (bytes flipped, truncated,
//! directory entries pointing out of the file, huge counts, overlapping
//! streams, a frame-pointer chain that points at itself). Grading one must
//! never panic, never hang, and report what it could not read as findings.

use crashsuite_grader::{Verdict, rules};
use crashsuite_runner::{Trial, binaries::Binaries, handlers, trial};
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
        let record = trial::run(
            &binaries,
            Trial { handler: handlers::reference(), case },
            Default::default(),
        )
        .expect("trial runs");
        std::fs::read(record.dumps.first().expect("a dump")).expect("readable")
    })
}

/// How long one hostile dump may take to grade: a hang guard, far above the
/// milliseconds a dump takes.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Peak memory the whole run may reach: a bound against readers that
/// allocate what a hostile count claims (a real dump needs a few MiB).
const MEMORY_BOUND_KIB: u64 = 1 << 20;

/// This process's peak resident memory (VmHWM).
fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM is listed")
}

/// Dumps graded so far, printed after each (`--no-capture` shows it).
static GRADED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_dumps_are_graded_without_panic_or_hang(
        mutations in proptest::collection::vec(crashsuite_mutate::strategy(), 1..4)
    ) {
        let mut bytes = seed().to_vec();
        for m in &mutations {
            crashsuite_mutate::apply(&mut bytes, m);
        }
        let started = Instant::now();
        let grade = crashsuite_grader::verify_bytes("hostile.dmp", bytes, None);
        prop_assert!(started.elapsed() < HANG_GUARD, "grading took {:?}", started.elapsed());
        let peak = peak_memory_kib();
        prop_assert!(peak < MEMORY_BOUND_KIB, "peak memory {} KiB", peak);
        let graded = GRADED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        eprintln!("hostile dumps: {graded} graded, peak memory {} MiB", peak / 1024);
        prop_assert_eq!(grade.verdicts.len(), rules::all().len());
        // A panic in a reader would be caught and reported; none may happen.
        for v in &grade.verdicts {
            if let Verdict::Fail { observed, .. } = &v.verdict {
                prop_assert!(!observed.contains("panicked"), "{} {}", v.id, observed);
            }
        }
    }
}
