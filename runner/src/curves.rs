//! Cost curves: crash-to-dump latency and dump size against the number of
//! threads and against the heap the process has touched, with a straight
//! line fitted to each.
//!
//! Every point is the null-store case (`segv_null_write`) with idle workers added,
//! or heap ballast; a point's case file is generated into a temporary
//! directory that lives as long as the measurement.

use crate::{
    Handler, Trial,
    bench::{self, BenchError, Sample, Spread},
    binaries::Binaries,
};
use crashsuite_cases::Case;
use serde::{Deserialize, Serialize};

/// Thread counts measured.
pub const THREADS: [u32; 4] = [1, 10, 100, 1000];
/// Heap ballast measured, MiB.
pub const BALLAST_MIB: [u32; 4] = [1, 16, 128, 1024];

/// What a curve varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// Threads alive at the crash.
    Threads,
    /// MiB of heap touched before the crash.
    BallastMib,
}

impl Axis {
    /// The axis label.
    pub fn label(self) -> &'static str {
        match self {
            Axis::Threads => "threads",
            Axis::BallastMib => "heap touched (MiB)",
        }
    }

    fn of(self, sample: &Sample) -> u32 {
        match self {
            Axis::Threads => sample.threads,
            Axis::BallastMib => sample.ballast_mib,
        }
    }
}

/// One handler's measurements along one axis.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Curve {
    /// Handler name.
    pub handler: String,
    /// What varies.
    pub axis: Axis,
    /// One point per value of the axis, in increasing order.
    pub points: Vec<Point>,
    /// Latency (ms) fitted against the axis.
    pub latency_fit: Option<Fit>,
    /// Dump size (bytes) fitted against the axis.
    pub size_fit: Option<Fit>,
}

/// One point of a curve.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    /// The axis value.
    pub x: u32,
    /// Crash to dump final, ms.
    pub latency_ms: Option<Spread>,
    /// Dump size, bytes.
    pub dump_bytes: Option<Spread>,
}

/// A least-squares line `y = intercept + slope · x`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Fit {
    /// y at x = 0.
    pub intercept: f64,
    /// y per unit of x.
    pub slope: f64,
    /// Coefficient of determination: 1 when the points lie on the line.
    pub r_squared: f64,
}

impl Fit {
    /// The line through `points`, or `None` with fewer than two distinct x.
    pub fn of(points: &[(f64, f64)]) -> Option<Self> {
        let n = points.len() as f64;
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        let syy: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
        if sxx == 0.0 || !sxx.is_finite() {
            return None;
        }
        let slope = sxy / sxx;
        let r_squared = if syy == 0.0 { 1.0 } else { sxy * sxy / (sxx * syy) };
        Some(Self { intercept: mean_y - slope * mean_x, slope, r_squared })
    }
}

/// The generated cases of the curves, in a directory that must outlive
/// their trials.
pub struct CurveCases {
    _dir: tempfile::TempDir,
    /// Each axis with its cases.
    pub cases: Vec<(Axis, Vec<&'static Case>)>,
}

/// Writes the cases of both axes, derived from `segv_null_write`.
pub fn cases() -> Result<CurveCases, BenchError> {
    const BASE: &str = "segv_null_write";
    let base = crashsuite_cases::find(BASE)?.ok_or(BenchError::NoBaseCase(BASE))?;
    let dir = tempfile::Builder::new().prefix("crashsuite-curves-").tempdir()?;
    let make = |id: String, edit: &dyn Fn(&mut Case)| -> Result<&'static Case, BenchError> {
        let mut case = base.clone();
        edit(&mut case);
        let path = dir.path().join(format!("{id}.toml"));
        std::fs::write(&path, case.to_toml()?)?;
        // A trial holds its case for the whole run; eight small cases.
        Ok(Box::leak(Box::new(Case::from_file(&path)?)))
    };
    let threads = THREADS
        .iter()
        .map(|&n| make(format!("threads_{n}"), &|c| c.scene.workers = n - 1))
        .collect::<Result<_, _>>()?;
    let ballast = BALLAST_MIB
        .iter()
        .map(|&mib| make(format!("heap_{mib}mib"), &|c| c.scene.ballast_mib = mib))
        .collect::<Result<_, _>>()?;
    Ok(CurveCases { _dir: dir, cases: vec![(Axis::Threads, threads), (Axis::BallastMib, ballast)] })
}

/// Measures the curves of each handler, interleaved like [`bench::measure`].
pub fn measure(
    binaries: &Binaries,
    handlers: &[&'static Handler],
    options: &bench::Options,
    mut progress: impl FnMut(&Sample),
) -> Result<Vec<Curve>, BenchError> {
    let generated = cases()?;
    let mut curves = Vec::new();
    for (axis, cases) in &generated.cases {
        let trials: Vec<Trial> = cases
            .iter()
            .flat_map(|&case| handlers.iter().map(move |&handler| Trial { handler, case }))
            .collect();
        let samples = bench::measure(binaries, &trials, options, &mut progress)?;
        curves.extend(handlers.iter().map(|handler| curve(&handler.name, *axis, &samples)));
    }
    Ok(curves)
}

/// The curve of `handler` along `axis` from the samples.
pub fn curve(handler: &str, axis: Axis, samples: &[Sample]) -> Curve {
    let mine: Vec<&Sample> = samples.iter().filter(|s| s.handler == handler).collect();
    let mut xs: Vec<u32> = mine.iter().map(|s| axis.of(s)).collect();
    xs.sort_unstable();
    xs.dedup();
    let points: Vec<Point> = xs
        .iter()
        .map(|&x| {
            let at = || mine.iter().filter(move |s| axis.of(s) == x);
            Point {
                x,
                latency_ms: Spread::of(at().filter_map(|s| s.latency_ms)),
                dump_bytes: Spread::of(at().filter_map(|s| s.dump_bytes).map(|b| b as f64)),
            }
        })
        .collect();
    let fit = |value: fn(&Point) -> Option<Spread>| {
        let line: Vec<(f64, f64)> =
            points.iter().filter_map(|p| Some((f64::from(p.x), value(p)?.p50))).collect();
        Fit::of(&line)
    };
    Curve {
        handler: handler.to_owned(),
        axis,
        latency_fit: fit(|p| p.latency_ms),
        size_fit: fit(|p| p.dump_bytes),
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fit_recovers_a_line_and_says_how_well() {
        let line: Vec<(f64, f64)> =
            [1.0, 10.0, 100.0].iter().map(|&x| (x, 2.0 + 0.5 * x)).collect();
        let fit = Fit::of(&line).expect("fit");
        assert!((fit.intercept - 2.0).abs() < 1e-9 && (fit.slope - 0.5).abs() < 1e-9);
        assert!((fit.r_squared - 1.0).abs() < 1e-9);
        let noisy = [(0.0, 1.0), (1.0, 3.0), (2.0, 1.0), (3.0, 3.0)];
        assert!(Fit::of(&noisy).expect("fit").r_squared < 0.5);
        assert_eq!(Fit::of(&[(4.0, 1.0), (4.0, 2.0)]), None);
    }
}
