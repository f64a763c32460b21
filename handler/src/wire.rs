//! The message layout between a client and the monitor, on every system.
//!
//! Each message is `minidumper` 0.11's frame: a native-endian
//! `{ kind: u32, size: u32 }` header followed by `size` bytes, one frame a
//! packet of the transport (a Unix `SOCK_SEQPACKET` socket on Linux, a
//! message-mode named pipe on Windows). On Linux the client side is
//! `minidumper::Client` itself; the monitor speaks the same frames (see
//! [`crate::monitor`] for why it does not use `minidumper::Server`). User
//! messages carry `USER + kind`, where `kind` is one of the [`UserKind`]
//! values below.
//!
//! A dump request's payload is the system's crash context: on Linux
//! crash-context's `CrashContext` as bytes, on Windows a [`WindowsRequest`].

/// A crash (or on-demand) dump request; the payload is a `CrashContext`.
pub const CRASH: u32 = 0;
/// The monitor's answer once the dump for a request is final on disk.
pub const CRASH_ACK: u32 = 1;
/// A keep-alive request from the client.
pub const PING: u32 = 2;
/// The monitor's answer to [`PING`].
pub const PONG: u32 = 3;
/// The first kind number of user messages.
pub const USER: u32 = 4;
/// The monitor's answer to a dump request it will not serve: the request named
/// another process than the sender's, or the dump could not be written.
/// `minidumper::Client::request_dump` reports it as a protocol error.
pub const CRASH_NACK: u32 = 0xDEAD;
/// Size of the frame header.
pub const HEADER_LEN: usize = 8;
/// Largest packet the monitor accepts; larger ones end the connection.
pub const MAX_PACKET: usize = 64 * 1024;

/// The user messages the reference client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum UserKind {
    /// An annotation: `key`, a NUL byte, then `value` (both UTF-8).
    Annotation = 1,
    /// A breadcrumb: UTF-8 text. The monitor keeps the most recent ones.
    Breadcrumb = 2,
}

impl UserKind {
    /// Maps a user kind number (without the [`USER`] offset) to a kind.
    pub fn from_u32(kind: u32) -> Option<Self> {
        match kind {
            1 => Some(Self::Annotation),
            2 => Some(Self::Breadcrumb),
            _ => None,
        }
    }
}

/// A frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Message kind.
    pub kind: u32,
    /// Payload length in bytes.
    pub size: u32,
}

impl Header {
    /// Encodes the header as it goes on the wire.
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..4].copy_from_slice(&self.kind.to_ne_bytes());
        out[4..].copy_from_slice(&self.size.to_ne_bytes());
        out
    }

    /// Splits a packet into its header and payload, or `None` if the packet is
    /// shorter than a header or its declared size disagrees with its length.
    pub fn parse(packet: &[u8]) -> Option<(Self, &[u8])> {
        let (head, payload) = packet.split_first_chunk::<HEADER_LEN>()?;
        let kind = u32::from_ne_bytes(head[..4].try_into().ok()?);
        let size = u32::from_ne_bytes(head[4..].try_into().ok()?);
        (size as usize == payload.len()).then_some((Self { kind, size }, payload))
    }
}

/// Encodes an annotation payload.
pub fn encode_annotation(key: &str, value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 1 + value.len());
    out.extend_from_slice(key.as_bytes());
    out.push(0);
    out.extend_from_slice(value.as_bytes());
    out
}

/// Decodes an annotation payload, or `None` if it is not `key NUL value` in UTF-8.
pub fn decode_annotation(payload: &[u8]) -> Option<(String, String)> {
    let nul = payload.iter().position(|&b| b == 0)?;
    let key = std::str::from_utf8(&payload[..nul]).ok()?;
    let value = std::str::from_utf8(&payload[nul + 1..]).ok()?;
    (!key.is_empty()).then(|| (key.to_owned(), value.to_owned()))
}

/// A dump request on Windows: what the crashing (or requesting) thread
/// knows, the exception pointers being an address in its own process, which
/// the monitor has the system's writer read from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsRequest {
    /// The process to dump, which must be the sender.
    pub process_id: u32,
    /// The thread blamed.
    pub thread_id: u32,
    /// The exception code (Crashpad's "dump requested" code for a dump on
    /// request).
    pub exception_code: u32,
    /// The address of the `EXCEPTION_POINTERS` in the sender.
    pub exception_pointers: u64,
}

impl WindowsRequest {
    /// Its size on the wire.
    pub const LEN: usize = 20;

    /// Encodes the request (native-endian, packed).
    pub fn to_bytes(self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[..4].copy_from_slice(&self.process_id.to_ne_bytes());
        out[4..8].copy_from_slice(&self.thread_id.to_ne_bytes());
        out[8..12].copy_from_slice(&self.exception_code.to_ne_bytes());
        out[12..].copy_from_slice(&self.exception_pointers.to_ne_bytes());
        out
    }

    /// Decodes a request, or `None` if the payload is not one.
    pub fn parse(payload: &[u8]) -> Option<Self> {
        let bytes: &[u8; Self::LEN] = payload.try_into().ok()?;
        let u32_at = |at: usize| {
            u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let mut pointers = [0u8; 8];
        pointers.copy_from_slice(&bytes[12..]);
        Some(Self {
            process_id: u32_at(0),
            thread_id: u32_at(4),
            exception_code: u32_at(8),
            exception_pointers: u64::from_ne_bytes(pointers),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_wrong_sizes() {
        let mut packet = Header { kind: USER + 1, size: 3 }.to_bytes().to_vec();
        packet.extend_from_slice(b"abc");
        let (header, payload) = Header::parse(&packet).expect("valid packet");
        assert_eq!(header.kind, USER + 1);
        assert_eq!(payload, b"abc");
        assert!(Header::parse(&packet[..10]).is_none(), "short payload");
        assert!(Header::parse(&packet[..5]).is_none(), "short header");
    }

    #[test]
    fn annotation_round_trips_and_rejects_garbage() {
        let payload = encode_annotation("key", "va\0lue");
        assert_eq!(decode_annotation(&payload), Some(("key".into(), "va\0lue".into())));
        assert_eq!(decode_annotation(b"no separator"), None);
        assert_eq!(decode_annotation(b"\0empty key"), None);
        assert_eq!(decode_annotation(b"k\0\xff"), None);
    }

    #[test]
    fn windows_request_round_trips_and_rejects_other_sizes() {
        let request = WindowsRequest {
            process_id: 256,
            thread_id: 260,
            exception_code: 0xC000_0005,
            exception_pointers: 0x0000_7ff0_1234_5678,
        };
        let bytes = request.to_bytes();
        assert_eq!(WindowsRequest::parse(&bytes), Some(request));
        assert_eq!(WindowsRequest::parse(&bytes[..19]), None);
        assert_eq!(WindowsRequest::parse(&[0; 21]), None);
    }
}
