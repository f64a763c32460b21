//! crashsuite's runner and verifier.
//!
//! - [`binaries`] finds the case and monitor executables;
//! - [`handlers`] loads the handler manifests: how each handler under test
//!   runs, and what it is known not to do;
//! - [`process`] starts, waits for and ends a case's process, per system;
//! - [`runner`] runs one trial: a fresh run directory, the handler, the case
//!   under a deadline, and collects the dump, the truth record and how the
//!   process ended, and when (with [`watch`], when its dump became final);
//! - [`quarantine`] takes out list streams whose counts do not fit their
//!   sizes, before the readers see them;
//! - [`evidence`] parses the dump (`minidump`) and walks its stacks
//!   (`minidump-processor`), with [`symbols`] unwinding and naming frames
//!   from the module files whose build ids match, and [`names`] remembering
//!   the names by build id;
//! - [`rules`] holds the conformance rules, one module per stream, and grades
//!   the evidence;
//! - [`digest`] normalises a graded dump into the text compared with `golden/`;
//! - [`elf`] reads build ids from files on disk; [`watch`] sees when a dump
//!   becomes final (Linux);
//! - [`stress`] crashes many clients against one monitor at once;
//! - [`scenarios`] generates crash scenes and runs them for real;
//! - [`compare`] puts two dumps of one crash side by side, stream by stream;
//! - [`bench`] measures what a crash costs (latency, process end, dump size,
//!   verify time) and [`curves`] how that grows with threads and heap;
//! - [`wine`] runs Windows trials under Wine, on a Linux host;
//! - [`vm`] runs trials for aarch64 in an emulated machine, many per boot,
//!   and brings back what they left, to be graded as native trials are;
//!   [`platform`] says where trials run and [`cache`] where set-up lives;
//! - [`gate`] compares a run's results with a baseline;
//! - [`report`] prints the results in the terminal; [`results`] writes them
//!   as JSON, JUnit XML and a Markdown matrix; [`html`] makes them a page.

pub mod bench;
pub mod binaries;
pub mod cache;
pub mod compare;
pub mod curves;
pub mod digest;
pub mod elf;
pub mod evidence;
pub mod gate;
pub mod handlers;
pub mod html;
pub mod names;
pub mod platform;
pub mod process;
pub mod quarantine;
pub mod report;
pub mod results;
pub mod rules;
pub mod runner;
pub mod scenarios;
pub mod stress;
pub mod symbols;
pub mod vm;
pub mod watch;
pub mod wine;

pub use handlers::Handler;
pub use runner::{Trial, TrialRecord};
