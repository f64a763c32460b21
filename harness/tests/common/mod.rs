//! What several test files need.

/// Writes, into `dir`, the manifest of a deliberately broken handler: the
/// reference handler with a monitor that drops the thread list from every
/// dump (`crashsuite-monitor --fault drop-thread-list`), described as any
/// handler would be. Its name is `broken`; THR-01 and THR-07 fail. Linux
/// trials (the manifest runs the Linux monitor).
#[cfg(target_os = "linux")]
#[allow(dead_code, reason = "each test file uses what it needs of this module")]
pub fn broken_handler(dir: &std::path::Path) -> std::path::PathBuf {
    faulty_handler(dir, "broken", "drop-thread-list")
}

/// Writes, into `dir`, the manifest of a handler that hangs on purpose: the
/// reference handler with a monitor that writes each dump and then stalls
/// forever before publishing it (`--fault stall-before-publish`), so the
/// crashed client waits in its signal handler for an answer that never
/// comes. Its name is `stalled`.
#[cfg(target_os = "linux")]
#[allow(dead_code, reason = "each test file uses what it needs of this module")]
pub fn stalled_handler(dir: &std::path::Path) -> std::path::PathBuf {
    faulty_handler(dir, "stalled", "stall-before-publish")
}

/// The manifest `<dir>/<name>.toml` of the reference handler whose monitor
/// runs with `--fault <fault>`.
#[cfg(target_os = "linux")]
fn faulty_handler(dir: &std::path::Path, name: &str, fault: &str) -> std::path::PathBuf {
    let bins =
        crashsuite_runner::binaries::Binaries::locate().expect("the workspace binaries are built");
    let monitor = dir.join(format!("{name}-monitor"));
    let real = bins.dir.join("crashsuite-monitor");
    let script = format!("#!/bin/sh\nexec {} --fault {fault} \"$@\"\n", real.display());
    std::fs::write(&monitor, script).expect("write");
    std::fs::set_permissions(&monitor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let manifest = dir.join(format!("{name}.toml"));
    std::fs::write(
        &manifest,
        format!(
            "summary = \"the reference handler, its monitor run with --fault {fault}\"\n\
             version = \"0\"\nexecutable = \"{}\"\n\
             args = [\"--handler\", \"reference\"]\nmonitor = \"./{name}-monitor\"\n",
            bins.dir.join("crashsuite-case").display()
        ),
    )
    .expect("write");
    manifest
}

/// A real dump of one case under the reference handler, with its truth
/// record, in a run directory that lives as long as it does.
#[allow(dead_code, reason = "each test file uses what it needs of this module")]
pub struct Crashed {
    /// The run directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// The dump file.
    pub dump: std::path::PathBuf,
    /// The case's truth record.
    pub truth: crashsuite_data::Truth,
}

impl Crashed {
    /// The dump's bytes.
    #[allow(dead_code, reason = "each test file uses what it needs of this module")]
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.dump).expect("readable")
    }
}

/// Runs `case` under the reference handler and keeps its one dump.
#[allow(dead_code, reason = "each test file uses what it needs of this module")]
pub fn reference_dump(case: &str) -> Crashed {
    use crashsuite_runner::{Trial, binaries::Binaries, handlers, trial};
    let binaries = Binaries::locate().expect("the workspace binaries are built");
    let case = crashsuite_cases::find(case).expect("catalogue").expect("case");
    let record =
        trial::run(&binaries, Trial { handler: handlers::reference(), case }, Default::default())
            .expect("the trial runs");
    let [dump] = record.dumps.as_slice() else { panic!("one dump: {:?}", record.dumps) };
    Crashed {
        dump: dump.clone(),
        truth: record.truth.expect("a truth record"),
        dir: record.run_dir,
    }
}

/// Reading and writing a dump's bytes by offset (little-endian), and finding
/// its streams through the directory.
#[allow(dead_code, reason = "each test file uses what it needs of this module")]
pub mod bytes {
    pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    pub fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
    }

    pub fn set_u32(bytes: &mut [u8], at: usize, value: u32) {
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    pub fn set_u64(bytes: &mut [u8], at: usize, value: u64) {
        bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    }

    /// The directory entry offsets of streams of `stream_type`.
    pub fn entries(bytes: &[u8], stream_type: u32) -> Vec<usize> {
        let (count, rva) = (u32_at(bytes, 8) as usize, u32_at(bytes, 12) as usize);
        (0..count).map(|i| rva + i * 12).filter(|&at| u32_at(bytes, at) == stream_type).collect()
    }

    /// The offset and size of the stream of `stream_type`.
    pub fn stream(bytes: &[u8], stream_type: u32) -> (usize, usize) {
        let at = *entries(bytes, stream_type).first().expect("the stream is in the dump");
        (u32_at(bytes, at + 8) as usize, u32_at(bytes, at + 4) as usize)
    }
}

/// Validates JSON against the schemas crashsuite publishes in `schemas/`.
#[allow(dead_code, reason = "each test file uses what it needs of this module")]
pub mod schema {
    /// Whether `value` matches `schemas/<file>`; the validator's errors, each
    /// with where in the document it failed, when it does not.
    pub fn check(file: &str, value: &serde_json::Value) -> Result<(), String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas").join(file);
        let path = path.canonicalize().map_err(|e| format!("{file}: {e}"))?;
        let mut schemas = boon::Schemas::new();
        let index = boon::Compiler::new()
            .compile(path.to_str().ok_or("a UTF-8 path")?, &mut schemas)
            .map_err(|e| format!("{file} does not compile: {e:#}"))?;
        schemas.validate(value, index).map_err(|e| format!("{e:#}"))
    }
}
