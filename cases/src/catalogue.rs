//! The cases: one TOML file per case in `cases/catalogue/`, embedded in the
//! build. `cases/case.example.toml` documents every key.

use crashsuite_data::Trigger;
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::OnceLock,
};

/// The thread a case crashes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashThread {
    /// The process's main thread.
    #[default]
    Main,
    /// A Rust `std::thread`.
    Rust,
    /// A thread made with `pthread_create` from Rust, outside std (foreign to
    /// the Rust runtime).
    RawPthread,
    /// A thread created by C code.
    CThread,
    /// A C++ `std::thread`.
    CppThread,
}

/// What the case sets up before it crashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scene {
    /// The kind of thread the trigger runs on.
    pub thread: CrashThread,
    /// How many threads run the trigger at once, released by one barrier.
    pub crashers: u32,
    /// Named idle threads (`cs-worker-N`) alive at the crash.
    pub workers: u32,
    /// C frames of recursion between the crashing thread's start and the trigger.
    pub call_depth: u32,
    /// MiB of heap allocated and touched before the crash.
    pub ballast_mib: u32,
    /// Load `libcrashsuite_plugin.so` with `dlopen` first.
    pub dlopen: bool,
    /// Crash in a child made with `fork`; the parent waits and exits 0.
    pub fork: bool,
    /// Run the trigger inside a SIGUSR1 signal handler.
    pub in_signal_handler: bool,
    /// Install a `MINSIGSTKSZ`-byte alternate signal stack on the crashing
    /// thread, as a client with its own would.
    pub tiny_sigaltstack: bool,
    /// Open files until the process has no descriptor left (EMFILE), just
    /// before the truth record (whose file is opened first) and the trigger.
    pub exhaust_fds: bool,
    /// Cap the address space (RLIMIT_AS) at what the process maps and take
    /// what is left of it, just before the trigger.
    pub exhaust_address_space: bool,
    /// Fault injection: the handler itself faults right after its dump.
    pub handler_faults: bool,
    /// Annotations sent to the handler, besides `crashsuite.case` and
    /// `crashsuite.trigger`.
    pub annotations: BTreeMap<String, String>,
    /// Breadcrumbs sent to the handler, after the scene's own.
    pub breadcrumbs: Vec<String>,
}

impl Scene {
    /// The first feature the scene uses that exists on Linux only (C, C++
    /// and raw pthreads, the dlopen plugin, fork, signal handlers, the
    /// alternate signal stack, descriptor and address-space exhaustion, the
    /// handler's fault injection), if any.
    pub fn linux_only_feature(&self) -> Option<&'static str> {
        let features = [
            (matches!(self.thread, CrashThread::RawPthread), "thread = \"raw_pthread\""),
            (matches!(self.thread, CrashThread::CThread), "thread = \"c_thread\""),
            (matches!(self.thread, CrashThread::CppThread), "thread = \"cpp_thread\""),
            (self.dlopen, "dlopen"),
            (self.fork, "fork"),
            (self.in_signal_handler, "in_signal_handler"),
            (self.tiny_sigaltstack, "tiny_sigaltstack"),
            (self.exhaust_fds, "exhaust_fds"),
            (self.exhaust_address_space, "exhaust_address_space"),
            (self.handler_faults, "handler_faults"),
        ];
        features.into_iter().find_map(|(used, name)| used.then_some(name))
    }
}

impl Default for Scene {
    fn default() -> Self {
        Self {
            thread: CrashThread::Main,
            crashers: 1,
            workers: 3,
            call_depth: 0,
            ballast_mib: 0,
            dlopen: false,
            fork: false,
            in_signal_handler: false,
            tiny_sigaltstack: false,
            exhaust_fds: false,
            exhaust_address_space: false,
            handler_faults: false,
            annotations: BTreeMap::new(),
            breadcrumbs: Vec::new(),
        }
    }
}

/// A case file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    summary: String,
    trigger: Trigger,
    os: Option<Vec<String>>,
    arch: Option<Vec<String>>,
    #[serde(default)]
    scene: Scene,
    #[serde(default)]
    notes: BTreeMap<String, String>,
}

