//! `forged_request PIPE PID`: connects to the reference monitor on Windows
//! and asks it for dumps it must refuse: of the process `PID` (not this
//! one), and of this process blaming a thread that is not its own. Exits
//! with 0 when both were refused and the monitor still answers, 1
//! otherwise; the test of the monitor's pid check runs it under Wine.

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    use crashsuite_handler::Client;
    use minidump_writer::crash_context::CrashContext;
    use std::{path::Path, process::ExitCode};

    let args: Vec<String> = std::env::args().collect();
    let [_, pipe, pid] = args.as_slice() else {
        eprintln!("usage: forged_request PIPE PID");
        return ExitCode::from(2);
    };
    let Ok(pid) = pid.parse::<u32>() else {
        eprintln!("forged_request: {pid:?} is not a pid");
        return ExitCode::from(2);
    };
    let client = match Client::connect(Path::new(pipe)) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("forged_request: {e}");
            return ExitCode::from(1);
        }
    };
    // The pointers are never read: the monitor refuses before it writes.
    let forged = |process_id, thread_id| CrashContext {
        exception_pointers: 0x1000 as *const _,
        process_id,
        thread_id,
        exception_code: 0xC000_0005_u32 as i32,
    };
    #[expect(unsafe_code)]
    // SAFETY: GetCurrentThreadId cannot fail.
    let this_thread = unsafe { windows_sys::Win32::System::Threading::GetCurrentThreadId() };
    let other_process = client.request(&forged(pid, this_thread));
    // Thread ids and process ids share one numbering: `pid` is no thread of ours.
    let other_thread = client.request(&forged(std::process::id(), pid));
    let still_serves = Client::connect(Path::new(pipe));
    println!("another process: {other_process:?}");
    println!("another thread: {other_thread:?}");
    println!("connecting again: {:?}", still_serves.as_ref().map(drop));
    if other_process.is_err() && other_thread.is_err() && still_serves.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(not(windows))]
fn main() {
    eprintln!(
        "forged_request is a Windows program (the Linux monitor's check is tested in process)"
    );
    std::process::exit(2);
}
