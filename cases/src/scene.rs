//! Sets a case up and fires it: attach the handler, start the named workers,
//! send annotations and breadcrumbs, write the truth record on the crashing
//! thread, trigger.

use crate::{
    catalogue::{Case, CrashThread},
    native,
    truth::{ThreadTruth, Truth},
};
use anyhow::{Context as _, bail};
use std::{collections::BTreeMap, ffi::c_void, path::PathBuf, sync::OnceLock};

/// The handler a case runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerChoice {
    /// The reference handler; the monitor listens on this socket.
    Reference {
        /// Monitor socket.
        socket: PathBuf,
    },
    /// No handler in the process: an external supervisor does the dumping.
    None,
}

impl HandlerChoice {
    /// The handler's name in truth records and trial names.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Reference { .. } => "reference",
            Self::None => "none",
        }
    }
}

/// Stack size of the raw pthread that overflows.
const RAW_THREAD_STACK: usize = 1024 * 1024;

/// What the crashing thread needs: the record to complete and the trigger.
struct Armed {
    truth: Truth,
    path: PathBuf,
    case: &'static Case,
}

static ARMED: OnceLock<Armed> = OnceLock::new();

/// Runs `case` under `handler`, writing the truth record to `truth_path`.
/// Returns only if the case could not be set up or did not crash.
pub fn run(
    case: &'static Case,
    handler: &HandlerChoice,
    truth_path: PathBuf,
) -> anyhow::Result<()> {
    case.runs_here().map_err(anyhow::Error::msg)?;
    let attached = match handler {
        HandlerChoice::Reference { socket } => {
            let client = crashsuite_handler::Client::connect(socket)?;
            Some(client.attach()?)
        }
        HandlerChoice::None => None,
    };

    let mut threads = vec![this_thread()?];
    threads.extend(spawn_workers(case.workers)?);

    let mut annotations = BTreeMap::new();
    annotations.insert("crashsuite.case".to_owned(), case.id.to_owned());
    annotations.insert(
        "crashsuite.trigger".to_owned(),
        case.trigger.function().to_owned(),
    );
    let breadcrumbs = vec![
        format!("scene: {} workers started", case.workers),
        format!("crash thread: {:?}", case.thread),
        format!("trigger: {}", case.trigger.function()),
    ];
    let (annotations, breadcrumbs) = match &attached {
        Some(attached) => {
            let client = attached.client();
            for (key, value) in &annotations {
                client.annotate(key, value)?;
            }
            for crumb in &breadcrumbs {
                client.breadcrumb(crumb)?;
            }
            (annotations, breadcrumbs)
        }
        None => (BTreeMap::new(), Vec::new()),
    };

    let expected = case.trigger.expected_on(case.thread);
    let truth = Truth {
        case: case.id.to_owned(),
        handler: handler.name().to_owned(),
        pid: std::process::id(),
        crashing_tid: 0,
        signal: expected.signal,
        si_code: expected.si_code,
        fault_address: expected.fault_address,
        trigger: case.trigger,
        trigger_function: case.trigger.function().to_owned(),
        executable: std::env::current_exe().context("finding the case executable")?,
        threads,
        annotations,
        breadcrumbs,
        monotonic_ns: 0,
    };
    if ARMED
        .set(Armed {
            truth,
            path: truth_path,
            case,
        })
        .is_err()
    {
        bail!("a case is already armed in this process");
    }

    let error = match case.thread {
        CrashThread::Main => {
            record_and_fire();
        }
        CrashThread::RawPthread => native::run_on_raw_pthread(raw_thread_main, RAW_THREAD_STACK),
        CrashThread::CThread => native::crash_on_c_thread(c_thread_before),
    };
    drop(attached);
    Err(error).with_context(|| format!("case {} did not crash", case.id))
}

/// Completes the truth record on the calling thread (the one about to crash)
/// and writes it. Any failure ends the process with exit code 3: the harness
/// must not grade a crash without its truth.
fn record_truth() -> &'static Armed {
    let recorded = ARMED
        .get()
        .ok_or_else(|| anyhow::anyhow!("no armed case"))
        .and_then(|armed| {
            let mut truth = armed.truth.clone();
            let this = this_thread()?;
            truth.crashing_tid = this.tid;
            if !truth.threads.iter().any(|t| t.tid == this.tid) {
                truth.threads.push(this);
            }
            truth.monotonic_ns = monotonic_ns();
            truth.write_synced(&armed.path)?;
            Ok(armed)
        });
    recorded.unwrap_or_else(|e| {
        eprintln!("crashsuite-case: recording the truth: {e:#}");
        std::process::exit(3)
    })
}

fn record_and_fire() -> ! {
    record_truth().case.trigger.fire()
}

extern "C" fn raw_thread_main(_: *mut c_void) -> *mut c_void {
    rustix::thread::set_name(c"cs-raw-crasher").ok();
    record_and_fire()
}

/// Called by the C thread (which names itself) right before its null store.
extern "C" fn c_thread_before() {
    record_truth();
}

fn monotonic_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// The calling thread's tid and kernel name.
fn this_thread() -> anyhow::Result<ThreadTruth> {
    let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
    let path = format!("/proc/self/task/{tid}/comm");
    let name = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    Ok(ThreadTruth {
        tid,
        name: name.trim_end_matches('\n').to_owned(),
    })
}

/// Starts `count` named threads that park forever and reports their tids.
fn spawn_workers(count: usize) -> anyhow::Result<Vec<ThreadTruth>> {
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..count {
        let tx = tx.clone();
        std::thread::Builder::new()
            .name(format!("cs-worker-{i}"))
            .spawn(move || {
                let _ = tx.send(this_thread());
                loop {
                    std::thread::park();
                }
            })
            .context("spawning a worker thread")?;
    }
    drop(tx);
    rx.iter().take(count).collect()
}
