//! The aarch64 tier: trials in an emulated aarch64 Linux machine.
//!
//! `qemu-system-aarch64` boots Debian's stock arm64 kernel with an initramfs
//! made here ([`initramfs`]): busybox, the cross glibc, and the cross-built
//! case and monitor executables at the paths they have on the host, so that
//! the module paths in a dump name files the host can read (build ids and
//! all). The guest's init (`init.sh`) runs a whole batch of trials in one
//! boot, one after another, and sends back each trial's truth record,
//! stderr, monitor events and dumps over the serial console
//! ([`console`]); each becomes a [`TrialRecord`] graded on the host exactly
//! as a native trial is. `scripts/aarch64/setup.sh` installs and caches
//! everything, from Debian, and `scripts/aarch64/build.sh` cross-builds.

pub mod console;
pub mod initramfs;

use crate::{
    binaries::Binaries,
    platform::Platform,
    trial::{Limits, RunError, Trial, TrialRecord},
};
use crashsuite_cases::{DUMP_DIR_ENV, MARKER_ENV, SOCKET_ENV, TRUTH_ENV, Truth};
use crashsuite_data::ObservedEnding;
use crashsuite_handler::Event;
use std::{
    fmt::Write as _,
    io::BufRead as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

/// Where the cross glibc is on the host (Debian's `libc6-arm64-cross`); the
/// guest has it at the same path.
const CROSS_LIBS: &str = "/usr/aarch64-linux-gnu/lib";

/// binutils' strip for aarch64 (`binutils-aarch64-linux-gnu`).
const STRIP: &str = "aarch64-linux-gnu-strip";

/// The cross libraries a case executable loads.
const LIBRARIES: &[&str] =
    &["ld-linux-aarch64.so.1", "libc.so.6", "libm.so.6", "libgcc_s.so.1", "libstdc++.so.6"];

/// The guest's init script.
const GUEST_INIT: &str = include_str!("init.sh");

/// The emulated machine: CPU model, processors and memory. A Cortex-A57
/// boots in 2–3 s under TCG; `max` adds pointer authentication and SVE but
/// takes about three times as long.
const QEMU_MACHINE: &[&str] = &[
    "-M",
    "virt",
    "-cpu",
    "cortex-a57",
    "-accel",
    "tcg,thread=multi",
    "-smp",
    "2",
    // big_heap touches 1 GiB of ballast.
    "-m",
    "3072",
    "-nographic",
    "-no-reboot",
    "-nic",
    "none",
];

/// Kernel command line: the PL011 console, our init, quiet.
const KERNEL_ARGS: &str = "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=1";

/// How long the guest may take to reach its init.
const BOOT_DEADLINE: Duration = Duration::from_secs(60);

/// Setting up or running the machine failed.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// Something `scripts/aarch64/setup.sh` installs is missing.
    #[error(
        "the aarch64 machine is not set up: {0} is missing; scripts/aarch64/setup.sh installs it"
    )]
    NotSetUp(PathBuf),
    /// The initramfs could not be written.
    #[error("writing the initramfs: {0}")]
    Initramfs(std::io::Error),
    /// qemu could not be started.
    #[error("starting {qemu}: {source}")]
    Qemu {
        /// The qemu binary.
        qemu: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The machine stopped answering, or said something out of protocol.
    #[error("{what}; the console's last lines:\n{chatter}")]
    Console {
        /// What went wrong.
        what: String,
        /// The end of the console output that was not protocol.
        chatter: String,
    },
}

/// What `scripts/aarch64/setup.sh` installed: qemu, kernel, busybox.
#[derive(Debug, Clone)]
pub struct Machine {
    qemu: PathBuf,
    firmware: PathBuf,
    kernel: PathBuf,
    busybox: PathBuf,
}

impl Machine {
    /// Finds the machine's parts in the cache directory
    /// (`<cache>/aarch64`, see [`crashsuite_data::cache_dir`]).
    pub fn locate() -> Result<Self, VmError> {
        let dir = crashsuite_data::cache_dir().unwrap_or_default().join("aarch64");
        let machine = Self {
            qemu: dir.join("qemu/usr/bin/qemu-system-aarch64"),
            firmware: dir.join("qemu/usr/share/qemu"),
            kernel: dir.join("Image"),
            busybox: dir.join("busybox/bin/busybox"),
        };
        let libc = Path::new(CROSS_LIBS).join("libc.so.6");
        for part in [&machine.qemu, &machine.kernel, &machine.busybox, &libc] {
            if !part.exists() {
                return Err(VmError::NotSetUp(part.clone()));
            }
        }
        Ok(machine)
    }