/// One crash case.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// Stable id: the file name without `.toml`; the trial name's second half.
    pub id: String,
    /// One line on what happens.
    pub summary: String,
    /// How it crashes.
    pub trigger: Trigger,
    /// Operating systems (as `std::env::consts::OS`) the case runs on.
    pub os: Vec<String>,
    /// Architectures (as `std::env::consts::ARCH`) the case runs on.
    pub arch: Vec<String>,
    /// What it sets up.
    pub scene: Scene,
    /// How the case differs on an operating system or architecture, keyed
    /// by its `std::env::consts` name (`[notes]` in the case file): what the
    /// trigger raises there, and why.
    pub notes: BTreeMap<String, String>,
    /// The file it was read from at run time, for a case outside the
    /// catalogue (a generated scenario); `None` for catalogue cases.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// A case file as `to_toml` writes it.
#[derive(Serialize)]
struct CaseFileOut<'a> {
    summary: &'a str,
    trigger: Trigger,
    scene: &'a Scene,
}

impl Case {
    /// The case as a case file, ready to drop into `cases/catalogue/`.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(&CaseFileOut {
            summary: &self.summary,
            trigger: self.trigger,
            scene: &self.scene,
        })
    }

    /// Reads a case file from anywhere (outside the built-in catalogue); the
    /// id is the file name without `.toml`.
    pub fn from_file(path: &Path) -> Result<Self, CatalogueError> {
        let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(path).map_err(|e| CatalogueError {
            file: id.clone(),
            message: format!("{}: {e}", path.display()),
        })?;
        let mut case = parse(&id, &text)?;
        case.file = Some(path.to_owned());
        Ok(case)
    }
}

/// A case file that is not a valid case.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cases/catalogue/{file}.toml: {message}")]
pub struct CatalogueError {
    /// The file's case id.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// The case files, `(id, contents)`, embedded by build.rs.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

static CATALOGUE: OnceLock<Result<Vec<Case>, CatalogueError>> = OnceLock::new();

/// Every case, sorted by id.
pub fn catalogue() -> Result<&'static [Case], CatalogueError> {
    CATALOGUE
        .get_or_init(|| FILES.iter().map(|(id, text)| parse(id, text)).collect())
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The case with this id.
pub fn find(id: &str) -> Result<Option<&'static Case>, CatalogueError> {
    Ok(catalogue()?.iter().find(|c| c.id == id))
}

/// Parses and checks one case file.
pub fn parse(id: &str, text: &str) -> Result<Case, CatalogueError> {
    let error = |message: String| CatalogueError { file: id.to_owned(), message };
    if id.is_empty()
        || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(error("a case id is lower-case letters, digits and `_`".into()));
    }
    let file: CaseFile = toml::from_str(text).map_err(|e| error(e.to_string()))?;
    let platforms = file.trigger.platforms();
    let linux_only = file.scene.linux_only_feature();
    let os = file.os.unwrap_or_else(|| {
        let os = platforms.os.iter().map(|s| s.to_string());
        os.filter(|os| linux_only.is_none() || os == "linux").collect()
    });
    if let (Some(feature), Some(other)) = (linux_only, os.iter().find(|o| *o != "linux")) {
        return Err(error(format!("the scene's {feature} exists on Linux only, not {other}")));
    }
    let arch = file.arch.unwrap_or_else(|| platforms.arch.iter().map(|s| s.to_string()).collect());
    if let Some(bad) = os.iter().find(|o| !platforms.os.contains(&o.as_str())) {
        return Err(error(format!("{:?} has no {bad} implementation", file.trigger)));
    }
    if let Some(bad) = arch.iter().find(|a| !platforms.arch.contains(&a.as_str())) {
        return Err(error(format!("{:?} has no {bad} implementation", file.trigger)));
    }
    if let Some(bad) = file.notes.keys().find(|k| !os.contains(k) && !arch.contains(k)) {
        return Err(error(format!("a note on {bad}, which the case does not run on")));
    }
    let scene = &file.scene;
    if scene.crashers == 0 {
        return Err(error("`crashers` must be at least 1".into()));
    }
    if scene.crashers > 1 && !matches!(scene.thread, CrashThread::Rust | CrashThread::RawPthread) {
        return Err(error("several `crashers` need `thread = \"rust\"` or \"raw_pthread\"".into()));
    }
    if file.trigger == Trigger::PluginNullWrite && !scene.dlopen {
        return Err(error("`plugin_null_write` crashes in the plugin: set `dlopen = true`".into()));
    }
    if file.trigger == Trigger::RequestDump && scene.thread != CrashThread::Main {
        return Err(error("`request_dump` runs on the main thread".into()));
    }
    if scene.fork && scene.thread != CrashThread::Main {
        return Err(error(
            "`fork` crashes the child's main thread: keep `thread = \"main\"`".into(),
        ));
    }
    Ok(Case {
        id: id.to_owned(),
        summary: file.summary,
        trigger: file.trigger,
        os,
        arch,
        scene: file.scene,
        notes: file.notes,
        file: None,
    })
}

