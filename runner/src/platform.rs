//! Where trials run: an operating system and a CPU architecture.

use serde::Serialize;

/// A `--target` that names no platform whose trials run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no way to run {0} trials here: --target takes {host} (this host), aarch64 or windows",
    host = Platform::HOST.arch
)]
pub struct UnknownTarget(pub String);

/// An operating system and CPU architecture, spelled as `std::env::consts`
/// spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Platform {
    /// As `std::env::consts::OS`.
    pub os: &'static str,
    /// As `std::env::consts::ARCH`.
    pub arch: &'static str,
}

impl Platform {
    /// The machine crashsuite runs on.
    pub const HOST: Self = Self { os: std::env::consts::OS, arch: std::env::consts::ARCH };

    /// aarch64 Linux, run in an emulated machine on other hosts ([`crate::vm`]).
    pub const LINUX_AARCH64: Self = Self { os: "linux", arch: "aarch64" };

    /// x86_64 Windows, run under Wine on a Linux host ([`crate::wine`]).
    pub const WINDOWS_X86_64: Self = Self { os: "windows", arch: "x86_64" };

    /// The platform `crashsuite run --target NAME` means: this host's (its
    /// architecture or triple), aarch64 Linux in the emulated machine, or
    /// x86_64 Windows under Wine.
    pub fn for_target(name: &str) -> Result<Self, UnknownTarget> {
        match name {
            _ if name == Self::HOST.arch => Ok(Self::HOST),
            "aarch64" | "arm64" | "aarch64-unknown-linux-gnu" => Ok(Self::LINUX_AARCH64),
            "windows" | "x86_64-pc-windows-gnu" => Ok(Self::WINDOWS_X86_64),
            other => Err(UnknownTarget(other.to_owned())),
        }
    }

    /// The Rust target its executables are built for: this build's own, or
    /// the cross target scripts/aarch64/build.sh or scripts/windows/build.sh
    /// builds for.
    pub fn triple(&self) -> &'static str {
        match (self.os, self.arch) {
            ("linux", "aarch64") => "aarch64-unknown-linux-gnu",
            ("linux", _) => "x86_64-unknown-linux-gnu",
            ("windows", _) => "x86_64-pc-windows-gnu",
            (_, "aarch64") => "aarch64-apple-darwin",
            _ => "x86_64-apple-darwin",
        }
    }

    /// `os-arch`: the system, as handler manifests name where they run.
    pub fn system(&self) -> String {
        format!("{}-{}", self.os, self.arch)
    }

    /// Where trials run, as golden/, baselines, deviations and reports name
    /// it: the system, with `-wine` for Windows under Wine (whose dbghelp is
    /// not Windows's, so its digests and deviations are its own).
    pub fn label(&self) -> String {
        if self.under_wine() { format!("{}-wine", self.system()) } else { self.system() }
    }

    /// True when trials for it do not run on the host directly (they run in
    /// the emulated machine, or under Wine).
    pub fn emulated(&self) -> bool {
        *self != Self::HOST
    }

    /// True when its trials run in the emulated machine ([`crate::vm`]).
    pub fn in_vm(&self) -> bool {
        self.emulated() && self.os == "linux"
    }

    /// True when its trials run under Wine ([`crate::wine`]).
    pub fn under_wine(&self) -> bool {
        self.os == "windows" && Self::HOST.os == "linux"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_map_to_platforms() {
        assert_eq!(Platform::for_target(std::env::consts::ARCH), Ok(Platform::HOST));
        assert_eq!(Platform::for_target("arm64"), Ok(Platform::LINUX_AARCH64));
        assert_eq!(Platform::LINUX_AARCH64.label(), "linux-aarch64");
        assert_eq!(Platform::for_target("x86_64-pc-windows-gnu"), Ok(Platform::WINDOWS_X86_64));
        assert!(Platform::WINDOWS_X86_64.emulated() && !Platform::WINDOWS_X86_64.in_vm());
        assert_eq!(Platform::WINDOWS_X86_64.system(), "windows-x86_64");
        assert_eq!(Platform::WINDOWS_X86_64.label(), "windows-x86_64-wine");
        assert!(
            Platform::for_target("riscv64").unwrap_err().to_string().contains("--target takes")
        );
    }
}
