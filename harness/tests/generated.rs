//! Generated scenarios (see `crashsuite_runner::scenarios`): eight random scenes per
//! run, each run for real under the reference handler and graded; a failure
//! shrinks and prints a case file. `crashsuite fuzz --cases N` runs more.

use crashsuite_runner::{binaries::Binaries, scenarios};
use proptest::test_runner::Config;

#[test]
fn generated_scenarios_pass_every_must_rule() {
    let binaries = Binaries::locate().expect("the workspace binaries are built");
    let config = Config { cases: 8, ..Config::default() };
    if let Err(failure) = scenarios::explore(&binaries, config, |_| {}) {
        panic!("{failure}");
    }
}

#[test]
fn a_failing_scene_is_reported_with_its_case_file() {
    // A scene the case binary refuses (no crashing thread at all) cannot
    // pass: the check must say so and hand back the case file.
    let binaries = Binaries::locate().expect("the workspace binaries are built");
    let file = "summary = \"broken\"\ntrigger = \"no-such-trigger\"\n";
    let err = scenarios::check(&binaries, file).expect_err("an invalid case cannot pass");
    assert!(matches!(err, scenarios::CheckError::Case(_)), "{err:?}");
    assert!(err.to_string().contains("no-such-trigger"), "{err}");
}
