//! `crashsuite-monitor`: the reference handler's monitor process.
//!
//! Prints one JSON event per line on stdout (the first is `ready`). Its
//! transport (a `SOCK_SEQPACKET` socket and the kernel's peer credentials)
//! is Linux's; elsewhere it says so and exits with 2.

#[cfg(target_os = "linux")]
mod linux {
    use anyhow::Context as _;
    use clap::Parser;
    use crashsuite_handler::monitor::{Fault, Monitor};
    use std::{io::Write, path::PathBuf};

    /// Writes minidumps of the processes that connect to it.
    #[derive(Parser)]
    #[command(version)]
    struct Args {
        /// Socket to listen on (a path; a stale socket file there is replaced).
        #[arg(long)]
        socket: PathBuf,
        /// Directory for dumps; created with mode 0700.
        #[arg(long)]
        dump_dir: PathBuf,
        /// Inject a fault into every dump, for fault tests.
        #[arg(long, value_enum)]
        fault: Option<Fault>,
    }

    /// A full disk or a file size limit must fail one dump, not end the monitor:
    /// with SIGXFSZ ignored, an oversized write returns EFBIG instead of killing.
    fn survive_file_size_limits() {
        #[expect(unsafe_code)]
        // SAFETY: SIG_IGN is always a valid disposition; no other thread exists yet.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
    }

    pub fn main() -> anyhow::Result<()> {
        survive_file_size_limits();
        let args = Args::parse();
        if args.fault == Some(Fault::DenyPtrace) {
            crashsuite_handler::monitor::deny_ptrace().context("installing the seccomp filter")?;
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

#[cfg(target_os = "linux")]
fn main() -> anyhow::Result<()> {
    linux::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!(
        "crashsuite-monitor: the reference monitor runs on Linux only (a SOCK_SEQPACKET socket \
         and the kernel's peer credentials); use the in-process handler here"
    );
    std::process::exit(2);
}
