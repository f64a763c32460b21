//! Cost curves: crash-to-dump latency and dump size against the number of
//! threads and against the heap the process has touched, with a straight
//! line fitted to each, drawn as SVG.
//!
//! Every point is the null-store case (`segv_null_write`) with idle workers added,
//! or heap ballast; a point's case file is generated into a temporary
//! directory that lives as long as the measurement.

use crate::{
    Handler, Trial,
    bench::{self, Sample, Spread},
    binaries::Binaries,
};
use anyhow::Context as _;
use crashsuite_cases::Case;
use plotters::prelude::*;
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
pub fn cases() -> anyhow::Result<CurveCases> {
    let base =
        crashsuite_cases::find("segv_null_write")?.context("the catalogue has segv_null_write")?;
    let dir = tempfile::Builder::new().prefix("crashsuite-curves-").tempdir()?;
    let make = |id: String, edit: &dyn Fn(&mut Case)| -> anyhow::Result<&'static Case> {
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
        .collect::<anyhow::Result<_>>()?;
    let ballast = BALLAST_MIB
        .iter()
        .map(|&mib| make(format!("heap_{mib}mib"), &|c| c.scene.ballast_mib = mib))
        .collect::<anyhow::Result<_>>()?;
    Ok(CurveCases { _dir: dir, cases: vec![(Axis::Threads, threads), (Axis::BallastMib, ballast)] })
}

/// Measures the curves of each handler, interleaved like [`bench::measure`].
pub fn measure(
    binaries: &Binaries,
    handlers: &[&'static Handler],
    options: &bench::Options,
    mut progress: impl FnMut(&Sample),
) -> anyhow::Result<Vec<Curve>> {
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

/// The curves as a table: one row per point.
pub fn table(curves: &[Curve]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["handler", "axis", "x", "crash→dump ms p50 / p90", "dump KiB p50"]);
    for curve in curves {
        for point in &curve.points {
            table.add_row([
                curve.handler.clone(),
                curve.axis.label().to_owned(),
                point.x.to_string(),
                bench::show(point.latency_ms),
                point.dump_bytes.map_or("—".into(), |s| format!("{:.0}", s.p50 / 1024.0)),
            ]);
        }
    }
    table.to_string()
}

/// How each curve grows, one line each: the fitted slopes.
pub fn growth(curves: &[Curve]) -> String {
    let unit = |axis: Axis| match axis {
        Axis::Threads => "thread",
        Axis::BallastMib => "MiB",
    };
    curves
        .iter()
        .map(|c| {
            let latency = c.latency_fit.map_or("no fit".into(), |f| {
                format!(
                    "{:.2} ms + {:.1} µs per {} (r² {:.2})",
                    f.intercept,
                    f.slope * 1e3,
                    unit(c.axis),
                    f.r_squared
                )
            });
            let size = c.size_fit.map_or("no fit".into(), |f| {
                format!(
                    "{:.0} KiB + {:.2} KiB per {} (r² {:.2})",
                    f.intercept / 1024.0,
                    f.slope / 1024.0,
                    unit(c.axis),
                    f.r_squared
                )
            });
            format!("{} against {}: latency {latency}; size {size}\n", c.handler, c.axis.label())
        })
        .collect()
}

/// A value read off a point.
type Metric = fn(&Point) -> Option<f64>;

/// Latency and dump size of every curve along `axis`, side by side, as an
/// SVG document.
pub fn svg(curves: &[Curve], axis: Axis) -> anyhow::Result<String> {
    let curves: Vec<&Curve> = curves.iter().filter(|c| c.axis == axis).collect();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (960, 360)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, 2));
        let metrics: [(&str, Metric); 2] = [
            ("crash → dump, ms (median)", |p| p.latency_ms.map(|s| s.p50)),
            ("dump size, KiB (median)", |p| p.dump_bytes.map(|s| s.p50 / 1024.0)),
        ];
        for (panel, (title, value)) in panels.iter().zip(metrics) {
            let series: Vec<(&str, Vec<(f64, f64)>)> = curves
                .iter()
                .map(|c| {
                    let line =
                        c.points.iter().filter_map(|p| Some((f64::from(p.x), value(p)?))).collect();
                    (c.handler.as_str(), line)
                })
                .collect();
            let all = series.iter().flat_map(|(_, line)| line.iter());
            let x_max = all.clone().map(|p| p.0).fold(1.0, f64::max);
            let y_max = all.map(|p| p.1).fold(0.0, f64::max) * 1.1 + f64::EPSILON;
            let mut chart = ChartBuilder::on(panel)
                .caption(title, ("sans-serif", 16))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(56)
                .build_cartesian_2d((1.0..x_max).log_scale(), 0.0..y_max)?;
            chart.configure_mesh().x_desc(axis.label()).draw()?;
            for (i, (name, line)) in series.into_iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                chart
                    .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
                    .label(name)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
                chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
        }
        root.present()?;
    }
    Ok(out)
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

    #[test]
    fn the_svg_draws_every_handler() {
        let samples: Vec<Sample> = [("reference", 1.0), ("inproc", 3.0)]
            .iter()
            .flat_map(|&(handler, scale)| {
                THREADS.iter().map(move |&threads| Sample {
                    handler: handler.into(),
                    case: format!("threads_{threads}"),
                    threads,
                    ballast_mib: 0,
                    latency_ms: Some(scale * f64::from(threads)),
                    gone_ms: None,
                    dump_bytes: Some(1024 * u64::from(threads)),
                    verify_ms: 1.0,
                    passed: true,
                    verify_process_ms: None,
                    stackwalk_ms: None,
                })
            })
            .collect();
        let curves: Vec<Curve> =
            ["reference", "inproc"].iter().map(|h| curve(h, Axis::Threads, &samples)).collect();
        assert_eq!(curves[1].latency_fit.map(|f| f.slope), Some(3.0));
        let svg = svg(&curves, Axis::Threads).expect("svg");
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        // Each legend entry is a text element: one per handler and panel.
        for handler in ["reference", "inproc"] {
            assert_eq!(svg.matches(&format!("\n{handler}\n</text>")).count(), 2, "{handler}");
        }
    }
}
