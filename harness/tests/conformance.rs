//! The conformance matrix as tests: one trial per (handler, case), named
//! `handler::case`, each a real crash graded by every rule and its digest
//! compared with `golden/`. A trial fails when a MUST rule fails or the
//! digest changed; SHOULD and MAY findings are printed.
//!
//! This is a libtest-mimic harness, so nextest's `--list --format terse`,
//! `--exact` and `--ignored` work. Trials that cannot run here (a case for
//! another platform, a case the handler does not support, a handler that is
//! not built) are listed as ignored; run anyway with `--ignored`, they fail
//! and say why.

use crashsuite::{Trial, binaries::Binaries, handlers, report, rules, runner};
use libtest_mimic::{Arguments, Failed};
use std::path::Path;

fn run_trial(binaries: &Result<Binaries, String>, trial: Trial) -> Result<(), Failed> {
    let binaries = binaries.as_ref().map_err(Failed::from)?;
    let record = runner::run(binaries, trial, runner::Limits::default())
        .map_err(|e| Failed::from(e.to_string()))?;
    let grade = rules::grade(&record);
    let text = report::trial(&grade);
    println!("{text}");
    let golden = compare_with_golden(trial, grade.digest.as_deref());
    if grade.passed() && golden.is_ok() {
        return Ok(());
    }
    let kept = record.run_dir.keep();
    let golden = golden.err().unwrap_or_default();
    Err(format!("{text}{golden}\nrun directory kept at {}", kept.display()).into())
}

/// Compares the trial's digest with `golden/<handler>/<os>-<arch>/<case>.snap`
/// (insta). A changed or missing digest fails; `scripts/bless.sh` accepts it.
fn compare_with_golden(trial: Trial, digest: Option<&str>) -> Result<(), String> {
    let Some(digest) = digest else {
        return Err("\nno digest: the trial could not be graded".into());
    };
    let platform = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
    // The checkout the test runs in (cargo and nextest set the variable), not
    // the one it was compiled in: a target directory shared by checkouts at
    // other paths reuses this binary.
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_owned(), Into::into);
    let dir = package.join("../golden").join(&trial.handler.name).join(platform);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let compared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(trial.case.id.as_str(), digest));
    }));
    compared.map_err(|_| {
        "\nthe digest differs from golden (see above); scripts/bless.sh accepts a change".to_owned()
    })
}

fn main() {
    let args = Arguments::from_args();
    let binaries = Binaries::locate().map_err(|e| e.to_string());
    let known = handlers::known().map(|known| known.iter().collect::<Vec<_>>());
    let matrix = match known.map_err(|e| e.to_string()).and_then(|known| {
        Trial::matrix(&known).map_err(|e| format!("the case catalogue is broken: {e}"))
    }) {
        Ok(matrix) => matrix,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(101);
        }
    };
    let trials = matrix
        .into_iter()
        .map(|trial| {
            let name = trial.name();
            let runs_here = match &binaries {
                Ok(binaries) => trial.runs_here(binaries),
                Err(_) => trial.case.runs_here(),
            };
            match runs_here {
                Ok(()) => {
                    let binaries = binaries.clone();
                    libtest_mimic::Trial::test(name, move || run_trial(&binaries, trial))
                }
                // Listed as ignored; run anyway (`--ignored`), it fails
                // with the reason rather than pass without running.
                Err(reason) => libtest_mimic::Trial::test(name, move || {
                    Err(format!("not run here: {reason}").into())
                })
                .with_ignored_flag(true),
            }
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
