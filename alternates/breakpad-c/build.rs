//! Compiles the C case executable's main().

fn main() {
    println!("cargo:rerun-if-changed=case.c");
    println!("cargo:rerun-if-changed=../../cases-c/include/crashsuite_case.h");
    cc::Build::new()
        .file("case.c")
        .include("../../cases-c/include")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("crashsuite_case_breakpad_c");
}
