//! `native` on Linux: everything that crosses into C, C++, raw pthreads,
//! `fork`, `dlopen`, signal handlers or inline assembly, and the calls that
//! crash on purpose. With its Windows and macOS counterparts, the only module
//! of this crate with `unsafe` code.
#![expect(unsafe_code)]

use crate::truth::ThreadTruth;
use std::{ffi::c_void, io, path::Path};

include!("common.rs");

unsafe extern "C" {
    fn crashsuite_write_null();
    fn crashsuite_read_null() -> i32;
    fn crashsuite_call_null();
    fn crashsuite_map_page(writable: i32) -> *mut c_void;
    fn crashsuite_write_to(address: *mut c_void);
    fn crashsuite_jump_to(address: *mut c_void);
    fn crashsuite_map_past_eof(path: *const libc::c_char) -> *mut c_void;
    fn crashsuite_assert_fail();
    fn crashsuite_double_free();
    fn crashsuite_heap_overflow();
    fn crashsuite_raise_segv();
    fn crashsuite_crash_in_signal_handler(trigger: extern "C" fn());
    fn crashsuite_install_tiny_sigaltstack() -> i32;
    fn crashsuite_run_on_c_thread(body: extern "C" fn()) -> i32;
    fn crashsuite_pure_virtual_call();
    fn crashsuite_throw_uncaught();
    fn crashsuite_run_on_cpp_thread(body: extern "C" fn());
    fn crashsuite_descend(depth: u32, bottom: extern "C" fn());
}

/// The stack pointer [`garbage_stack_pointer`] loads before it stores.
pub const GARBAGE_STACK_POINTER: u64 = 0xdead_0000;
/// Where the store after loading [`GARBAGE_STACK_POINTER`] faults: `push` on
/// x86_64 and a pre-indexed `str` on aarch64 both store 16 or 8 bytes below.
pub const GARBAGE_STORE_ADDRESS: u64 = if cfg!(target_arch = "x86_64") {
    GARBAGE_STACK_POINTER - 8
} else {
    GARBAGE_STACK_POINTER - 16
};

/// The bytes of `libcrashsuite_plugin.so`, built by build.rs.
const PLUGIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libcrashsuite_plugin.so"));
/// The plugin's file name.
const PLUGIN_FILE: &str = "libcrashsuite_plugin.so";

/// Stores through a null pointer from C.
pub fn write_null() -> ! {
    // SAFETY: none; the call crashes on purpose.
    unsafe { crashsuite_write_null() };
    did_not_crash("a store through a null pointer")
}

/// Loads through a null pointer from C.
pub fn read_null() -> ! {
    // SAFETY: none; the call crashes on purpose.
    unsafe { crashsuite_read_null() };
    did_not_crash("a load through a null pointer")
}

/// Calls through a null function pointer from C.
pub fn call_null() -> ! {
    // SAFETY: none; the call crashes on purpose.
    unsafe { crashsuite_call_null() };
    did_not_crash("a call through a null function pointer")
}

/// Maps a fresh page, writable or read-only, and returns its address.
pub fn map_page(writable: bool) -> io::Result<usize> {
    // SAFETY: the C function only calls mmap and returns its result or NULL.
    let page = unsafe { crashsuite_map_page(i32::from(writable)) };
    if page.is_null() { Err(io::Error::last_os_error()) } else { Ok(page as usize) }
}

/// Maps `path` so that the returned address lies past the end of the file.
pub fn map_past_end_of_file(path: &Path) -> io::Result<usize> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: `c_path` is a valid NUL-terminated string for the whole call.
    let address = unsafe { crashsuite_map_past_eof(c_path.as_ptr()) };
    if address.is_null() { Err(io::Error::last_os_error()) } else { Ok(address as usize) }
}

/// Stores to `address` from C.
pub fn write_to(address: usize) -> ! {
    // SAFETY: none; the store crashes on purpose.
    unsafe { crashsuite_write_to(address as *mut c_void) };
    did_not_crash("a store to a protected address")
}

/// Jumps to `address` from C.
pub fn jump_to(address: usize) -> ! {
    // SAFETY: none; the jump crashes on purpose.
    unsafe { crashsuite_jump_to(address as *mut c_void) };
    did_not_crash("a jump into data")
}

/// Fails a C `assert`.
pub fn assert_fail() -> ! {
    // SAFETY: none; the call aborts on purpose.
    unsafe { crashsuite_assert_fail() };
    did_not_crash("a failed assert")
}

/// Frees a heap block twice.
pub fn double_free() -> ! {
    // SAFETY: none; glibc aborts on purpose.
    unsafe { crashsuite_double_free() };
    did_not_crash("a double free")
}

/// Overflows a heap block and frees the next one.
pub fn heap_overflow() -> ! {
    // SAFETY: none; glibc aborts on purpose.
    unsafe { crashsuite_heap_overflow() };
    did_not_crash("a heap overflow")
}

