//! Writing to the terminal the way command-line tools do: findings on
//! standard output (a closed pipe ends the command quietly, as `head`
//! expects), progress and logs on standard error, a progress bar only when
//! standard error is a terminal and plain lines otherwise (for CI logs).

use serde::Serialize;
use std::{
    fmt::Display,
    io::{self, IsTerminal as _, Write as _},
};

/// Writes `text` to standard output as it is.
pub fn print(text: impl Display) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    write!(stdout, "{text}")?;
    stdout.flush()
}

/// Writes `text` and a newline to standard output.
pub fn line(text: impl Display) -> io::Result<()> {
    print(format_args!("{text}\n"))
}

/// Writes `value` as pretty JSON and a newline to standard output.
pub fn json(value: &impl Serialize) -> io::Result<()> {
    line(serde_json::to_string_pretty(value).map_err(io::Error::other)?)
}

/// Whether an error chain ends in a closed pipe: the reader went away
/// (`crashsuite cases | head`), which is no failure of the command.
pub fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Sends the diagnostics of crashsuite and the crates it uses (minidump,
/// minidump-processor, minidump-writer, minidumper) to standard error:
/// `RUST_LOG` chooses what, in `tracing_subscriber`'s filter syntax; without
/// it, crashsuite's warnings and the other crates' errors (minidump-processor
/// warns about every hostile or foreign dump it reads), but none of
/// minidump-unwind's: a frame it cannot unwind is logged as an error, and the
/// grader reports what the walk found in its own verdicts (STK rules). More
/// of everything with each `-v`.
pub fn init_logs(verbosity: u8) {
    use tracing_subscriber::EnvFilter;
    let level = match verbosity {
        0 => {
            "error,minidump_unwind=off,crashsuite=warn,crashsuite_grader=warn,crashsuite_runner=warn"
        }
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .try_init();
}

/// Progress through `total` steps, on standard error.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    done: u64,
}

impl Progress {
    /// Progress through `total` steps: a bar on a terminal, else a line per
    /// step.
    pub fn new(total: u64) -> Self {
        let bar = io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let style = indicatif::ProgressStyle::with_template(
                "[{pos}/{len}] {bar:30} {elapsed_precise} {wide_msg}",
            );
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar
        });
        Self { bar, total, done: 0 }
    }

    /// One step done; `message` says which and how it went.
    pub fn step(&mut self, message: impl Display) {
        self.done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(message.to_string());
                bar.inc(1);
            }
            None => eprintln!("[{}/{}] {message}", self.done, self.total),
        }
    }

    /// A line that stays, above the bar when there is one.
    pub fn note(&self, text: impl Display) {
        match &self.bar {
            Some(bar) => bar.println(text.to_string()),
            None => eprintln!("{text}"),
        }
    }

    /// Takes the bar off the terminal.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