    /// Runs `trials` in one boot; `done` gets each trial's record (or why it
    /// has none) as it arrives, and every trial gets one.
    pub fn run(
        &self,
        binaries: &Binaries,
        trials: &[Trial],
        limits: Limits,
        mut done: impl FnMut(usize, Result<TrialRecord, RunError>),
    ) -> Result<(), VmError> {
        let work = tempfile::Builder::new()
            .prefix("crashsuite-vm-")
            .tempdir()
            .map_err(VmError::Initramfs)?;
        let mut batch = Batch::new(trials, limits).map_err(|e| match e {
            RunError::RunDir(e) => VmError::Initramfs(e),
            other => VmError::Initramfs(std::io::Error::other(other.to_string())),
        })?;
        let initrd = work.path().join("initramfs.cpio");
        self.initramfs(binaries, &mut batch, &initrd)?;
        let mut pending: Vec<bool> = trials.iter().map(|_| true).collect();
        let outcome = self.boot(&initrd, &mut batch, |index, result| {
            pending[index] = false;
            done(index, result);
        });
        let stopped = outcome.err().map(std::sync::Arc::new);
        for (index, _) in pending.iter().enumerate().filter(|(_, pending)| **pending) {
            done(
                index,
                Err(match &stopped {
                    Some(error) => RunError::MachineStopped(error.clone()),
                    None => RunError::NeverRan,
                }),
            );
        }
        Ok(())
    }

    /// Writes the initramfs for `batch`: busybox, the cross glibc, every
    /// executable the trials run, init and the trial list.
    fn initramfs(&self, binaries: &Binaries, batch: &mut Batch, to: &Path) -> Result<(), VmError> {
        let mut archive = initramfs::Initramfs::default();
        let io = VmError::Initramfs;
        archive.host_file(Path::new("/bin/busybox"), &self.busybox).map_err(io)?;
        for dir in ["/dev", "/proc", "/sys", "/tmp", "/crashsuite"] {
            archive.dir(Path::new(dir));
        }
        for library in LIBRARIES {
            let path = Path::new(CROSS_LIBS).join(library);
            archive.host_file(&path, &path).map_err(io)?;
        }
        // The executables' interpreter and glibc's search path lead to the
        // cross glibc; the kernel names the real paths in /proc/<pid>/maps.
        let interpreter = Path::new(CROSS_LIBS).join("ld-linux-aarch64.so.1");
        archive.symlink(Path::new("/lib/ld-linux-aarch64.so.1"), &interpreter.to_string_lossy());
        archive.symlink(Path::new("/lib/aarch64-linux-gnu"), CROSS_LIBS);
        if let Ok(release) = std::fs::read("/etc/os-release") {
            archive.bytes(Path::new("/etc/os-release"), release, 0o644);
        }
        // The guest gets the executables without their debug information
        // (a sixth of the size, so a faster boot); the build id stays, and
        // the host reads names from the full files at the same paths.
        let work = to.parent().unwrap_or(Path::new("."));
        for (index, exe) in batch.executables(binaries).into_iter().enumerate() {
            let exe = exe.map_err(|e| VmError::NotSetUp(PathBuf::from(e.to_string())))?;
            let stripped = work.join(format!("exe-{index}"));
            let status = Command::new(STRIP)
                .arg("--strip-debug")
                .arg("-o")
                .arg(&stripped)
                .arg(&exe)
                .status()
                .map_err(|_| VmError::NotSetUp(PathBuf::from(STRIP)))?;
            if !status.success() {
                let message = format!("{STRIP} {}: {status}", exe.display());
                return Err(VmError::Initramfs(std::io::Error::other(message)));
            }
            archive.host_file(&exe, &stripped).map_err(io)?;
        }
        archive.bytes(Path::new("/init"), GUEST_INIT, 0o755);
        archive.bytes(Path::new("/crashsuite/trials"), batch.script(binaries), 0o644);
        let file = std::fs::File::create(to).map_err(io)?;
        archive.write(std::io::BufWriter::new(file)).map_err(io)
    }

