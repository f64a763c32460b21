pub use ffi::MinidumpType;

mod ffi;

pub mod errors;
pub mod minidump_writer;
pub mod module_reader;
pub mod process_reader;
