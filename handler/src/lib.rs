//! The reference crash handler of crashsuite: out of process, the way Crashpad and
//! Chromium's Linux crash dumping describe it.
//!
//! - [`client`] runs in the application: it connects to the monitor with
//!   `minidumper`'s client, attaches `crash-handler`'s signal handler, and sends
//!   annotations, breadcrumbs and on-demand dump requests.
//! - [`inproc`] is the in-process twin: the crashing thread clones a child
//!   that writes the dump of its parent (Breakpad's self dumping). Both
//!   implement [`Reporter`].
//! - [`monitor`] runs in a separate process (the `crashsuite-monitor` binary): it
//!   takes each client's crash context over the socket, checks the client's pid
//!   with the kernel's peer credentials, and writes the dump with `minidump-writer`.
//! - [`writer`] writes a dump of a process (minidump-writer, then the
//!   annotation stream, then the file); [`dumpfile`] does the atomic write and
//!   the stream appending; [`annotations`] encodes the annotation stream
//!   (Crashpad's `CrashpadInfo` format).
//! - [`wire`] is the message layout shared by both sides.

pub mod annotations;
pub mod client;
pub mod crash_path;
pub mod dumpfile;
pub mod inproc;
pub mod monitor;
pub mod wire;
pub mod writer;

pub use client::{AttachedHandler, Client, ClientError, MonitorProcess};
pub use inproc::InProcessHandler;

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
