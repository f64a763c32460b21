//! The conformance matrix as tests: one trial per (handler, case), named
//! `handler::case`, each a real crash graded by every rule. A trial fails when
//! a MUST rule fails; SHOULD and MAY findings are printed.
//!
//! This is a libtest-mimic harness, so nextest's `--list --format terse`,
//! `--exact` and `--ignored` work. Cases that cannot run on this platform are
//! listed as ignored; run anyway with `--ignored`, they fail and say why.

use crashsuite::{Handler, Trial, binaries::Binaries, report, rules, runner};
use libtest_mimic::{Arguments, Failed};

fn run_trial(binaries: &Result<Binaries, String>, trial: Trial) -> Result<(), Failed> {
    let binaries = binaries.as_ref().map_err(Failed::from)?;
    let record = runner::run(binaries, trial, runner::Limits::default())
        .map_err(|e| Failed::from(e.to_string()))?;
    let grade = rules::grade(&record);
    let text = report::trial(&grade);
    println!("{text}");
    if grade.passed() {
        Ok(())
    } else {
        let kept = record.run_dir.keep();
        Err(format!("{text}\nrun directory kept at {}", kept.display()).into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let binaries = Binaries::locate().map_err(|e| e.to_string());
    let matrix = match Trial::matrix(Handler::ALL) {
        Ok(matrix) => matrix,
        Err(e) => {
            eprintln!("the case catalogue is broken: {e}");
            std::process::exit(101);
        }
    };
    let trials = matrix
        .into_iter()
        .map(|trial| {
            let name = trial.name();
            match trial.case.runs_here() {
                Ok(()) => {
                    let binaries = binaries.clone();
                    libtest_mimic::Trial::test(name, move || run_trial(&binaries, trial))
                }
                // Listed as ignored; run anyway (`--ignored`), it fails
                // with the reason rather than pass without running.
                Err(reason) => libtest_mimic::Trial::test(name, move || {
                    Err(format!("not run on this platform: {reason}").into())
                })
                .with_ignored_flag(true),
            }
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
