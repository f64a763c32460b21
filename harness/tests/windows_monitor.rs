//! The reference monitor on Windows, under Wine: a process can only have
//! itself dumped. A request naming another process, or blaming a thread of
//! another process, is refused, and the monitor goes on serving.
//!
//! It needs the Windows tier (scripts/windows/setup.sh, then
//! scripts/windows/build.sh); without it the test says so and checks
//! nothing, unless `CRASHSUITE_REQUIRE_WINE=1` (CI sets it where the tier is
//! set up), which makes that a failure.

use crashsuite_handler::{Event, MonitorProcess};
use crashsuite_runner::{
    binaries::Binaries,
    platform::Platform,
    wine::{self, Wine},
};
use std::time::{Duration, Instant};

/// Wine and the Windows executables, or `None` (with why on stderr) when
/// the tier is not set up and not required.
fn windows_tier() -> Option<(Wine, Binaries)> {
    let found = Wine::locate().map_err(|e| e.to_string()).and_then(|wine| {
        Binaries::locate_for(Platform::WINDOWS_X86_64).map(|b| (wine, b)).map_err(|e| e.to_string())
    });
    match found {
        Ok(tier) => Some(tier),
        Err(missing) => {
            let required = std::env::var_os("CRASHSUITE_REQUIRE_WINE").is_some_and(|v| v == "1");
            assert!(!required, "CRASHSUITE_REQUIRE_WINE=1 but {missing}");
            eprintln!("skipped: no Windows tier here ({missing})");
            None
        }
    }
}

/// The monitor's events until `wanted` of them are refusals, or 30 s.
fn refusals(monitor: &MonitorProcess, wanted: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut reasons = Vec::new();
    while reasons.len() < wanted && Instant::now() < deadline {
        if let Some(Event::Refused { reason, .. }) = monitor.next_event(Duration::from_millis(200))
        {
            reasons.push(reason);
        }
    }
    reasons
}

#[test]
fn a_request_for_another_process_is_refused_under_wine() {
    let Some((wine, binaries)) = windows_tier() else { return };
    let dir = tempfile::tempdir().expect("temporary directory");
    let pipe = wine::pipe_name(dir.path());
    let monitor_exe = binaries.find("crashsuite-monitor", None).expect("built");
    let monitor =
        wine.start_monitor(&monitor_exe, &pipe, &dir.path().join("dumps")).expect("monitor");
    let forger = binaries.dir.join("examples").join("forged_request.exe");
    let other = monitor.system_pid().to_string();
    let output = wine
        .command(&forger)
        .expect("forged_request.exe (scripts/windows/build.sh)")
        .arg(&pipe)
        .arg(&other)
        .output()
        .expect("ran");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}\n{said}", String::from_utf8_lossy(&output.stderr));
    let reasons = refusals(&monitor, 2);
    assert_eq!(reasons.len(), 2, "refusals: {reasons:?}; the client said:\n{said}");
    assert!(reasons[0].contains(&format!("a dump of pid {other}, not its own")), "{reasons:?}");
    assert!(reasons[1].contains(&format!("thread {other} is not a thread of pid")), "{reasons:?}");
    assert!(
        std::fs::read_dir(dir.path().join("dumps")).expect("dump directory").next().is_none(),
        "a refused request left a dump"
    );
}
