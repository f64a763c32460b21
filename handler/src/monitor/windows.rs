//! The monitor on Windows: a message-mode named pipe whose client the system
//! names (`GetNamedPipeClientProcessId`), and the system's `MiniDumpWriteDump`
//! reading the exception from the client's memory.
//!
//! The pipe is made with the default security descriptor (full access for
//! its owner, the system and administrators, read access for others: only
//! the owner's processes can send) and refuses remote clients.

use super::Received;
use crate::{error::WriteError, wire::WindowsRequest, writer};
use crashsuite_cases::trigger::WINDOWS_DUMP_REQUESTED;
use minidump_writer::crash_context::CrashContext;
use std::{
    collections::BTreeMap,
    fs::File,
    io::Read,
    io::Write,
    os::windows::{ffi::OsStrExt, io::AsRawHandle, io::FromRawHandle},
    path::Path,
};
use windows_sys::Win32::{
    Foundation::{CloseHandle, ERROR_MORE_DATA, ERROR_PIPE_CONNECTED, INVALID_HANDLE_VALUE},
    Storage::FileSystem::{FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_ACCESS_DUPLEX},
    System::{
        Pipes::{
            ConnectNamedPipe, CreateNamedPipeW, GetNamedPipeClientProcessId, PIPE_READMODE_MESSAGE,
            PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_MESSAGE, PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
        },
        Threading::{GetProcessIdOfThread, OpenThread, THREAD_QUERY_LIMITED_INFORMATION},
    },
};

/// The pipe, with the instance the next client connects to.
pub(super) struct Listener {
    /// The pipe's name, NUL-terminated UTF-16.
    name: Vec<u16>,
    next: File,
}

/// One client's instance of the pipe.
pub(super) struct Connection(File);

impl Listener {
    /// Makes the pipe `name` (`\\.\pipe\...`); fails if a pipe of that name
    /// exists already (another monitor's).
    pub(super) fn bind(name: &Path) -> std::io::Result<Self> {
        if !name.to_string_lossy().starts_with(r"\\.\pipe\") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                r"a monitor's name on Windows is a pipe name, \\.\pipe\...",
            ));
        }
        let name: Vec<u16> = name.as_os_str().encode_wide().chain([0]).collect();
        let next = instance(&name, true)?;
        Ok(Self { name, next })
    }

    /// Waits for the next client, then makes the instance for the one after.
    pub(super) fn accept(&mut self) -> std::io::Result<Connection> {
        #[expect(unsafe_code)]
        // SAFETY: the handle is a pipe instance this listener owns; no
        // OVERLAPPED structure, so the call waits.
        let connected =
            unsafe { ConnectNamedPipe(self.next.as_raw_handle(), std::ptr::null_mut()) != 0 };
        let error = std::io::Error::last_os_error();
        // A client that connected between the instance's creation and the
        // call is connected all the same.
        if !connected && error.raw_os_error() != Some(ERROR_PIPE_CONNECTED as i32) {
            // The instance may be broken: replace it.
            self.next = instance(&self.name, false)?;
            return Err(error);
        }
        let next = instance(&self.name, false)?;
        Ok(Connection(std::mem::replace(&mut self.next, next)))
    }
}

/// A new instance of the pipe `name` (NUL-terminated UTF-16), the first one
/// when `first`.
fn instance(name: &[u16], first: bool) -> std::io::Result<File> {
    let open_mode = PIPE_ACCESS_DUPLEX | if first { FILE_FLAG_FIRST_PIPE_INSTANCE } else { 0 };
    let pipe_mode =
        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
    let buffer = crate::wire::MAX_PACKET as u32;
    #[expect(unsafe_code)]
    // SAFETY: `name` is NUL-terminated; a null security attributes pointer
    // asks for the default descriptor.
    let handle = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            open_mode,
            pipe_mode,
            PIPE_UNLIMITED_INSTANCES,
            buffer,
            buffer,
            0,
            std::ptr::null(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(std::io::Error::last_os_error());
    }
    #[expect(unsafe_code)]
    // SAFETY: the handle is valid and owned by nothing else; the file closes it.
    Ok(unsafe { File::from_raw_handle(handle) })
}

impl Connection {
    /// The client's process id, as the system recorded it at connection.
    pub(super) fn peer_pid(&self) -> Option<u32> {
        let mut pid = 0u32;
        #[expect(unsafe_code)]
        // SAFETY: the handle is a connected pipe instance; `pid` is written.
        let known = unsafe { GetNamedPipeClientProcessId(self.0.as_raw_handle(), &mut pid) != 0 };
        (known && pid != 0).then_some(pid)
    }

    /// Receives one message into `buf`.
    pub(super) fn recv(&self, buf: &mut [u8]) -> std::io::Result<Received> {
        // std reads a broken pipe (the client gone) as the end: 0 bytes.
        match (&self.0).read(buf) {
            Ok(0) => Ok(Received::Closed),
            Ok(len) => Ok(Received::Packet(len)),
            Err(e) if e.raw_os_error() == Some(ERROR_MORE_DATA as i32) => Ok(Received::Truncated),
            Err(e) => Err(e),
        }
    }

    /// Sends one message.
    pub(super) fn send(&self, packet: &[u8]) -> std::io::Result<()> {
        (&self.0).write_all(packet)
    }
}

/// A dump request the monitor will serve: the sender's own exception, in
/// its memory.
pub(super) struct Request {
    context: CrashContext,
}

impl Request {
    /// Checks a request from `peer`: the payload is a [`WindowsRequest`] of
    /// `peer` itself, blaming one of its threads, with exception pointers.
    /// Otherwise says why not.
    pub(super) fn check(peer: u32, payload: &[u8]) -> Result<Self, String> {
        let request = WindowsRequest::parse(payload)
            .ok_or_else(|| format!("dump request of {} bytes", payload.len()))?;
        super::check_sender(peer, request.process_id, request.thread_id, || {
            thread_owner(request.thread_id) == Some(peer)
        })?;
        if request.exception_pointers == 0 {
            return Err("no exception pointers".into());
        }
        Ok(Self {
            context: CrashContext {
                exception_pointers: request.exception_pointers as usize as *const _,
                process_id: request.process_id,
                thread_id: request.thread_id,
                exception_code: request.exception_code as i32,
            },
        })
    }

    /// The thread blamed.
    pub(super) fn tid(&self) -> u32 {
        self.context.thread_id
    }

    /// True for a dump on request: Crashpad's exception code for it.
    pub(super) fn requested(&self) -> bool {
        self.context.exception_code as u32 == WINDOWS_DUMP_REQUESTED
    }

    /// Writes the dump (see [`writer::write_crash_dump`]); the client waits
    /// for the answer, so its exception pointers stay valid.
    pub(super) fn write(
        self,
        dir: &Path,
        name: &str,
        notes: &BTreeMap<String, String>,
        edit: impl FnOnce(&mut Vec<u8>),
        before_publish: impl FnOnce(),
    ) -> Result<writer::Published, WriteError> {
        writer::write_crash_dump(dir, name, &self.context, notes, edit, before_publish)
    }
}

/// The process a thread belongs to, if the thread exists.
fn thread_owner(tid: u32) -> Option<u32> {
    #[expect(unsafe_code)]
    // SAFETY: OpenThread returns a handle or null; a handle is closed once read.
    unsafe {
        let thread = OpenThread(THREAD_QUERY_LIMITED_INFORMATION, 0, tid);
        if thread.is_null() {
            return None;
        }
        let pid = GetProcessIdOfThread(thread);
        CloseHandle(thread);
        (pid != 0).then_some(pid)
    }
}
