//! The physical floor of an out-of-process dump on this machine: stopping
//! every thread of a process with ptrace and reading its memory with
//! `process_vm_readv`, and nothing else a writer does (no `/proc` files, no
//! registers, no layout, no file). `crashsuite bench --curves` measures it
//! beside the handlers, to show how far each one is from it.
//!
//! The calls are the system's own, through `libc`: no crate in the tree wraps
//! ptrace, and a wrapper's work would raise the floor.

use std::{
    io,
    time::{Duration, Instant},
};

/// What stopping a process and reading its memory cost, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Floor {
    /// The threads stopped.
    pub threads: usize,
    /// `PTRACE_SEIZE` and `PTRACE_INTERRUPT` for every thread, then the
    /// wait for each one's stop (as the reference handler's writer stops
    /// them).
    pub stop: Duration,
    /// The bytes read.
    pub bytes: usize,
    /// `process_vm_readv` of those bytes, in reads of at most 1 MiB.
    pub read: Duration,
}

/// Stops every thread of `pid`, reads `bytes` from `address` in it, and
/// lets the threads go on. `pid` must be a child of this process: Yama's
/// default ptrace scope lets a process trace only its descendants.
pub fn measure(pid: u32, address: u64, bytes: usize) -> io::Result<Floor> {
    let tids: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let started = Instant::now();
    let mut interrupted = Vec::with_capacity(tids.len());
    // The stops are awaited in order: the first `stopped` of `interrupted`.
    let mut stopped = 0;
    let stopped_all = tids
        .iter()
        .try_for_each(|&tid| {
            interrupt(tid)?;
            interrupted.push(tid);
            Ok::<_, io::Error>(())
        })
        .and_then(|()| {
            interrupted.iter().try_for_each(|&tid| {
                await_stop(tid)?;
                stopped += 1;
                Ok(())
            })
        });
    let stop = started.elapsed();
    let read = stopped_all.and_then(|()| {
        let mut buffer = vec![0u8; bytes];
        let started = Instant::now();
        read_memory(pid, address, &mut buffer)?;
        Ok(started.elapsed())
    });
    for (index, &tid) in interrupted.iter().enumerate() {
        if index >= stopped {
            // Its stop is still owed: wait for it, or detach would fail.
            let _ = await_stop(tid);
        }
        detach(tid);
    }
    Ok(Floor { threads: tids.len(), stop, bytes, read: read? })
}

/// Seizes thread `tid` and interrupts it: the cheapest stop ptrace has
/// (`PTRACE_ATTACH` sends a `SIGSTOP`). Every thread is interrupted before
/// any stop is waited for, so that they stop side by side.
#[expect(unsafe_code)]
fn interrupt(tid: i32) -> io::Result<()> {
    let none = std::ptr::null_mut::<libc::c_void>();
    for request in [libc::PTRACE_SEIZE, libc::PTRACE_INTERRUPT] {
        // SAFETY: SEIZE and INTERRUPT read no memory of ours; `addr` and
        // `data` (no options) are passed as null.
        if unsafe { libc::ptrace(request, tid, none, none) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Waits until thread `tid`, interrupted, has stopped.
#[expect(unsafe_code)]
fn await_stop(tid: i32) -> io::Result<()> {
    let mut status = 0;
    // SAFETY: `status` is a valid place for the kernel to write the status.
    if unsafe { libc::waitpid(tid, &mut status, libc::__WALL) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Detaches from thread `tid`, which goes on running.
#[expect(unsafe_code)]
fn detach(tid: i32) {
    let none = std::ptr::null_mut::<libc::c_void>();
    // SAFETY: PTRACE_DETACH with no signal to deliver: `addr` and `data`
    // are null. A failure leaves the thread to be reaped with its process.
    unsafe { libc::ptrace(libc::PTRACE_DETACH, tid, none, none) };
}

/// Fills `buffer` from `address` in process `pid`.
#[expect(unsafe_code)]
fn read_memory(pid: u32, address: u64, buffer: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buffer.len() {
        let chunk = (buffer.len() - done).min(1 << 20);
        let local = libc::iovec { iov_base: buffer[done..].as_mut_ptr().cast(), iov_len: chunk };
        let remote = libc::iovec {
            iov_base: (address as usize + done) as *mut libc::c_void,
            iov_len: chunk,
        };
        // SAFETY: `local` covers `chunk` writable bytes of `buffer`; `remote`
        // is an address in the other process, which the kernel reads there
        // (a bad one is an error, not a fault here).
        let read = unsafe { libc::process_vm_readv(pid as i32, &local, 1, &remote, 1, 0) };
        match read {
            -1 => return Err(io::Error::last_os_error()),
            0 => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            n => done += n as usize,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_a_child_and_reads_its_stack() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
        let pid = child.id();
        // Its stack is mapped and readable as soon as it runs.
        let stack = (0..100)
            .find_map(|_| {
                let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
                let line = maps.lines().find(|l| l.ends_with("[stack]"));
                if line.is_none() {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let start = line?.split('-').next()?;
                u64::from_str_radix(start, 16).ok()
            })
            .expect("a stack mapping");
        let floor = measure(pid, stack, 4096).expect("measured");
        assert_eq!((floor.threads, floor.bytes), (1, 4096));
        assert!(floor.stop > Duration::ZERO && floor.read > Duration::ZERO, "{floor:?}");
        // Nothing is mapped at the first page: the read fails, and the
        // thread is let go all the same (it can be stopped again).
        assert!(measure(pid, 0, 4096).is_err());
        assert!(measure(pid, stack, 4096).is_ok());
        child.kill().expect("kill");
        child.wait().expect("reaped");
    }
}
