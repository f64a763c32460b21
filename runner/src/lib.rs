//! crashsuite's runner: runs crash cases under crash handlers and grades
//! each trial with `crashsuite-grader`.
//!
//! - [`binaries`] finds the case and monitor executables;
//! - [`handlers`] loads the handler manifests: how each handler under test
//!   runs, and what it is known not to do;
//! - [`platform`] says where trials run: this host, the emulated aarch64
//!   machine ([`vm`]) or Wine ([`wine`]);
//! - [`process`] starts, waits for and ends a case's process, per system;
//! - [`trial`] runs one trial: a fresh run directory, the handler, the case
//!   under a deadline, and collects the dump, the truth record and how the
//!   process ended, and when (with [`watch`], when its dump became final);
//!   [`hang`] calls a crashed case that sits still hung and shows where it
//!   waits;
//! - [`place`] puts the host, the emulated machine and Wine behind one
//!   interface, and [`matrix`] runs and grades many trials through it,
//!   reporting each outcome as it arrives;
//! - [`sensitivity`] tells one-fact lies to real dumps and counts which
//!   rules catch them;
//! - [`stress`] crashes many clients against one monitor at once;
//! - [`scenarios`] generates crash scenes and runs them for real;
//! - [`bench`] measures what a crash costs (latency, process end, dump size,
//!   verify time) and [`curves`] how that grows with threads and heap.

pub mod bench;
pub mod binaries;
pub mod curves;
pub mod handlers;
pub mod hang;
pub mod matrix;
pub mod place;
pub mod platform;
pub mod process;
pub mod scenarios;
pub mod sensitivity;
pub mod stress;
pub mod trial;
pub mod vm;
pub mod watch;
pub mod wine;

pub use handlers::Handler;
pub use place::Place;
pub use platform::Platform;
pub use trial::{NotRun, Trial, TrialRecord};
