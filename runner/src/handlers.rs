//! Handlers under test, each described by a manifest (TOML): its case
//! executable and arguments, an optional monitor process the harness starts
//! first, where its dumps appear and how long to wait for them, and its
//! expectations: cases it does not support and rules it is known to fail,
//! each with the reason. The format is documented in handler/CONTRACT.md;
//! the manifests of the handlers crashsuite knows are in `runner/handlers/`
//! and built into the binary, and `--manifest FILE` loads anyone's.

use crate::binaries::{Binaries, MissingBinary};
use crashsuite_grader::rules::deviations::{self, Deviations};
use serde::Deserialize;
use std::{path::Path, sync::OnceLock, time::Duration};

/// The manifests built into crashsuite, by name.
const BUILT_IN: &[(&str, &str)] = &[
    ("reference", include_str!("../handlers/reference.toml")),
    ("inproc", include_str!("../handlers/inproc.toml")),
    ("breakpad", include_str!("../handlers/breakpad.toml")),
    ("breakpad-c", include_str!("../handlers/breakpad-c.toml")),
    ("crashpad", include_str!("../handlers/crashpad.toml")),
    ("sentry-native", include_str!("../handlers/sentry-native.toml")),
];

/// Deviation lists that manifests share, by name (a manifest's `include`):
/// what a writer several handlers use does on a platform.
const SHARED: &[(&str, &str)] =
    &[("dbghelp-wine", include_str!("../handlers/shared/dbghelp-wine.toml"))];

/// A shared deviation list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shared {
    deviation: Vec<deviations::Deviation>,
}

/// How long the harness waits for a dump after the case ends, unless the
/// manifest says otherwise.
const DEFAULT_DUMP_GRACE_MS: u64 = 3000;

/// A handler under test.
#[derive(Debug)]
pub struct Handler {
    /// Its name: the manifest's file name without `.toml`.
    pub name: String,
    /// One line on what it is.
    pub summary: String,
    /// What it is built from, with versions.
    pub version: String,
    /// The case executable: a file name in the binaries directory, or a path.
    pub executable: String,
    /// Arguments after the case.
    pub args: Vec<String>,
    /// A monitor executable (a name or a path, as for `executable`) the
    /// harness starts before each case
    /// (`--socket S --dump-dir D`, JSON events on stdout); its socket goes to
    /// the case as `CRASHSUITE_SOCKET`.
    pub monitor: Option<String>,
    /// Where under `CRASHSUITE_DUMP_DIR` the final dumps appear.
    pub dump_subdir: Option<String>,
    /// How long to wait for a dump after the case ends.
    pub dump_grace: Duration,
    /// Run by `crashsuite run` when no handler is named.
    pub default: bool,
    /// How to build or install it, for the reason a trial does not run.
    pub setup: Option<String>,
    /// The platforms (`os-arch`) it runs on; Linux's when the manifest does
    /// not say.
    pub platforms: Vec<String>,
    /// Cases it does not support, with the reason each.
    pub unsupported: Vec<Unsupported>,
    /// Rules it is known to fail on a case.
    pub deviations: Deviations,
}

/// A case a handler does not support.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unsupported {
    /// Case id.
    pub case: String,
    /// Why: what the handler lacks.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    summary: String,
    version: String,
    executable: String,
    #[serde(default)]
    args: Vec<String>,
    monitor: Option<String>,
    dump_subdir: Option<String>,
    dump_grace_ms: Option<u64>,
    #[serde(default)]
    default: bool,
    setup: Option<String>,
    #[serde(default = "linux_platforms")]
    platforms: Vec<String>,
    #[serde(default)]
    unsupported: Vec<Unsupported>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    deviation: Vec<deviations::Deviation>,
}

/// Where a handler runs when its manifest does not say: Linux.
fn linux_platforms() -> Vec<String> {
    vec!["linux-x86_64".into(), "linux-aarch64".into()]
}

/// The platforms a manifest may name.
const PLATFORMS: &[&str] = &["linux-x86_64", "linux-aarch64", "windows-x86_64"];

/// A manifest that is not valid.
#[derive(Debug, thiserror::Error)]
#[error("handler manifest {name}: {message}")]
pub struct ManifestError {
    /// The manifest's name or path.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

impl Handler {
    /// Parses the manifest of the handler `name`, checking that every case
    /// and rule it names exists.
    pub fn parse(name: &str, text: &str) -> Result<Self, ManifestError> {
        let error = |message: String| ManifestError { name: name.to_owned(), message };
        let mut manifest: Manifest = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        let cases = crashsuite_cases::catalogue().map_err(|e| error(e.to_string()))?;
        let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        for name in &manifest.include {
            let names = || SHARED.iter().map(|(n, _)| *n).collect::<Vec<_>>();
            let (_, text) = SHARED.iter().find(|(n, _)| n == name).ok_or_else(|| {
                error(format!("include: no list {name:?} (one of {:?})", names()))
            })?;
            let shared: Shared =
                toml::from_str(text).map_err(|e| error(format!("include {name}: {e}")))?;
            manifest.deviation.extend(shared.deviation);
        }
        let deviations =
            deviations::check(manifest.deviation, &ids).map_err(|e| error(e.to_string()))?;
        if let Some(bad) = manifest.platforms.iter().find(|p| !PLATFORMS.contains(&p.as_str())) {
            return Err(error(format!("platforms: no platform {bad:?} (one of {PLATFORMS:?})")));
        }
        for entry in &manifest.unsupported {
            if !cases.iter().any(|c| c.id == entry.case) {
                return Err(error(format!("unsupported: no case {:?}", entry.case)));
            }
            if entry.reason.trim().is_empty() {
                return Err(error(format!("unsupported {} has no reason", entry.case)));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            summary: manifest.summary,
            version: manifest.version,
            executable: manifest.executable,
            args: manifest.args,
            monitor: manifest.monitor,
            dump_subdir: manifest.dump_subdir,
            dump_grace: Duration::from_millis(
                manifest.dump_grace_ms.unwrap_or(DEFAULT_DUMP_GRACE_MS),
            ),
            default: manifest.default,
            setup: manifest.setup,
            platforms: manifest.platforms,
            unsupported: manifest.unsupported,
            deviations,
        })
    }

