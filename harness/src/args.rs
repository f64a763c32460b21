//! The command line: every command and its arguments.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Crash-tests crash handlers: runs each crash case under each handler and
/// checks the dump against what the case knows about its own crash.
#[derive(Parser)]
#[command(version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CRASHSUITE_COMMIT"), ")"))]
#[command(after_help = EXIT_CODES)]
pub struct Cli {
    /// More output: every verdict of `run`, and more of the diagnostics of
    /// crashsuite and the crates it uses (`-v` info, `-vv` debug, `-vvv`
    /// trace; `RUST_LOG` chooses them precisely).
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, as `--help` shows them.
const EXIT_CODES: &str = "Exit codes: 0 everything passed; 1 a conformance failure (a trial or \
dump failed, a stale known deviation) or a regression; 2 a usage error (a bad flag, an unknown \
case or handler); 3 crashsuite could not do its job (an executable missing, a file unreadable).";

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Run the matrix and print a table of trials against rules. Exits with 1
    /// when a trial fails (a wrong fact at any level, a missing one at MUST).
    Run {
        /// Handlers to grade, by name, comma-separated or repeated; `all` for
        /// every known one (default: the reference and in-process handlers).
        /// `crashsuite handlers` lists them.
        #[arg(long, value_delimiter = ',')]
        handler: Vec<String>,
        /// Also grade the handler this manifest describes (format in
        /// handler/CONTRACT.md); repeatable.
        #[arg(long)]
        manifest: Vec<PathBuf>,
        /// Cases to run, comma-separated or repeated (default: every case).
        #[arg(long, value_delimiter = ',')]
        case: Vec<String>,
        /// Also write the results to this directory: results.json (schema in
        /// harness/RESULTS.md), junit.xml and matrix.md.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Keep each trial's run directory (dump, truth record) and print where.
        #[arg(long)]
        keep: bool,
        /// Print the results (results.json's content) instead of tables.
        #[arg(long)]
        json: bool,
        /// Trials at a time (default: twice the CPUs; a trial mostly waits
        /// for a crash and a dump).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run the whole matrix N times: the evidence for intermittent known
        /// deviations. Prints how often each failed; one that failed every
        /// time is reported as permanent (and fails the run). Each trial is
        /// shown by its first round that did not pass.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        repeat: u16,
        /// Where the cases run: this host's architecture (the default);
        /// `aarch64` (also `aarch64-unknown-linux-gnu`), in an emulated
        /// aarch64 Linux machine, all in one boot (scripts/aarch64/build.sh
        /// prepares it); or `windows` (also `x86_64-pc-windows-gnu`), the
        /// Windows case executable under Wine (scripts/windows/build.sh).
        #[arg(long, visible_alias = "target", default_value = std::env::consts::ARCH)]
        arch: String,
    },
    /// Grade one dump made by any handler, anywhere. With the case's truth
    /// record every rule runs; without one the dump is judged by what it
    /// says about itself (its streams must agree with each other; nothing of
    /// this machine applies unless --made-here), and the rules that need the
    /// crash's facts skip. Exits with 1 when the dump fails (a wrong fact at
    /// any level, a missing one at MUST).
    Verify {
        /// The dump file.
        dump: PathBuf,
        /// The truth record the crashing case wrote.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// The dump was made on this machine: its system (OS, CPU,
        /// processors) applies, and every module's file here must have the
        /// code id the dump lists. Without it (or a truth record) the dump
        /// is judged by what it says about itself.
        #[arg(long, conflicts_with = "truth")]
        made_here: bool,
        /// A directory of the dump's module files (executables, libraries,
        /// DLLs, under their own file names), for a dump made elsewhere: a
        /// file there with the module's code id (ELF build id, PE timestamp
        /// and size) unwinds and names its frames. Repeatable.
        #[arg(long, value_name = "DIR")]
        symbols: Vec<PathBuf>,
        /// Print the verdicts as JSON.
        #[arg(long)]
        json: bool,
        /// Print the dump's stack walk as minidump-stackwalk's JSON (its
        /// schema, with crashsuite's frame names filled in) instead of the
        /// verdicts; the exit code is still the grade's.
        #[arg(long, conflicts_with = "json")]
        stackwalk: bool,
    },
    /// Crash many clients against one reference monitor, several at a time,
    /// and check that every crash has exactly one dump that passes every MUST
    /// rule. Exits with 1 otherwise.
    Stress {
        /// Clients crashing at the same time.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Crashes in all.
        #[arg(long, default_value_t = 1000)]
        crashes: usize,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate random crash scenarios (trigger, threads, crashers, workers,
    /// call depth, annotations, breadcrumbs) and run each for real under the
    /// reference handler; each must fail no rule. A failure shrinks
    /// to a small scenario, printed as a case file; exits with 1 then.
    Fuzz {
        /// Scenarios to run.
        #[arg(long, default_value_t = 100)]
        cases: u32,
        /// Seed for the generator (default: a new one each run, printed).
        #[arg(long)]
        seed: Option<u64>,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show where two dumps of one crash differ, stream by stream, and which
    /// rules grade them differently: two dump files, or one case run under
    /// two handlers (`--case C --handler a,b`).
    Diff {
        /// Two dump files to compare.
        #[arg(num_args = 0..=2)]
        dumps: Vec<PathBuf>,
        /// Run this case under the two handlers of --handler and compare.
        #[arg(long, requires = "handler", conflicts_with = "dumps")]
        case: Option<String>,
        /// The two handlers, comma-separated.
        #[arg(long, value_delimiter = ',')]
        handler: Vec<String>,
        /// Print every stream and rule, not only those that differ.
        #[arg(long)]
        all: bool,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure what a crash costs, per (handler, case): crash→dump latency,
    /// crash→process gone, dump size and verify time, as median and 90th
    /// percentile over --runs runs, handlers interleaved, with each
    /// handler's ratio to the reference.
    Bench {
        /// Handlers, comma-separated or repeated; `all` for every known one
        /// (default: the reference and in-process handlers).
        #[arg(long, value_delimiter = ',')]
        handler: Vec<String>,
        /// Cases (default: every case that runs here).
        #[arg(long, value_delimiter = ',')]
        case: Vec<String>,
        /// Runs of each trial.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Also measure the cost curves: latency and dump size against 1 to
        /// 1000 threads and 1 MiB to 1 GiB of touched heap.
        #[arg(long)]
        curves: bool,
        /// Only the curves, not the catalogue.
        #[arg(long, requires = "curves")]
        only_curves: bool,
        /// Time this `minidump-stackwalk` (`--use-local-debuginfo`) on every
        /// dump against a whole `crashsuite verify` process.
        #[arg(long)]
        stackwalk: Option<PathBuf>,
        /// Write bench.json (and the curves as SVG) to this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print bench.json's content instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// A process for the floor probe of `bench --curves` to stop and read:
    /// THREADS threads and BYTES of touched memory; prints its pid and the
    /// memory's address, and lives until its standard input closes.
    #[command(hide = true)]
    FloorTarget {
        /// Threads, this one included.
        #[arg(long)]
        threads: usize,
        /// Bytes of touched memory.
        #[arg(long)]
        bytes: usize,
    },
    /// Compare a run's results with a baseline, at every rule level: facts
    /// broken or fixed, new failures, checks newly skipped, trials no longer
    /// run or gone. Exits with 1 on any regression.
    Gate {
        /// Baseline results: a run's results.json, or the stored baselines
        /// (`golden/<handler>/<os>-<arch>/baseline.json`), one per handler;
        /// the option repeats.
        #[arg(long, required = true)]
        baseline: Vec<PathBuf>,
        /// The run's results.json (`crashsuite run --report DIR` writes it).
        #[arg(long)]
        results: PathBuf,
        /// Print Markdown, for a pull-request comment.
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the run's HTML report, with what broke and what was
        /// fixed marked, to DIR/report.html.
        #[arg(long, value_name = "DIR")]
        html: Option<PathBuf>,
    },
    /// Store a run as the gate's baselines: golden/<handler>/<os>-<arch>/
    /// baseline.json for every handler in each results.json
    /// (scripts/baselines.sh runs the matrix and this).
    Baseline {
        /// results.json files written by `crashsuite run --report`.
        #[arg(required = true)]
        results: Vec<PathBuf>,
        /// The golden directory.
        #[arg(long, default_value = "golden")]
        golden: PathBuf,
    },
    /// Write a self-contained HTML report (DIR/report.html) from one or more
    /// results.json files (several platforms become several columns), with
    /// bench figures when given.
    Report {
        /// results.json files written by `crashsuite run --report`.
        #[arg(required = true)]
        results: Vec<PathBuf>,
        /// Directory for report.html.
        #[arg(long, value_name = "DIR")]
        html: PathBuf,
        /// A bench.json written by `crashsuite bench --out`.
        #[arg(long)]
        bench: Option<PathBuf>,
    },
    /// Tell one-fact lies to real dumps of every case (a catalogue of
    /// rewrites, each making one field of a good dump false) and count which
    /// rules catch each. Exits with 1 when an applicable lie goes uncaught.
    Sensitivity {
        /// Handlers whose dumps are lied about, comma-separated or repeated;
        /// `all` for every known one (default: the reference and in-process
        /// handlers).
        #[arg(long, value_delimiter = ',')]
        handler: Vec<String>,
        /// Cases (default: every case that runs here).
        #[arg(long, value_delimiter = ',')]
        case: Vec<String>,
        /// Trials at a time (default: twice the CPUs).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Print every trial's lies and the scores as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the known handlers: name, whether it is built here, summary.
    Handlers {
        /// Print JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// List the rules.
    Rules {
        /// Print JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// The field table: every stream and field handlers write, what the
    /// rules check it against, and what no rule checks, with the reason
    /// (docs/fields.md holds it).
    Fields {
        /// Print JSON instead: every rule's fields, and the unchecked ones.
        #[arg(long)]
        json: bool,
    },
    /// List the cases: id, platforms, summary, and whether each runs here.
    Cases {
        /// Print JSON instead: every case with its trigger, scene and platforms.
        #[arg(long)]
        json: bool,
    },
}
