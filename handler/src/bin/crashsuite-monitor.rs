//! `crashsuite-monitor`: the reference handler's monitor process.
//!
//! Prints one JSON event per line on stdout (the first is `ready`). It runs
//! on Linux (a `SOCK_SEQPACKET` socket and the kernel's peer credentials)
//! and Windows (a named pipe and the system's record of its client); on
//! other systems it says so and exits with 2.

#[cfg(any(target_os = "linux", windows))]
mod serve {
    use anyhow::Context as _;
    use clap::Parser;
    use crashsuite_handler::monitor::{Fault, Monitor};
    use std::{io::Write, path::PathBuf};

    /// Writes minidumps of the processes that connect to it.
    #[derive(Parser)]
    #[command(version)]
    struct Args {
        /// Where clients connect: on Linux a socket path (a stale socket file
        /// there is replaced), on Windows a pipe name (`\\.\pipe\NAME`).
        #[arg(long)]
        socket: PathBuf,
        /// Directory for dumps; created private to the user.
        #[arg(long)]
        dump_dir: PathBuf,
        /// Inject a fault into every dump, for fault tests.
        #[arg(long, value_enum)]
        fault: Option<Fault>,
    }

    /// A full disk or a file size limit must fail one dump, not end the monitor:
    /// with SIGXFSZ ignored, an oversized write returns EFBIG instead of killing.
    #[cfg(target_os = "linux")]
    fn survive_file_size_limits() {
        #[expect(unsafe_code)]
        // SAFETY: SIG_IGN is always a valid disposition; no other thread exists yet.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
    }

    pub fn main() -> anyhow::Result<()> {
        let args = Args::parse();
        #[cfg(target_os = "linux")]
        {
            survive_file_size_limits();
            if args.fault == Some(Fault::DenyPtrace) {
                crashsuite_handler::monitor::deny_ptrace()
                    .context("installing the seccomp filter")?;
            }
        }
        #[cfg(windows)]
        if args.fault == Some(Fault::DenyPtrace) {
            anyhow::bail!("--fault deny-ptrace is Linux's: Windows has no ptrace");
        }
        let monitor = Monitor::bind_with_fault(&args.socket, &args.dump_dir, args.fault, |event| {
            let line =
                serde_json::to_string(event).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            let mut out = std::io::stdout().lock();
            // A supervisor that stopped reading is no reason to stop dumping.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        })
        .with_context(|| format!("starting the monitor on {}", args.socket.display()))?;
        monitor.serve()
    }
}

#[cfg(any(target_os = "linux", windows))]
fn main() -> anyhow::Result<()> {
    serve::main()
}

#[cfg(not(any(target_os = "linux", windows)))]
fn main() {
    eprintln!(
        "crashsuite-monitor: the reference monitor runs on Linux and Windows; use the in-process \
         handler here"
    );
    std::process::exit(2);
}
