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

/// Waits for `child` to end. At `deadline` its process group is killed and
/// the ending is [`ObservedEnding::TimedOut`].
pub fn wait_with_deadline(child: &mut Child, deadline: Instant) -> io::Result<ObservedEnding> {
    #[cfg(target_os = "linux")]
    let ended = system::wait_until(child, deadline)?;
    #[cfg(not(target_os = "linux"))]
    let ended = poll_until(child, deadline)?;
    match ended {
        Some(status) => Ok(system::ending_of(status)),
        None => {
            kill_group(child.id());
            let _ = child.kill();
            child.wait()?;
            Ok(ObservedEnding::TimedOut)
        }
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
