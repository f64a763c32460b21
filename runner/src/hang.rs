//! Hangs diagnosed, not waited out: after a case's crash (its truth record
//! written), a process group whose every thread is blocked, that spends no
//! CPU time and whose handler writes nothing for [`QUIET`] is hung. A thread
//! waiting for the disk (state `D`) is not blocked: the system is working
//! for it, and an `open` or `fsync` can take that long on a busy disk. The
//! harness then dumps each of its processes from outside, with the
//! reference handler's writer, and names every thread's stack: where the
//! handler waits.
//!
//! Linux only: it reads `/proc`. Elsewhere (and for trials under Wine or in
//! the emulated machine) a hung case runs to its deadline.

use crashsuite_grader::stacks::{ThreadStack, thread_stacks};
use serde::Serialize;
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// How long a crashed case must sit still to be called hung.
pub const QUIET: Duration = Duration::from_secs(1);

/// A hang, with where each process waited.
#[derive(Debug, Clone, Serialize)]
pub struct Hang {
    /// How long it sat still before it was called hung, in milliseconds.
    pub quiet_ms: u64,
    /// From the crash (the truth record's stamp) to the case killed, its
    /// processes dumped, in milliseconds.
    pub after_crash_ms: Option<f64>,
    /// Each process of the case's group, dumped from outside.
    pub processes: Vec<HungProcess>,
}

/// One process of a hung group.
#[derive(Debug, Clone, Serialize)]
pub struct HungProcess {
    /// Its pid.
    pub pid: u32,
    /// The dump the harness took of it (evidence, not the handler's dump).
    pub dump: Option<PathBuf>,
    /// Its threads' stacks, innermost frame first.
    pub stacks: Vec<ThreadStack>,
    /// Why it could not be dumped or walked, when it could not.
    pub error: Option<String>,
}

/// What changes while a process group does anything: CPU time spent,
/// threads running or waiting for the disk, files written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Activity {
    cpu_ticks: u64,
    working: bool,
    files: Vec<(PathBuf, u64)>,
}

/// Watches a crashed case's process group (and the handler's own process,
/// when it has one outside the group) for a hang.
pub struct HangWatch {
    pgid: u32,
    others: Vec<u32>,
    dump_dir: PathBuf,
    truth: PathBuf,
    last: Option<(Activity, Instant)>,
}

impl HangWatch {
    /// A watch over the group `pgid` and the processes `others`, whose case
    /// writes its truth record to `truth` just before its crash and whose
    /// handler writes into `dump_dir`.
    pub fn new(pgid: u32, others: Vec<u32>, dump_dir: &Path, truth: &Path) -> Self {
        let (dump_dir, truth) = (dump_dir.to_owned(), truth.to_owned());
        Self { pgid, others, dump_dir, truth, last: None }
    }

    /// Looks once: how long the crashed case has sat still, once that is at
    /// least [`QUIET`].
    pub fn hung_for(&mut self) -> Option<Duration> {
        if !cfg!(target_os = "linux") || !self.truth.exists() {
            return None;
        }
        let now = Instant::now();
        let activity = self.activity();
        match &self.last {
            Some((seen, since)) if *seen == activity && !activity.working => {
                let quiet = now.duration_since(*since);
                (quiet >= QUIET).then_some(quiet)
            }
            _ => {
                self.last = Some((activity, now));
                None
            }
        }
    }

    fn activity(&self) -> Activity {
        let mut activity = Activity::default();
        for pid in group_members(self.pgid).into_iter().chain(self.others.iter().copied()) {
            for task in tasks(pid) {
                activity.cpu_ticks += task.cpu_ticks;
                activity.working |= task.working();
            }
        }
        activity.files = files(&self.dump_dir);
        activity
    }

    /// Dumps every process of the group into `dir` and walks each dump.
    pub fn diagnose(&self, quiet: Duration, dir: &Path) -> Hang {
        let made = std::fs::create_dir_all(dir)
            .map_err(|e| (None, format!("making {}: {e}", dir.display())));
        let processes = group_members(self.pgid)
            .into_iter()
            .map(|pid| match made.clone().and_then(|()| dump_and_walk(dir, pid)) {
                Ok((path, stacks)) => HungProcess { pid, dump: Some(path), stacks, error: None },
                Err((dump, error)) => {
                    HungProcess { pid, dump, stacks: Vec::new(), error: Some(error) }
                }
            })
            .collect();
        Hang { quiet_ms: quiet.as_millis() as u64, after_crash_ms: None, processes }
    }
}

/// Dumps process `pid` into `dir` and walks the dump: its path and stacks,
/// or the dump (when it was written) and what failed.
fn dump_and_walk(
    dir: &Path,
    pid: u32,
) -> Result<(PathBuf, Vec<ThreadStack>), (Option<PathBuf>, String)> {
    let path = write_dump(dir, pid).map_err(|e| (None, format!("dumping it: {e}")))?;
    match thread_stacks(&path) {
        Ok(stacks) => Ok((path, stacks)),
        Err(e) => Err((Some(path), format!("walking its dump: {e}"))),
    }
}