/// `raise(SIGSEGV)`.
pub fn raise_segv() -> ! {
    // SAFETY: none; the signal kills the process on purpose.
    unsafe { crashsuite_raise_segv() };
    did_not_crash("raise(SIGSEGV)")
}

/// Makes a C++ pure virtual call.
pub fn pure_virtual_call() -> ! {
    // SAFETY: none; the call aborts on purpose.
    unsafe { crashsuite_pure_virtual_call() };
    did_not_crash("a pure virtual call")
}

/// Throws a C++ exception through a `noexcept` function.
pub fn throw_uncaught() -> ! {
    // SAFETY: none; std::terminate aborts on purpose. The exception never
    // unwinds into Rust: terminate is called in the C++ frames.
    unsafe { crashsuite_throw_uncaught() };
    did_not_crash("an uncaught C++ exception")
}

/// Loads the stack pointer with garbage, then stores through it.
pub fn garbage_stack_pointer() -> ! {
    // SAFETY: none; the store faults on purpose, with no stack to return to.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        std::arch::asm!("mov rsp, {sp}", "push rax", sp = in(reg) GARBAGE_STACK_POINTER, options(noreturn));
        #[cfg(target_arch = "aarch64")]
        std::arch::asm!("mov sp, {sp}", "str x0, [sp, #-16]!", sp = in(reg) GARBAGE_STACK_POINTER, options(noreturn));
    }
}

/// Recurses `depth` C frames, then calls `bottom`, which must not return.
pub fn descend(depth: u32, bottom: extern "C" fn()) -> ! {
    // SAFETY: `bottom` is a plain `extern "C"` function.
    unsafe { crashsuite_descend(depth, bottom) };
    did_not_crash("the recursion's bottom")
}

/// Installs a `MINSIGSTKSZ`-byte alternate signal stack on the calling thread.
pub fn install_tiny_sigaltstack() -> io::Result<()> {
    // SAFETY: the C function hands sigaltstack a static buffer that outlives the thread.
    if unsafe { crashsuite_install_tiny_sigaltstack() } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Installs a SIGUSR1 handler that calls `trigger`, and raises SIGUSR1.
pub fn crash_in_signal_handler(trigger: extern "C" fn()) -> ! {
    // SAFETY: `trigger` is a plain `extern "C"` function; it never returns.
    unsafe { crashsuite_crash_in_signal_handler(trigger) };
    did_not_crash("the SIGUSR1 handler")
}

/// Runs `body` on a thread created by C, and waits for it.
pub fn run_on_c_thread(body: extern "C" fn()) -> io::Error {
    // SAFETY: `body` is a plain `extern "C"` function; the C side only calls it.
    match unsafe { crashsuite_run_on_c_thread(body) } {
        0 => io::Error::other("the C thread did not crash"),
        _ => io::Error::other("the C thread could not be created"),
    }
}

/// Runs `body` on a C++ `std::thread`, and waits for it.
pub fn run_on_cpp_thread(body: extern "C" fn()) -> io::Error {
    // SAFETY: `body` is a plain `extern "C"` function; the C++ side only calls it.
    unsafe { crashsuite_run_on_cpp_thread(body) };
    io::Error::other("the C++ thread did not crash")
}

/// Starts `start` on a thread made with `pthread_create` directly (a thread
/// foreign to Rust's runtime) with a stack of `stack_size` bytes.
pub fn spawn_raw_pthread(
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    stack_size: usize,
) -> io::Result<()> {
    // SAFETY: `attr` is initialised by pthread_attr_init before use and
    // destroyed after pthread_create copied it; `start` is a plain `extern "C"`
    // function that ignores its argument.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        libc::pthread_attr_init(&mut attr);
        libc::pthread_attr_setstacksize(&mut attr, stack_size);
        let mut thread: libc::pthread_t = std::mem::zeroed();
        let rc = libc::pthread_create(&mut thread, &attr, start, std::ptr::null_mut());
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        libc::pthread_detach(thread);
    }
    Ok(())
}

/// How `fork` came back.
pub enum Forked {
    /// In the child.
    Child,
    /// In the parent, with the child's pid.
    Parent(libc::pid_t),
}

