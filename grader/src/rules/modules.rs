//! The ModuleList stream.

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need, required};
use crate::module_file::{self, FileFacts};
use minidump::Module as _;

pub(super) const RULES: &[&Rule] = &[
    &MAIN_IS_CASE,
    &MAIN_CODE_ID,
    &MAIN_DEBUG_ID,
    &LOADED_LIBRARIES,
    &EVERY_CODE_ID,
    &EVERY_DEBUG_ID,
    &NO_OVERLAP,
    &VDSO,
];

fn main_module<'e>(facts: &Facts<'e, '_>) -> Result<&'e minidump::MinidumpModule, Verdict> {
    let modules = required(&facts.dump()?.modules, "a ModuleList stream")?;
    modules
        .main_module()
        .ok_or_else(|| Verdict::missing("the case executable (the module list is empty)"))
}

/// The case executable's file here (see [`module_file::host_path`]) and its
/// facts, or a skip verdict.
fn executable(facts: &Facts<'_, '_>) -> Result<FileFacts, Verdict> {
    let named = facts.truth()?.executable.display().to_string();
    let Some(path) = module_file::host_path(&named) else {
        return Err(Verdict::skip(format!("the case executable {named} is not a file here")));
    };
    module_file::facts(&path).map_err(Verdict::skip)
}

/// Processors take the first module as the main executable (rust-minidump's
/// `main_module`, Breakpad's `GetMainModule`); Breakpad's Linux writer puts
/// the executable first.
static MAIN_IS_CASE: Rule = Rule {
    id: "MOD-01",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "the main module is the case executable",
    checks: &[Field::new("ModuleList", "ModuleName of the main module", Against::Truth)],
    check: |facts| {
        let main = need!(main_module(facts));
        Verdict::equal(
            main.code_file().into_owned(),
            need!(facts.truth()).executable.display().to_string(),
        )
    },
};

/// Symbol servers find a module's symbols by its code id: an ELF module's
/// full GNU build id in hex (Breakpad's `FileID`, the `INFO CODE_ID` of
/// `.sym` files), a PE module's link timestamp and image size (the
/// MINIDUMP_MODULE's TimeDateStamp and SizeOfImage, as Windows' symbol
/// servers key executables).
static MAIN_CODE_ID: Rule = Rule {
    id: "MOD-02",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "the main module's code id is the executable's",
    checks: &[Field::new(
        "ModuleList",
        "CvRecord (ELF) or TimeDateStamp and SizeOfImage (PE) of the main module",
        Against::Disk,
    )],
    check: |facts| {
        let main = need!(main_module(facts));
        let Some(expected) = need!(executable(facts)).code_id else {
            return Verdict::skip("the case executable has no build id");
        };
        let observed = main.code_identifier().map(|id| id.to_string().to_lowercase());
        Verdict::present(observed, expected)
    },
};

/// Breakpad's debug id of an ELF module is the build id's first 16 bytes as a
/// GUID (first three fields byte-swapped, short ids zero-padded) with age 0;
/// a PE module's is its CodeView record's GUID and age. `.sym` files and
/// PDBs are stored under it, so a wrong byte order loses symbols.
static MAIN_DEBUG_ID: Rule = Rule {
    id: "MOD-03",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "the main module's debug id is the executable's, in GUID byte order",
    checks: &[Field::new("ModuleList", "CvRecord of the main module", Against::Disk)],
    check: |facts| {
        let main = need!(main_module(facts));
        let Some(expected) = need!(executable(facts)).debug_id else {
            return Verdict::skip("the case executable has no build id or CodeView record");
        };
        let observed = main.debug_identifier().map(|id| id.breakpad().to_string());
        Verdict::present(observed, expected)
    },
};

/// A crash inside a library loaded with `dlopen` is only symbolised if the
/// module list holds that library with its build id; a writer that reads the
/// module list too early, or from the wrong place, misses it.
static LOADED_LIBRARIES: Rule = Rule {
    id: "MOD-04",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "every library the case loaded is listed with its build id",
    checks: &[Field::new("ModuleList", "the loaded library's entry and CvRecord", Against::Truth)],
    check: |facts| {
        if need!(facts.truth()).modules.is_empty() {
            return Verdict::skip("the case loaded no library of its own");
        }
        let dump = need!(facts.dump());
        let modules = need!(required(&dump.modules, "a ModuleList stream"));
        let (mut wrong, mut absent) = (Vec::new(), Vec::new());
        for loaded in &need!(facts.truth()).modules {
            let path = loaded.path.display().to_string();
            let Some(module) = modules.iter().find(|m| m.code_file() == path) else {
                absent.push(path);
                continue;
            };
            let file = module_file::host_path(&path).map(|here| module_file::facts(&here));
            let on_disk = match file {
                Some(Ok(FileFacts { code_id: Some(id), .. })) => id,
                Some(Ok(_)) => return Verdict::skip(format!("{path} has no build id")),
                Some(Err(e)) => return Verdict::skip(e),
                None => return Verdict::skip(format!("{path} is not a file here")),
            };
            match module.code_identifier().map(|id| id.to_string().to_lowercase()) {
                Some(listed) if listed == on_disk => {}
                Some(listed) => wrong.push(format!("{path}: code id {listed}, file {on_disk}")),
                None => absent.push(format!("{path}'s code id")),
            }
        }
        if !wrong.is_empty() {
            Verdict::fail(wrong.join("; "), "each library with its build id")
        } else if !absent.is_empty() {
            Verdict::missing(absent.join(", "))
        } else {
            Verdict::pass(format!("{} libraries", need!(facts.truth()).modules.len()))
        }
    },
};

