//! Everything that crosses into C, C++ or raw pthreads, and the calls that
//! crash on purpose. The only module of this crate with `unsafe` code.
#![allow(unsafe_code)]

use std::ffi::c_void;

unsafe extern "C" {
    fn crashsuite_write_null();
    fn crashsuite_crash_on_c_thread(before: extern "C" fn()) -> i32;
    fn crashsuite_pure_virtual_call();
}

/// Stores through a null pointer from C.
pub fn write_null() -> ! {
    // SAFETY: none; the call crashes on purpose, which is this function's job.
    unsafe { crashsuite_write_null() };
    unreachable!("a store through a null pointer returned")
}

/// Runs one of sadness-generator's crashes.
pub fn sadness(flavor: sadness_generator::SadnessFlavor) -> ! {
    // SAFETY: none; the call crashes on purpose.
    unsafe { flavor.make_sad() }
}

/// Recurses until the stack overflows.
pub fn stack_overflow() -> ! {
    // SAFETY: none; the call crashes on purpose.
    unsafe { sadness_generator::raise_stack_overflow() }
}

/// Makes a C++ pure virtual call.
pub fn pure_virtual_call() -> ! {
    // SAFETY: none; the call aborts on purpose.
    unsafe { crashsuite_pure_virtual_call() };
    unreachable!("a pure virtual call returned")
}

/// Creates a thread from C that calls `before` and then stores through a null
/// pointer. Returns only with an error.
pub fn crash_on_c_thread(before: extern "C" fn()) -> std::io::Error {
    // SAFETY: `before` is a plain `extern "C"` function; the C side only calls it.
    let rc = unsafe { crashsuite_crash_on_c_thread(before) };
    if rc == 0 {
        std::io::Error::other("the C thread did not crash")
    } else {
        std::io::Error::other("the C thread could not be created")
    }
}

/// Runs `start` on a thread made with `pthread_create` directly (a "foreign"
/// thread, not one of Rust's std threads) with a stack of `stack_size` bytes,
/// and waits for it. Returns only with an error.
pub fn run_on_raw_pthread(
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    stack_size: usize,
) -> std::io::Error {
    // SAFETY: `attr` and `thread` are initialised by the pthread calls before
    // any use; `start` is a plain `extern "C"` function that ignores its
    // argument; the thread is joined before `attr` is destroyed.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        libc::pthread_attr_init(&mut attr);
        libc::pthread_attr_setstacksize(&mut attr, stack_size);
        let mut thread: libc::pthread_t = std::mem::zeroed();
        let rc = libc::pthread_create(&mut thread, &attr, start, std::ptr::null_mut());
        if rc != 0 {
            libc::pthread_attr_destroy(&mut attr);
            return std::io::Error::from_raw_os_error(rc);
        }
        libc::pthread_join(thread, std::ptr::null_mut());
        libc::pthread_attr_destroy(&mut attr);
    }
    std::io::Error::other("the raw pthread returned instead of crashing")
}
