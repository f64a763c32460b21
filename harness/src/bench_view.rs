//! What `crashsuite bench` prints, writes and draws: the bench table,
//! `bench.json`, the cost curves as a table, their fitted growth, and SVG
//! charts.

use crashsuite_runner::{
    bench::{ProfileRow, Row, Sample, Spread, show},
    curves::{Axis, Curve, Point},
};
use plotters::prelude::*;
use serde::Serialize;

/// The schema name and version of `bench.json`.
pub const SCHEMA: &str = "crashsuite-bench/1";

/// `bench.json`: every sample and the summary rows.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Runs per trial.
    pub runs: usize,
    /// Every sample, in measurement order.
    pub samples: &'a [Sample],
    /// One row per (handler, case).
    pub rows: &'a [Row],
    /// The cost curves, when measured.
    pub curves: Option<&'a [Curve]>,
    /// The physical floor at each point of the threads curves, when
    /// measured.
    pub floor: Option<&'a [FloorPoint]>,
}

/// The physical floor at one point of the threads axis: stopping every
/// thread of a process with ptrace and reading as many bytes as the
/// reference handler's dump holds with `process_vm_readv`.
#[derive(Debug, Clone, Serialize)]
pub struct FloorPoint {
    /// Threads in the process.
    pub threads: u32,
    /// Bytes read: the reference handler's median dump size at the point.
    pub bytes: u64,
    /// Stopping every thread, ms.
    pub stop_ms: Spread,
    /// Reading the bytes, ms.
    pub read_ms: Spread,
    /// Each handler's median crash-to-dump latency divided by the floor's
    /// median (stop and read).
    pub ratios: Vec<(String, f64)>,
}

/// The floor as a table: one row per thread count, the floor's parts and
/// each handler's distance from it.
pub fn floor_table(points: &[FloorPoint]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    let handlers: Vec<&str> = points
        .first()
        .map(|p| p.ratios.iter().map(|(h, _)| h.as_str()).collect())
        .unwrap_or_default();
    let mut header = vec![
        "threads".to_owned(),
        "bytes read".to_owned(),
        "stop ms p50".to_owned(),
        "read ms p50".to_owned(),
        "floor ms".to_owned(),
    ];
    header.extend(handlers.iter().map(|h| format!("{h} ÷ floor")));
    table.set_header(header);
    for point in points {
        let mut cells = vec![
            point.threads.to_string(),
            format!("{} KiB", point.bytes / 1024),
            format!("{:.2}", point.stop_ms.p50),
            format!("{:.2}", point.read_ms.p50),
            format!("{:.2}", point.stop_ms.p50 + point.read_ms.p50),
        ];
        cells.extend(handlers.iter().map(|h| {
            let ratio = point.ratios.iter().find(|(name, _)| name == h).map(|(_, r)| *r);
            ratio.map_or("—".to_owned(), |r| format!("{r:.1}"))
        }));
        table.add_row(cells);
    }
    format!(
        "the floor: stopping every thread (ptrace) and reading the reference's dump size \
         (process_vm_readv), nothing else:\n{table}"
    )
}

/// The rows as a terminal or Markdown table.
pub fn bench_table(rows: &[Row]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    let stackwalk = rows.iter().any(|r| r.stackwalk_ms.is_some());
    let mut header = vec![
        "handler",
        "case",
        "runs ok",
        "crash→dump ms p50 / p90",
        "crash→gone ms p50 / p90",
        "dump KiB",
        "verify ms p50",
        "ref ÷ this",
    ];
    if stackwalk {
        header.extend(["verify process ms", "stackwalk ms", "verify ÷ stackwalk"]);
    }
    table.set_header(header);
    let one =
        |v: Option<f64>, digits: usize| v.map_or("—".to_owned(), |v| format!("{v:.digits$}"));
    for row in rows {
        let mut cells = vec![
            row.handler.clone(),
            row.case.clone(),
            format!("{}/{}", row.passed, row.runs),
            show(row.latency_ms),
            show(row.gone_ms),
            one(row.dump_bytes.map(|s| s.p50 / 1024.0), 0),
            one(row.verify_ms.map(|s| s.p50), 1),
            one(row.reference_ratio, 2),
        ];
        if stackwalk {
            cells.extend([
                one(row.stackwalk_ms.map(|m| m.0), 1),
                one(row.stackwalk_ms.map(|m| m.1), 1),
                one(row.stackwalk_ratio, 2),
            ]);
        }
        table.add_row(cells);
    }
    table.to_string()
}

/// Where the time of the rows whose monitor reported it went, p50 ms: crash
/// to the request at the monitor, the system's writer, persisting the file;
/// `None` when no row has a profile.
pub fn profile_table(rows: &[Row]) -> Option<String> {
    let profiled: Vec<(&Row, &ProfileRow)> =
        rows.iter().filter_map(|row| Some((row, row.profile.as_ref()?))).collect();
    if profiled.is_empty() {
        return None;
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header([
        "handler",
        "case",
        "crash→request ms",
        "writer ms",
        "persist ms",
        "crash→dump ms",
        "dump KiB",
    ]);
    for (row, profile) in profiled {
        table.add_row([
            row.handler.clone(),
            row.case.clone(),
            format!("{:.2}", profile.request_ms.p50),
            format!("{:.2}", profile.writer_ms.p50),
            format!("{:.2}", profile.persist_ms.p50),
            row.latency_ms.map_or("—".to_owned(), |s| format!("{:.2}", s.p50)),
            row.dump_bytes.map_or("—".to_owned(), |s| format!("{:.0}", s.p50 / 1024.0)),
        ]);
    }
    Some(format!(
        "where the time goes (p50; writer: threads stopped, /proc and memory read, the dump laid \
         out; persist: written, fsynced, renamed, directory fsynced):\n{table}"
    ))
}

/// The curves as a table: one row per point.
pub fn curve_table(curves: &[Curve]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["handler", "axis", "x", "crash→dump ms p50 / p90", "dump KiB p50"]);
    for curve in curves {
        for point in &curve.points {
            table.add_row([
                curve.handler.clone(),
                curve.axis.label().to_owned(),
                point.x.to_string(),
                show(point.latency_ms),
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
    use crashsuite_runner::curves::{THREADS, curve};

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
                    profile: None,
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
