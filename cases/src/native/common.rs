// What every system's `native` module has: included by each, so that these
// functions are `crate::native::*` everywhere (symbolised stacks name them).

/// Ends the process when a trigger came back instead of crashing.
fn did_not_crash(what: &str) -> ! {
    eprintln!("crashsuite-case: {what} returned instead of crashing");
    std::process::exit(4)
}

/// Reports a trigger that has no implementation on this platform.
pub fn unsupported(what: &str) -> ! {
    eprintln!("crashsuite-case: {what} does not exist on this platform");
    std::process::exit(4)
}

/// Runs one of sadness-generator's crashes.
pub fn sadness(flavor: sadness_generator::SadnessFlavor) -> ! {
    // SAFETY: none; the call crashes on purpose.
    unsafe { flavor.make_sad() }
}

/// Recurses until the stack overflows, a page of stack a call: down a stack
/// already faulted in (`fault_in_stack`), the run to the guard takes
/// microseconds, so the time from the truth stamp to the fault is not the
/// trigger's own work.
pub fn stack_overflow() -> ! {
    /// One frame of the recursion: a page of stack, left uninitialised
    /// (writing it would cost more than the descent), which the frame's
    /// stack probe touches on the way in.
    #[inline(never)]
    fn recurse(depth: usize) -> usize {
        let mut page = std::mem::MaybeUninit::<[u8; 4096]>::uninit();
        std::hint::black_box(&mut page);
        if std::hint::black_box(depth) == usize::MAX {
            return 0;
        }
        // Work after the call keeps it from becoming a jump.
        recurse(depth + 1) + std::hint::black_box(depth)
    }
    recurse(0);
    did_not_crash("the unbounded recursion")
}

/// Panics in a process that aborts on panic: the default hook prints the
/// message, then `abort()`, which is what `panic = "abort"` does.
pub fn panic_abort() -> ! {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        std::process::abort();
    }));
    panic!("crashsuite panics on purpose");
}

/// `CLOCK_MONOTONIC` in nanoseconds: one clock for every process on the
/// machine.
#[cfg(unix)]
pub fn monotonic_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Restores the default action of the signals Rust's runtime handles itself
/// (it catches SIGSEGV and SIGBUS to report stack overflows, and swallows a
/// `raise(SIGSEGV)`), so a process without a crash handler has none at all.
#[cfg(unix)]
pub fn default_crash_signals() -> std::io::Result<()> {
    for signal in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: SIG_DFL is always a valid disposition.
        if unsafe { libc::signal(signal, libc::SIG_DFL) } == libc::SIG_ERR {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
