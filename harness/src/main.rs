//! `crashsuite`: run the conformance matrix and grade every dump.

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use crashsuite::{
    Handler, Trial, bench,
    binaries::Binaries,
    curves, handlers,
    platform::Platform,
    report,
    results::{Results, Timings, TrialResult},
    rules::{self, Grade},
    runner, vm,
};
use std::{path::PathBuf, time::Instant};

/// Crash-tests crash handlers: runs each crash case under each handler and
/// checks the dump against what the case knows about its own crash.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the matrix and print a table of trials against rules. Exits with 1
    /// when a MUST rule fails.
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
        /// Print every verdict of every trial, with what was seen.
        #[arg(long, short)]
        verbose: bool,
        /// Trials at a time (default: twice the CPUs; a trial mostly waits
        /// for a crash and a dump).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Where the cases run: this host's architecture (the default);
        /// `aarch64` (also `aarch64-unknown-linux-gnu`), in an emulated
        /// aarch64 Linux machine, all in one boot (scripts/aarch64/build.sh
        /// prepares it); or `windows` (also `x86_64-pc-windows-gnu`), the
        /// Windows case executable under Wine (scripts/windows/build.sh).
        #[arg(long, visible_alias = "target", default_value = std::env::consts::ARCH)]
        arch: String,
    },
    /// Grade one dump made by any handler. With the case's truth record
    /// every rule runs; without one, only the rules on the dump's own
    /// structure, and the rest skip. Exits with 1 when a MUST rule fails.
    Verify {
        /// The dump file.
        dump: PathBuf,
        /// The truth record the crashing case wrote.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Print the verdicts as JSON.
        #[arg(long)]
        json: bool,
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
    },
    /// Generate random crash scenarios (trigger, threads, crashers, workers,
    /// call depth, annotations, breadcrumbs) and run each for real under the
    /// reference handler; each must pass every MUST rule. A failure shrinks
    /// to a small scenario, printed as a case file; exits with 1 then.
    Fuzz {
        /// Scenarios to run.
        #[arg(long, default_value_t = 100)]
        cases: u32,
        /// Seed for the generator (default: a new one each run, printed).
        #[arg(long)]
        seed: Option<u64>,
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
    },
    /// Compare a run's results with a baseline: MUST rules broken or fixed,
    /// new failures, trials no longer run. Exits with 1 on any regression.
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
        #[arg(long)]
        markdown: bool,
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
    /// List the known handlers: name, whether it is built here, summary.
    Handlers,
    /// List the rules.
    Rules,
    /// List the cases: id, platforms, summary, and whether each runs here.
    Cases {
        /// Print JSON instead: every case with its trigger, scene and platforms.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run { handler, manifest, case, report, keep, verbose, jobs, arch } => {
            let handlers = choose_handlers(&handler, &manifest)?;
            let jobs = jobs.unwrap_or_else(|| {
                2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let platform = Platform::for_target(&arch).map_err(anyhow::Error::msg)?;
            run(platform, &handlers, &case, report, keep, verbose, jobs)
        }
        Command::Verify { dump, truth, json } => verify(&dump, truth.as_deref(), json),
        Command::Stress { clients, crashes } => stress(clients, crashes),
        Command::Fuzz { cases, seed } => fuzz(cases, seed),
        Command::Diff { dumps, case, handler, all } => diff(&dumps, case.as_deref(), &handler, all),
        Command::Gate { baseline, results, markdown, html } => {
            let findings = crashsuite::gate::compare(&baseline, &results)?;
            print!("{}", findings.render(markdown));
            let regressed = findings.regressed();
            if let Some(dir) = html {
                let runs = vec![crashsuite::html::read_results(&results)?];
                let page = crashsuite::html::Page { runs, gate: Some(findings), bench: None };
                eprintln!("report written to {}", page.write(&dir)?.display());
            }
            if regressed {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Baseline { results, golden } => {
            for results in &results {
                for path in crashsuite::gate::write_baselines(results, &golden)? {
                    println!("{}", path.display());
                }
            }
            Ok(())
        }
        Command::Report { results, html, bench } => {
            let runs = results
                .iter()
                .map(|path| crashsuite::html::read_results(path))
                .collect::<anyhow::Result<_>>()?;
            let bench = bench.as_deref().map(crashsuite::html::read_bench).transpose()?;
            let page = crashsuite::html::Page { runs, gate: None, bench };
            println!("report written to {}", page.write(&html)?.display());
            Ok(())
        }
        Command::Bench { handler, case, runs, curves, only_curves, stackwalk, out } => {
            let handlers = choose_handlers(&handler, &[])?;
            let options = bench::Options { runs: runs.max(1), stackwalk: stackwalk.as_deref() };
            let cases = if only_curves { None } else { Some(case.as_slice()) };
            bench_command(&handlers, cases, curves, &options, out)
        }
        Command::Handlers => handlers(),
        Command::Rules => {
            for rule in rules::all() {
                println!("{:<7} {:<6} {:<13} {}", rule.id, rule.level, rule.stream, rule.title);
            }
            Ok(())
        }
        Command::Cases { json } => cases(json),
    }
}

fn verify(
    dump: &std::path::Path,
    truth: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<()> {
    let truth = truth.map(crashsuite_cases::Truth::read).transpose()?;
    let grade = rules::verify(dump, truth.as_ref());
    if json {
        println!("{}", serde_json::to_string_pretty(&grade)?);
    } else {
        print!("{}", report::trial(&grade));
    }
    if !grade.passed() {
        std::process::exit(1);
    }
    Ok(())
}

fn stress(clients: usize, crashes: usize) -> anyhow::Result<()> {
    let binaries = Binaries::locate()?;
    let step = (crashes / 10).max(1);
    let figures = crashsuite::stress::run(&binaries, clients, crashes, |done| {
        if done % step == 0 || done == crashes {
            eprintln!("[{done}/{crashes}] crashed");
        }
        if done == crashes {
            eprintln!("grading {crashes} dumps");
        }
    })?;
    println!(
        "{} crashes by {clients} clients at a time in {:.1} s ({:.0}/s): {} with exactly one dump, \
         {} lost, {} duplicated, {} failing a MUST rule",
        figures.crashes,
        figures.wall.as_secs_f64(),
        figures.crashes as f64 / figures.wall.as_secs_f64(),
        figures.dumped_once,
        figures.lost,
        figures.duplicated,
        figures.failed.len()
    );
    for failure in &figures.failed {
        println!("  {failure}");
    }
    if !figures.clean() {
        std::process::exit(1);
    }
    Ok(())
}

fn fuzz(cases: u32, seed: Option<u64>) -> anyhow::Result<()> {
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
    let outcome = crashsuite::scenarios::explore(&binaries, config, |ran| {
        if ran % step == 0 {
            eprintln!("[{ran}] scenarios run");
        }
    });
    match outcome {
        Ok(ran) => {
            println!(
                "{ran} generated scenarios passed every MUST rule in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(failure) => {
            println!("a generated scenario failed (shrunk):\n{failure}");
            std::process::exit(1);
        }
    }
}

fn cases(json: bool) -> anyhow::Result<()> {
    let cases = crashsuite_cases::catalogue()?;
    if json {
        println!("{}", serde_json::to_string_pretty(cases)?);
        return Ok(());
    }
    for case in cases {
        let platforms = format!("{} / {}", case.os.join(","), case.arch.join(","));
        let here = match case.runs_here() {
            Ok(()) => String::new(),
            Err(reason) => format!(" (not here: {reason})"),
        };
        println!("{:<32} {:<24} {}{here}", case.id, platforms, case.summary);
        for (platform, note) in &case.notes {
            println!("{:<32} on {platform}: {note}", "");
        }
    }
    Ok(())
}

/// A dump to compare: what to call it, the file, and its grade.
struct Side {
    label: String,
    file: crashsuite::evidence::DumpFile,
    grade: Grade,
}

fn diff(dumps: &[PathBuf], case: Option<&str>, names: &[String], all: bool) -> anyhow::Result<()> {
    use crashsuite::{
        compare,
        evidence::{DumpEvidence, DumpFile},
    };
    let sides: Vec<Side> = match case {
        Some(id) => {
            let [a, b] = names else { bail!("--handler names two handlers, as in --handler a,b") };
            let case = crashsuite_cases::find(id)?
                .with_context(|| format!("unknown case {id:?}; `crashsuite cases` lists them"))?;
            let binaries = Binaries::locate()?;
            let mut sides = Vec::new();
            for name in [a, b] {
                let handler =
                    handlers::find(name)?.with_context(|| format!("unknown handler {name:?}"))?;
                let trial = Trial { handler, case };
                trial.runs_here(&binaries).map_err(anyhow::Error::msg)?;
                let record = runner::run(&binaries, trial, runner::Limits::default())?;
                let grade = rules::grade(&record);
                let [dump] = record.dumps.as_slice() else {
                    bail!(
                        "{} left {} dumps; it must leave one to compare",
                        trial.name(),
                        record.dumps.len()
                    );
                };
                let file = DumpFile::read(dump).map_err(anyhow::Error::msg)?;
                sides.push(Side { label: name.clone(), file, grade });
            }
            sides
        }
        None => {
            let [a, b] = dumps else { bail!("give two dump files, or --case C --handler a,b") };
            let mut sides = Vec::new();
            for path in [a, b] {
                let file = DumpFile::read(path).map_err(anyhow::Error::msg)?;
                sides.push(Side {
                    label: path.display().to_string(),
                    file,
                    grade: rules::verify(path, None),
                });
            }
            sides
        }
    };
    let [left, right] = sides.as_slice() else { unreachable!("two sides") };
    let summary = |side: &Side| compare::summarise(&DumpEvidence::gather(&side.file));
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["stream", &left.label, &right.label]);
    let absent = || "—".to_owned();
    for row in compare::rows(&summary(left), &summary(right)) {
        if all || !row.same() {
            table.add_row([
                row.stream,
                row.left.unwrap_or_else(absent),
                row.right.unwrap_or_else(absent),
            ]);
        }
    }
    println!("{table}\n");
    let mut verdicts = comfy_table::Table::new();
    verdicts.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    verdicts.set_header(["rule", &left.label, &right.label]);
    for (l, r) in left.grade.verdicts.iter().zip(&right.grade.verdicts) {
        let (lk, rk) = (l.verdict.kind(), r.verdict.kind());
        if all || lk != rk {
            verdicts.add_row([format!("{} {}", l.id, l.level), lk.to_owned(), rk.to_owned()]);
        }
    }
    println!("{verdicts}");
    Ok(())
}

/// The handlers named on the command line, and those the manifests describe.
fn choose_handlers(
    names: &[String],
    manifests: &[PathBuf],
) -> anyhow::Result<Vec<&'static Handler>> {
    let mut chosen = Vec::new();
    for name in names {
        if name == "all" {
            chosen.extend(handlers::known()?);
            continue;
        }
        let handler = handlers::find(name)?.with_context(|| {
            format!("unknown handler {name:?}; `crashsuite handlers` lists them")
        })?;
        chosen.push(handler);
    }
    for path in manifests {
        chosen.push(Handler::load(path)?);
    }
    if chosen.is_empty() {
        chosen = handlers::defaults()?;
    }
    Ok(chosen)
}

fn handlers() -> anyhow::Result<()> {
    let binaries = Binaries::locate()?;
    for handler in handlers::known()? {
        let state = match handler.executables(&binaries) {
            Ok(_) => "built".to_owned(),
            Err(e) => format!("not built: {e}"),
        };
        println!("{:<10} {} [{}] ({state})", handler.name, handler.summary, handler.version);
    }
    Ok(())
}

/// The trials of `trials` that run on the emulated `platform`, in one boot
/// of the machine; the rest are not run, with the reason. Results in order.
fn run_emulated(
    binaries: &Binaries,
    platform: Platform,
    trials: &[Trial],
    graded: impl Fn(&Trial, runner::TrialRecord) -> TrialResult,
    mut progress: impl FnMut(&Trial, &anyhow::Result<TrialResult>),
) -> anyhow::Result<Vec<anyhow::Result<TrialResult>>> {
    let mut outcomes: Vec<Option<anyhow::Result<TrialResult>>> = Vec::new();
    let mut runnable = Vec::new();
    for trial in trials {
        match trial.runs_on(platform, binaries) {
            Ok(()) => {
                runnable.push(*trial);
                outcomes.push(None);
            }
            Err(reason) => {
                let outcome = Ok(TrialResult::not_run(trial.handler, &trial.case.id, reason));
                progress(trial, &outcome);
                outcomes.push(Some(outcome));
            }
        }
    }
    let machine = vm::Machine::locate()?;
    eprintln!("booting the emulated {} machine for {} trials", platform.label(), runnable.len());
    let slots: Vec<usize> =
        outcomes.iter().enumerate().filter(|(_, o)| o.is_none()).map(|(i, _)| i).collect();
    machine.run(binaries, &runnable, runner::Limits::default(), |index, record| {
        let trial = &runnable[index];
        let outcome = record
            .map(|record| graded(trial, record))
            .map_err(|e| anyhow::anyhow!("running {}: {e}", trial.name()));
        progress(trial, &outcome);
        outcomes[slots[index]] = Some(outcome);
    })?;
    Ok(outcomes
        .into_iter()
        .map(|outcome| outcome.unwrap_or_else(|| unreachable!("the machine reports every trial")))
        .collect())
}

fn run(
    platform: Platform,
    handlers: &[&'static Handler],
    cases: &[String],
    report_dir: Option<PathBuf>,
    keep: bool,
    verbose: bool,
    jobs: usize,
) -> anyhow::Result<()> {
    for id in cases {
        if crashsuite_cases::find(id)?.is_none() {
            bail!("unknown case {id:?}; `crashsuite cases` lists them");
        }
    }
    let trials: Vec<Trial> = Trial::matrix(handlers)?
        .into_iter()
        .filter(|t| cases.is_empty() || cases.contains(&t.case.id))
        .collect();
    let binaries = Binaries::locate_for(platform)?;

    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let graded = |trial: &Trial, record: runner::TrialRecord| {
        let grading = Instant::now();
        let grade = rules::grade(&record);
        let timings = Timings {
            wall: record.wall,
            latency_ms: record.latency_ms(),
            verify: grading.elapsed(),
        };
        if keep {
            let dir = record.run_dir.keep();
            eprintln!("{}: kept {}", trial.name(), dir.display());
        }
        TrialResult::graded(trial.handler, &trial.case.id, grade, timings)
    };
    let (total, mut finished) = (trials.len(), 0);
    let mut progress = |trial: &Trial, outcome: &anyhow::Result<TrialResult>| {
        finished += 1;
        let progress = format!("[{finished}/{total}] {}", trial.name());
        match outcome {
            Ok(result) => match (&result.grade, &result.not_run_reason) {
                (Some(grade), _) => {
                    eprintln!(
                        "{progress}: {} ({} ms)",
                        if grade.passed() { "ok" } else { "FAILED" },
                        result.wall_ms.unwrap_or_default()
                    );
                    if verbose {
                        eprint!("{}", report::trial(grade));
                    }
                }
                (None, reason) => {
                    eprintln!("{progress}: not run: {}", reason.as_deref().unwrap_or("?"))
                }
            },
            Err(e) => eprintln!("{progress}: {e:#}"),
        }
    };
    let outcomes = if platform.in_vm() {
        run_emulated(&binaries, platform, &trials, graded, progress)?
    } else {
        runner::in_parallel(
            &trials,
            jobs,
            |trial| -> anyhow::Result<TrialResult> {
                if let Err(reason) = trial.runs_on(platform, &binaries) {
                    return Ok(TrialResult::not_run(trial.handler, &trial.case.id, reason));
                }
                let record = runner::run(&binaries, *trial, runner::Limits::for_platform(platform))
                    .with_context(|| format!("running {}", trial.name()))?;
                Ok(graded(trial, record))
            },
            |index, outcome| progress(&trials[index], outcome),
        )
    };
    let results: Vec<TrialResult> = outcomes.into_iter().collect::<anyhow::Result<_>>()?;

    let results = Results::new(platform, handlers, results, started_at, started.elapsed());
    let grades: Vec<&Grade> = results.trials.iter().filter_map(|r| r.grade.as_ref()).collect();
    if handlers.len() > 1 {
        // Several handlers: their figures, then the cases side by side.
        println!("{}\n\n{}", results.summary_table(), results.side_by_side());
    } else {
        println!("{}", report::table(&grades));
    }
    print!("{}", report::details(&grades, verbose));
    let failed = grades.iter().filter(|g| !g.passed()).count();
    let graded = grades.len();
    println!(
        "{} trials, {} passed, {} failed, in {:.1} s",
        graded,
        graded - failed,
        failed,
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = report_dir {
        results.write(&dir)?;
        println!("results written to {}", dir.display());
    }
    if failed > 0 {
        std::process::exit(1);
    }
    if graded == 0 {
        bail!("no trial could run here (the reasons are above)");
    }
    Ok(())
}

fn bench_command(
    handlers: &[&'static Handler],
    cases: Option<&[String]>,
    with_curves: bool,
    options: &bench::Options,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let binaries = Binaries::locate()?;
    let runnable: Vec<&'static Handler> = handlers
        .iter()
        .copied()
        .filter(|h| match h.executables(&binaries) {
            Ok(_) => true,
            Err(e) => {
                eprintln!("{}: not measured: {e}", h.name);
                false
            }
        })
        .collect();
    let mut trials = Vec::new();
    if let Some(ids) = cases {
        for id in ids {
            if crashsuite_cases::find(id)?.is_none() {
                bail!("unknown case {id:?}; `crashsuite cases` lists them");
            }
        }
        for trial in Trial::matrix(&runnable)? {
            if !ids.is_empty() && !ids.contains(&trial.case.id) {
                continue;
            }
            match trial.runs_here(&binaries) {
                Ok(()) => trials.push(trial),
                Err(reason) => eprintln!("{}: not measured: {reason}", trial.name()),
            }
        }
    }
    let total = trials.len() * options.runs;
    let mut done = 0;
    let progress = |sample: &bench::Sample| {
        done += 1;
        if total > 0 && done <= total {
            eprint!("\r[{done}/{total}] {}::{}{:20}", sample.handler, sample.case, "");
        }
    };
    let samples = bench::measure(&binaries, &trials, options, progress)?;
    eprintln!();
    let rows = bench::summarise(&samples);
    if !rows.is_empty() {
        println!("{}\n", bench::table(&rows));
    }
    let curves = if with_curves {
        let mut point = 0;
        let curves = curves::measure(&binaries, &runnable, options, |sample| {
            point += 1;
            eprint!("\r[curves {point}] {}::{}{:20}", sample.handler, sample.case, "");
        })?;
        eprintln!();
        println!("{}\n\n{}", curves::table(&curves), curves::growth(&curves));
        Some(curves)
    } else {
        None
    };
    if let Some(dir) = out {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let report = bench::Report {
            schema: bench::SCHEMA,
            runs: options.runs,
            samples: &samples,
            rows: &rows,
            curves: curves.as_deref(),
        };
        std::fs::write(dir.join("bench.json"), serde_json::to_string_pretty(&report)?)?;
        for (axis, name) in [
            (curves::Axis::Threads, "curve-threads.svg"),
            (curves::Axis::BallastMib, "curve-heap.svg"),
        ] {
            if let Some(curves) = &curves {
                std::fs::write(dir.join(name), curves::svg(curves, axis)?)?;
            }
        }
        println!("bench results written to {}", dir.display());
    }
    Ok(())
}
