//! The client's transport on Windows: the monitor's named pipe, in message
//! mode, one frame a message.

use crate::{CONNECT_DEADLINE, TransportError, crash_path, error::PipeError, wire};
use minidump_writer::crash_context::CrashContext;
use std::{
    fs::File,
    io::{Read, Write},
    os::windows::io::AsRawHandle,
    path::Path,
    time::Instant,
};
use windows_sys::Win32::{
    Foundation::ERROR_PIPE_BUSY,
    System::Pipes::{PIPE_READMODE_MESSAGE, SetNamedPipeHandleState},
};

/// The client's end of the pipe.
pub(super) struct Transport(File);

impl Transport {
    /// Opens the pipe `name`, waiting up to [`CONNECT_DEADLINE`] while every
    /// instance is busy, and reads it by message.
    pub(super) fn connect(name: &Path) -> Result<Self, TransportError> {
        let started = Instant::now();
        let pipe = loop {
            match File::options().read(true).write(true).open(name) {
                Ok(pipe) => break pipe,
                Err(e)
                    if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32)
                        && started.elapsed() < CONNECT_DEADLINE =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(e.into()),
            }
        };
        let mode = PIPE_READMODE_MESSAGE;
        #[expect(unsafe_code)]
        // SAFETY: the handle is the pipe just opened; only the mode is set.
        let set = unsafe {
            SetNamedPipeHandleState(pipe.as_raw_handle(), &mode, std::ptr::null(), std::ptr::null())
                != 0
        };
        if !set {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(Self(pipe))
    }

    /// Asks the monitor to answer.
    pub(super) fn ping(&self) -> Result<(), TransportError> {
        self.exchange(&wire::Header { kind: wire::PING, size: 0 }.to_bytes(), wire::PONG)
    }

    /// Sends a user message of `kind`.
    pub(super) fn send_message(&self, kind: u32, payload: &[u8]) -> Result<(), TransportError> {
        let size = u32::try_from(payload.len()).map_err(|_| PipeError::TooLarge)?;
        let mut frame = wire::Header { kind: wire::USER + kind, size }.to_bytes().to_vec();
        frame.extend_from_slice(payload);
        (&self.0).write_all(&frame)?;
        Ok(())
    }

    /// Sends a dump request for the exception `context` points at, and
    /// waits for the answer. Allocates nothing: it runs in the exception
    /// filter of a crashed process.
    pub(super) fn request_dump(&self, context: &CrashContext) -> Result<(), TransportError> {
        let request = wire::WindowsRequest {
            process_id: context.process_id,
            thread_id: context.thread_id,
            exception_code: context.exception_code as u32,
            exception_pointers: context.exception_pointers as usize as u64,
        };
        let mut frame = [0u8; wire::HEADER_LEN + wire::WindowsRequest::LEN];
        let header = wire::Header { kind: wire::CRASH, size: wire::WindowsRequest::LEN as u32 };
        frame[..wire::HEADER_LEN].copy_from_slice(&header.to_bytes());
        frame[wire::HEADER_LEN..].copy_from_slice(&request.to_bytes());
        self.exchange(&frame, wire::CRASH_ACK)
    }

    /// Asks for a dump of this process blaming the calling thread, with the
    /// exception a request makes up.
    pub(super) fn dump_now(&self) -> Result<(), TransportError> {
        crash_path::with_requested_exception(|context| self.request_dump(context))
    }

    /// Sends `frame` and waits for an answer of kind `expected`. The pipe
    /// breaking (the monitor gone) ends the wait.
    fn exchange(&self, frame: &[u8], expected: u32) -> Result<(), TransportError> {
        (&self.0).write_all(frame)?;
        let mut answer = [0u8; 64];
        let len = (&self.0).read(&mut answer)?;
        match wire::Header::parse(&answer[..len]) {
            Some((header, _)) if header.kind == expected => Ok(()),
            Some((header, _)) if header.kind == wire::CRASH_NACK => Err(PipeError::Refused),
            Some((header, _)) => Err(PipeError::Unexpected(header.kind)),
            None if len == 0 => Err(PipeError::Closed),
            None => Err(PipeError::Unexpected(u32::MAX)),
        }
    }
}
