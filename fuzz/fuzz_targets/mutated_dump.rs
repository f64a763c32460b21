//! Grades a real dump corrupted by mutations decoded from the fuzzer's
//! input: the same mutations as the property test in
//! harness/tests/hostile.rs. Any panic in the verifier, even one it would
//! catch and report, is a finding (libFuzzer's panic hook aborts).
//!
//! The dump to corrupt is made at start-up by one trial of the reference
//! handler, with the executables in `CRASHSUITE_BIN_DIR` (scripts/fuzz.sh
//! builds them and sets it).

#![no_main]

use crashsuite::{Trial, binaries::Binaries, handlers, runner};
use crashsuite_mutate::Mutation;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn seed() -> &'static [u8] {
    static SEED: OnceLock<Vec<u8>> = OnceLock::new();
    SEED.get_or_init(|| {
        let binaries = Binaries::locate().expect("CRASHSUITE_BIN_DIR holds the built executables");
        let case = crashsuite_cases::find("segv_cpp_thread").expect("catalogue").expect("case");
        let trial = Trial { handler: handlers::reference(), case };
        let record = runner::run(&binaries, trial, Default::default()).expect("the trial runs");
        std::fs::read(record.dumps.first().expect("a dump")).expect("readable")
    })
}

fuzz_target!(|mutations: Vec<Mutation>| {
    let mut bytes = seed().to_vec();
    for m in mutations.iter().take(8) {
        crashsuite_mutate::apply(&mut bytes, m);
    }
    let grade = crashsuite::rules::verify_bytes("mutated.dmp", bytes, None);
    assert_eq!(grade.verdicts.len(), crashsuite::rules::all().len());
});
