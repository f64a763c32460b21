//! Sets a case up and fires it: attach the handler (in a forked child when
//! the scene says so), start the named workers, load the plugin, allocate the
//! ballast, send annotations and breadcrumbs, bring the crashing threads to a
//! barrier, write the truth record, release them.

use crate::handler::CaseHandler;
use crate::{
    catalogue::{Case, CrashThread},
    native,
    trigger::{Armed, Trigger},
    truth::{ExpectedEnding, ModuleTruth, SystemTruth, ThreadTruth, Truth},
};
use anyhow::{Context as _, bail};
use std::{
    collections::BTreeMap,
    ffi::c_void,
    path::{Path, PathBuf},
    sync::{Barrier, Mutex, OnceLock},
};

/// Stack size of the threads the scene makes to crash on.
const CRASHER_STACK: usize = 1024 * 1024;
/// Stack size of the idle workers; a case may have hundreds.
const WORKER_STACK: usize = 64 * 1024;
/// Room for the truth record's JSON, reserved before a scene uses up its
/// address space: a record of a thousand threads takes some 100 KiB.
const TRUTH_RESERVE: usize = 256 * 1024;
/// How much of its stack a thread about to overflow it leaves untouched
/// ahead of the truth stamp ([`native::fault_in_stack`]); room for the
/// frames between here and the trigger.
const STACK_LEFT: usize = 64 * 1024;
/// The most of its stack such a thread faults in ahead, for a stack with no
/// limit.
const STACK_FAULTED_IN: usize = 64 * 1024 * 1024;

/// What the crashing threads share.
struct CrashRun {
    armed: Armed,
    call_depth: u32,
    in_signal_handler: bool,
    tiny_sigaltstack: bool,
    /// Whether the crashing threads overflow their stacks.
    overflows: bool,
    several: bool,
    /// Crashers wait here twice: once arrived, once released.
    barrier: Barrier,
    arrivals: Mutex<Vec<ThreadTruth>>,
}

static RUN: OnceLock<CrashRun> = OnceLock::new();

