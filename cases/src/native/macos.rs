//! `native` on macOS: the calling thread's identity, the clock, the trigger
//! of macOS's own (`EXC_GUARD`), and the portable ones. With its Linux and
//! Windows counterparts, the only module of this crate with `unsafe` code.
#![expect(unsafe_code)]

use crate::truth::ThreadTruth;
use std::io;

include!("common.rs");

#[path = "elsewhere.rs"]
mod elsewhere;
pub use elsewhere::*;

/// Closes a guarded file descriptor: `EXC_GUARD`, sadness-generator's way.
pub fn guard_exception() -> ! {
    // SAFETY: none; the call ends the process on purpose.
    unsafe { sadness_generator::raise_guard_exception() }
}

/// The calling thread's Mach port name (the id minidumps of macOS processes
/// carry) and its pthread name.
pub fn this_thread() -> io::Result<ThreadTruth> {
    let mut name = [0 as libc::c_char; 64];
    // SAFETY: pthread_self is always valid for the calling thread; the buffer
    // is as long as the length passed, and the name comes back NUL-terminated.
    let (tid, rc) = unsafe {
        let this = libc::pthread_self();
        (
            libc::pthread_mach_thread_np(this),
            libc::pthread_getname_np(this, name.as_mut_ptr(), name.len()),
        )
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: NUL-terminated by pthread_getname_np, within the buffer.
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    Ok(ThreadTruth { tid, name: name.to_string_lossy().into_owned() })
}

/// Names the calling thread.
pub fn set_thread_name(name: &str) {
    if let Ok(name) = std::ffi::CString::new(name) {
        // SAFETY: the name is NUL-terminated and outlives the call.
        unsafe { libc::pthread_setname_np(name.as_ptr()) };
    }
}
