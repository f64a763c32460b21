//! Linux: a thread blocked on inotify reads the clock as the event arrives,
//! so the reading is late only by a wake-up, the same for every handler.

use rustix::{
    event::{PollFd, PollFlags, poll},
    fs::inotify,
    time::Timespec,
};
use std::{
    mem::MaybeUninit,
    os::fd::OwnedFd,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
};

/// How often the watching thread checks whether it should stop.
const STOP_CHECK: Timespec = Timespec { tv_sec: 0, tv_nsec: 20_000_000 };

/// Watches one directory for the first final dump.
pub struct DumpWatch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Option<u64>>,
}

impl DumpWatch {
    /// Starts watching `dir`, which must exist.
    pub fn start(dir: &Path) -> std::io::Result<Self> {
        let fd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK)?;
        inotify::add_watch(
            &fd,
            dir,
            inotify::WatchFlags::MOVED_TO | inotify::WatchFlags::CLOSE_WRITE,
        )?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("dump-watch".into())
            .spawn(move || first_final_dump(fd, &flag))?;
        Ok(Self { stop, thread })
    }

    /// Stops watching; `CLOCK_MONOTONIC` (ns) when the first dump became
    /// final, if one did.
    pub fn finish(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().ok().flatten()
    }
}

fn first_final_dump(fd: OwnedFd, stop: &AtomicBool) -> Option<u64> {
    let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
    loop {
        let mut reader = inotify::Reader::new(&fd, &mut buf);
        loop {
            match reader.next() {
                Ok(event) => {
                    let name = event.file_name().map(|n| n.to_bytes()).unwrap_or_default();
                    if name.ends_with(b".dmp") {
                        return Some(crashsuite_cases::monotonic_ns());
                    }
                }
                Err(rustix::io::Errno::AGAIN) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return None,
            }
        }
        // Stop only once the queue is drained: a dump made just before the
        // stop still counts.
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        if poll(&mut fds, Some(&STOP_CHECK)).is_err() {
            return None;
        }
    }
}