    /// Loads a manifest file; the handler is named after the file, and
    /// relative executable paths are taken from the manifest's directory.
    pub fn load(path: &Path) -> Result<&'static Self, ManifestError> {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            name: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut handler = Self::parse(name, &text)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let resolve = |exe: &mut String| {
            if exe.contains('/') && Path::new(exe.as_str()).is_relative() {
                *exe = dir.join(exe.as_str()).to_string_lossy().into_owned();
            }
        };
        resolve(&mut handler.executable);
        if let Some(monitor) = handler.monitor.as_mut() {
            resolve(monitor);
        }
        Ok(Box::leak(Box::new(handler)))
    }

    /// Its case executable and its monitor (if it has one) in `binaries`, or
    /// the first that is missing, with how to build it.
    pub fn executables(
        &self,
        binaries: &Binaries,
    ) -> Result<(std::path::PathBuf, Option<std::path::PathBuf>), MissingBinary> {
        let setup = self.setup.as_deref();
        let case = binaries.find(&self.executable, setup)?;
        let monitor = self.monitor.as_ref().map(|m| binaries.find(m, setup)).transpose()?;
        Ok((case, monitor))
    }

    /// Why this handler does not support `case`, if it does not.
    pub fn unsupported(&self, case: &str) -> Option<&str> {
        self.unsupported.iter().find(|u| u.case == case).map(|u| u.reason.as_str())
    }

    /// Whether the handler runs on `platform` (`os-arch`).
    pub fn runs_on(&self, platform: &str) -> bool {
        self.platforms.iter().any(|p| p == platform)
    }
}

/// Every handler crashsuite knows, parsed once.
pub fn known() -> Result<&'static [Handler], ManifestError> {
    static KNOWN: OnceLock<Result<Vec<Handler>, (String, String)>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            BUILT_IN
                .iter()
                .map(|(name, text)| Handler::parse(name, text))
                .collect::<Result<_, _>>()
                .map_err(|e| (e.name, e.message))
        })
        .as_deref()
        .map_err(|(name, message)| ManifestError { name: name.clone(), message: message.clone() })
}

/// The handlers `crashsuite run` grades when none is named.
pub fn defaults() -> Result<Vec<&'static Handler>, ManifestError> {
    Ok(known()?.iter().filter(|h| h.default).collect())
}

/// The known handler called `name`.
pub fn find(name: &str) -> Result<Option<&'static Handler>, ManifestError> {
    Ok(known()?.iter().find(|h| h.name == name))
}

/// The reference handler's name.
pub const REFERENCE: &str = "reference";

/// The reference handler.
pub fn reference() -> &'static Handler {
    find(REFERENCE).ok().flatten().unwrap_or_else(|| unreachable!("reference.toml is built in"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_in_the_folder_is_built_in_and_valid() {
        let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo for tests"))
            .join("handlers");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut built_in: Vec<String> = BUILT_IN.iter().map(|(n, _)| (*n).to_owned()).collect();
        built_in.sort();
        assert_eq!(files, built_in);
        assert!(known().unwrap().len() >= 2);
        assert_eq!(reference().monitor.as_deref(), Some("crashsuite-monitor"));
    }

    #[test]
    fn bad_manifests_are_refused() {
        let head = "summary = \"s\"\nversion = \"v\"\nexecutable = \"e\"\n";
        assert!(Handler::parse("h", head).is_ok());
        let unknown_key = format!("{head}colour = \"red\"\n");
        assert!(Handler::parse("h", &unknown_key).unwrap_err().message.contains("colour"));
        let bad_case = format!("{head}[[unsupported]]\ncase = \"nope\"\nreason = \"r\"\n");
        assert!(Handler::parse("h", &bad_case).unwrap_err().message.contains("no case"));
        let no_reason = format!("{head}[[unsupported]]\ncase = \"abort\"\nreason = \"\"\n");
        assert!(Handler::parse("h", &no_reason).unwrap_err().message.contains("no reason"));
        let bad_rule =
            format!("{head}[[deviation]]\ncase = \"abort\"\nrule = \"X-1\"\nreason = \"r\"\n");
        assert!(Handler::parse("h", &bad_rule).unwrap_err().message.contains("no rule"));
        let bad_include = format!("{head}include = [\"dbghelp-linux\"]\n");
        assert!(Handler::parse("h", &bad_include).unwrap_err().message.contains("no list"));
    }

    #[test]
    fn an_included_list_adds_its_deviations() {
        let head = "summary = \"s\"\nversion = \"v\"\nexecutable = \"e\"\n";
        let wine = "windows-x86_64-wine";
        let alone = Handler::parse("h", head).unwrap();
        assert!(alone.deviations.for_case("abort", wine).list.is_empty());
        let with = Handler::parse("h", &format!("{head}include = [\"dbghelp-wine\"]\n")).unwrap();
        assert!(!with.deviations.for_case("abort", wine).list.is_empty());
        assert!(with.deviations.for_case("abort", "linux-x86_64").list.is_empty());
    }
}
