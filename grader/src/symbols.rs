//! Stack walking and frame names from the module files on disk.
//!
//! Only files whose GNU build id equals the module's code id in the dump are
//! used: minidump-unwind's debug-info provider and a plain path lookup would
//! take a rebuilt file at the same path and name the wrong functions.
//! Unwinding uses the files' call frame information (minidump-unwind's
//! `debuginfo-unwind`, framehop); names come from their DWARF and symbol
//! tables (addr2line), demangled, and are remembered by build id
//! ([`crate::names`]).

use crate::elf;
use minidump::{MinidumpModule, MinidumpModuleList, Module as _};
use std::{collections::HashMap, path::PathBuf};

/// The modules whose file on disk is the one the dump describes, with the
/// file's facts (first loadable address, executable segments).
pub fn verified_modules(modules: &MinidumpModuleList) -> Vec<(MinidumpModule, elf::ElfFacts)> {
    modules
        .iter()
        .filter_map(|module| {
            let path = PathBuf::from(module.code_file().into_owned());
            let facts = elf::facts(&path).ok()?;
            let on_disk = elf::hex(facts.build_id.as_deref()?);
            let listed = module.code_identifier()?.to_string().to_lowercase();
            (on_disk == listed).then(|| (module.clone(), facts))
        })
        .collect()
}

/// Names addresses in verified modules, loading each file once.
pub struct Namer {
    modules: Vec<(MinidumpModule, elf::ElfFacts)>,
    loaders: HashMap<String, Option<addr2line::Loader>>,
}

impl Namer {
    /// A namer over the verified modules of a dump.
    pub fn new(modules: Vec<(MinidumpModule, elf::ElfFacts)>) -> Self {
        Self { modules, loaders: HashMap::new() }
    }

    /// The function at runtime `address` (the innermost one, when inlined),
    /// demangled, or `None` when no verified module holds it, it lies outside
    /// the module's code (a frame found by scanning can point at data, and
    /// the nearest symbol would be a variable), or it has no name.
    pub fn name(&mut self, address: u64) -> Option<String> {
        let (module, facts) = self
            .modules
            .iter()
            .find(|(m, _)| (m.base_address()..m.base_address() + m.size()).contains(&address))?;
        let probe = address - module.base_address() + facts.first_load_vaddr;
        if !facts.code.iter().any(|code| code.contains(&probe)) {
            return None;
        }
        let build_id = elf::hex(facts.build_id.as_deref()?);
        let path = module.code_file().into_owned();
        let loaders = &mut self.loaders;
        crate::names::name(&build_id, probe, || {
            let loader =
                loaders.entry(path.clone()).or_insert_with(|| addr2line::Loader::new(&path).ok());
            let loader = loader.as_ref()?;
            let from_dwarf = loader.find_frames(probe).ok().and_then(|mut frames| {
                let frame = frames.next().ok().flatten()?;
                let function = frame.function?;
                Some(function.demangle().ok()?.into_owned())
            });
            from_dwarf.or_else(|| {
                let symbol = loader.find_symbol(probe)?;
                Some(addr2line::demangle_auto(symbol.into(), None).into_owned())
            })
        })
    }
}
