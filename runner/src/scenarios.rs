//! Generated crash scenarios: random scenes (trigger, kind and number of
//! crashing threads, workers, call depth, annotations, breadcrumbs) run for
//! real under the reference handler; each must fail no rule. A
//! failure shrinks to a small scenario, given back as a case file to drop
//! into `cases/catalogue/`.

use crate::{Trial, binaries::Binaries, handlers, trial};
use crashsuite_cases::{Case, CrashThread, Scene, Trigger};
use proptest::{
    prelude::*,
    test_runner::{Config, TestError, TestRunner},
};

/// Triggers that crash the same way on any thread.
pub fn trigger() -> impl Strategy<Value = Trigger> {
    proptest::sample::select(vec![
        Trigger::NullWrite,
        Trigger::NullRead,
        Trigger::SadnessSegfault,
        Trigger::ReadOnlyWrite,
        Trigger::Abort,
        Trigger::CAssert,
        Trigger::RaiseSegv,
        Trigger::DivideByZero,
        Trigger::IllegalInstruction,
        Trigger::Breakpoint,
        Trigger::BusError,
        Trigger::DoubleFree,
        Trigger::PureVirtualCall,
        Trigger::UncaughtCppException,
    ])
}

/// Scenes: which kind of thread crashes, how many crash at once, workers,
/// call depth, annotations and breadcrumbs.
pub fn scene() -> impl Strategy<Value = Scene> {
    let thread = proptest::sample::select(vec![
        CrashThread::Main,
        CrashThread::Rust,
        CrashThread::RawPthread,
        CrashThread::CThread,
        CrashThread::CppThread,
    ]);
    let annotations = proptest::collection::btree_map("[a-z]{1,8}", "[ -~]{0,16}", 0..4);
    let breadcrumbs = proptest::collection::vec("[ -~]{0,20}", 0..4);
    (thread, 1u32..=3, 0u32..12, 0u32..40, annotations, breadcrumbs).prop_map(
        |(thread, crashers, workers, call_depth, annotations, breadcrumbs)| Scene {
            thread,
            // Several crashers at once run on Rust or raw threads only.
            crashers: if matches!(thread, CrashThread::Rust | CrashThread::RawPthread) {
                crashers
            } else {
                1
            },
            workers,
            call_depth,
            annotations,
            breadcrumbs,
            ..Scene::default()
        },
    )
}

/// The case file of a generated scenario.
pub fn case_file(trigger: Trigger, scene: Scene) -> String {
    let case = Case {
        id: "generated".into(),
        summary: format!("generated: {trigger:?} on {:?}", scene.thread),
        trigger,
        os: vec!["linux".into()],
        arch: vec!["x86_64".into(), "aarch64".into()],
        notes: Default::default(),
        scene,
        file: None,
    };
    case.to_toml().unwrap_or_else(|e| format!("# not serialisable: {e}"))
}

/// Why a scenario did not pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Its case file could not be written.
    #[error("writing the case file: {0}")]
    Io(#[from] std::io::Error),
    /// Its case file is not a valid case.
    #[error(transparent)]
    Case(#[from] crashsuite_cases::CatalogueError),
    /// The trial could not be run.
    #[error("the trial did not run: {0}")]
    Run(#[from] crate::trial::RunError),
    /// A rule failed the trial, or it could not be graded: the graded
    /// report.
    #[error("{0}")]
    Failed(String),
}

/// Runs one scenario from its case file under the reference handler.
pub fn check(binaries: &Binaries, case_file: &str) -> Result<(), CheckError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("generated.toml");
    std::fs::write(&path, case_file)?;
    let case = Case::from_file(&path)?;
    // A trial holds its case for the whole run; one small case per scenario.
    let case: &'static Case = Box::leak(Box::new(case));
    let record =
        trial::run(binaries, Trial { handler: handlers::reference(), case }, Default::default())?;
    let grade = record.grade();
    // The reference handler's one known deviation of this shape
    // (runner/handlers/reference.toml, parallel_crashes MEM-03): stacks
    // of several threads crashing at once may be captured overlapping.
    let several = case.scene.crashers > 1;
    let unexpected = grade.failures().any(|v| !(several && v.id == "MEM-03"));
    if grade.error.is_some() || unexpected {
        Err(CheckError::Failed(grade.explain()))
    } else {
        Ok(())
    }
}

/// A generated scenario that failed, shrunk as far as it would go.
#[derive(Debug, serde::Serialize)]
pub struct Failure {
    /// The graded report of the smallest failing scenario.
    pub report: String,
    /// Its case file.
    pub case_file: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n--- as cases/catalogue/<name>.toml ---\n{}", self.report, self.case_file)
    }
}

/// Runs `cases` generated scenarios (proptest's `config` also sets the seed;
/// failure persistence is off). `progress` is told of every scenario run,
/// shrinking ones included. Returns how many ran, or the shrunk failure.
pub fn explore(
    binaries: &Binaries,
    config: Config,
    progress: impl Fn(usize),
) -> Result<usize, Failure> {
    let mut runner = TestRunner::new(Config { failure_persistence: None, ..config });
    let ran = std::cell::Cell::new(0);
    let outcome = runner.run(&(trigger(), scene()), |(trigger, scene)| {
        ran.set(ran.get() + 1);
        progress(ran.get());
        check(binaries, &case_file(trigger, scene)).map_err(|e| TestCaseError::fail(e.to_string()))
    });
    match outcome {
        Ok(()) => Ok(ran.get()),
        Err(TestError::Fail(why, (trigger, scene))) => {
            Err(Failure { report: why.to_string(), case_file: case_file(trigger, scene) })
        }
        Err(TestError::Abort(why)) => {
            Err(Failure { report: format!("gave up: {why}"), case_file: String::new() })
        }
    }
}
