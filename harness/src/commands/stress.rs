//! `crashsuite stress`: many clients crashing against one reference monitor.

use crashsuite::output::{self, Progress};
use crashsuite_data::Exit;
use crashsuite_runner::binaries::Binaries;

/// Crashes `crashes` clients, `clients` at a time, and checks every dump.
pub fn stress(clients: usize, crashes: usize, json: bool) -> anyhow::Result<Exit> {
    let binaries = Binaries::locate()?;
    let mut progress = Progress::new(crashes as u64);
    let figures = crashsuite_runner::stress::run(&binaries, clients, crashes, |done| {
        progress.step("crashed");
        if done == crashes {
            progress.note(format!("grading {crashes} dumps"));
        }
    })?;
    progress.finish();
    if json {
        output::json(&figures)?;
    } else {
        output::line(format_args!(
            "{} crashes by {clients} clients at a time in {:.1} s ({:.0}/s): {} with exactly one \
             dump, {} lost, {} duplicated, {} failing a rule",
            figures.crashes,
            figures.wall.as_secs_f64(),
            figures.crashes as f64 / figures.wall.as_secs_f64(),
            figures.dumped_once,
            figures.lost,
            figures.duplicated,
            figures.failed.len()
        ))?;
        for failure in &figures.failed {
            output::line(format_args!("  {failure}"))?;
        }
    }
    Ok(super::exit_for(figures.clean()))
}
