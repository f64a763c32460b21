//! The verifier's hot paths on a real dump: parsing the container, gathering
//! the evidence (every stream, the stack walk, frame names) and grading it
//! with every rule.
//!
//! The dump is made here, by crashing `segv_null_write` under the reference
//! handler, so the workspace's binaries must be built in the same profile
//! first (`cargo build --release --workspace`). Frame names come from the
//! name cache after the first iteration, as they do in a matrix run.

use crashsuite_grader::evidence::{DumpEvidence, DumpFile};
use crashsuite_runner::{Trial, binaries::Binaries, handlers, trial};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn verifier(c: &mut Criterion) {
    let binaries = Binaries::locate().expect("build the workspace's binaries first");
    let case = crashsuite_cases::find("segv_null_write")
        .expect("catalogue")
        .expect("segv_null_write is in the catalogue");
    let record = trial::run(
        &binaries,
        Trial { handler: handlers::reference(), case },
        trial::Limits::default(),
    )
    .expect("the trial runs");
    let [dump] = record.dumps.as_slice() else { panic!("one dump, got {:?}", record.dumps) };
    let bytes = std::fs::read(dump).expect("read the dump");
    let truth = record.truth.as_ref().expect("a truth record");

    let mut group = c.benchmark_group("verify");
    group.bench_function("parse", |b| {
        b.iter(|| DumpFile::from_bytes(black_box(bytes.clone())).expect("parses"))
    });
    let file = DumpFile::from_bytes(bytes.clone()).expect("parses");
    group.bench_function("gather (walk, names)", |b| {
        b.iter(|| DumpEvidence::gather(black_box(&file), &[]).frame_names.len())
    });
    group.bench_function("grade (every rule)", |b| {
        b.iter(|| {
            crashsuite_grader::verify_bytes("bench.dmp", black_box(bytes.clone()), Some(truth))
        })
    });
    group.finish();
}

criterion_group!(benches, verifier);
criterion_main!(benches);
