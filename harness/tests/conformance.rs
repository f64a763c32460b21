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

use crashsuite::{
    Trial, binaries::Binaries, handlers, platform::Platform, report, rules, runner, vm, wine,
};
use libtest_mimic::{Arguments, Failed};
use std::path::Path;

/// Where a trial runs: started by the runner (on this host, or under Wine),
/// or in the emulated machine.
#[derive(Clone)]
enum Place {
    Runner(Binaries),
    Emulated(Platform, Binaries, vm::Machine),
}

impl Place {
    fn platform(&self) -> Platform {
        match self {
            Place::Runner(binaries) => binaries.platform,
            Place::Emulated(platform, ..) => *platform,
        }
    }
}

fn run_trial(place: &Place, trial: Trial) -> Result<(), Failed> {
    let limits = runner::Limits::for_platform(place.platform());
    let record = match place {
        Place::Runner(binaries) => runner::run(binaries, trial, limits).map_err(|e| e.to_string()),
        Place::Emulated(_, binaries, machine) => machine.run_one(binaries, trial, limits),
    }?;
    let grade = rules::grade(&record);
    let text = report::trial(&grade);
    println!("{text}");
    let golden = compare_with_golden(place.platform(), trial, grade.digest.as_deref());
    if grade.passed() && golden.is_ok() {
        return Ok(());
    }
    let kept = record.run_dir.keep();
    let golden = golden.err().unwrap_or_default();
    Err(format!("{text}{golden}\nrun directory kept at {}", kept.display()).into())
}

/// Compares the trial's digest with `golden/<handler>/<os>-<arch>/<case>.snap`
/// (insta). A changed or missing digest fails; `scripts/bless.sh` accepts it.
fn compare_with_golden(
    platform: Platform,
    trial: Trial,
    digest: Option<&str>,
) -> Result<(), String> {
    let Some(digest) = digest else {
        return Err("\nno digest: the trial could not be graded".into());
    };
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
    let host = Binaries::locate().map(Place::Runner).map_err(|e| e.to_string());
    let aarch64 = Binaries::locate_for(Platform::LINUX_AARCH64)
        .map_err(|e| e.to_string())
        .and_then(|binaries| {
            let machine = vm::Machine::locate().map_err(|e| e.to_string())?;
            Ok(Place::Emulated(Platform::LINUX_AARCH64, binaries, machine))
        });
    let windows = Binaries::locate_for(Platform::WINDOWS_X86_64)
        .map_err(|e| e.to_string())
        .and_then(|binaries| wine::Wine::locate().map(|_| Place::Runner(binaries)));
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
        (&host, Platform::HOST, None),
        (&aarch64, Platform::LINUX_AARCH64, Some("aarch64")),
        (&windows, Platform::WINDOWS_X86_64, Some("windows")),
    ];
    for (place, platform, label) in places {
        let platform = place.as_ref().map_or(platform, Place::platform);
        // On an aarch64 host the native trials are the aarch64 ones.
        if label.is_some() && !platform.emulated() {
            continue;
        }
        for trial in &matrix {
            let name = match label {
                Some(arch) => format!("{}::{arch}::{}", trial.handler.name, trial.case.id),
                None => trial.name(),
            };
            let runs = match place {
                Ok(place @ (Place::Runner(binaries) | Place::Emulated(_, binaries, _))) => {
                    trial.runs_on(platform, binaries).map(|()| place.clone())
                }
                Err(e) => trial
                    .case
                    .runs_on(platform.os, platform.arch)
                    .and_then(|()| trial.handler.runs_on(&platform.system()))
                    .and(Err(e.clone())),
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
