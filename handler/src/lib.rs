//! The reference crash handler of crashsuite: out of process, the way Crashpad and
//! Chromium's Linux crash dumping describe it.
//!
//! - [`client`] runs in the application: it connects to the monitor with
//!   `minidumper`'s client, attaches `crash-handler`'s signal handler, and sends
//!   annotations, breadcrumbs and on-demand dump requests.
//! - [`monitor`] runs in a separate process (the `crashsuite-monitor` binary): it
//!   takes each client's crash context over the socket, checks the client's pid
//!   with the kernel's peer credentials, and writes the dump with `minidump-writer`.
//! - [`dumpfile`] writes a dump atomically and appends the annotation stream;
//!   [`annotations`] encodes that stream (Crashpad's `CrashpadInfo` format).
//! - [`wire`] is the message layout shared by both sides.

pub mod annotations;
pub mod client;
pub mod dumpfile;
pub mod monitor;
pub mod wire;

pub use client::{AttachedHandler, Client, ClientError, MonitorProcess};
