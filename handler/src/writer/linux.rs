//! Linux: minidump-writer's ptrace dump of a process (another, or the parent
//! of the in-process handler's dumping child), from its crash context.

use super::Published;
use crate::error::WriteError;
use minidump_writer::{
    CrashContextExt, crash_context::CrashContext, minidump_writer::MinidumpWriterConfig,
};
use std::{collections::BTreeMap, path::Path, time::Instant};

/// How much of each thread's stack the dump holds, from its stack pointer:
/// enough for the deepest walk a case makes (500 C frames, `deep_stack`),
/// twice Breakpad's 32 KiB, and a dump of a thread that overflowed an 8 MiB
/// stack stays small (minidump-writer's upstream copies to the end of the
/// mapping: vendor/minidump-writer/PATCH.md).
const STACK_CAPTURE: usize = 64 << 10;

/// How many open descriptors the handle list holds at most, the lowest
/// numbered: each costs a `readlink` and a `stat`, and `emfile`'s 20,000 took
/// 180 ms to list whole. Past it the dump's soft errors (MozSoftErrors) say
/// how many were open: the list omits, never misstates
/// (vendor/minidump-writer/PATCH.md).
const HANDLE_LIMIT: usize = 64;

/// Writes a dump of `context.pid`, blaming `context.tid`, to `<dir>/<name>.dmp`
/// with `notes` as its annotations. A `requested` dump carries no crash
/// context: its exception stream says `DUMP_REQUESTED`. `edit` may change the
/// finished bytes and `before_publish` runs just before the synced file takes
/// its `.dmp` name (both for fault injection).
pub fn write_process_dump(
    dir: &Path,
    name: &str,
    mut context: CrashContext,
    requested: bool,
    notes: &BTreeMap<String, String>,
    edit: impl FnOnce(&mut Vec<u8>),
    before_publish: impl FnOnce(),
) -> Result<Published, WriteError> {
    let mut config = MinidumpWriterConfig::new(context.pid, context.tid);
    if !requested {
        restore_fault_address(&mut context);
        config.set_crash_context(CrashContextExt { inner: context });
    }
    let started = Instant::now();
    let dump = write(config)?;
    let writer = started.elapsed();
    let published = super::publish(dir, name, dump, notes, edit, before_publish)?;
    Ok(Published { writer, ..published })
}

/// Writes a dump of the live process `pid`, which did not ask for one (its
/// exception stream says `DUMP_REQUESTED`, blaming its main thread), to
/// `<dir>/<name>.dmp`: how a watcher shows where a hung process waits.
pub fn write_dump_of(dir: &Path, name: &str, pid: u32) -> Result<Published, WriteError> {
    let config = MinidumpWriterConfig::new(pid as i32, pid as i32);
    super::publish(dir, name, write(config)?, &BTreeMap::new(), |_| {}, || {})
}

/// The dump `config` describes, in memory.
///
/// minidump-writer builds the whole dump in a buffer of its own, copies each
/// finished part to the destination as it goes, and returns the buffer: the
/// two hold the same bytes. The destination is therefore `io::empty()`, which
/// takes every write and seek and keeps nothing; a second growing copy cost
/// about a millisecond on a dump of 100 threads (700 KiB).
fn write(mut config: MinidumpWriterConfig) -> Result<Vec<u8>, WriteError> {
    config.set_stack_capture_limit(STACK_CAPTURE).set_handle_limit(HANDLE_LIMIT);
    config.write(&mut std::io::empty()).map_err(|e| WriteError::Writer(Box::new(e)))
}

/// Puts the fault address where minidump-writer looks for it.
///
/// crash-handler 0.8 fills `CrashContext::siginfo`, a `signalfd_siginfo`, with
/// the raw bytes of the kernel's `siginfo_t`. The layouts agree only on the
/// first three fields (signal, errno, code): `siginfo_t` keeps `si_addr` at
/// offset 16, where `signalfd_siginfo` has `ssi_uid` and `ssi_fd`, while
/// minidump-writer reads the address from `ssi_addr` (offset 72). Left alone,
/// every dump's exception address is 0: a store to 0x100000041 and a null
/// dereference look the same (crashsuite's EXC-04 on `segv_wild`).
///
/// Only fault signals raised by the kernel (`si_code > 0`) carry an address;
/// for the others the union holds a sender's pid and uid, and the address
/// stays 0.
pub fn restore_fault_address(context: &mut CrashContext) {
    const FAULTS: [i32; 5] =
        [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE, libc::SIGTRAP];
    let info = &mut context.siginfo;
    if !FAULTS.contains(&(info.ssi_signo as i32)) || info.ssi_code <= 0 {
        return;
    }
    // si_addr's bytes, as they landed in ssi_uid (low half) and ssi_fd.
    let (first, second) = (u64::from(info.ssi_uid), u64::from(info.ssi_fd as u32));
    info.ssi_addr =
        if cfg!(target_endian = "little") { second << 32 | first } else { first << 32 | second };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_with(signo: i32, code: i32, raw_addr: u64) -> CrashContext {
        let zeros = [0u8; std::mem::size_of::<CrashContext>()];
        let mut context = CrashContext::from_bytes(&zeros).expect("sized");
        context.siginfo.ssi_signo = signo as u32;
        context.siginfo.ssi_code = code;
        // Where a siginfo_t's si_addr lands when copied byte for byte.
        let bytes = raw_addr.to_ne_bytes();
        context.siginfo.ssi_uid = u32::from_ne_bytes(bytes[..4].try_into().expect("4"));
        context.siginfo.ssi_fd = i32::from_ne_bytes(bytes[4..].try_into().expect("4"));
        context
    }

    #[test]
    fn fault_address_moves_to_ssi_addr() {
        let mut context = context_with(libc::SIGSEGV, 1, 0x1_0000_0041);
        restore_fault_address(&mut context);
        assert_eq!(context.siginfo.ssi_addr, 0x1_0000_0041);
    }

    #[test]
    fn signals_sent_by_processes_carry_no_address() {
        // abort() raises SIGABRT with tgkill: si_code SI_TKILL, the union holds pid and uid.
        let mut context = context_with(libc::SIGABRT, libc::SI_TKILL, 0xdead);
        restore_fault_address(&mut context);
        assert_eq!(context.siginfo.ssi_addr, 0);
        let mut context = context_with(libc::SIGSEGV, libc::SI_USER, 0xdead);
        restore_fault_address(&mut context);
        assert_eq!(context.siginfo.ssi_addr, 0);
    }
}
