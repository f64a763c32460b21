use {
    super::*,
    crate::mem_writer::MemoryWriter,
    rustix::fs::{AtFlags, Mode, OFlags, RawDir},
    std::{
        ffi::{CStr, OsStr},
        mem::{self, MaybeUninit},
        os::{fd::AsFd, unix::ffi::OsStrExt},
    },
};

/// The process's descriptor `handle`, named `name` in `fds`, its
/// `/proc/<pid>/fd` directory (crashsuite patch: see PATCH.md; upstream looked
/// each one up from `/`).
fn describe_descriptor(
    fds: impl AsFd,
    buffer: &mut DumpBuf,
    handle: u64,
    name: &CStr,
) -> Option<MDRawHandleDescriptor> {
    let realpath = rustix::fs::readlinkat(&fds, name, Vec::new()).ok()?;
    let path_rva = write_string_to_location(buffer, &realpath.to_string_lossy()).ok()?;
    let stat = rustix::fs::statat(&fds, name, AtFlags::empty()).ok()?;

    // TODO: We store the contents of `st_mode` into the `attributes` field, but
    // we could also store a human-readable string of the file type inside
    // `type_name_rva`. We might move this missing information (and
    // more) inside a custom `MINIDUMP_HANDLE_OBJECT_INFORMATION_TYPE` blob.
    // That would make this conversion loss-less.
    Some(MDRawHandleDescriptor {
        handle,
        type_name_rva: 0,
        object_name_rva: path_rva.rva,
        attributes: stat.st_mode,
        granted_access: 0,
        handle_count: 0,
        pointer_count: 0,
    })
}

fn filename_to_fd(filename: &OsStr) -> Option<u64> {
    let filename = filename.to_string_lossy();
    filename.parse::<u64>().ok()
}

#[derive(Debug, Error, serde::Serialize)]
pub enum SectionHandleDataStreamError {
    #[error("Failed to access file")]
    IOError(
        #[from]
        #[serde(serialize_with = "serialize_io_error")]
        std::io::Error,
    ),
    #[error("failed to read /proc/<pid>/fd directory")]
    ReadDirFailed(
        #[source]
        #[serde(serialize_with = "serialize_io_error")]
        std::io::Error,
    ),
    #[error("Failed to write to memory")]
    MemoryWriterError(#[from] MemoryWriterError),
    #[error("Failed integer conversion")]
    TryFromIntError(
        #[from]
        #[serde(skip)]
        std::num::TryFromIntError,
    ),
}

impl MinidumpWriter {
    /// Writes the handle list. With a [`MinidumpWriter::handle_limit`] that
    /// the open descriptors exceed, it holds the lowest numbered ones and
    /// the second value says how many it holds, and how many were open if
    /// the system says (crashsuite patch: see PATCH.md).
    #[allow(clippy::type_complexity)]
    pub fn write_handle_data_stream(
        &mut self,
        buffer: &mut DumpBuf,
    ) -> Result<(MDRawDirectory, Option<(usize, Option<usize>)>), SectionHandleDataStreamError>
    {
        let proc_fd_path = format!("/proc/{}/fd", self.process_id);
        let fds = rustix::fs::open(
            &proc_fd_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| SectionHandleDataStreamError::ReadDirFailed(e.into()))?;
        let limit = self.handle_limit.unwrap_or(usize::MAX);
        // procfs builds an inode for every entry it lists in one call (some
        // 3 µs each), so the listing buffer holds just the entries the list
        // may take, "." and "..", and one more to tell whether more are open:
        // 24 bytes each for names of up to four digits (a longer name takes
        // 32, and the listing then goes on in a second call). /proc/<pid>/fd
        // lists descriptors in ascending order.
        let mut listing = vec![
            MaybeUninit::uninit();
            limit
                .saturating_add(3)
                .saturating_mul(24)
                .clamp(1 << 10, 32 << 10)
        ];
        let mut entries = RawDir::new(fds.as_fd(), &mut listing);
        let mut descriptors = Vec::new();
        let mut more = false;
        while let Some(entry) = entries.next() {
            let entry = entry.map_err(|e| SectionHandleDataStreamError::ReadDirFailed(e.into()))?;
            let name = entry.file_name();
            let Some(handle) = filename_to_fd(OsStr::from_bytes(name.to_bytes())) else {
                continue;
            };
            if descriptors.len() == limit {
                more = true;
                break;
            }
            descriptors.extend(describe_descriptor(&fds, buffer, handle, name));
        }
        // Counting the rest by listing them would cost as much as describing
        // them: since Linux 6.2 the directory's size is the number of open
        // descriptors.
        let truncated = more.then(|| {
            let open = rustix::fs::fstat(&fds).ok();
            let open = open
                .and_then(|stat| usize::try_from(stat.st_size).ok())
                .filter(|&n| n > 0);
            (descriptors.len(), open)
        });
        let number_of_descriptors = descriptors.len() as u32;

        let stream_header = MemoryWriter::<MDRawHandleDataStream>::alloc_with_val(
            buffer,
            MDRawHandleDataStream {
                size_of_header: mem::size_of::<MDRawHandleDataStream>() as u32,
                size_of_descriptor: mem::size_of::<MDRawHandleDescriptor>() as u32,
                number_of_descriptors,
                reserved: 0,
            },
        )?;

        let mut dirent = MDRawDirectory {
            stream_type: MDStreamType::HandleDataStream as u32,
            location: stream_header.location(),
        };

        let descriptor_list =
            MemoryArrayWriter::<MDRawHandleDescriptor>::alloc_from_iter(buffer, descriptors)?;

        dirent.location.data_size += descriptor_list.location().data_size;
        Ok((dirent, truncated))
    }
}
