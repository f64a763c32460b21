//! The reporting side of the `crashsuite` command: what it prints and writes
//! about graded trials. Grading is `crashsuite-grader`'s and running
//! `crashsuite-runner`'s.
//!
//! - [`report`] prints graded trials in the terminal;
//! - [`results`] writes a run as JSON (schema in `harness/RESULTS.md`),
//!   JUnit XML and a Markdown matrix;
//! - [`html`] makes results one self-contained page;
//! - [`repeats`] counts how often intermittent deviations failed over
//!   repeated rounds;
//! - [`gate`] compares a run's results with a baseline;
//! - [`bench_view`] prints and draws what `crashsuite bench` measured;
//! - [`output`] writes to the terminal: standard output that ends quietly
//!   on a closed pipe, progress, logs.

pub mod bench_view;
pub mod gate;
pub mod html;
pub mod output;
pub mod repeats;
pub mod report;
pub mod results;
