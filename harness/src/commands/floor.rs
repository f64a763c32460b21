//! The physical floor beside the cost curves (`crashsuite bench --curves`):
//! for each thread count, a process with that many threads and as much
//! touched memory as the reference handler's dump there holds, stopped and
//! read by `crashsuite_handler::floor`; and the process itself, which this
//! executable plays (`crashsuite floor-target`, hidden).

use crashsuite::bench_view::FloorPoint;
use crashsuite_data::Exit;
use crashsuite_runner::{
    bench::Spread,
    curves::{Axis, Curve},
};
use std::io::{BufRead as _, Read as _, Write as _};

/// `crashsuite floor-target`: `threads` threads (this one included), parked,
/// and `bytes` of touched memory; prints `<pid> <address of the memory>` and
/// lives until its standard input closes.
pub fn target(threads: usize, bytes: usize) -> anyhow::Result<Exit> {
    let memory = vec![1u8; bytes.max(1)];
    for _ in 1..threads.max(1) {
        std::thread::spawn(|| {
            loop {
                std::thread::park();
            }
        });
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} {}", std::process::id(), memory.as_ptr() as usize)?;
    out.flush()?;
    std::io::stdin().read_to_end(&mut Vec::new())?;
    drop(memory);
    Ok(Exit::Success)
}

/// The floor at every point of the threads curves, `runs` times each.
pub fn measure(curves: &[Curve], runs: usize) -> anyhow::Result<Vec<FloorPoint>> {
    let threads = curves.iter().filter(|c| c.axis == Axis::Threads);
    let reference = threads.clone().find(|c| c.handler == crashsuite_runner::handlers::REFERENCE);
    let Some(reference) = reference else { return Ok(Vec::new()) };
    reference
        .points
        .iter()
        .filter_map(|point| Some((point.x, point.dump_bytes?.p50 as u64)))
        .map(|(x, bytes)| {
            let (stop, read) = at(x as usize, bytes as usize, runs)?;
            let floor = stop.p50 + read.p50;
            let ratios = threads
                .clone()
                .filter_map(|curve| {
                    let latency = curve.points.iter().find(|p| p.x == x)?.latency_ms?;
                    Some((curve.handler.clone(), latency.p50 / floor))
                })
                .collect();
            Ok(FloorPoint { threads: x, bytes, stop_ms: stop, read_ms: read, ratios })
        })
        .collect()
}

/// Starts a floor target of `threads` threads and `bytes` bytes, measures it
/// `runs` times, and ends it: the spreads of stopping and reading, ms.
fn at(threads: usize, bytes: usize, runs: usize) -> anyhow::Result<(Spread, Spread)> {
    use anyhow::Context as _;
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["floor-target", "--threads", &threads.to_string(), "--bytes", &bytes.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting the floor target")?;
    let mut line = String::new();
    let stdout = child.stdout.take().context("its output")?;
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let mut words = line.split_whitespace().map(str::parse::<u64>);
    let (Some(Ok(pid)), Some(Ok(address))) = (words.next(), words.next()) else {
        anyhow::bail!("the floor target said {line:?}");
    };
    // Its threads start on their own; the floor stops them all.
    while std::fs::read_dir(format!("/proc/{pid}/task"))?.count() < threads {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let mut samples = Vec::new();
    for _ in 0..runs.max(1) {
        samples.push(crashsuite_handler::floor::measure(pid as u32, address, bytes)?);
    }
    drop(child.stdin.take());
    child.wait()?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let spread = |values: Vec<f64>| Spread::of(values).context("no samples");
    Ok((
        spread(samples.iter().map(|s| ms(s.stop)).collect())?,
        spread(samples.iter().map(|s| ms(s.read)).collect())?,
    ))
}
