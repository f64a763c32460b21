//! Builds the C and C++ triggers.

fn main() {
    println!("cargo:rerun-if-changed=native");
    cc::Build::new()
        .file("native/triggers.c")
        // Keep the store through a null pointer a real store.
        .flag("-fno-delete-null-pointer-checks")
        .compile("crashsuite_triggers");
    cc::Build::new()
        .cpp(true)
        // Calling a pure virtual during construction is undefined behaviour,
        // and an optimiser may drop it: keep the call as written.
        .opt_level(0)
        .file("native/purecall.cpp")
        .compile("crashsuite_purecall");
}
