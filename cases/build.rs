//! Builds the index of case files that the catalogue embeds and, for Linux,
//! the C and C++ triggers and the dlopen plugin (the other systems' triggers
//! are Rust).

use std::{env, fs, path::PathBuf, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=native");
    println!("cargo:rerun-if-changed=catalogue");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    index_catalogue(&out);
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }

    // Triggers stay as written: several are undefined behaviour on purpose,
    // which an optimiser may remove (a pure virtual call did vanish at -O2).
    cc::Build::new()
        .file("native/triggers.c")
        .opt_level(0)
        .flag("-fno-delete-null-pointer-checks")
        .compile("crashsuite_triggers");
    cc::Build::new()
        .cpp(true)
        .std("c++17")
        .opt_level(0)
        .file("native/cxx.cpp")
        .compile("crashsuite_cxx");
    println!("cargo:rustc-link-lib=pthread");

    build_plugin(&out);
}

/// Links `native/plugin.c` into `$OUT_DIR/libcrashsuite_plugin.so`, with a
/// build id, for the case executable to embed and load with dlopen.
fn build_plugin(out: &std::path::Path) {
    let compiler = cc::Build::new().opt_level(0).get_compiler();
    let plugin = out.join("libcrashsuite_plugin.so");
    let status = Command::new(compiler.path())
        .args(compiler.args())
        .args(["-shared", "-fPIC", "-g", "-Wl,--build-id", "-o"])
        .arg(&plugin)
        .arg("native/plugin.c")
        .status()
        .expect("running the C compiler for the plugin");
    assert!(status.success(), "building libcrashsuite_plugin.so failed");
}

/// Writes `$OUT_DIR/catalogue.rs`: one `(id, contents)` per `catalogue/*.toml`.
fn index_catalogue(out: &std::path::Path) {
    let dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("catalogue");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("cases/catalogue exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut index = String::from("&[\n");
    for path in files {
        let id = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name");
        // The path is the checkout's at compile time, not this script's: a
        // target directory shared by checkouts at other paths reuses this
        // script's output.
        index.push_str(&format!(
            "    ({id:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/catalogue/{id}.toml\"))),\n"
        ));
    }
    index.push_str("]\n");
    fs::write(out.join("catalogue.rs"), index).expect("writing the catalogue index");
}