impl Case {
    /// `Ok` when the case can run on this machine, else why not.
    pub fn runs_here(&self) -> Result<(), Elsewhere> {
        self.runs_on(std::env::consts::OS, std::env::consts::ARCH)
    }

    /// Why the case cannot run on `os` and `arch` (as `std::env::consts`
    /// spells them), if it cannot.
    pub fn runs_on(&self, os: &str, arch: &str) -> Result<(), Elsewhere> {
        if !self.os.iter().any(|o| o == os) {
            return Err(Elsewhere { runs_on: self.os.clone(), not_here: os.to_owned() });
        }
        if !self.arch.iter().any(|a| a == arch) {
            return Err(Elsewhere { runs_on: self.arch.clone(), not_here: arch.to_owned() });
        }
        Ok(())
    }
}

/// A case that runs on other systems or architectures than the one asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("runs on {} only, not {not_here}", runs_on.join(", "))]
pub struct Elsewhere {
    /// The systems (or architectures) it runs on.
    pub runs_on: Vec<String>,
    /// The one asked about.
    pub not_here: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_file_is_valid() {
        let cases = catalogue().unwrap();
        assert!(cases.len() >= 20, "{} cases", cases.len());
        for case in cases {
            assert!(!case.summary.is_empty(), "{}", case.id);
            assert_eq!(find(&case.id).unwrap().map(|c| c.id.as_str()), Some(case.id.as_str()));
        }
    }

    #[test]
    fn the_example_is_valid_and_documents_every_key() {
        let text = include_str!("../case.example.toml");
        parse("example", text).unwrap();
        let scene = serde_json::to_value(Scene::default()).unwrap();
        let scene_keys = scene.as_object().unwrap().keys().cloned();
        let top_keys = ["summary", "trigger", "os", "arch"].map(String::from);
        for key in top_keys.into_iter().chain(scene_keys) {
            assert!(
                text.contains(&format!("{key} = ")),
                "case.example.toml does not document `{key}`"
            );
        }
    }

    #[test]
    fn bad_files_are_explained() {
        let err = |text: &str| parse("bad", text).unwrap_err().to_string();
        assert!(err("summary = \"x\"").contains("trigger"));
        assert!(err("summary = \"x\"\ntrigger = \"explode\"").contains("explode"));
        assert!(err("summary = \"x\"\ntrigger = \"abort\"\nbogus = 1").contains("bogus"));
        assert!(err("summary = \"x\"\ntrigger = \"plugin_null_write\"").contains("dlopen"));
        assert!(err("summary = \"x\"\ntrigger = \"abort\"\nos = [\"macos\"]").contains("macos"));
        let forked_on_windows =
            "summary = \"x\"\ntrigger = \"abort\"\nos = [\"windows\"]\n[scene]\nfork = true";
        assert!(err(forked_on_windows).contains("fork"));
        let forked = parse("forked", "summary = \"x\"\ntrigger = \"abort\"\n[scene]\nfork = true");
        assert_eq!(forked.unwrap().os, ["linux"], "a Linux-only scene runs on Linux only");
        let plain = parse("plain", "summary = \"x\"\ntrigger = \"abort\"").unwrap();
        assert_eq!(plain.os, ["linux", "windows"]);
        let two_on_main = "summary = \"x\"\ntrigger = \"abort\"\n[scene]\ncrashers = 2";
        assert!(err(two_on_main).contains("crashers"));
        assert!(parse("Bad-Id", "summary = \"x\"\ntrigger = \"abort\"").is_err());
    }
}