/// Runs `case` under `handler`, writing the truth record to `truth_path`;
/// files the case needs (the plugin, a mapped file) go next to it.
///
/// Returns `Ok` only for cases that end without crashing by design (a dump on
/// request, the parent of a forked crash); an error when the case could not
/// be set up or did not crash.
pub fn run(
    case: &'static Case,
    handler: &dyn CaseHandler,
    truth_path: PathBuf,
) -> anyhow::Result<()> {
    case.runs_here().map_err(anyhow::Error::msg)?;
    let scene = &case.scene;
    let scratch = truth_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut attached = handler.attach()?;
    if scene.handler_faults {
        attached.fault_after_dump()?;
    }
    if scene.fork {
        match native::fork().context("fork")? {
            native::Forked::Parent(child) => {
                return native::wait_for_child(child).context("the forked child");
            }
            native::Forked::Child => attached = handler.after_fork(attached)?,
        }
    }

    let mut threads = vec![this_thread()?];
    threads.extend(spawn_workers(scene.workers)?);
    let mut modules = Vec::new();
    if scene.dlopen {
        let path = native::load_plugin(&scratch).context("the dlopen plugin")?;
        modules.push(ModuleTruth { path });
    }
    let ballast_bytes = u64::from(scene.ballast_mib) << 20;
    let ballast = vec![0x5au8; ballast_bytes as usize];

    let mut annotations = BTreeMap::from([
        ("crashsuite.case".to_owned(), case.id.clone()),
        ("crashsuite.trigger".to_owned(), case.trigger.function().to_owned()),
    ]);
    annotations.extend(scene.annotations.clone());
    let mut breadcrumbs = vec![
        format!("scene: {} workers started", scene.workers),
        format!("crash thread: {:?} x{}", scene.thread, scene.crashers),
        format!("trigger: {}", case.trigger.function()),
    ];
    breadcrumbs.extend(scene.breadcrumbs.iter().cloned());
    let (annotations, breadcrumbs) = if attached.takes_annotations() {
        for (key, value) in &annotations {
            attached.annotate(key, value)?;
        }
        for crumb in &breadcrumbs {
            attached.breadcrumb(crumb)?;
        }
        (annotations, breadcrumbs)
    } else {
        (BTreeMap::new(), Vec::new())
    };

    let armed = crate::trigger::arm(case.trigger, &scratch).context("preparing the trigger")?;
    let expected = armed
        .expectation(scene.thread)
        .with_context(|| format!("{:?} does not run on this system", case.trigger))?;
    let crashers = if scene.thread == CrashThread::Main { 0 } else { scene.crashers as usize };
    let run = CrashRun {
        armed,
        call_depth: scene.call_depth,
        in_signal_handler: scene.in_signal_handler,
        tiny_sigaltstack: scene.tiny_sigaltstack,
        overflows: case.trigger == Trigger::StackOverflow,
        several: scene.crashers > 1,
        barrier: Barrier::new(crashers + 1),
        arrivals: Mutex::new(Vec::new()),
    };
    if RUN.set(run).is_err() {
        bail!("a case is already running in this process");
    }
    let run = RUN.get().context("the crash run vanished")?;

    let crashing = if scene.thread == CrashThread::Main {
        vec![threads[0].clone()]
    } else {
        start_crashers(scene.thread, crashers)?;
        run.barrier.wait();
        run.arrivals.lock().map_err(|_| anyhow::anyhow!("a crasher panicked"))?.clone()
    };
    let new_threads: Vec<ThreadTruth> =
        crashing.iter().filter(|c| !threads.contains(c)).cloned().collect();
    threads.extend(new_threads);

    // A scene that uses up its descriptors or its address space does so now,
    // with its record's file already open and room for the record reserved
    // (both kept until the crash, so that nothing is left then), and the
    // stamp stays the last step before the trigger.
    let mut truth_file = Truth::create(&truth_path)?;
    let mut truth_buffer = Vec::with_capacity(TRUTH_RESERVE);
    let mut truth = Truth {
        case: case.id.clone(),
        handler: handler.name().to_owned(),
        system: SystemTruth::current(),
        pid: std::process::id(),
        crashing_tids: crashing.iter().map(|t| t.tid).collect(),
        exception_code: expected.exception_code,
        si_code: expected.si_code,
        fault_address: expected.fault_address,
        instruction_pointer: expected.instruction_pointer,
        // A forked case's parent waits for its crashing child and exits 0.
        ending: if scene.fork { ExpectedEnding::Exit(0) } else { expected.ending },
        stack_pointer_destroyed: expected.stack_pointer_destroyed,
        crash_site: expected.crash_site,
        trigger: case.trigger,
        trigger_function: case.trigger.function().to_owned(),
        call_depth: scene.call_depth,
        ballast_bytes,
        executable: std::env::current_exe().context("finding the case executable")?,
        argv: std::env::args().collect(),
        environ_marker: std::env::var(crate::MARKER_ENV).ok(),
        threads,
        modules,
        annotations,
        breadcrumbs,
        monotonic_ns: 0,
    };
    if scene.exhaust_fds {
        exhaust_descriptors();
    }
    if scene.exhaust_address_space {
        exhaust_address_space();
    }
    if scene.thread == CrashThread::Main && run.overflows {
        fault_in_stack();
    }
    truth.monotonic_ns = crate::monotonic_ns();
    truth.write_to(&mut truth_file, &truth_path, &mut truth_buffer)?;

    if case.trigger == Trigger::RequestDump {
        attached.dump_now()?;
        drop(ballast);
        return Ok(());
    }
    if scene.thread == CrashThread::Main {
        crash_here(run);
    }
    run.barrier.wait();
    // The crashers are released; the first fault ends the process.
    loop {
        std::thread::park();
    }
}

/// Starts `count` threads of `kind` that arrive at the barrier, wait to be
/// released, and crash.
fn start_crashers(kind: CrashThread, count: usize) -> anyhow::Result<()> {
    for index in 0..count {
        match kind {
            CrashThread::Main => bail!("the main thread is not started"),
            CrashThread::Rust => {
                let name = crasher_name("cs-rust-crasher", index, count > 1);
                std::thread::Builder::new()
                    .name(name)
                    .stack_size(CRASHER_STACK)
                    .spawn(|| -> () { crasher() })
                    .context("spawning a crashing thread")?;
            }
            CrashThread::RawPthread => {
                native::spawn_raw_pthread(raw_crasher, CRASHER_STACK).context("pthread_create")?
            }
            // C and C++ create their thread and wait for it: on threads of their own.
            CrashThread::CThread => {
                std::thread::spawn(|| {
                    eprintln!("crashsuite-case: {}", native::run_on_c_thread(c_crasher))
                });
            }
            CrashThread::CppThread => {
                std::thread::spawn(|| {
                    eprintln!("crashsuite-case: {}", native::run_on_cpp_thread(c_crasher))
                });
            }
        }
    }
    Ok(())
}

