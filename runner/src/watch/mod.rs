//! The moment a dump becomes final, seen from outside the handler.
//!
//! Handlers do not say when their dump is done, but every one finishes the
//! same way: a `*.dmp` name appears by rename (`IN_MOVED_TO`) or a `*.dmp`
//! file written in place is closed (`IN_CLOSE_WRITE`). Linux watches for
//! that with inotify; elsewhere no moment is recorded, and the measures that
//! need it (crash-to-dump latency) say so.

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        mod linux;
        pub use linux::DumpWatch;
    } else {
        mod elsewhere;
        pub use elsewhere::DumpWatch;
    }
}
