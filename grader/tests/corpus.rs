//! Dumps made elsewhere, by other projects' writers on other systems
//! (`corpus/README.md` gives each file's source, commit and license),
//! verified without a truth record: each is judged by what it says about
//! itself, never by the machine that grades it. Each one's digest (its
//! streams, exception, modules by role and every verdict other than a pass)
//! is kept beside it as `corpus/<name>.snap`; `INSTA_UPDATE=always` accepts
//! a change.

use crashsuite_grader::Verdict;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn dumps() -> Vec<PathBuf> {
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus/ is in the tree")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "dmp"))
        .collect();
    dumps.sort();
    dumps
}

#[test]
fn every_dump_made_elsewhere_gets_a_verdict_of_its_own() {
    let dumps = dumps();
    assert!(dumps.len() >= 7, "{dumps:?}");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(corpus());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for dump in dumps {
        let grade = crashsuite_grader::verify(&dump, None);
        let name = dump.file_stem().and_then(|s| s.to_str()).expect("a name").to_owned();
        // Nothing here is compared with this machine: the rules that would
        // (its system's processor count, the case's executable) neither pass
        // nor fail.
        for id in ["SYS-03", "MOD-02", "MOD-03"] {
            let verdict = grade.verdicts.iter().find(|v| v.id == id).expect("every rule runs");
            let compared = matches!(verdict.verdict, Verdict::Pass { .. } | Verdict::Fail { .. });
            assert!(!compared, "{name} {id}: {verdict:?}");
        }
        let digest = grade.digest.clone().expect("every dump is digested");
        settings.bind(|| insta::assert_snapshot!(name, digest));
    }
}

#[test]
fn malformed_dumps_are_refused_with_the_reason() {
    for name in ["invalid-range", "invalid-record-count"] {
        let grade = crashsuite_grader::verify(&corpus().join(format!("{name}.dmp")), None);
        assert!(!grade.passed(), "{name}:\n{}", grade.explain());
        let hdr02 = grade.verdicts.iter().find(|v| v.id == "HDR-02").expect("HDR-02");
        let Verdict::Fail { observed, .. } = &hdr02.verdict else {
            panic!("{name}: HDR-02 {:?}", hdr02.verdict)
        };
        assert!(observed.contains(" at 0x"), "{name}: the streams outside the file: {observed}");
    }
}

#[test]
fn a_dump_made_here_can_say_so() {
    // linux-mini.dmp was made on a 4-processor Linux machine: judged as if
    // made here, this machine's system applies and is compared.
    let dump = corpus().join("linux-mini.dmp");
    let elsewhere = crashsuite_grader::verify(&dump, None);
    let made_here = crashsuite_grader::VerifyOptions { made_here: true, ..Default::default() };
    let here = crashsuite_grader::verify_with(&dump, &made_here);
    let verdict = |grade: &crashsuite_grader::Grade, id: &str| {
        grade.verdicts.iter().find(|v| v.id == id).map(|v| v.verdict.kind()).unwrap_or_default()
    };
    assert_eq!(verdict(&elsewhere, "MOD-05"), "skip");
    assert_eq!(verdict(&elsewhere, "SYS-01"), "pass");
    assert_eq!(verdict(&elsewhere, "SYS-03"), "skip");
    assert_ne!(verdict(&here, "SYS-03"), "skip", "{}", here.explain());
}

#[test]
fn a_windows_dump_is_named_from_its_pdb_in_a_symbol_directory() {
    // sigsegv.exe, built by MSVC, crashed in `crash(bool)`; its PDB is in
    // corpus/ beside the dump, its executable is not.
    let dump = corpus().join("sigsegv.dmp");
    let alone = crashsuite_grader::verify(&dump, None);
    assert!(!alone.crashing_stack[0].contains("crash(bool)"), "{:?}", alone.crashing_stack);
    let with_pdb =
        crashsuite_grader::VerifyOptions { symbols: vec![corpus()], ..Default::default() };
    let named = crashsuite_grader::verify_with(&dump, &with_pdb);
    assert!(named.crashing_stack[0].starts_with("crash(bool)"), "{:?}", named.crashing_stack);
    // A PDB of that name with another GUID is another build's: unused.
    let other = tempfile::tempdir().expect("tempdir");
    let mut bytes = std::fs::read(corpus().join("sigsegv.pdb")).expect("the PDB");
    let guid =
        crashsuite_grader::module_file::pdb_debug_id(&corpus().join("sigsegv.pdb")).expect("a PDB");
    assert!(guid.len() > 32, "{guid}");
    // The GUID, found by its bytes (as stored: the first three fields
    // little-endian) wherever the PDB keeps it, and changed.
    let stored = {
        let hex = |s: &str| u32::from_str_radix(s, 16).expect("hex");
        let mut stored = Vec::new();
        stored.extend_from_slice(&hex(&guid[0..8]).to_le_bytes());
        stored.extend_from_slice(&(hex(&guid[8..12]) as u16).to_le_bytes());
        stored.extend_from_slice(&(hex(&guid[12..16]) as u16).to_le_bytes());
        stored
    };
    let places: Vec<usize> = (0..bytes.len() - stored.len())
        .filter(|&at| bytes[at..at + stored.len()] == stored[..])
        .collect();
    assert!(!places.is_empty(), "the GUID is in the PDB");
    for at in places {
        bytes[at] ^= 0xff;
    }
    std::fs::write(other.path().join("sigsegv.pdb"), bytes).expect("write");
    let elsewhere = crashsuite_grader::VerifyOptions {
        symbols: vec![other.path().to_owned()],
        ..Default::default()
    };
    let unnamed = crashsuite_grader::verify_with(&dump, &elsewhere);
    assert!(!unnamed.crashing_stack[0].contains("crash(bool)"), "{:?}", unnamed.crashing_stack);
}