/// `fork()`. The child starts with only the calling thread.
pub fn fork() -> io::Result<Forked> {
    // SAFETY: the child goes on to make its own connection and threads; the
    // scene forks before it starts any thread of its own.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

static PLUGIN_LIBRARY: std::sync::OnceLock<libloading::Library> = std::sync::OnceLock::new();

/// Writes the plugin into `dir`, loads it with `dlopen` and keeps it loaded;
/// returns its path.
pub fn load_plugin(dir: &Path) -> io::Result<std::path::PathBuf> {
    let path = dir.join(PLUGIN_FILE);
    std::fs::write(&path, PLUGIN)?;
    // SAFETY: the plugin is this crate's own library, with no initialisers
    // beyond the C runtime's.
    let library = unsafe { libloading::Library::new(&path) }
        .map_err(|e| io::Error::other(format!("loading {}: {e}", path.display())))?;
    let _ = PLUGIN_LIBRARY.set(library);
    Ok(path)
}

/// Crashes inside the plugin loaded by [`load_plugin`].
pub fn plugin_write_null() -> ! {
    let Some(library) = PLUGIN_LIBRARY.get() else {
        eprintln!("crashsuite-case: the plugin is not loaded");
        std::process::exit(4);
    };
    // SAFETY: the symbol is `void crashsuite_plugin_write_null(void)`.
    let result = unsafe {
        library.get::<unsafe extern "C" fn()>(b"crashsuite_plugin_write_null\0").map(|f| f())
    };
    if let Err(e) = result {
        eprintln!("crashsuite-case: {e}");
        std::process::exit(4);
    }
    did_not_crash("the plugin's null store")
}

/// The calling thread's id and the name the kernel holds for it.
pub fn this_thread() -> io::Result<ThreadTruth> {
    let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
    let path = format!("/proc/self/task/{tid}/comm");
    let name = std::fs::read_to_string(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("reading {path}: {e}")))?;
    Ok(ThreadTruth { tid, name: name.trim_end_matches('\n').to_owned() })
}

/// Gives the thread a name the kernel holds (at most 15 bytes).
pub fn set_thread_name(name: &str) {
    if let Ok(name) = std::ffi::CString::new(name) {
        rustix::thread::set_name(&name).ok();
    }
}

/// In a forked case's parent: waits for the child, which crashes, and
/// succeeds if it died of a signal.
pub fn wait_for_child(child: libc::pid_t) -> io::Result<()> {
    let pid = rustix::process::Pid::from_raw(child)
        .ok_or_else(|| io::Error::other("fork returned a bad pid"))?;
    let status = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty())?
        .map(|(_, status)| status)
        .ok_or_else(|| io::Error::other("the forked child vanished"))?;
    match status.terminating_signal() {
        Some(signal) => {
            eprintln!("crashsuite-case: the forked child died of signal {signal}");
            Ok(())
        }
        None => Err(io::Error::other(format!("the forked child did not crash: {status:?}"))),
    }
}

/// Caps the address space at what the process maps now, plus `headroom`.
pub fn cap_address_space(headroom: u64) -> io::Result<()> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages = statm
        .split_whitespace()
        .next()
        .and_then(|pages| pages.parse::<u64>().ok())
        .ok_or_else(|| io::Error::other("cannot parse /proc/self/statm"))?;
    let mapped = pages * rustix::param::page_size() as u64;
    let limit = Rlimit { current: Some(mapped + headroom), ..getrlimit(Resource::As) };
    setrlimit(Resource::As, limit).map_err(io::Error::from)
}

/// Faults in the calling thread's stack down to `margin` bytes above its
/// lowest usable address (at most `cap` bytes below the caller), by
/// recursing through frames of 64 KiB whose stack probes touch every page.
///
/// A stack overflow runs through the whole stack before it faults; with the
/// pages already resident, that run is the trigger's own few milliseconds
/// instead of thousands of page faults whose cost varies with the machine's
/// load. The scene at the fault is the same: the overflow touches every page
/// on its way down in either case.
pub fn fault_in_stack(margin: usize, cap: usize) -> io::Result<()> {
    const FRAME: usize = 64 * 1024;
    #[inline(never)]
    fn step(levels: usize) {
        let mut frame = [0u8; FRAME];
        std::hint::black_box(&mut frame);
        if levels > 0 {
            step(levels - 1);
        }
        // Work after the call keeps it from becoming a jump.
        std::hint::black_box(&frame);
    }
    let low = stack_low()?;
    let here = std::hint::black_box(&margin) as *const usize as usize;
    let room = here.saturating_sub(low).saturating_sub(margin).min(cap);
    step((room / FRAME).saturating_sub(1));
    Ok(())
}

/// The lowest address of the calling thread's stack, as glibc reports it;
/// for the main thread, glibc derives it from `RLIMIT_STACK` and the mapping
/// below the stack.
fn stack_low() -> io::Result<usize> {
    // SAFETY: `attr` is filled by pthread_getattr_np before it is read and
    // destroyed after; the out-pointers point at locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let rc = libc::pthread_getattr_np(libc::pthread_self(), &mut attr);
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        let mut low: *mut c_void = std::ptr::null_mut();
        let mut size = 0usize;
        let rc = libc::pthread_attr_getstack(&attr, &mut low, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(low as usize)
    }
}
