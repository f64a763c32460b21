//! Records the git commit the binary is built from, for results.json: the
//! commit of the source, not of whatever is checked out where it runs (a
//! nextest archive runs far from its checkout).

use std::process::Command;

fn main() {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|s| s.trim().to_owned())
    };
    // A build outside a checkout may name its commit itself.
    let commit = std::env::var("CRASHSUITE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=CRASHSUITE_COMMIT={commit}");
    // A new commit moves HEAD or the branch it names.
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let branch = git(&["symbolic-ref", "-q", "HEAD"]);
        // A path that does not exist would rerun this on every build.
        for path in ["HEAD".to_owned(), "packed-refs".to_owned()].into_iter().chain(branch) {
            let path = format!("{dir}/{path}");
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    println!("cargo:rerun-if-env-changed=CRASHSUITE_COMMIT");
}
