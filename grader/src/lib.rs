//! crashsuite's grader: reads a minidump, walks its stacks and grades it
//! with the conformance rules, against the truth record of the crash when
//! there is one.
//!
//! It runs nothing: give it an [`Observation`] of a crash (the dumps, the
//! truth record, how the process ended) and it returns a [`Grade`]; or give
//! it one dump file with [`verify`].
//!
//! - [`quarantine`] takes out list streams whose counts do not fit their
//!   sizes, before the readers see them;
//! - [`evidence`] parses the dump (`minidump`) and walks its stacks
//!   (`minidump-processor`), with [`symbols`] unwinding and naming frames
//!   from the module files whose build ids match, [`names`] remembering the
//!   names by file and [`module_file`] reading the ids of ELF and PE files on disk;
//!   [`link_map`] reads the LinuxDsoDebug stream, which `minidump` does not;
//! - [`rules`] holds the conformance rules, one module per stream, and the
//!   known deviations;
//! - [`grade`] applies every rule;
//! - [`digest`] normalises a graded dump into the text compared with
//!   `golden/`;
//! - [`stacks`] walks and names every thread's stack (where a hung process
//!   waits);
//! - [`compare`] puts two dumps of one crash side by side, stream by stream;
//! - [`fields`] says what each field a handler writes is checked against.

pub mod compare;
pub mod digest;
pub mod evidence;
pub mod fields;
pub mod grade;
pub mod link_map;
pub mod module_file;
pub mod names;
pub mod quarantine;
pub mod rules;
pub mod stacks;
pub mod symbols;

pub use evidence::NoDump;
pub use grade::{Grade, Observation, VerifyOptions, grade, verify, verify_bytes, verify_with};
pub use rules::{
    Level, RuleVerdict, Verdict,
    deviations::{Deviations, Seen},
};
