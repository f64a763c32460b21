//! Stack walking and frame names from the module files on disk.
//!
//! Only files whose code id (an ELF file's GNU build id, a PE file's
//! timestamp and size) equals the module's in the dump are used:
//! minidump-unwind's debug-info provider and a plain path lookup would take
//! a rebuilt file at the same path and name the wrong functions. Unwinding
//! uses the files' unwind information (minidump-unwind's `debuginfo-unwind`,
//! framehop: ELF call frame information, PE unwind tables); names come from
//! their DWARF (mingw writes it into PE files too) and symbol tables
//! (addr2line), demangled, and are remembered by file
//! ([`crate::names`]).

use crate::module_file::{self, FileFacts};
use minidump::{MinidumpModule, MinidumpModuleList, Module as _};
use std::{collections::HashMap, path::PathBuf};

/// The modules whose file is here (at the path the dump names, or in one of
/// `dirs`) and is the one the dump describes, each renamed to that file's
/// path (the unwinder opens the file by the module's name), with the file's
/// facts.
pub fn verified_modules(
    modules: &MinidumpModuleList,
    dirs: &[PathBuf],
) -> Vec<(MinidumpModule, FileFacts)> {
    modules
        .iter()
        .filter_map(|module| {
            let (path, facts) = module_file::locate(module, dirs)?;
            let mut here = module.clone();
            here.name = path.display().to_string();
            Some((here, facts))
        })
        .collect()
}

/// The modules whose PDB is in one of `dirs` (see
/// [`module_file::locate_pdb`]), with its path.
pub fn verified_pdbs(
    modules: &MinidumpModuleList,
    dirs: &[PathBuf],
) -> Vec<(MinidumpModule, PathBuf)> {
    modules
        .iter()
        .filter_map(|module| Some((module.clone(), module_file::locate_pdb(module, dirs)?)))
        .collect()
}

/// A PDB's debug information, read once, for the names of a module's
/// functions.
type PdbData = pdb_addr2line::ContextPdbData<'static, 'static, std::fs::File>;

/// Names addresses in verified modules, loading each file once.
pub struct Namer {
    modules: Vec<(MinidumpModule, FileFacts)>,
    loaders: HashMap<String, Option<addr2line::Loader>>,
    pdbs: Vec<(MinidumpModule, PathBuf)>,
    pdb_data: HashMap<PathBuf, Option<PdbData>>,
}

impl Namer {
    /// A namer over the verified modules of a dump and the modules whose
    /// PDBs are here.
    pub fn new(
        modules: Vec<(MinidumpModule, FileFacts)>,
        pdbs: Vec<(MinidumpModule, PathBuf)>,
    ) -> Self {
        Self { modules, loaders: HashMap::new(), pdbs, pdb_data: HashMap::new() }
    }

    /// The function at runtime `address`, from the module files or, for a
    /// module named by neither, from its PDB.
    pub fn name(&mut self, address: u64) -> Option<String> {
        self.name_from_file(address).or_else(|| self.name_from_pdb(address))
    }

    /// The function at `address` in a module whose PDB is here: the
    /// innermost inlined one, as the PDB spells it.
    fn name_from_pdb(&mut self, address: u64) -> Option<String> {
        let (module, path) = self
            .pdbs
            .iter()
            .find(|(m, _)| (m.base_address()..m.base_address() + m.size()).contains(&address))?;
        let rva = u32::try_from(address - module.base_address()).ok()?;
        let key = format!("pdb-{}", module.debug_identifier()?.breakpad());
        let data = &mut self.pdb_data;
        crate::names::name(&key, u64::from(rva), || {
            let data = data.entry(path.clone()).or_insert_with(|| {
                let file = std::fs::File::open(path).ok()?;
                let pdb = pdb_addr2line::pdb::PDB::open(file).ok()?;
                pdb_addr2line::ContextPdbData::try_from_pdb(pdb).ok()
            });
            let context = data.as_ref()?.make_context().ok()?;
            let frames = context.find_frames(rva).ok()??;
            frames.frames.into_iter().next()?.function
        })
    }

    /// The function at runtime `address` (the innermost one, when inlined),
    /// demangled, or `None` when no verified module holds it, it lies outside
    /// the module's code (a frame found by scanning can point at data, and
    /// the nearest symbol would be a variable), or it has no name.
    fn name_from_file(&mut self, address: u64) -> Option<String> {
        let (module, facts) = self
            .modules
            .iter()
            .find(|(m, _)| (m.base_address()..m.base_address() + m.size()).contains(&address))?;
        let probe = address - module.base_address() + facts.file_base;
        if !facts.code.iter().any(|code| code.contains(&probe)) {
            return None;
        }
        let path = module.code_file().into_owned();
        let loaders = &mut self.loaders;
        crate::names::name(&facts.names_key, probe, || {
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

/// Puts back the frame that a call through a bad pointer loses. The one place
/// crashsuite works around minidump-processor's walk.
///
/// The upstream behaviour, as it could be reported: minidump-processor 0.27
/// walks a frame 0 whose instruction pointer lies in no module (a call through
/// a null or wild function pointer, a jump into a data page) by its frame
/// pointer. That frame pointer still belongs to the function that made the
/// bad call, so the walk goes from the bad address straight to that
/// function's caller and the function itself, the one a reader needs, is
/// lost. At that moment its return address is at the stack pointer (x86_64:
/// the call pushed it) or in the link register (arm64); Breakpad's walkers
/// look there first. Here, when that address lies in a module and the walk
/// does not already resume there, the frame it names is put back as frame 1,
/// trusted as a scan.
pub fn recover_lost_caller(
    stack: &mut minidump_unwind::CallStack,
    modules: &MinidumpModuleList,
    memory: Option<&minidump::UnifiedMemoryList<'_>>,
) {
    use minidump::MinidumpRawContext as Raw;
    let Some(first) = stack.frames.first() else { return };
    if modules.module_at_address(first.instruction).is_some() {
        return;
    }
    // The return address, the stack pointer after the return, and how far
    // back from the return address the call instruction lies.
    let (resume, sp, back) = match &first.context.raw {
        Raw::Amd64(raw) => {
            let at_sp = memory
                .and_then(|m| m.memory_at_address(raw.rsp))
                .and_then(|region| region.get_memory_at_address::<u64>(raw.rsp));
            let Some(resume) = at_sp else { return };
            (resume, raw.rsp.wrapping_add(8), 1)
        }
        Raw::Arm64(raw) => (raw.iregs[30], raw.sp, 4),
        Raw::OldArm64(raw) => (raw.iregs[30], raw.sp, 4),
        _ => return,
    };
    let Some(module) = modules.module_at_address(resume) else { return };
    if stack.frames.get(1).is_some_and(|frame| frame.resume_address == resume) {
        return;
    }
    let mut context = first.context.clone();
    match &mut context.raw {
        Raw::Amd64(raw) => (raw.rip, raw.rsp) = (resume, sp),
        Raw::Arm64(raw) => raw.pc = resume,
        Raw::OldArm64(raw) => raw.pc = resume,
        _ => return,
    }
    let mut frame =
        minidump_unwind::StackFrame::from_context(context, minidump_unwind::FrameTrust::Scan);
    frame.instruction = resume.wrapping_sub(back);
    frame.resume_address = resume;
    frame.module = Some(module.clone());
    stack.frames.insert(1, frame);
}
