//! `crashsuite`: run the conformance matrix and grade every dump. This file
//! parses the command line and dispatches; the commands are in `commands/`.

mod args;
mod commands;

use args::{Cli, Command};
use clap::Parser as _;
use commands::{Usage, gate::Format};
use crashsuite_data::Exit;
use crashsuite_runner::{Platform, bench};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    crashsuite::output::init_logs(cli.verbose);
    let exit = match dispatch(cli) {
        Ok(exit) => exit,
        // The reader of standard output went away: nothing more to say.
        Err(error) if crashsuite::output::closed_pipe(&error) => Exit::Success,
        Err(error) => {
            eprintln!("crashsuite: {error:#}");
            if error.is::<Usage>() { Exit::Usage } else { Exit::HarnessError }
        }
    };
    exit.into()
}

/// Trials at a time by default: twice the CPUs (a trial mostly waits).
fn default_jobs() -> usize {
    2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let verbose = cli.verbose > 0;
    match cli.command {
        Command::Run { handler, manifest, case, report, keep, json, jobs, repeat, arch } => {
            let handlers = commands::choose_handlers(&handler, &manifest)?;
            let jobs = jobs.unwrap_or_else(default_jobs);
            let platform = Platform::for_target(&arch).map_err(|e| Usage(e.to_string()))?;
            commands::run::run(commands::run::Request {
                platform,
                handlers: &handlers,
                cases: &case,
                report,
                keep,
                verbose,
                json,
                jobs,
                repeat: repeat.into(),
            })
        }
        Command::Verify { dump, truth, made_here, symbols, json, stackwalk } => {
            let show = match (json, stackwalk) {
                (true, _) => commands::verify::Show::Json,
                (_, true) => commands::verify::Show::Stackwalk,
                _ => commands::verify::Show::Text,
            };
            commands::verify::verify(&dump, truth.as_deref(), made_here, symbols, show)
        }
        Command::Stress { clients, crashes, json } => {
            commands::stress::stress(clients, crashes, json)
        }
        Command::Fuzz { cases, seed, json } => commands::fuzz::fuzz(cases, seed, json),
        Command::Diff { dumps, case, handler, all, json } => {
            commands::diff::diff(&dumps, case.as_deref(), &handler, all, json)
        }
        Command::Gate { baseline, results, markdown, json, html } => {
            let format = match (markdown, json) {
                (_, true) => Format::Json,
                (true, _) => Format::Markdown,
                _ => Format::Text,
            };
            commands::gate::gate(&baseline, &results, format, html.as_deref())
        }
        Command::Baseline { results, golden } => commands::gate::baseline(&results, &golden),
        Command::Report { results, html, bench } => {
            commands::gate::report(&results, &html, bench.as_deref())
        }
        Command::Bench { handler, case, runs, curves, only_curves, stackwalk, out, json } => {
            let handlers = commands::choose_handlers(&handler, &[])?;
            commands::bench::bench(commands::bench::Request {
                handlers: &handlers,
                cases: if only_curves { None } else { Some(case.as_slice()) },
                curves,
                options: bench::Options { runs: runs.max(1), stackwalk: stackwalk.as_deref() },
                out,
                json,
            })
        }
        Command::Sensitivity { handler, case, jobs, json } => {
            let handlers = commands::choose_handlers(&handler, &[])?;
            commands::sensitivity::sensitivity(
                &handlers,
                &case,
                jobs.unwrap_or_else(default_jobs),
                json,
            )
        }
        #[cfg(target_os = "linux")]
        Command::FloorTarget { threads, bytes } => commands::floor::target(threads, bytes),
        #[cfg(not(target_os = "linux"))]
        Command::FloorTarget { .. } => anyhow::bail!("the floor probe is Linux's"),
        Command::Handlers { json } => commands::lists::handlers(json),
        Command::Rules { json } => commands::lists::rules(json),
        Command::Cases { json } => commands::lists::cases(json),
        Command::Fields { json } => commands::lists::fields(json),
    }
}
