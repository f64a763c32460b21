//! Frame names already looked up, memoised by module build id: in memory for
//! the life of the process and on disk between processes.
//!
//! Naming a frame from DWARF is most of what grading a dump costs (the line
//! programs of the units it touches are parsed), and every trial of a
//! build names the same few dozen addresses. A build id fixes a file's
//! bytes, so the name at a file address never changes: each build's names
//! are kept in `<cache>/names-v1/<build id>.json` ([`crashsuite_data::cache_dir`]). Nextest runs every trial in its own process; they
//! share this. A cache that cannot be read or written is only slower.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::PathBuf,
    sync::Mutex,
};

/// Names by file address (hex), `None` where the file has no name.
type Names = BTreeMap<String, Option<String>>;

/// What this process knows.
#[derive(Default)]
struct Memory {
    /// Build id (hex) → its names, loaded from disk on first use.
    names: HashMap<String, Names>,
    /// Build ids with names not yet on disk.
    unsaved: BTreeSet<String>,
}

static MEMORY: Mutex<Option<Memory>> = Mutex::new(None);

fn memory() -> std::sync::MutexGuard<'static, Option<Memory>> {
    MEMORY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where the names of `build_id` are kept, if there is a cache directory.
fn file(build_id: &str) -> Option<PathBuf> {
    Some(crashsuite_data::cache_dir()?.join("names-v1").join(format!("{build_id}.json")))
}

/// The name at `address` in the file with `build_id`, computed by `look_up`
/// only if no process has looked it up before. New names reach the disk with
/// [`save_new`].
pub fn name(
    build_id: &str,
    address: u64,
    look_up: impl FnOnce() -> Option<String>,
) -> Option<String> {
    let key = format!("{address:x}");
    {
        let mut memory = memory();
        let names = memory
            .get_or_insert_with(Memory::default)
            .names
            .entry(build_id.to_owned())
            .or_insert_with(|| file(build_id).map(|path| load(&path)).unwrap_or_default());
        if let Some(found) = names.get(&key) {
            return found.clone();
        }
    }
    // DWARF is read without the lock, so other trials go on meanwhile.
    let found = look_up();
    let mut memory = memory();
    let memory = memory.get_or_insert_with(Memory::default);
    memory.names.entry(build_id.to_owned()).or_default().insert(key, found.clone());
    memory.unsaved.insert(build_id.to_owned());
    found
}

/// Writes the names learnt since the last call to disk, one file per build
/// id (once per dump, not once per name).
pub fn save_new() {
    let pending: Vec<(String, Names)> = {
        let mut memory = memory();
        let Some(memory) = memory.as_mut() else { return };
        let unsaved = std::mem::take(&mut memory.unsaved);
        unsaved
            .into_iter()
            .filter_map(|id| Some((id.clone(), memory.names.get(&id)?.clone())))
            .collect()
    };
    for (build_id, names) in pending {
        if let Some(path) = file(&build_id) {
            save(&path, &names);
        }
    }
}

/// The names saved at `path`; none when it is missing or unreadable.
fn load(path: &std::path::Path) -> Names {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes `names` whole, by rename, so a reader never sees half a file; two
/// processes saving at once lose only entries the loser will find again.
fn save(path: &std::path::Path, names: &Names) {
    let Some(dir) = path.parent() else { return };
    let Ok(json) = serde_json::to_vec(names) else { return };
    let _ = std::fs::create_dir_all(dir);
    if let Ok(mut temp) = tempfile::NamedTempFile::new_in(dir)
        && std::io::Write::write_all(&mut temp, &json).is_ok()
    {
        let _ = temp.persist(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_looked_up_once_and_survives_on_disk() {
        let build_id = format!("test-{}", std::process::id());
        let first = name(&build_id, 0x1234, || Some("crashsuite_write_null".into()));
        let again = name(&build_id, 0x1234, || panic!("looked up twice"));
        assert_eq!(
            (first.as_deref(), again.as_deref()),
            (Some("crashsuite_write_null"), Some("crashsuite_write_null"))
        );
        assert_eq!(name(&build_id, 0x99, || None), None);
        assert_eq!(name(&build_id, 0x99, || panic!("looked up twice")), None);
        if let Some(path) = file(&build_id) {
            let _ = std::fs::remove_file(&path);
        }

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("names-v1/abc.json");
        let names: Names = [("1234".into(), Some("f".into())), ("99".into(), None)].into();
        save(&path, &names);
        assert_eq!(load(&path), names);
        std::fs::write(&path, b"{ not json").expect("write");
        assert_eq!(load(&path), Names::new(), "a damaged cache is an empty one");
    }
}
