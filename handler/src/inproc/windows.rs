//! The in-process handler on Windows: crash-handler's exception filter
//! catches the exception, and the crashing thread writes the dump of its own
//! process with minidump-writer (the system's `MiniDumpWriteDump`), as
//! Breakpad's in-process Windows handler does. The process then ends with its
//! exception code.

use crate::{
    ClientError,
    error::{InProcessError, WriteError},
    writer,
};
use minidump_writer::crash_context::CrashContext;
use std::{
    sync::{
        Condvar, MutexGuard, OnceLock, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

include!("common.rs");

/// Numbers the dumps of this process.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);
/// How long a crashing or requesting thread waits for the dumper thread: a
/// bound on a hung writer. Wine's `MiniDumpWriteDump` takes about 9 s, more
/// with other processes dumping at once.
const DUMP_DEADLINE: Duration = Duration::from_secs(60);

/// What a crashing or requesting thread hands the dumper thread.
#[derive(Clone, Copy)]
struct Job {
    /// The `EXCEPTION_POINTERS` of the crash (or of the request), as an
    /// address in the waiting thread's frame.
    exception_pointers: usize,
    exception_code: i32,
    thread_id: u32,
}

/// The one job in flight and its outcome.
#[derive(Default)]
struct Slot {
    job: Option<Job>,
    done: Option<bool>,
}

/// A thread of its own writes the dumps, as Breakpad's Windows handler does:
/// the crashing thread's stack is then walked like any other (a writer
/// running on it would be dumping its own, live stack), and the dump's
/// BreakpadInfo names two threads.
struct Dumper {
    slot: Mutex<Slot>,
    changed: Condvar,
}

static DUMPER: OnceLock<Dumper> = OnceLock::new();

/// Starts the dumper thread.
fn prepare() -> Result<(), ClientError> {
    let dumper = Dumper { slot: Mutex::default(), changed: Condvar::new() };
    if DUMPER.set(dumper).is_err() {
        return Err(InProcessError::AlreadyAttached.into());
    }
    std::thread::Builder::new().name("crashsuite-dumper".into()).spawn(serve).map(drop).map_err(
        |source| InProcessError::Prepare { what: "starting the dumper thread", source }.into(),
    )
}

/// The dumper thread: takes each job, writes its dump, reports.
fn serve() {
    let Some(dumper) = DUMPER.get() else { return };
    loop {
        let mut slot = dumper.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let job = loop {
            match slot.job.take() {
                Some(job) => break job,
                None => slot = dumper.changed.wait(slot).unwrap_or_else(PoisonError::into_inner),
            }
        };
        drop(slot);
        let written = write_job(job);
        if let Err(e) = &written {
            eprintln!("crashsuite: in-process dump: {e}");
        }
        let mut slot = dumper.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.done = Some(written.is_ok());
        dumper.changed.notify_all();
    }
}

/// Hands `job` to the dumper thread and waits (at most [`DUMP_DEADLINE`])
/// for the dump; true when it was written.
fn hand_over(job: Job) -> bool {
    let Some(dumper) = DUMPER.get() else { return false };
    let deadline = Instant::now() + DUMP_DEADLINE;
    let slot = dumper.slot.lock().unwrap_or_else(PoisonError::into_inner);
    // One job at a time: wait for the slot to be free.
    let mut slot = dumper.wait_while(slot, deadline, |s| s.job.is_some() || s.done.is_some());
    if slot.job.is_some() || slot.done.is_some() {
        return false;
    }
    slot.job = Some(job);
    dumper.changed.notify_all();
    let mut slot = dumper.wait_while(slot, deadline, |s| s.done.is_none());
    let done = slot.done.take();
    dumper.changed.notify_all();
    done.unwrap_or(false)
}

impl Dumper {
    /// Waits on the slot while `busy` holds, until `deadline` at most.
    fn wait_while<'a>(
        &self,
        slot: MutexGuard<'a, Slot>,
        deadline: Instant,
        busy: impl FnMut(&mut Slot) -> bool,
    ) -> MutexGuard<'a, Slot> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.changed.wait_timeout_while(slot, left, busy).unwrap_or_else(PoisonError::into_inner).0
    }
}

/// Written to stderr when the crash could not be dumped.
const NO_DUMP: &str = "crashsuite: the in-process handler wrote no dump\n";

/// Has the dumper thread write the dump of a crash, in the exception filter,
/// while the crashing thread waits. The dumper allocates and
/// `MiniDumpWriteDump` takes the loader lock: a crash that broke the heap or
/// holds that lock loses its dump, which is this handler's known weakness.
fn dump_crash(context: &CrashContext) -> bool {
    hand_over(Job {
        exception_pointers: context.exception_pointers as usize,
        exception_code: context.exception_code,
        thread_id: context.thread_id,
    })
}

/// Has the dumper thread write a dump of this process on request, blaming
/// the calling thread (see [`crash_path::with_requested_exception`]), while
/// the thread waits.
fn dump_requested() -> Result<(), ClientError> {
    if crash_path::with_requested_exception(dump_crash) {
        Ok(())
    } else {
        Err(InProcessError::NoDump("dumper thread").into())
    }
}

/// On the dumper thread: the dump, with the exception (a crash's, or the
/// one a request made up).
fn write_job(job: Job) -> Result<(), WriteError> {
    let state = STATE.get().ok_or(WriteError::NotAttached)?;
    let context = CrashContext {
        exception_pointers: job.exception_pointers as *const _,
        process_id: std::process::id(),
        thread_id: job.thread_id,
        exception_code: job.exception_code,
    };
    let name = writer::dump_name(std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed));
    let notes = crash_notes(state);
    let swap = |dump: &mut Vec<u8>| swap_breakpad_threads(dump);
    // The exception pointers stay valid: the thread that handed them over
    // waits until this returns.
    writer::write_crash_dump(&state.dump_dir, &name, &context, &notes, swap, || ())?;
    Ok(())
}

/// minidump-writer 0.13's Windows writer swaps BreakpadInfo's two threads:
/// it names the crashed thread as the one that wrote the dump and the writing
/// thread as the one that asked. Processors skip the writing thread's stack,
/// so the crashed thread's walk was lost; this puts the two back.
fn swap_breakpad_threads(dump: &mut [u8]) {
    const BREAKPAD_INFO: u32 = 0x4767_0001;
    if let Some(info) = dumpfile::stream_mut(dump, BREAKPAD_INFO)
        && info.len() >= 12
    {
        let (ids, _) = info[4..].split_at_mut(8);
        let (dumping, requesting) = ids.split_at_mut(4);
        dumping.swap_with_slice(requesting);
    }
}

/// crash-handler 0.8 references the C runtime's `_invoke_watson` (it ends the
/// process after an invalid parameter), which Microsoft's C runtime has and
/// mingw-w64's lacks: GNU builds link this one, which ends the process the
/// same way, at once.
#[cfg(target_env = "gnu")]
#[expect(unsafe_code)]
// SAFETY: the symbol is defined nowhere else in a GNU build, and the function
// has the C runtime's signature: no arguments, never returns.
#[unsafe(no_mangle)]
pub extern "C" fn _invoke_watson() -> ! {
    std::process::abort()
}
