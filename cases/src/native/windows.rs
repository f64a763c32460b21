//! `native` on Windows: the calling thread's identity, the clock, the
//! triggers of Windows's own (sadness-generator's CRT crashes, `__fastfail`),
//! and the portable ones. With its Linux and macOS counterparts, the only
//! module of this crate with `unsafe` code.
#![expect(unsafe_code)]

use crate::truth::ThreadTruth;
use std::io;
use windows_sys::Win32::{
    Foundation::LocalFree,
    System::{
        Performance::{QueryPerformanceCounter, QueryPerformanceFrequency},
        Threading::{GetCurrentThread, GetCurrentThreadId, GetThreadDescription},
    },
};

include!("common.rs");

#[path = "elsewhere.rs"]
mod elsewhere;
pub use elsewhere::*;

/// `__fastfail`'s code for a fatal application exit.
const FAST_FAIL_FATAL_APP_EXIT: u32 = 7;

/// `__fastfail(FAST_FAIL_FATAL_APP_EXIT)`: the process ends at once, past
/// every handler in it; only an external observer (Windows Error Reporting,
/// an out-of-process monitor) sees `STATUS_STACK_BUFFER_OVERRUN`.
pub fn fast_fail() -> ! {
    // SAFETY: none needed; the instruction ends the process.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        std::arch::asm!("int 0x29", in("ecx") FAST_FAIL_FATAL_APP_EXIT, options(noreturn));
        #[cfg(target_arch = "aarch64")]
        std::arch::asm!("brk #0xF003", in("x0") FAST_FAIL_FATAL_APP_EXIT, options(noreturn));
    }
}

/// The CRT's `_purecall`, sadness-generator's way.
pub fn purecall() -> ! {
    // SAFETY: none; the call ends the process on purpose.
    unsafe { sadness_generator::raise_purecall() }
}

/// A CRT function given an invalid parameter, sadness-generator's way.
pub fn invalid_parameter() -> ! {
    // SAFETY: none; the call ends the process on purpose.
    unsafe { sadness_generator::raise_invalid_parameter() }
}

/// Heap corruption the heap manager notices, sadness-generator's way.
pub fn heap_corruption() -> ! {
    // SAFETY: none; the call ends the process on purpose.
    unsafe { sadness_generator::raise_heap_corruption() }
}

/// The calling thread's id and its description (the name Windows holds,
/// which Rust's thread builder sets).
pub fn this_thread() -> io::Result<ThreadTruth> {
    // SAFETY: GetCurrentThreadId has no preconditions.
    let tid = unsafe { GetCurrentThreadId() };
    let mut description: *mut u16 = std::ptr::null_mut();
    // SAFETY: the pseudo handle stands for the calling thread; on success the
    // system allocates the string, which is freed below.
    let result = unsafe { GetThreadDescription(GetCurrentThread(), &mut description) };
    if result < 0 {
        return Err(io::Error::other(format!("GetThreadDescription: HRESULT {result:#x}")));
    }
    let mut name = String::new();
    if !description.is_null() {
        // SAFETY: the description is NUL-terminated UTF-16 owned by us until
        // LocalFree.
        unsafe {
            let len = (0..).take_while(|&i| *description.add(i) != 0).count();
            name = String::from_utf16_lossy(std::slice::from_raw_parts(description, len));
            LocalFree(description.cast());
        }
    }
    Ok(ThreadTruth { tid, name })
}

/// Gives the thread a description. Threads this crate names are Rust's,
/// whose builder does it, so nothing is left to do here.
pub fn set_thread_name(_name: &str) {}

/// The performance counter in nanoseconds: one clock for every process on
/// the machine.
pub fn monotonic_ns() -> u64 {
    let (mut count, mut frequency) = (0i64, 0i64);
    // SAFETY: both calls only write the integer they are given; they cannot
    // fail on Windows XP and later.
    unsafe {
        QueryPerformanceCounter(&mut count);
        QueryPerformanceFrequency(&mut frequency);
    }
    (count as u128 * 1_000_000_000 / frequency.max(1) as u128) as u64
}

/// Rust's runtime on Windows catches no crash for itself (its stack overflow
/// handler only prints and passes the exception on): nothing to restore.
pub fn default_crash_signals() -> io::Result<()> {
    Ok(())
}
