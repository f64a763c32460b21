//! The shape of the workspace: no module of any crate imports, through
//! `crate::` paths, a module that imports it back (directly or around a
//! longer loop), and the grader builds without the runner's, the
//! emulator's or the reports' dependencies.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

/// The workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The top-level modules a piece of code names through `crate::` paths:
/// `crate::a::b` and each item of `crate::{a, b::c}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let preceded = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `crashsuite_crate::` and the like are other paths.
        if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        named.extend(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            named.extend(first_segment(&item));
        } else {
            named.extend(first_segment(rest));
        }
    }
    named
}

fn first_segment(path: &str) -> Option<String> {
    let segment: String =
        path.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!segment.is_empty()).then_some(segment)
}

/// The code of a file without its comments (line comments are enough: the
/// workspace writes no block comments).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable");
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A cycle in `graph`, if there is one, as the modules around it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Each top-level module of the crate in `src` with the modules it names.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let module = |file: &Path| {
        let relative = file.strip_prefix(src).expect("under src");
        let first = relative.components().next().expect("a file").as_os_str().to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module(f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let from = module(file);
        if ["lib", "main"].contains(&from.as_str()) {
            continue;
        }
        let named = named_modules(&code_of(file));
        let edges: &mut BTreeSet<String> = graph.entry(from.clone()).or_default();
        edges.extend(named.into_iter().filter(|m| m != &from && modules.contains(m)));
    }
    graph
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let crates = ["data", "grader", "runner", "harness", "cases", "handler", "cases-c", "mutate"];
    for name in crates {
        let graph = module_graph(&root().join(name).join("src"));
        // Crates of one file have no graph; the ones cut into modules do.
        let cut = ["grader", "runner", "harness", "cases", "handler"].contains(&name);
        assert!(!graph.is_empty() || !cut, "{name}: no modules read");
        if let Some(found) = cycle(&graph) {
            panic!("{name}: modules import each other: {}", found.join(" → "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let named = named_modules("use crate::{a::B, b, c::{d, e}};\nlet x = crate::f::g();");
    assert_eq!(named, BTreeSet::from(["a", "b", "c", "f"].map(String::from)));
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .iter()
        .map(|(from, to)| (from.to_string(), BTreeSet::from([to.to_string()])))
        .collect();
    assert_eq!(cycle(&graph).map(|c| c.len()), Some(4));
}

#[test]
fn the_grader_builds_without_the_runner_the_emulator_or_the_reports() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "crashsuite-grader",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}"])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    let names: BTreeSet<&str> =
        tree.lines().filter_map(|line| line.split_whitespace().next()).collect();
    assert!(names.contains("minidump-processor"), "the tree was read: {tree}");
    // flate2 is there, through object's `compression` feature, which
    // addr2line's loader asks for: debug sections are often compressed
    // (`SHF_COMPRESSED`), and naming frames needs them. The emulator's own
    // use of it (the initramfs, files back over the console) is the runner's.
    for absent in [
        "cpio",
        "base64",
        "plotters",
        "quick-junit",
        "comfy-table",
        "crashsuite-cases",
        "crashsuite-handler",
        "crashsuite-runner",
        "cc",
    ] {
        assert!(!names.contains(absent), "crashsuite-grader depends on {absent}:\n{tree}");
    }
}
