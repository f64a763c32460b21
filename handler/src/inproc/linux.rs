//! The in-process handler on Linux: crash-handler catches the signal, and the
//! crashing thread clones a child process that writes the dump of its parent
//! with minidump-writer while the thread waits. A process cannot ptrace
//! itself; Breakpad's "self dumping" (Chromium's Linux crash dumping) works
//! this way.
//!
//! It is the reference handler's in-process twin, so that every run compares
//! two handlers: same writer, same annotation stream, same atomic file, but
//! the dumping code runs in a copy of the crashed process (its heap, its
//! locks) instead of a healthy monitor.

use crate::{
    ClientError,
    error::{InProcessError, WriteError},
    writer,
};
use minidump_writer::crash_context::CrashContext;
use std::{sync::OnceLock, time::Duration};

include!("common.rs");

/// How long the crashing thread waits for the dumping child.
pub const CHILD_DEADLINE: Duration = Duration::from_secs(5);
/// Stack of the dumping child. The crashing thread runs on a small alternate
/// signal stack, far too small for minidump-writer.
const CHILD_STACK: usize = 8 << 20;

/// Top of the mapping the dumping child runs on. The parent never touches
/// it, and each child runs on its own copy (no CLONE_VM), so one serves all.
static CHILD_STACK_TOP: OnceLock<usize> = OnceLock::new();

/// What the child is asked to do.
struct ChildTask<'a> {
    context: &'a CrashContext,
    requested: bool,
}

/// Maps the dumping child's stack, once.
fn prepare() -> Result<(), ClientError> {
    let top = map_child_stack()?;
    CHILD_STACK_TOP.set(top).map_err(|_| InProcessError::AlreadyAttached.into())
}

/// Writes the dump of a crash, from a child. It runs in the signal handler:
/// the parent side only clones (a raw syscall), polls waitpid, sleeps and
/// kills, all async-signal-safe. The child allocates: it is a copy of the
/// crashed process, which is this handler's known weakness.
fn dump_crash(context: &CrashContext) -> bool {
    dump_in_child(context, false)
}

/// Written to stderr when the crash could not be dumped.
const NO_DUMP: &str = "crashsuite: the dumping child wrote no dump\n";

/// Writes a dump of this process on request, from a child.
fn dump_requested() -> Result<(), ClientError> {
    let mut context = crash_path::zeroed_context();
    context.pid = rustix::process::getpid().as_raw_nonzero().get();
    context.tid = rustix::thread::gettid().as_raw_nonzero().get();
    if dump_in_child(&context, true) {
        Ok(())
    } else {
        Err(InProcessError::NoDump("dumping child").into())
    }
}

/// Maps the dumping child's stack; returns its top.
fn map_child_stack() -> Result<usize, ClientError> {
    #[expect(unsafe_code)]
    // SAFETY: an anonymous private mapping, kept for the life of the process.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            CHILD_STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(InProcessError::Prepare {
            what: "mapping the dumping child's stack",
            source: std::io::Error::last_os_error(),
        }
        .into());
    }
    Ok(base as usize + CHILD_STACK)
}

/// Clones a child that writes the dump and waits for it (at most
/// [`CHILD_DEADLINE`]); true when the child reported success.
fn dump_in_child(context: &CrashContext, requested: bool) -> bool {
    let Some(&stack_top) = CHILD_STACK_TOP.get() else { return false };
    let mut task = ChildTask { context, requested };
    #[expect(unsafe_code)]
    // SAFETY: clone(2) without CLONE_VM makes a new process with a copy of
    // this one, like fork but without glibc's atfork handlers (which take
    // malloc's locks, perhaps held by the crashed thread). The child starts in
    // `child_main` on the copy of the mapped stack, and `task` outlives the
    // call in the parent; the child reads its own copy.
    let child = unsafe {
        libc::clone(
            child_main,
            stack_top as *mut libc::c_void,
            libc::SIGCHLD,
            (&raw mut task).cast(),
        )
    };
    if child <= 0 { false } else { wait_bounded(child) }
}

/// The child's entry point: writes the dump, returns the exit code.
extern "C" fn child_main(task: *mut libc::c_void) -> libc::c_int {
    #[expect(unsafe_code)]
    // SAFETY: `task` is the parent's `ChildTask`, copied into this process.
    let task = unsafe { &*task.cast::<ChildTask<'_>>() };
    if child_writes(task.context, task.requested) { 0 } else { 1 }
}

/// In the child: writes the dump of the parent.
fn child_writes(context: &CrashContext, requested: bool) -> bool {
    let Some(state) = STATE.get() else { return false };
    let notes = crash_notes(state);
    let pid = context.pid as u32;
    let name = writer::dump_name(pid, 0);
    let written = writer::write_process_dump(
        &state.dump_dir,
        &name,
        context.clone(),
        requested,
        &notes,
        |_| (),
        || (),
    );
    match written {
        Ok(_) => true,
        Err(e) => {
            eprintln!("crashsuite: in-process dump: {e}");
            false
        }
    }
}

/// Waits for the child's exit; kills it at the deadline. Async-signal-safe.
/// The wait blocks in `poll` on a pidfd (so a watcher sees this thread
/// blocked, not spinning), or, on a kernel without pidfds (before 5.3),
/// polls `waitpid` every millisecond. The deadline is read from the
/// monotonic clock, not counted in sleeps: a loaded or emulated machine
/// oversleeps each one many times over.
fn wait_bounded(pid: libc::pid_t) -> bool {
    const STEP: libc::timespec = libc::timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    let deadline = monotonic_ms().saturating_add(CHILD_DEADLINE.as_millis() as u64);
    #[expect(unsafe_code)]
    // SAFETY: pidfd_open takes plain values; a negative result is an error.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int;
    let mut status = 0;
    let mut ended = None;
    while ended.is_none() && monotonic_ms() < deadline {
        #[expect(unsafe_code)]
        // SAFETY: waitpid takes a local out-parameter; poll a local pollfd;
        // nanosleep a constant.
        unsafe {
            match libc::waitpid(pid, &mut status, libc::WNOHANG) {
                0 if pidfd >= 0 => {
                    let left = deadline.saturating_sub(monotonic_ms()).min(i32::MAX as u64);
                    let mut ready = libc::pollfd { fd: pidfd, events: libc::POLLIN, revents: 0 };
                    libc::poll(&mut ready, 1, left as libc::c_int);
                }
                0 => {
                    libc::nanosleep(&STEP, std::ptr::null_mut());
                }
                done => ended = Some(done),
            }
        }
    }
    if pidfd >= 0 {
        #[expect(unsafe_code)]
        // SAFETY: closing the descriptor opened above.
        unsafe {
            libc::close(pidfd);
        }
    }
    match ended {
        Some(done) if done == pid => {
            return libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        }
        Some(_) => return false,
        None => {}
    }
    #[expect(unsafe_code)]
    // SAFETY: kill and waitpid on our own child.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, &mut status, 0);
    }
    false
}

/// `CLOCK_MONOTONIC` in milliseconds; clock_gettime is async-signal-safe.
fn monotonic_ms() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    #[expect(unsafe_code)]
    // SAFETY: clock_gettime writes the local timespec it is given.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now);
    }
    now.tv_sec as u64 * 1000 + now.tv_nsec as u64 / 1_000_000
}
