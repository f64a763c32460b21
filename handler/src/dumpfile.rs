//! Writing dumps so that a reader never sees half of one.
//!
//! A dump is assembled in memory, written to `<name>.dmp.partial` (created
//! exclusively, mode 0600), fsynced, renamed to `<name>.dmp`, and the directory
//! is fsynced. The dump directory is created with mode 0700: dumps hold secrets.

use minidump_common_writer::format::{MINIDUMP_DIRECTORY, MINIDUMP_HEADER, MINIDUMP_SIGNATURE};
use scroll_writer::{LE, Pread, Pwrite};
use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

/// Suffix of a dump that is still being written.
pub const PARTIAL_SUFFIX: &str = ".dmp.partial";

/// What can go wrong while finishing a dump.
#[derive(Debug, thiserror::Error)]
pub enum DumpFileError {
    /// The bytes are not a minidump this code can extend.
    #[error("not a minidump: {0}")]
    Malformed(String),
    /// Reading or writing the file failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// To which path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> DumpFileError + 'a {
    move |source| DumpFileError::Io { what, path: path.to_owned(), source }
}

/// Creates `dir` (and parents) if needed and makes it private (mode 0700 on
/// Unix; on Windows a new directory inherits the user's profile's ACL).
pub fn ensure_private_dir(dir: &Path) -> Result<(), DumpFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_err("creating dump directory", dir))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io_err("making dump directory private", dir))
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir).map_err(io_err("creating dump directory", dir))
    }
}

/// Appends a stream to an in-memory minidump: the stream's bytes, then a new
/// stream directory with one more entry, and points the header at it. The old
/// directory stays behind as unreferenced bytes, which the format allows.
///
/// `encode` gets the file offset the stream will start at (its RVAs are
/// absolute) and returns the stream's bytes.
pub fn append_stream<E: std::fmt::Display>(
    dump: &mut Vec<u8>,
    stream_type: u32,
    encode: impl FnOnce(u32) -> Result<Vec<u8>, E>,
) -> Result<(), DumpFileError> {
    let malformed = |what: String| DumpFileError::Malformed(what);
    let mut header: MINIDUMP_HEADER =
        dump.pread_with(0, LE).map_err(|e| malformed(format!("header: {e}")))?;
    if header.signature != MINIDUMP_SIGNATURE {
        return Err(malformed(format!("signature {:#x}", header.signature)));
    }
    let mut directory = Vec::with_capacity(header.stream_count as usize + 1);
    let mut offset = header.stream_directory_rva as usize;
    for _ in 0..header.stream_count {
        let entry: MINIDUMP_DIRECTORY = dump
            .gread_with(&mut offset, LE)
            .map_err(|e| malformed(format!("stream directory: {e}")))?;
        directory.push(entry);
    }

    let align = |dump: &mut Vec<u8>| dump.resize(dump.len().next_multiple_of(8), 0);
    align(dump);
    let rva = rva_at(dump.len())?;
    let stream = encode(rva).map_err(|e| malformed(format!("encoding stream: {e}")))?;
    directory.push(MINIDUMP_DIRECTORY {
        stream_type,
        location: minidump_common_writer::format::MINIDUMP_LOCATION_DESCRIPTOR {
            data_size: u32::try_from(stream.len())
                .map_err(|_| malformed("stream over 4 GiB".into()))?,
            rva,
        },
    });
    dump.extend_from_slice(&stream);
    align(dump);

    let directory_rva = rva_at(dump.len())?;
    let mut entries = vec![0u8; directory.len() * 12];
    let mut offset = 0;
    for entry in directory {
        entries
            .gwrite_with(entry, &mut offset, LE)
            .map_err(|e| malformed(format!("writing directory: {e}")))?;
    }
    dump.extend_from_slice(&entries);
    header.stream_count += 1;
    header.stream_directory_rva = directory_rva;
    dump.pwrite_with(header, 0, LE).map_err(|e| malformed(format!("writing header: {e}")))?;
    Ok(())
}