/// Dumps process `pid` into `dir` as `hung-<pid>.dmp`.
#[cfg(target_os = "linux")]
fn write_dump(dir: &Path, pid: u32) -> Result<PathBuf, String> {
    crashsuite_handler::writer::write_dump_of(dir, &format!("hung-{pid}"), pid)
        .map(|published| published.path)
        .map_err(|e| e.to_string())
}

/// Dumping another process is Linux's here.
#[cfg(not(target_os = "linux"))]
fn write_dump(_dir: &Path, _pid: u32) -> Result<PathBuf, String> {
    Err("dumping another process is done on Linux only".into())
}

/// One thread as `/proc/<pid>/task/<tid>/stat` shows it.
struct Task {
    state: char,
    cpu_ticks: u64,
}

impl Task {
    /// Running, or in an uninterruptible wait for the disk: not blocked.
    fn working(&self) -> bool {
        matches!(self.state, 'R' | 'D')
    }
}

/// The fields after the command name (which may hold spaces and parentheses)
/// of a `stat` file: state first.
fn stat_fields(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// The threads of `pid`: state and user plus system time, in clock ticks.
fn tasks(pid: u32) -> Vec<Task> {
    let dir = format!("/proc/{pid}/task");
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| {
            let fields = stat_fields(&entry.path().join("stat"))?;
            let state = fields.first()?.chars().next()?;
            let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
            // utime and stime: fields 14 and 15 of stat, 11 and 12 after state.
            Some(Task { state, cpu_ticks: ticks(11)? + ticks(12)? })
        })
        .collect()
}

/// The live processes whose process group is `pgid` (zombies left out).
fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            stat_fields(Path::new(&format!("/proc/{pid}/stat"))).is_some_and(|fields| {
                // pgrp is field 5 of stat, the third after state.
                fields.first().is_some_and(|s| s != "Z") && fields.get(2) == Some(&pgid.to_string())
            })
        })
        .collect()
}

/// Every file under `dir` (one level of subdirectories), with its size.
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut found = Vec::new();
    let mut dirs = vec![(dir.to_owned(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() && depth == 0 {
                dirs.push((entry.path(), depth + 1));
            } else if meta.is_file() {
                found.push((entry.path(), meta.len()));
            }
        }
    }
    found.sort();
    found
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Looks every 20 ms until the watch calls its group hung or `limit`
    /// passes.
    fn watch_up_to(mut watch: HangWatch, limit: Duration) -> (HangWatch, Option<Duration>) {
        let started = Instant::now();
        let mut hung = None;
        while hung.is_none() && started.elapsed() < limit {
            hung = watch.hung_for();
            std::thread::sleep(Duration::from_millis(20));
        }
        (watch, hung)
    }

    #[test]
    fn a_thread_waiting_for_the_disk_is_working_and_one_sleeping_is_not() {
        let task = |state| Task { state, cpu_ticks: 0 };
        assert!(task('R').working());
        assert!(task('D').working());
        for blocked in ['S', 't', 'T', 'Z'] {
            assert!(!task(blocked).working(), "{blocked}");
        }
    }

    #[test]
    fn a_sleeping_group_is_hung_once_quiet_and_a_busy_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let truth = dir.path().join("truth.json");
        std::fs::write(&truth, b"{}").unwrap();
        let mut sleeper = std::process::Command::new("sleep");
        let mut sleeper = crate::process::own_group(sleeper.arg("30")).spawn().unwrap();
        let watch = HangWatch::new(sleeper.id(), Vec::new(), dir.path(), &truth);
        let (watch, hung) = watch_up_to(watch, QUIET * 10);
        let hung = hung.expect("a sleeping process is called hung");
        assert!(hung >= QUIET);
        let hang = watch.diagnose(hung, &dir.path().join("hung"));
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        assert_eq!(hang.processes.len(), 1, "{hang:?}");
        let frames = &hang.processes[0].stacks[0].frames;
        assert!(frames.iter().take(3).any(|f| f.contains("nanosleep")), "{frames:?}");

        // A group that spends CPU time is never hung.
        let mut busy = std::process::Command::new("sh");
        let busy = crate::process::own_group(busy.args(["-c", "while :; do :; done"]));
        let mut busy = busy.spawn().unwrap();
        let watch = HangWatch::new(busy.id(), Vec::new(), dir.path(), &truth);
        let (_, hung) = watch_up_to(watch, QUIET * 2);
        let _ = busy.kill();
        let _ = busy.wait();
        assert_eq!(hung, None);
    }
}