    /// Boots the machine on `initrd` and turns what comes back into records.
    fn boot(
        &self,
        initrd: &Path,
        batch: &mut Batch,
        mut done: impl FnMut(usize, Result<TrialRecord, RunError>),
    ) -> Result<(), VmError> {
        let mut qemu = Command::new(&self.qemu)
            .arg("-L")
            .arg(&self.firmware)
            .args(QEMU_MACHINE)
            .arg("-kernel")
            .arg(&self.kernel)
            .arg("-initrd")
            .arg(initrd)
            .args(["-append", KERNEL_ARGS])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| VmError::Qemu { qemu: self.qemu.clone(), source })?;
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = qemu.stdout.take();
        let reader = std::thread::spawn(move || {
            let Some(stdout) = stdout else { return };
            for line in std::io::BufReader::new(stdout).split(b'\n') {
                let Ok(line) = line else { break };
                if send.send(String::from_utf8_lossy(&line).into_owned()).is_err() {
                    break;
                }
            }
        });
        let mut console = console::Console::default();
        let stalled = |console: &console::Console, what: String| VmError::Console {
            what,
            chatter: console
                .chatter
                .iter()
                .rev()
                .take(30)
                .rev()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let mut patience = BOOT_DEADLINE;
        let outcome = loop {
            let line = match lines.recv_timeout(patience) {
                Ok(line) => line,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    break Err(stalled(
                        &console,
                        format!("no word from the machine in {patience:?}"),
                    ));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    break Err(stalled(
                        &console,
                        "the machine stopped before its last trial".into(),
                    ));
                }
            };
            match console.line(&line) {
                Ok(None) => {}
                Ok(Some(console::Message::Booted)) => patience = batch.patience,
                Ok(Some(console::Message::File { trial, name, bytes })) => {
                    batch.receive(trial, &name, &bytes);
                }
                Ok(Some(console::Message::End(end))) => {
                    if let Some((index, record)) = batch.finish(end) {
                        done(index, record);
                    }
                }
                Ok(Some(console::Message::Done)) => break Ok(()),
                Err(e) => break Err(stalled(&console, e.to_string())),
            }
        };
        let _ = qemu.kill();
        let _ = qemu.wait();
        let _ = reader.join();
        outcome
    }
}

/// One batch of trials: what the guest runs, and the host's run directory
/// for each, filled as files arrive.
struct Batch<'t> {
    trials: &'t [Trial],
    limits: Limits,
    /// Each trial's run directory, made on the host before the boot; the
    /// guest runs the trial in a directory at the same path.
    run_dirs: Vec<Option<tempfile::TempDir>>,
    /// How long the machine may stay silent once booted: one trial's
    /// deadline and grace, and time to send a large dump.
    patience: Duration,
}

impl<'t> Batch<'t> {
    fn new(trials: &'t [Trial], limits: Limits) -> Result<Self, RunError> {
        let grace = trials.iter().map(|t| t.handler.dump_grace).max().unwrap_or_default();
        let run_dirs = trials
            .iter()
            .map(|trial| {
                let prefix = format!("crashsuite-{}-", trial.case.id);
                tempfile::Builder::new().prefix(&prefix).tempdir().map(Some)
            })
            .collect::<Result<_, _>>()
            .map_err(RunError::RunDir)?;
        Ok(Self {
            trials,
            limits,
            run_dirs,
            patience: limits.case_deadline
                + limits.dump_grace.unwrap_or(grace)
                + Duration::from_secs(60),
        })
    }

    /// Every executable the batch runs, each once.
    fn executables(
        &self,
        binaries: &Binaries,
    ) -> Vec<Result<PathBuf, crate::binaries::MissingBinary>> {
        let mut seen = std::collections::BTreeSet::new();
        let mut found = Vec::new();
        for trial in self.trials {
            match trial.handler.executables(binaries) {
                Ok((case, monitor)) => {
                    for exe in std::iter::once(case).chain(monitor) {
                        let exe = exe.canonicalize().unwrap_or(exe);
                        if seen.insert(exe.clone()) {
                            found.push(Ok(exe));
                        }
                    }
                }
                Err(missing) => found.push(Err(missing)),
            }
        }
        found
    }