/// The bytes of the first stream of `stream_type`, to edit in place.
pub fn stream_mut(dump: &mut [u8], stream_type: u32) -> Option<&mut [u8]> {
    let header: MINIDUMP_HEADER = dump.pread_with(0, LE).ok()?;
    let entry = (0..header.stream_count as usize).find_map(|i| {
        let at = header.stream_directory_rva as usize + i * 12;
        let entry: MINIDUMP_DIRECTORY = dump.pread_with(at, LE).ok()?;
        (entry.stream_type == stream_type).then_some(entry)
    })?;
    let start = entry.location.rva as usize;
    dump.get_mut(start..start.checked_add(entry.location.data_size as usize)?)
}

/// Marks every directory entry of `stream_type` unused (type 0): readers
/// then skip the stream as if it had never been written.
pub fn unlist_stream(dump: &mut [u8], stream_type: u32) {
    let Ok(header) = dump.pread_with::<MINIDUMP_HEADER>(0, LE) else { return };
    for i in 0..header.stream_count as usize {
        let at = header.stream_directory_rva as usize + i * 12;
        if dump.pread_with::<u32>(at, LE).is_ok_and(|t| t == stream_type) {
            let _ = dump.pwrite_with(0u32, at, LE);
        }
    }
}

fn rva_at(len: usize) -> Result<u32, DumpFileError> {
    u32::try_from(len).map_err(|_| DumpFileError::Malformed("dump over 4 GiB".into()))
}

/// Writes `bytes` as `<dir>/<name>.dmp` so that the `.dmp` name only ever
/// names a complete, synced file. `before_publish` runs between the synced
/// partial file and the rename (fault tests stall there). Returns the final
/// path.
pub fn write_atomically(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    before_publish: impl FnOnce(),
) -> Result<PathBuf, DumpFileError> {
    let partial = dir.join(format!("{name}{PARTIAL_SUFFIX}"));
    let fin = dir.join(format!("{name}.dmp"));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&partial).map_err(io_err("creating", &partial))?;
        file.write_all(bytes).map_err(io_err("writing", &partial))?;
        file.sync_all().map_err(io_err("syncing", &partial))?;
        // Closed before it takes its final name: nothing writes to a `.dmp`.
        drop(file);
        before_publish();
        fs::rename(&partial, &fin).map_err(io_err("renaming", &partial))?;
        sync_directory(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result.map(|()| fin)
}

/// Makes a rename in `dir` durable: fsync of the directory.
#[cfg(unix)]
fn sync_directory(dir: &Path) -> Result<(), DumpFileError> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_err("syncing directory", dir))
}

/// Windows cannot open a directory as a file to sync it; NTFS journals the
/// rename.
#[cfg(not(unix))]
fn sync_directory(_dir: &Path) -> Result<(), DumpFileError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appended_stream_can_be_edited_in_place() {
        let mut dump = vec![0u8; 32];
        let header = MINIDUMP_HEADER {
            signature: MINIDUMP_SIGNATURE,
            version: 0xa793,
            stream_count: 0,
            stream_directory_rva: 32,
            checksum: 0,
            time_date_stamp: 0,
            flags: 0,
        };
        dump.pwrite_with(header, 0, LE).expect("header");
        append_stream(&mut dump, 0x4767_0001, |_| Ok::<_, String>(vec![1, 2, 3])).expect("append");
        let stream = stream_mut(&mut dump, 0x4767_0001).expect("found");
        assert_eq!(stream, [1, 2, 3]);
        stream[0] = 9;
        assert_eq!(stream_mut(&mut dump, 0x4767_0001).expect("found")[0], 9);
        assert!(stream_mut(&mut dump, 0x1234).is_none());
    }

    #[test]
    fn append_stream_rejects_non_dumps() {
        let mut junk = vec![0u8; 64];
        let err = append_stream(&mut junk, 0x1234, |_| Ok::<_, String>(vec![1])).unwrap_err();
        assert!(err.to_string().contains("signature"), "{err}");
        let mut short = vec![0u8; 4];
        assert!(append_stream(&mut short, 0x1234, |_| Ok::<_, String>(vec![])).is_err());
    }

    #[test]
    fn written_dump_is_private_and_leaves_no_partial() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("dumps");
        ensure_private_dir(&dir).expect("dir");
        let path = write_atomically(&dir, "x", b"MDMP", || ()).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&dir).expect("meta").permissions().mode() & 0o777, 0o700);
            assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        assert!(path.ends_with("x.dmp"));
        let names: Vec<_> =
            fs::read_dir(&dir).expect("read_dir").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.dmp")]);
    }
}
