//! The emulated machine's root file system: a newc cpio archive the kernel
//! unpacks into memory at boot.

use std::{
    collections::BTreeMap,
    io::{self, Write},
    path::{Path, PathBuf},
};

/// One entry, by its path in the guest.
enum Entry {
    Dir,
    File { source: Source, mode: u32 },
    Symlink(String),
}

enum Source {
    Host(PathBuf),
    Bytes(Vec<u8>),
}

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

/// An archive being put together: every file's parent directories are
/// added with it, and the archive lists parents before their children.
#[derive(Default)]
pub struct Initramfs {
    entries: BTreeMap<String, Entry>,
}

impl Initramfs {
    /// The host file at `host`, at `guest` with the host file's permissions.
    /// A symbolic link is copied as a link, and what it points to as well.
    pub fn host_file(&mut self, guest: &Path, host: &Path) -> io::Result<()> {
        let metadata = std::fs::symlink_metadata(host)?;
        if metadata.file_type().is_symlink() {
            let target = std::fs::read_link(host)?;
            self.symlink(guest, &target.to_string_lossy());
            let resolved = host.parent().unwrap_or(Path::new("/")).join(&target);
            let resolved_guest = guest.parent().unwrap_or(Path::new("/")).join(&target);
            return self.host_file(&resolved_guest, &resolved);
        }
        let mode = mode_of(&metadata);
        self.add(guest, Entry::File { source: Source::Host(host.to_owned()), mode });
        Ok(())
    }

    /// A file at `guest` holding `bytes`.
    pub fn bytes(&mut self, guest: &Path, bytes: impl Into<Vec<u8>>, mode: u32) {
        self.add(guest, Entry::File { source: Source::Bytes(bytes.into()), mode });
    }

    /// A symbolic link at `guest` to `target`.
    pub fn symlink(&mut self, guest: &Path, target: &str) {
        self.add(guest, Entry::Symlink(target.to_owned()));
    }

    /// An empty directory at `guest`.
    pub fn dir(&mut self, guest: &Path) {
        self.add(guest, Entry::Dir);
    }

    fn add(&mut self, guest: &Path, entry: Entry) {
        for parent in guest.ancestors().skip(1) {
            if let Some(key) = key(parent) {
                self.entries.entry(key).or_insert(Entry::Dir);
            }
        }
        if let Some(key) = key(guest) {
            self.entries.insert(key, entry);
        }
    }

    /// Writes the archive.
    pub fn write(&self, mut out: impl Write) -> io::Result<()> {
        for (ino, (name, entry)) in self.entries.iter().enumerate() {
            let header =
                |mode: u32| cpio::newc::Builder::new(name).ino(ino as u32 + 1).mode(mode).nlink(1);
            let size = |len: u64| {
                u32::try_from(len).map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidInput, format!("{name}: too big for cpio"))
                })
            };
            out = match entry {
                Entry::Dir => header(S_IFDIR | 0o755).write(out, 0).finish()?,
                Entry::Symlink(target) => {
                    let mut writer = header(S_IFLNK | 0o777).write(out, size(target.len() as u64)?);
                    writer.write_all(target.as_bytes())?;
                    writer.finish()?
                }
                Entry::File { source: Source::Bytes(bytes), mode } => {
                    let mut writer = header(S_IFREG | mode).write(out, size(bytes.len() as u64)?);
                    writer.write_all(bytes)?;
                    writer.finish()?
                }
                Entry::File { source: Source::Host(path), mode } => {
                    let mut file = std::fs::File::open(path)?;
                    let len = file.metadata()?.len();
                    let mut writer = header(S_IFREG | mode).write(out, size(len)?);
                    io::copy(&mut file, &mut writer)?;
                    writer.finish()?
                }
            };
        }
        cpio::newc::trailer(out)?;
        Ok(())
    }
}

/// The archive's name for a guest path: relative, no leading `/`.
fn key(guest: &Path) -> Option<String> {
    let relative = guest.strip_prefix("/").unwrap_or(guest).to_string_lossy().into_owned();
    (!relative.is_empty()).then_some(relative)
}

/// A host file's permission bits, for the guest. Only a Unix host has them;
/// elsewhere every file is executable by its owner and readable by all.
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    return std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o7777;
    #[cfg(not(unix))]
    return if metadata.permissions().readonly() { 0o555 } else { 0o755 };
}

// The test builds its fixture with Unix modes and a symlink.
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn lists_parents_first_and_round_trips() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("lib.so.1.2");
        std::fs::write(&host, b"elf").unwrap();
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink("lib.so.1.2", dir.path().join("lib.so.1")).unwrap();
        let mut archive = Initramfs::default();
        archive.host_file(Path::new("/usr/lib/lib.so.1"), &dir.path().join("lib.so.1")).unwrap();
        archive.bytes(Path::new("/init"), "#!/bin/sh\n", 0o755);
        archive.symlink(Path::new("/lib/arch"), "/usr/lib");
        let mut bytes = Vec::new();
        archive.write(&mut bytes).unwrap();

        let mut seen = Vec::new();
        let mut rest = bytes.as_slice();
        loop {
            let mut reader = cpio::NewcReader::new(rest).unwrap();
            let entry = reader.entry();
            if entry.is_trailer() {
                break;
            }
            let (name, mode) = (entry.name().to_owned(), entry.mode());
            let mut contents = String::new();
            reader.read_to_string(&mut contents).unwrap();
            seen.push(format!("{name} {mode:o} {contents}"));
            rest = reader.finish().unwrap();
        }
        assert_eq!(
            seen,
            [
                "init 100755 #!/bin/sh\n",
                "lib 40755 ",
                "lib/arch 120777 /usr/lib",
                "usr 40755 ",
                "usr/lib 40755 ",
                "usr/lib/lib.so.1 120777 lib.so.1.2",
                "usr/lib/lib.so.1.2 100644 elf",
            ]
        );
    }
}