    /// The trial list the guest's init sources: for trial N, `monitor_N`
    /// (when the handler has a monitor) and `case_N` as shell functions,
    /// then `trial N DIR FINAL GRACE_MS`.
    fn script(&self, binaries: &Binaries) -> String {
        let mut script = String::new();
        for (n, trial) in self.trials.iter().enumerate() {
            let Ok((exe, monitor)) = trial.handler.executables(binaries) else { continue };
            let Some(dir) = &self.run_dirs[n] else { continue };
            let exe = exe.canonicalize().unwrap_or(exe);
            let dir = dir.path().display();
            let dumps = format!("{dir}/dumps");
            let socket = format!("{dir}/monitor.sock");
            let final_dumps = match &trial.handler.dump_subdir {
                Some(subdir) => format!("{dumps}/{subdir}"),
                None => dumps.clone(),
            };
            if let Some(monitor) = monitor {
                let monitor = monitor.canonicalize().unwrap_or(monitor);
                let words = [
                    monitor.to_string_lossy().into_owned(),
                    "--socket".into(),
                    socket.clone(),
                    "--dump-dir".into(),
                    dumps.clone(),
                ];
                let _ = writeln!(script, "monitor_{n}() {{ exec env -i {}; }}", quote_all(&words));
            }
            let mut words = vec![
                format!("{TRUTH_ENV}={dir}/truth.json"),
                format!("{SOCKET_ENV}={socket}"),
                format!("{DUMP_DIR_ENV}={dumps}"),
                format!("{MARKER_ENV}={}", crate::trial::marker(trial)),
                exe.to_string_lossy().into_owned(),
                trial.case.id.clone(),
            ];
            words.extend(trial.handler.args.iter().cloned());
            // busybox's timeout kills with SIGKILL at the deadline.
            let _ = writeln!(
                script,
                "case_{n}() {{ timeout -s KILL {} env -i {}; }}",
                self.limits.case_deadline.as_secs().max(1),
                quote_all(&words)
            );
            let grace = self.limits.dump_grace.unwrap_or(trial.handler.dump_grace);
            let _ = writeln!(
                script,
                "trial {n} {dir} {final_dumps} {} {}",
                grace.as_millis(),
                crate::trial::SETTLE.as_millis()
            );
        }
        script
    }

    /// Stores a file trial `n` sent in its host run directory.
    fn receive(&mut self, n: usize, name: &str, bytes: &[u8]) {
        let Some(Some(dir)) = self.run_dirs.get(n) else { return };
        // Names come from the guest: keep them inside the run directory.
        let name = Path::new(name);
        if name.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return;
        }
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, bytes);
    }

    /// The record of a trial the guest says has ended.
    fn finish(&mut self, end: console::End) -> Option<(usize, Result<TrialRecord, RunError>)> {
        let trial = *self.trials.get(end.trial)?;
        let run_dir = self.run_dirs.get_mut(end.trial)?.take()?;
        let read =
            |name: &str| std::fs::read_to_string(run_dir.path().join(name)).unwrap_or_default();
        let elapsed = Duration::from_millis(end.elapsed_cs * 10);
        let ending = match end.status {
            // busybox timeout kills with SIGKILL at the deadline.
            137 if elapsed >= self.limits.case_deadline => ObservedEnding::TimedOut,
            status if status > 128 => ObservedEnding::Signal(status - 128),
            status => ObservedEnding::Exit(status),
        };
        let monitor_events = read("monitor.out")
            .lines()
            .filter_map(|line| serde_json::from_str::<Event>(line).ok())
            .filter(|event| !matches!(event, Event::Ready { .. }))
            .collect();
        let handler_died =
            end.handler.strip_prefix("exit:").map(|code| format!("exit status: {code}"));
        let final_dumps = match &trial.handler.dump_subdir {
            Some(subdir) => run_dir.path().join("dumps").join(subdir),
            None => run_dir.path().join("dumps"),
        };
        let mut dumps: Vec<PathBuf> = std::fs::read_dir(final_dumps)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "dmp"))
            .collect();
        dumps.sort();
        let record = TrialRecord {
            trial,
            platform: Platform::LINUX_AARCH64,
            truth: Truth::read(&run_dir.path().join("truth.json")),
            dumps,
            ending,
            monitor_events,
            handler_died,
            stderr: read("stderr"),
            wall: elapsed,
            dump_final_ns: None,
            ended_ns: None,
            hang: None,
            symbols: Vec::new(),
            run_dir,
        };
        Some((end.trial, Ok(record)))
    }
}

/// Words quoted for the guest's shell.
fn quote_all(words: &[String]) -> String {
    words.iter().map(|w| format!("'{}'", w.replace('\'', r"'\''"))).collect::<Vec<_>>().join(" ")
}