/// The modules whose files are here at the paths the dump names, with the
/// id `from_file` takes of each, and how many were left out (the vDSO,
/// deleted files, files without that id).
fn modules_on_disk(
    modules: &minidump::MinidumpModuleList,
    from_file: fn(FileFacts) -> Option<String>,
) -> (Vec<(&minidump::MinidumpModule, String)>, usize) {
    let mut found = Vec::new();
    let mut left_out = 0;
    for module in modules.iter() {
        let path = module_file::host_path(&module.code_file());
        match path.and_then(|path| module_file::facts(&path).ok()).and_then(from_file) {
            Some(id) => found.push((module, id)),
            None => left_out += 1,
        }
    }
    (found, left_out)
}

/// Every module on disk: the id the dump lists (`listed`) against the one
/// its file makes (`from_file`): wrong, missing, or all there.
fn every_module_id(
    facts: &Facts<'_, '_>,
    listed: impl Fn(&minidump::MinidumpModule) -> Option<String>,
    from_file: fn(FileFacts) -> Option<String>,
    what: &str,
) -> Verdict {
    let dump = need!(facts.dump());
    let modules = need!(required(&dump.modules, "a ModuleList stream"));
    let (on_disk, left_out) = modules_on_disk(modules, from_file);
    if on_disk.is_empty() {
        return Verdict::skip(format!(
            "none of the {left_out} modules has a file with {what} here"
        ));
    }
    // Made elsewhere, a file at a module's path is that module's file only
    // when its build id is the one the dump lists; another is another build.
    let made_here = facts.here.is_some();
    let (mut wrong, mut absent, mut elsewhere) = (Vec::new(), Vec::new(), 0);
    for (module, from_file) in &on_disk {
        match listed(module) {
            Some(id) if id == *from_file => {}
            Some(_) if !made_here => elsewhere += 1,
            Some(_) => wrong.push(module.code_file().into_owned()),
            None => absent.push(module.code_file().into_owned()),
        }
    }
    let checked = on_disk.len() - elsewhere;
    if !wrong.is_empty() {
        Verdict::fail(wrong.join(", "), format!("{what} of the files"))
    } else if !absent.is_empty() {
        Verdict::missing(format!("{what} of {}", absent.join(", ")))
    } else if checked == 0 {
        Verdict::skip(format!(
            "no module's file here has its {what}: the dump was made elsewhere, and its files \
             are other builds ({elsewhere} compared, {left_out} not on disk)"
        ))
    } else if elsewhere > 0 {
        Verdict::pass(format!(
            "{checked} modules checked; {elsewhere} files here are other builds, {left_out} not on \
             disk"
        ))
    } else {
        Verdict::pass(format!("{checked} modules checked, {left_out} not on disk"))
    }
}

/// Symbol servers are keyed by each module's code id; a wrong one loses that
/// module's symbols. Every module whose file is still on disk is checked
/// against the file's (see MOD-02).
static EVERY_CODE_ID: Rule = Rule {
    id: "MOD-05",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "every module's code id is its file's",
    checks: &[Field::new("ModuleList", "CvRecord of every module", Against::Disk)],
    check: |facts| {
        let listed = |module: &minidump::MinidumpModule| {
            module.code_identifier().map(|c| c.to_string().to_lowercase())
        };
        every_module_id(facts, listed, |file| file.code_id, "code ids")
    },
};

/// See MOD-03: the debug id of every module, not only the executable's, is
/// its file's (an ELF build id as a GUID, a PE file's CodeView GUID and age).
static EVERY_DEBUG_ID: Rule = Rule {
    id: "MOD-06",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "every module's debug id is its file's, in GUID byte order",
    checks: &[Field::new("ModuleList", "CvRecord of every module", Against::Disk)],
    check: |facts| {
        let listed = |module: &minidump::MinidumpModule| {
            module.debug_identifier().map(|d| d.breakpad().to_string())
        };
        every_module_id(facts, listed, |file| file.debug_id, "debug ids")
    },
};

/// An address belongs to one module; overlapping ranges make processors
/// attribute frames at random (rust-minidump keeps the first it sees).
static NO_OVERLAP: Rule = Rule {
    id: "MOD-07",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "ModuleList",
    title: "no two modules overlap",
    checks: &[Field::new("ModuleList", "BaseOfImage, SizeOfImage", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let modules = need!(required(&dump.modules, "a ModuleList stream"));
        let ranges = modules
            .iter()
            .map(|m| {
                let end = m.base_address().saturating_add(m.size());
                (m.base_address(), end, m.code_file().into_owned())
            })
            .collect();
        super::disjoint(ranges, "modules")
    },
};

/// Signal frames return through the vDSO's `__restore_rt`, and time
/// functions run in it; Breakpad lists it (as `linux-gate.so`) so walks
/// through a signal frame can be symbolised.
static VDSO: Rule = Rule {
    id: "MOD-08",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "ModuleList",
    title: "the vDSO is listed",
    checks: &[Field::new("ModuleList", "the vDSO's entry", Against::System)],
    check: |facts| {
        let dump = need!(facts.dump());
        let modules = need!(required(&dump.modules, "a ModuleList stream"));
        let vdso = modules.iter().find(|m| {
            let file = m.code_file();
            file.contains("linux-gate.so") || file.contains("vdso")
        });
        match vdso {
            Some(module) => {
                Verdict::pass(format!("{} at {:#x}", module.code_file(), module.base_address()))
            }
            None => Verdict::missing("linux-gate.so or linux-vdso.so.1"),
        }
    },
};
