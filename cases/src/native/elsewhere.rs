//! Outside Linux: the scene features that exist on Linux only (C and C++
//! threads, raw pthreads, `fork`, the dlopen plugin, signal handlers, the
//! alternate signal stack, an address-space cap) fail with a clear error.
//! The catalogue never runs a case that needs them here (`Case::runs_on`);
//! these say why if one is forced.

use std::{ffi::c_void, io, path::Path};

fn linux_only(feature: &str) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, format!("{feature} is a Linux-only scene feature"))
}

/// How `fork` came back; never, outside Linux.
#[expect(dead_code, reason = "fork never succeeds outside Linux")]
pub enum Forked {
    /// In the child.
    Child,
    /// In the parent, with the child's pid.
    Parent(i32),
}

/// `fork()`: Linux only.
pub fn fork() -> io::Result<Forked> {
    Err(linux_only("fork"))
}

/// Waits for a forked child: Linux only.
pub fn wait_for_child(_child: i32) -> io::Result<()> {
    Err(linux_only("fork"))
}

/// The dlopen plugin: Linux only.
pub fn load_plugin(_dir: &Path) -> io::Result<std::path::PathBuf> {
    Err(linux_only("the dlopen plugin"))
}

/// A raw pthread: Linux only.
pub fn spawn_raw_pthread(
    _start: extern "C" fn(*mut c_void) -> *mut c_void,
    _stack_size: usize,
) -> io::Result<()> {
    Err(linux_only("a raw pthread"))
}

/// A thread created by C: Linux only.
pub fn run_on_c_thread(_body: extern "C" fn()) -> io::Error {
    linux_only("a C thread")
}

/// A C++ `std::thread`: Linux only.
pub fn run_on_cpp_thread(_body: extern "C" fn()) -> io::Error {
    linux_only("a C++ thread")
}

/// A tiny alternate signal stack: Linux only.
pub fn install_tiny_sigaltstack() -> io::Result<()> {
    Err(linux_only("sigaltstack"))
}

/// A crash inside a signal handler: Linux only.
pub fn crash_in_signal_handler(_trigger: extern "C" fn()) -> ! {
    crate::native::unsupported("a crash in a signal handler")
}

/// An address-space cap: Linux only.
pub fn cap_address_space(_headroom: u64) -> io::Result<()> {
    Err(linux_only("an address-space cap"))
}

/// Recurses `depth` frames, then calls `bottom`, which must not return.
pub fn descend(depth: u32, bottom: extern "C" fn()) -> ! {
    #[inline(never)]
    fn step(depth: u32, bottom: extern "C" fn()) {
        if depth == 0 {
            bottom();
        } else {
            step(std::hint::black_box(depth - 1), bottom);
        }
        // Work after the call keeps it from becoming a jump.
        std::hint::black_box(depth);
    }
    step(depth, bottom);
    crate::native::did_not_crash("the recursion's bottom")
}

/// Faulting in the stack ahead of an overflow: Linux only. Elsewhere the
/// overflow faults its pages in after the truth stamp, which only lengthens
/// the measured crash-to-dump time, alike for every handler.
pub fn fault_in_stack(_margin: usize, _cap: usize) -> io::Result<()> {
    Ok(())
}
