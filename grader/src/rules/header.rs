//! The header and the stream directory.

use super::{Against, Field, Level, Rule, Systems, Verdict, need};
use minidump::format::{MINIDUMP_SIGNATURE, MINIDUMP_STREAM_TYPE, MINIDUMP_VERSION};

pub(super) const RULES: &[&Rule] =
    &[&SIGNATURE, &IN_FILE, &NO_OVERLAP, &NO_DUPLICATES, &COUNTS_FIT];

/// Directory entries that point at data: unused entries (type 0, which
/// Breakpad leaves behind) and empty streams take no room.
fn used_entries<'d>(
    dump: &'d minidump::Minidump<'static, std::sync::Arc<[u8]>>,
) -> impl Iterator<Item = &'d minidump::format::MINIDUMP_DIRECTORY> + 'd {
    dump.all_streams().filter(|entry| {
        entry.stream_type != MINIDUMP_STREAM_TYPE::UnusedStream as u32
            && entry.location.data_size > 0
    })
}

/// The minidump format: `MDMP` and version 0xA793 in the low 16 bits. A
/// reader refuses any other header, so a dump that has one never reaches the
/// other rules: this one reads why the dump could not be parsed.
static SIGNATURE: Rule = Rule {
    id: "HDR-01",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "header",
    title: "the header has the MDMP signature and format version",
    checks: &[Field::new("header", "Signature, Version", Against::Format)],
    check: |facts| {
        use crate::evidence::{DumpError, NoDump};
        if let Some(NoDump::Unreadable(DumpError::Parse { source, .. })) = facts.no_dump {
            let expected = format!("{MINIDUMP_SIGNATURE:#x}, {MINIDUMP_VERSION:#x}");
            return match source {
                minidump::Error::HeaderMismatch => Verdict::fail("another signature", expected),
                minidump::Error::VersionMismatch => Verdict::fail("another version", expected),
                minidump::Error::MissingHeader => Verdict::missing("a header"),
                _ => Verdict::skip(format!("the dump does not parse past its header: {source}")),
            };
        }
        let dump = need!(facts.dump());
        let header = &dump.dump.header;
        let version = header.version & 0xFFFF;
        if header.signature == MINIDUMP_SIGNATURE && version == MINIDUMP_VERSION {
            Verdict::pass(format!("{} streams", header.stream_count))
        } else {
            Verdict::fail(
                format!("signature {:#x}, version {version:#x}", header.signature),
                format!("{MINIDUMP_SIGNATURE:#x}, {MINIDUMP_VERSION:#x}"),
            )
        }
    },
};

/// Every stream's range must lie inside the file; a reader trusting the
/// directory would read past the end (rust-minidump treats it as corrupt).
static IN_FILE: Rule = Rule {
    id: "HDR-02",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "directory",
    title: "every stream lies inside the file",
    checks: &[Field::new("directory", "Location of every stream", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let outside: Vec<String> = used_entries(dump.dump)
            .filter(|e| u64::from(e.location.rva) + u64::from(e.location.data_size) > dump.size)
            .map(|e| {
                format!("{:#x} at {:#x}+{}", e.stream_type, e.location.rva, e.location.data_size)
            })
            .collect();
        if outside.is_empty() {
            Verdict::pass(format!("{} bytes", dump.size))
        } else {
            Verdict::fail(outside.join(", "), format!("within {} bytes", dump.size))
        }
    },
};

/// Two streams sharing bytes means one of them is garbage; writers lay
/// streams out one after another (minidump format).
static NO_OVERLAP: Rule = Rule {
    id: "HDR-03",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "directory",
    title: "no two streams overlap",
    checks: &[Field::new("directory", "Location of every stream", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let ranges = used_entries(dump.dump)
            .map(|e| {
                let start = u64::from(e.location.rva);
                (start, start + u64::from(e.location.data_size), format!("{:#x}", e.stream_type))
            })
            .collect();
        super::disjoint(ranges, "streams")
    },
};

/// Readers keep one stream per type (rust-minidump keeps the last), so a
/// second copy is silently ignored: the directory is read from the file's
/// bytes here. Unused entries (type 0) and empty ones are tolerated.
static NO_DUPLICATES: Rule = Rule {
    id: "HDR-04",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "directory",
    title: "no stream type appears twice (unused entries aside)",
    checks: &[Field::new("directory", "StreamType of every entry", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        let mut types: Vec<u32> = dump
            .directory
            .iter()
            .filter(|e| e.stream_type != MINIDUMP_STREAM_TYPE::UnusedStream as u32 && e.size > 0)
            .map(|e| e.stream_type)
            .collect();
        if types.is_empty() {
            return Verdict::skip("the directory lists no stream");
        }
        types.sort_unstable();
        let mut twice: Vec<String> =
            types.windows(2).filter(|w| w[0] == w[1]).map(|w| format!("{:#x}", w[0])).collect();
        twice.dedup();
        if twice.is_empty() {
            Verdict::pass(format!("{} types", types.len()))
        } else {
            Verdict::fail(twice.join(", "), "one stream per type")
        }
    },
};

/// A list stream's count must fit its bytes (minidump format: the count
/// precedes exactly that many entries). Readers that trust the count
/// allocate or read past the stream; such streams are taken out before
/// parsing (crate::quarantine), and this rule says which.
static COUNTS_FIT: Rule = Rule {
    id: "HDR-05",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "directory",
    title: "every list stream's entry count fits its size",
    checks: &[Field::new("list streams", "entry counts", Against::Dump)],
    check: |facts| {
        let dump = need!(facts.dump());
        if dump.quarantined.is_empty() {
            Verdict::pass("every count fits")
        } else {
            Verdict::fail(dump.quarantined.join("; "), "counts that fit")
        }
    },
};
