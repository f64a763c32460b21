//! Where trials run: an operating system and a CPU architecture.

use serde::Serialize;

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

    /// The platform `crashsuite run --arch ARCH` means: this host's, or
    /// aarch64 Linux in the emulated machine.
    pub fn for_arch(arch: &str) -> Result<Self, String> {
        match arch {
            _ if arch == Self::HOST.arch => Ok(Self::HOST),
            "aarch64" | "arm64" | "aarch64-unknown-linux-gnu" => Ok(Self::LINUX_AARCH64),
            other => Err(format!(
                "no way to run {other} trials here: --arch takes {} (this host) or aarch64",
                Self::HOST.arch
            )),
        }
    }

    /// `os-arch`, as golden/ and reports name it.
    pub fn label(&self) -> String {
        format!("{}-{}", self.os, self.arch)
    }

    /// True when trials for it run in the emulated machine, not on the host.
    pub fn emulated(&self) -> bool {
        *self != Self::HOST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_names_map_to_platforms() {
        assert_eq!(Platform::for_arch(std::env::consts::ARCH), Ok(Platform::HOST));
        assert_eq!(Platform::for_arch("arm64"), Ok(Platform::LINUX_AARCH64));
        assert_eq!(Platform::LINUX_AARCH64.label(), "linux-aarch64");
        assert!(Platform::for_arch("riscv64").unwrap_err().contains("--arch takes"));
    }
}
