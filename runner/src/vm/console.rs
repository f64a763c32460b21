//! The emulated machine's side of a batch, as it arrives on the serial
//! console: lines starting with `@@crashsuite` (written by `init.sh`) frame
//! each file a trial left (gzip, then base64) and how the trial ended;
//! everything else is the kernel's or the guest's own output, kept for
//! diagnostics.

use base64::Engine as _;
use std::io::Read as _;

const PREFIX: &str = "@@crashsuite ";

/// What a console line completed.
#[derive(Debug, PartialEq, Eq)]
pub enum Message {
    /// The guest's init started.
    Booted,
    /// A file of trial `trial`, named relative to its run directory.
    File {
        /// Trial index in the batch.
        trial: usize,
        /// Path relative to the run directory (`truth.json`, `dumps/x.dmp`).
        name: String,
        /// The file's bytes.
        bytes: Vec<u8>,
    },
    /// Trial `trial` ended; its files came before this.
    End(End),
    /// Every trial ran; the machine powers off.
    Done,
}

/// How a trial ended in the guest.
#[derive(Debug, PartialEq, Eq)]
pub struct End {
    /// Trial index in the batch.
    pub trial: usize,
    /// The shell's status of the case: its exit code, or 128 + the signal
    /// that killed it.
    pub status: i32,
    /// Case start to end, in centiseconds of guest uptime.
    pub elapsed_cs: u64,
    /// The monitor: `none` (the handler has none), `alive` when the case
    /// ended, or `exit:N` when it had died.
    pub handler: String,
}

/// A console line that breaks the protocol.
#[derive(Debug, thiserror::Error)]
#[error("console protocol: {0}")]
pub struct ProtocolError(pub String);

/// Reads the console line by line.
#[derive(Default)]
pub struct Console {
    /// The file being received: trial, name, base64 so far.
    open: Option<(usize, String, String)>,
    /// Lines that were not protocol, most recent last (bounded).
    pub chatter: Vec<String>,
}

/// Console lines kept for diagnostics.
const CHATTER_LINES: usize = 200;

impl Console {
    /// Takes one line (without its end of line; a trailing `\r` is ignored).
    pub fn line(&mut self, line: &str) -> Result<Option<Message>, ProtocolError> {
        let line = line.trim_end_matches('\r');
        if let Some((trial, name, mut data)) = self.open.take() {
            if line != "@@crashsuite end" {
                data.push_str(line.trim());
                self.open = Some((trial, name, data));
                return Ok(None);
            }
            let bytes = decode(&data)
                .map_err(|e| ProtocolError(format!("file {name} of trial {trial}: {e}")))?;
            return Ok(Some(Message::File { trial, name, bytes }));
        }
        let Some(rest) = line.strip_prefix(PREFIX) else {
            if self.chatter.len() == CHATTER_LINES {
                self.chatter.remove(0);
            }
            self.chatter.push(line.to_owned());
            return Ok(None);
        };
        let bad = || ProtocolError(format!("unexpected line {line:?}"));
        let words: Vec<&str> = rest.split(' ').collect();
        Ok(match words.as_slice() {
            ["booted"] => Some(Message::Booted),
            ["done"] => Some(Message::Done),
            ["trial", n, "file", name] => {
                self.open =
                    Some((n.parse().map_err(|_| bad())?, (*name).to_owned(), String::new()));
                None
            }
            ["trial", n, "end", status, elapsed, handler] => Some(Message::End(End {
                trial: n.parse().map_err(|_| bad())?,
                status: status.parse().map_err(|_| bad())?,
                elapsed_cs: elapsed.parse().map_err(|_| bad())?,
                handler: (*handler).to_owned(),
            })),
            _ => return Err(bad()),
        })
    }
}

fn decode(data: &str) -> Result<Vec<u8>, String> {
    let gzipped =
        base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .read_to_end(&mut bytes)
        .map_err(|e| format!("gzip: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gzip_base64(bytes: &[u8]) -> String {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap())
    }

    #[test]
    fn reads_files_and_endings_among_kernel_chatter() {
        let encoded = gzip_base64(b"{\"case\":\"x\"}");
        let (head, tail) = encoded.split_at(encoded.len() / 2);
        let mut console = Console::default();
        let lines = [
            "[    0.000000] Booting Linux",
            "@@crashsuite booted\r",
            "@@crashsuite trial 3 file truth.json",
            head,
            tail,
            "@@crashsuite end",
            "@@crashsuite trial 3 end 139 12 exit:1",
            "@@crashsuite done",
        ];
        let messages: Vec<Message> =
            lines.iter().filter_map(|line| console.line(line).unwrap()).collect();
        assert_eq!(
            messages,
            [
                Message::Booted,
                Message::File {
                    trial: 3,
                    name: "truth.json".into(),
                    bytes: b"{\"case\":\"x\"}".into()
                },
                Message::End(End {
                    trial: 3,
                    status: 139,
                    elapsed_cs: 12,
                    handler: "exit:1".into()
                }),
                Message::Done,
            ]
        );
        assert_eq!(console.chatter, ["[    0.000000] Booting Linux"]);
    }

    #[test]
    fn refuses_what_breaks_the_protocol() {
        let mut console = Console::default();
        assert!(console.line("@@crashsuite trial x end 1 2 none").is_err());
        assert!(console.line("@@crashsuite hello").is_err());
        console.line("@@crashsuite trial 0 file f").unwrap();
        console.line("not base64 !!").unwrap();
        assert!(console.line("@@crashsuite end").unwrap_err().to_string().contains("file f"));
    }
}
