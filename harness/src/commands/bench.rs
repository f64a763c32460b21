//! `crashsuite bench`: what a crash costs, per handler and case, and how it
//! grows with threads and heap.

use crashsuite::{
    bench_view,
    output::{self, Progress},
};
use crashsuite_data::Exit;
use crashsuite_runner::{
    Handler, Trial, bench,
    binaries::Binaries,
    curves::{self, Axis},
};
use std::path::PathBuf;

/// What to measure and where the figures go.
pub struct Request<'a> {
    /// The handlers.
    pub handlers: &'a [&'static Handler],
    /// The cases (every case when empty); `None` for the curves only.
    pub cases: Option<&'a [String]>,
    /// Also measure the cost curves.
    pub curves: bool,
    /// Runs and the stackwalk to compare with.
    pub options: bench::Options<'a>,
    /// Where bench.json and the charts go.
    pub out: Option<PathBuf>,
    /// Print bench.json's content instead of tables.
    pub json: bool,
}

/// Measures, prints and writes what `request` asks for.
pub fn bench(request: Request<'_>) -> anyhow::Result<Exit> {
    let Request { handlers, cases, curves: with_curves, options, out, json } = request;
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
        super::check_cases(ids)?;
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
    let mut progress = Progress::new((trials.len() * options.runs) as u64);
    let samples = bench::measure(&binaries, &trials, &options, |sample| {
        progress.step(format_args!("{}::{}", sample.handler, sample.case));
    })?;
    progress.finish();
    let rows = bench::summarise(&samples);
    if !rows.is_empty() && !json {
        output::line(format_args!("{}\n", bench_view::bench_table(&rows)))?;
        if let Some(profile) = bench_view::profile_table(&rows) {
            output::line(format_args!("{profile}\n"))?;
        }
    }
    let curves = if with_curves {
        let points = curves::THREADS.len() + curves::BALLAST_MIB.len();
        let mut progress = Progress::new((points * runnable.len() * options.runs) as u64);
        let curves = curves::measure(&binaries, &runnable, &options, |sample| {
            progress.step(format_args!("curves: {}::{}", sample.handler, sample.case));
        })?;
        progress.finish();
        if !json {
            output::line(format_args!(
                "{}\n\n{}",
                bench_view::curve_table(&curves),
                bench_view::growth(&curves)
            ))?;
        }
        Some(curves)
    } else {
        None
    };
    #[cfg(target_os = "linux")]
    let floor = match &curves {
        Some(curves) => Some(super::floor::measure(curves, options.runs)?),
        None => None,
    };
    #[cfg(not(target_os = "linux"))]
    let floor: Option<Vec<bench_view::FloorPoint>> = None;
    if let (Some(floor), false) = (&floor, json) {
        output::line(format_args!("\n{}", bench_view::floor_table(floor)))?;
    }
    let report = bench_view::Report {
        schema: bench_view::SCHEMA,
        runs: options.runs,
        samples: &samples,
        rows: &rows,
        curves: curves.as_deref(),
        floor: floor.as_deref(),
    };
    if json {
        output::json(&report)?;
    }
    if let Some(dir) = out {
        use anyhow::Context as _;
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("bench.json"), serde_json::to_string_pretty(&report)?)?;
        if let Some(curves) = &curves {
            for (axis, name) in
                [(Axis::Threads, "curve-threads.svg"), (Axis::BallastMib, "curve-heap.svg")]
            {
                std::fs::write(dir.join(name), bench_view::svg(curves, axis)?)?;
            }
        }
        eprintln!("bench results written to {}", dir.display());
    }
    Ok(Exit::Success)
}
