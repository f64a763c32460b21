//! `crashsuite fuzz`: generated crash scenarios, run for real.

use crashsuite::output;
use crashsuite_data::Exit;
use crashsuite_runner::binaries::Binaries;
use serde::Serialize;
use std::time::Instant;

/// What a fuzz run found, as `--json` prints it.
#[derive(Serialize)]
struct Found {
    seed: u64,
    scenarios: u32,
    passed: Option<usize>,
    failure: Option<crashsuite_runner::scenarios::Failure>,
}

/// Runs `cases` generated scenarios from `seed` (a new one when absent).
pub fn fuzz(cases: u32, seed: Option<u64>, json: bool) -> anyhow::Result<Exit> {
    use proptest::test_runner::{Config, RngSeed};
    let binaries = Binaries::locate()?;
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    eprintln!("fuzz: {cases} scenarios, seed {seed} (--seed {seed} replays them)");
    let config = Config { cases, rng_seed: RngSeed::Fixed(seed), ..Config::default() };
    let started = Instant::now();
    let step = (cases as usize / 10).max(1);
    let outcome = crashsuite_runner::scenarios::explore(&binaries, config, |ran| {
        if ran % step == 0 {
            eprintln!("[{ran}] scenarios run");
        }
    });
    let passed = outcome.is_ok();
    if json {
        let (passed, failure) = match outcome {
            Ok(ran) => (Some(ran), None),
            Err(failure) => (None, Some(failure)),
        };
        output::json(&Found { seed, scenarios: cases, passed, failure })?;
    } else {
        match outcome {
            Ok(ran) => output::line(format_args!(
                "{ran} generated scenarios failed no rule in {:.1} s",
                started.elapsed().as_secs_f64()
            ))?,
            Err(failure) => {
                output::line(format_args!("a generated scenario failed (shrunk):\n{failure}"))?
            }
        }
    }
    Ok(super::exit_for(passed))
}