/// A crashing thread's name: `single` when it is the only one.
fn crasher_name(single: &str, index: usize, several: bool) -> String {
    if several { format!("cs-crasher-{index}") } else { single.to_owned() }
}

/// The body of every crashing thread but the main one.
fn crasher() -> ! {
    let Some(run) = RUN.get() else {
        eprintln!("crashsuite-case: a crasher started before the run was set up");
        std::process::exit(3);
    };
    if run.overflows {
        fault_in_stack();
    }
    match this_thread() {
        Ok(this) => run.arrivals.lock().unwrap_or_else(|p| p.into_inner()).push(this),
        Err(e) => {
            eprintln!("crashsuite-case: {e:#}");
            std::process::exit(3);
        }
    }
    run.barrier.wait();
    run.barrier.wait();
    crash_here(run)
}

static RAW_CRASHERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn raw_crasher(_: *mut c_void) -> *mut c_void {
    let index = RAW_CRASHERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let several = RUN.get().is_some_and(|r| r.several);
    let name = crasher_name("cs-raw-crasher", index, several);
    native::set_thread_name(&name);
    crasher()
}

extern "C" fn c_crasher() {
    crasher()
}

/// Descends the scene's call depth on the calling thread and fires.
fn crash_here(run: &CrashRun) -> ! {
    if run.tiny_sigaltstack
        && let Err(e) = native::install_tiny_sigaltstack()
    {
        eprintln!("crashsuite-case: sigaltstack: {e}");
        std::process::exit(3);
    }
    native::descend(run.call_depth, at_the_bottom)
}

/// Faults in the calling thread's stack ahead of its overflow, so that the
/// time from the truth stamp to the fault is the trigger's, not the kernel's.
fn fault_in_stack() {
    if let Err(e) = native::fault_in_stack(STACK_LEFT, STACK_FAULTED_IN) {
        eprintln!("crashsuite-case: faulting in the stack: {e}");
        std::process::exit(3);
    }
}

/// Opens `/dev/null` until the process has no descriptor left; the files
/// stay open until the crash.
fn exhaust_descriptors() {
    let mut held = Vec::new();
    while let Ok(file) = std::fs::File::open("/dev/null") {
        held.push(file);
    }
    std::mem::forget(held);
}

/// Caps the address space at what the process maps now, plus a little, and
/// allocates until nothing more fits; the allocations stay until the crash.
fn exhaust_address_space() {
    const HEADROOM: u64 = 1 << 20;
    if let Err(e) = native::cap_address_space(HEADROOM) {
        eprintln!("crashsuite-case: capping the address space: {e}");
        std::process::exit(3);
    }
    let mut held: Vec<Vec<u8>> = Vec::new();
    for size in [1 << 20, 64 << 10, 4 << 10, 64] {
        loop {
            let mut chunk = Vec::new();
            if held.try_reserve(1).is_err() || chunk.try_reserve_exact(size).is_err() {
                break;
            }
            held.push(chunk);
        }
    }
    std::mem::forget(held);
}

extern "C" fn at_the_bottom() {
    match RUN.get() {
        Some(run) if run.in_signal_handler => native::crash_in_signal_handler(fire),
        Some(run) => run.armed.fire(),
        None => std::process::exit(3),
    }
}

extern "C" fn fire() {
    if let Some(run) = RUN.get() {
        run.armed.fire()
    }
}

/// The calling thread's id and the name the system holds for it.
fn this_thread() -> anyhow::Result<ThreadTruth> {
    native::this_thread().context("identifying the calling thread")
}

/// Starts `count` named threads that park forever and reports them.
fn spawn_workers(count: u32) -> anyhow::Result<Vec<ThreadTruth>> {
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..count {
        let tx = tx.clone();
        std::thread::Builder::new()
            .name(format!("cs-worker-{i}"))
            .stack_size(WORKER_STACK)
            .spawn(move || {
                let _ = tx.send(this_thread());
                loop {
                    std::thread::park();
                }
            })
            .context("spawning a worker thread")?;
    }
    drop(tx);
    rx.iter().take(count as usize).collect()
}
