//! The conformance matrix as tests: one trial per (handler, case), named
//! `handler::case`, each a real crash graded by every rule and its digest
//! compared with `golden/`. A trial fails when a MUST rule fails or the
//! digest changed; SHOULD and MAY findings are printed.
//!
//! The same trials on aarch64 Linux, run in the emulated machine (one boot
//! each), are named `handler::aarch64::case`; those on Windows, run under
//! Wine, `handler::windows::case`.
//!
//! This is a libtest-mimic harness, so nextest's `--list --format terse`,
//! `--exact` and `--ignored` work. Trials that cannot run here (a case for
//! another platform, a case the handler does not support, a handler that is
//! not built, no aarch64 machine or cross build) are listed as ignored; run
//! anyway with `--ignored`, they fail and say why.

use crashsuite_runner::{
    Place, Platform, Trial, handlers,
    matrix::{self, Keep, Outcome},
};
use libtest_mimic::{Arguments, Failed};
use std::path::Path;

/// Runs one trial through the matrix executor, as `crashsuite run` does, and
/// compares its digest with golden/. An emulated machine that fails to run
/// the trial (it went silent: the emulator starved under load, seen about
/// once in 150 boots) is booted once more; a verdict is never retried.
fn run_trial(place: &Place, trial: Trial) -> Result<(), Failed> {
    let run = || matrix::run(place, &[trial], 1, Keep::All, |_, _| {}).pop();
    let outcome = match (run(), place) {
        (Some(Outcome::Error(error)), Place::Emulated(..)) => {
            println!("the emulated machine failed ({error}); booting it once more");
            run()
        }
        (outcome, _) => outcome,
    };
    let graded = match outcome {
        Some(Outcome::Graded(graded)) => graded,
        Some(Outcome::NotRun(reason)) => return Err(format!("not run here: {reason}").into()),
        Some(Outcome::Error(error)) => return Err(error.into()),
        None => return Err("the executor reported nothing".into()),
    };
    let text = graded.grade.explain();
    println!("{text}");
    let golden = compare_with_golden(place.platform(), trial, graded.grade.digest.as_deref());
    let kept = graded.kept.unwrap_or_default();
    if graded.grade.passed() && golden.is_ok() {
        let _ = std::fs::remove_dir_all(&kept);
        return Ok(());
    }
    let golden = golden.err().unwrap_or_default();
    Err(format!("{text}{golden}\nrun directory kept at {}", kept.display()).into())
}

/// Compares the trial's digest with `golden/<handler>/<os>-<arch>/<case>.snap`
/// (insta). A changed or missing digest fails; `scripts/bless.sh` accepts it.
/// A trial that left no dump where DMP-01 is intermittent is not compared,
/// and says so.
fn compare_with_golden(
    platform: Platform,
    trial: Trial,
    digest: Option<&str>,
) -> Result<(), String> {
    let Some(digest) = digest else {
        return Err("\nno digest: the trial could not be graded".into());
    };
    if digest == crashsuite_grader::digest::NO_DUMP_THIS_TIME {
        // The golden holds the digest of a trial that left a dump.
        println!("golden not compared: {digest}");
        return Ok(());
    }
    let platform = platform.label();
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
    let mut trials = Vec::new();
    let places = [
        (Platform::HOST, None),
        (Platform::LINUX_AARCH64, Some("aarch64")),
        (Platform::WINDOWS_X86_64, Some("windows")),
    ];
    for (platform, label) in places {
        // On an aarch64 host the native trials are the aarch64 ones.
        if label.is_some() && !platform.emulated() {
            continue;
        }
        let place = Place::locate(platform);
        for trial in &matrix {
            let name = match label {
                Some(arch) => format!("{}::{arch}::{}", trial.handler.name, trial.case.id),
                None => trial.name(),
            };
            let runs = match &place {
                Ok(place) => place.refuses(trial).map(|()| place.clone()),
                Err(e) => trial.runs_on_platform(platform).and(Err(e.clone())),
            };
            let trial = *trial;
            trials.push(match runs {
                Ok(place) => libtest_mimic::Trial::test(name, move || run_trial(&place, trial)),
                // Listed as ignored; run anyway (`--ignored`), it fails
                // with the reason rather than pass without running.
                Err(reason) => libtest_mimic::Trial::test(name, move || {
                    Err(format!("not run here: {reason}").into())
                })
                .with_ignored_flag(true),
            });
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
