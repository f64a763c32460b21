//! The reference crash handler of crashsuite: out of process, the way Crashpad and
//! Chromium's Linux crash dumping describe it.
//!
//! - `client` (Linux, Windows) runs in the application: it connects to the
//!   monitor (with `minidumper`'s client on Linux, over a named pipe on
//!   Windows), attaches `crash-handler`'s handler, and sends annotations,
//!   breadcrumbs and on-demand dump requests.
//! - [`inproc`] is the in-process twin, one file per system: on Linux the
//!   crashing thread clones a child that writes the dump of its parent
//!   (Breakpad's self dumping); on Windows and macOS the process dumps itself
//!   from crash-handler's exception handler. Both implement [`Reporter`].
//! - `monitor` (Linux, Windows) runs in a separate process (the
//!   `crashsuite-monitor` binary): it takes each client's crash context over
//!   its socket or pipe, checks the client's pid with what the system says of
//!   the peer, and writes the dump with `minidump-writer`; [`MonitorProcess`]
//!   starts one and follows its [`Event`]s.
//! - [`writer`] writes a dump of a process (minidump-writer, then the
//!   annotation stream, then the file); [`dumpfile`] does the atomic write and
//!   the stream appending; [`annotations`] encodes the annotation stream
//!   (Crashpad's `CrashpadInfo` format).
//! - [`wire`] is the message layout shared by both sides; [`error`] what can
//!   go wrong on the application's side.
//! - `floor` (Linux) measures what stopping a process's threads and reading
//!   its memory cost here: the floor under every out-of-process writer.

pub mod annotations;
pub mod crash_path;
pub mod dumpfile;
pub mod error;
pub mod events;
pub mod monitor_process;
pub mod wire;
pub mod writer;

cfg_if::cfg_if! {
    if #[cfg(target_os = "linux")] {
        pub mod client;
        pub mod floor;
        pub mod monitor;
        #[path = "inproc/linux.rs"]
        pub mod inproc;
        pub use client::{AttachedHandler, Client};
    } else if #[cfg(windows)] {
        pub mod client;
        pub mod monitor;
        #[path = "inproc/windows.rs"]
        pub mod inproc;
        pub use client::{AttachedHandler, Client};
    } else if #[cfg(target_os = "macos")] {
        #[path = "inproc/macos.rs"]
        pub mod inproc;
    } else {
        compile_error!("crashsuite's handlers run on Linux, Windows and macOS");
    }
}

pub use error::{ClientError, InProcessError, TransportError, WriteError};
pub use events::Event;
pub use inproc::InProcessHandler;
pub use monitor_process::MonitorProcess;

/// How long a client waits for a monitor to answer, and a supervisor for a
/// monitor it started to be ready, before giving up.
pub const CONNECT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// What an application asks of an attached crash handler, whichever it is.
pub trait Reporter {
    /// Sets a key/value annotation that goes into every later dump.
    fn annotate(&self, key: &str, value: &str) -> Result<(), ClientError>;
    /// Records a breadcrumb; the most recent ones go into the dump.
    fn breadcrumb(&self, text: &str) -> Result<(), ClientError>;
    /// Writes a dump of this process now, without crashing; its exception
    /// stream says "dump requested" and blames the calling thread.
    fn dump_now(&self) -> Result<(), ClientError>;
}
