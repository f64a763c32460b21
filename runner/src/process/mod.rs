//! A case's process as the runner handles it: its own process group, a
//! private run directory, a wait with a deadline, and how it ended. One file
//! per system family; Linux waits on a pidfd, the others poll.

use crashsuite_data::ObservedEnding;
use std::{io, process::Child, time::Instant};

cfg_if::cfg_if! {
    if #[cfg(unix)] {
        mod unix;
        use unix as system;
    } else if #[cfg(windows)] {
        mod windows;
        use windows as system;
    }
}

pub use system::{create_private_dir, group_alive, kill_group, own_group};

/// How often [`wait_watching`] asks whether to stop waiting.
const TICK: std::time::Duration = std::time::Duration::from_millis(50);

/// Waits for `child` to end. At `deadline` its process group is killed and
/// the ending is [`ObservedEnding::TimedOut`].
pub fn wait_with_deadline(child: &mut Child, deadline: Instant) -> io::Result<ObservedEnding> {
    wait_watching(child, deadline, || None)
}

/// Waits for `child` to end, asking `stop` every 50 ms whether to stop
/// waiting: when it gives an ending (the process hung, say), the process
/// group is killed and that is the ending. At `deadline` the group is
/// killed and the ending is [`ObservedEnding::TimedOut`].
pub fn wait_watching(
    child: &mut Child,
    deadline: Instant,
    mut stop: impl FnMut() -> Option<ObservedEnding>,
) -> io::Result<ObservedEnding> {
    loop {
        let now = Instant::now();
        let slice = deadline.min(now + TICK);
        #[cfg(target_os = "linux")]
        let ended = system::wait_until(child, slice)?;
        #[cfg(not(target_os = "linux"))]
        let ended = poll_until(child, slice)?;
        if let Some(status) = ended {
            return Ok(system::ending_of(status));
        }
        let ending = match stop() {
            Some(ending) => ending,
            None if Instant::now() >= deadline => ObservedEnding::TimedOut,
            None => continue,
        };
        kill_group(child.id());
        let _ = child.kill();
        child.wait()?;
        return Ok(ending);
    }
}

/// Polls `child` until it ends (its status) or `deadline` passes (`None`),
/// where the system gives no descriptor to wait on.
#[cfg(not(target_os = "linux"))]
fn poll_until(
    child: &mut Child,
    deadline: Instant,
) -> io::Result<Option<std::process::ExitStatus>> {
    const STEP: std::time::Duration = std::time::Duration::from_millis(5);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(STEP);
    }
}
