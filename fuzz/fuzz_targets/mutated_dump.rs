//! Grades a dump corrupted by mutations decoded from the fuzzer's input: the
//! same mutations as the property test in harness/tests/hostile.rs. Any
//! panic in the grader, even one it would catch and report, is a finding
//! (libFuzzer's panic hook aborts).
//!
//! The dump to corrupt is synthesised with rust-minidump's `minidump-synth`
//! (a Linux x86_64 process: system info, a crashing thread with its context
//! and stack, the exception, a module, memory, the Linux streams), so the
//! target needs the grader alone, not a crash. libFuzzer's corpus
//! (fuzz/corpus/mutated_dump/) keeps what it finds beyond it.

#![no_main]

use crashsuite_mutate::Mutation;
use libfuzzer_sys::fuzz_target;
use minidump_synth::{
    DumpString, Exception, Memory, Module, SynthMinidump, SystemInfo, Thread, amd64_context,
};
use std::sync::OnceLock;
use test_assembler::{Endian, Section};

/// `MINIDUMP_CPU_ARCHITECTURE_AMD64` and Breakpad's Linux platform id.
const AMD64: u16 = 9;
const LINUX: u32 = 0x8201;

fn seed() -> &'static [u8] {
    static SEED: OnceLock<Vec<u8>> = OnceLock::new();
    SEED.get_or_init(|| {
        let le = Endian::Little;
        let (stack_base, rip) = (0x7fff_0000_0000_u64, 0x5555_0000_1234_u64);
        let stack = Memory::with_section(
            Section::with_endian(le).append_repeated(0xab, 0x1000),
            stack_base,
        );
        let context = amd64_context(le, rip, stack_base + 0x800);
        let thread = Thread::new(le, 1234, &stack, &context);
        let name = DumpString::new("/usr/bin/crashing", le);
        let module = Module::new(le, 0x5555_0000_0000, 0x10_0000, &name, 0, 0, None);
        let mut exception = Exception::new(le);
        exception.thread_id = 1234;
        exception.exception_record.exception_code = 11;
        exception.exception_record.exception_flags = 1;
        let system = SystemInfo::new(le).set_processor_architecture(AMD64).set_platform_id(LINUX);
        SynthMinidump::with_endian(le)
            .add_system_info(system)
            .add_exception(exception)
            .add_thread(thread)
            .add_memory(stack)
            .add_module(module)
            .add(name)
            .add(context)
            .set_linux_proc_status(b"Name:\tcrashing\nTgid:\t1234\n")
            .set_linux_maps(b"555500000000-555500100000 r-xp 00000000 08:01 1 /usr/bin/crashing\n")
            .set_linux_cpu_info(b"processor\t: 0\n")
            .set_linux_environ(b"HOME=/\0")
            .finish()
            .expect("a synthesised dump")
    })
}

fuzz_target!(|mutations: Vec<Mutation>| {
    let mut bytes = seed().to_vec();
    for m in mutations.iter().take(8) {
        crashsuite_mutate::apply(&mut bytes, m);
    }
    let grade = crashsuite_grader::verify_bytes("mutated.dmp", bytes, None);
    assert_eq!(grade.verdicts.len(), crashsuite_grader::rules::all().len());
});
