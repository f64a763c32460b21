//! Crashpad's launch-at-crash protocol, as `CrashpadClient::StartHandlerAtCrash`
//! uses it on Linux: the signal handler records where the crash's `siginfo_t`
//! and `ucontext_t` are, forks, and executes `crashpad_handler
//! --trace-parent-with-exception=<address of that record>`; the handler
//! ptraces its parent, reads the record and the rest of the process, and
//! writes the dump into its database. Everything the signal handler uses is
//! prepared before the crash: it allocates nothing and takes no lock.

use std::{
    cell::UnsafeCell,
    ffi::{CString, c_int, c_void},
    path::Path,
    sync::{
        OnceLock,
        atomic::{AtomicBool, Ordering},
    },
};

/// Crashpad's Linux `ExceptionInformation`: where, in the crashed process,
/// the signal's `siginfo_t` and `ucontext_t` are, and which thread crashed.
#[repr(C)]
struct ExceptionInformation {
    siginfo_address: u64,
    context_address: u64,
    thread_id: libc::pid_t,
}

/// The record the handler reads, written once by the first crashing thread.
struct Record(UnsafeCell<ExceptionInformation>);

// SAFETY: written only by the one thread that wins `CRASHING`, before the
// handler process that reads it exists; nothing else touches it.
unsafe impl Sync for Record {}

static RECORD: Record = Record(UnsafeCell::new(ExceptionInformation {
    siginfo_address: 0,
    context_address: 0,
    thread_id: 0,
}));

/// Set by the first crashing thread; others wait for the process to end.
static CRASHING: AtomicBool = AtomicBool::new(false);

/// The handler's command line, as C strings and the pointer arrays execve
/// takes, built before any crash.
struct Launch {
    _strings: Vec<CString>,
    path: *const libc::c_char,
    argv: Vec<*const libc::c_char>,
    envp: [*const libc::c_char; 1],
}

// SAFETY: the pointers point into `_strings`, which the value owns and
// never changes after it is built; they are only read.
unsafe impl Send for Launch {}
// SAFETY: as for Send: read-only after construction.
unsafe impl Sync for Launch {}

static LAUNCH: OnceLock<Launch> = OnceLock::new();

/// The signals a crash raises.
const SIGNALS: [c_int; 7] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
    libc::SIGTRAP,
    libc::SIGSYS,
];

/// Prepares the handler's command line and installs the signal handler for
/// every crash signal. `handler` is the `crashpad_handler` executable and
/// `database` the directory it writes into.
pub fn install(handler: &Path, database: &Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::ffi::OsStrExt;
    let c = |bytes: &[u8]| CString::new(bytes).context("a path holds a NUL byte");
    let mut strings = vec![
        c(handler.as_os_str().as_bytes())?,
        c(&[b"--database=", database.as_os_str().as_bytes()].concat())?,
        c(b"--no-rate-limit")?,
        c(b"--no-periodic-tasks")?,
        c(format!("--trace-parent-with-exception={:#x}", RECORD.0.get() as usize).as_bytes())?,
    ];
    strings.shrink_to_fit();
    let mut argv: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
    argv.push(std::ptr::null());
    let launch =
        Launch { path: strings[0].as_ptr(), argv, envp: [std::ptr::null()], _strings: strings };
    if LAUNCH.set(launch).is_err() {
        anyhow::bail!("the Crashpad launcher is already installed");
    }
    for signal in SIGNALS {
        // SAFETY: a zeroed sigaction is valid; the handler has the
        // SA_SIGINFO signature and is async-signal-safe (see `on_crash`).
        let installed = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_crash as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if installed != 0 {
            return Err(std::io::Error::last_os_error()).context("sigaction");
        }
    }
    Ok(())
}

/// The signal handler: the first crashing thread launches the handler and
/// waits for it, then hands the signal to its default action; any other
/// thread crashing meanwhile waits for the process to end.
extern "C" fn on_crash(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    if CRASHING.swap(true, Ordering::SeqCst) {
        loop {
            // SAFETY: pause(2) takes nothing; the process ends while we wait.
            unsafe { libc::pause() };
        }
    }
    // SAFETY: only syscalls with values prepared before the crash: the
    // record is ours alone (see `Record`), `LAUNCH` was set before the
    // handler was installed, and fork, execve, waitpid, prctl, signal,
    // tgkill and _exit are async-signal-safe.
    unsafe {
        let record = RECORD.0.get();
        (*record).siginfo_address = info as u64;
        (*record).context_address = context as u64;
        (*record).thread_id = libc::gettid();
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
        // The handler is our child, and may ptrace us.
        libc::prctl(libc::PR_SET_PTRACER, libc::getpid() as libc::c_ulong, 0, 0, 0);
        if let Some(launch) = LAUNCH.get() {
            // A raw fork: no atfork handlers run in a crashed process.
            let child = libc::syscall(libc::SYS_fork);
            if child == 0 {
                libc::execve(launch.path, launch.argv.as_ptr(), launch.envp.as_ptr());
                libc::_exit(127);
            }
            if child > 0 {
                let mut status = 0;
                while libc::waitpid(child as libc::pid_t, &mut status, libc::__WALL) < 0
                    && *libc::__errno_location() == libc::EINTR
                {}
            }
        }
        libc::signal(signal, libc::SIG_DFL);
        // A fault happens again when the handler returns; a signal that was
        // sent (raise, abort, kill) or a breakpoint (which does not run
        // again) is sent once more, delivered with the default action as
        // the handler returns.
        if (*info).si_code <= 0 || signal == libc::SIGTRAP {
            libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), signal);
        }
    }
}
