//! Annotations and breadcrumbs inside the minidump.
//!
//! They travel as a `CrashpadInfo` stream (type `0x43500001`), the stream
//! Crashpad writes for its per-process key/value annotations, so any reader that
//! knows Crashpad dumps (rust-minidump, Breakpad's and Crashpad's tools) shows
//! them as `simple_annotations`. Breadcrumbs have no place of their own in that
//! format: they are one more annotation, [`BREADCRUMBS_KEY`], whose value is a
//! JSON array of strings, oldest first.

use minidump_common_writer::format::{
    GUID, MINIDUMP_CRASHPAD_INFO, MINIDUMP_LOCATION_DESCRIPTOR,
    MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY, MINIDUMP_STREAM_TYPE,
};
use scroll_writer::{LE, Pwrite};
use std::collections::{BTreeMap, VecDeque};

pub use crashsuite_data::BREADCRUMBS_KEY;
/// The stream type the annotations are written as.
pub const STREAM_TYPE: u32 = MINIDUMP_STREAM_TYPE::CrashpadInfoStream as u32;
/// How many breadcrumbs the monitor keeps per process.
pub const MAX_BREADCRUMBS: usize = 64;
/// How many annotations the monitor keeps per process.
pub const MAX_ANNOTATIONS: usize = 1024;

/// What a client has told the monitor about itself.
#[derive(Debug, Default, Clone)]
pub struct ClientNotes {
    annotations: BTreeMap<String, String>,
    breadcrumbs: VecDeque<String>,
}

impl ClientNotes {
    /// Sets an annotation; returns false (and keeps nothing) when the table is full.
    pub fn annotate(&mut self, key: String, value: String) -> bool {
        if self.annotations.len() >= MAX_ANNOTATIONS && !self.annotations.contains_key(&key) {
            return false;
        }
        self.annotations.insert(key, value);
        true
    }

    /// Adds a breadcrumb, forgetting the oldest beyond [`MAX_BREADCRUMBS`].
    pub fn breadcrumb(&mut self, text: String) {
        if self.breadcrumbs.len() == MAX_BREADCRUMBS {
            self.breadcrumbs.pop_front();
        }
        self.breadcrumbs.push_back(text);
    }

    /// The key/value pairs that go into the dump, breadcrumbs included.
    pub fn simple_annotations(&self) -> BTreeMap<String, String> {
        let mut all = self.annotations.clone();
        if !self.breadcrumbs.is_empty() {
            let crumbs: Vec<&String> = self.breadcrumbs.iter().collect();
            all.insert(
                BREADCRUMBS_KEY.to_owned(),
                serde_json::to_string(&crumbs).unwrap_or_default(),
            );
        }
        all
    }
}

/// Encodes a `MINIDUMP_CRASHPAD_INFO` stream holding `pairs` as its simple
/// annotations, for a stream that starts at file offset `base_rva`.
pub fn encode_crashpad_info(
    base_rva: u32,
    pairs: &BTreeMap<String, String>,
) -> Result<Vec<u8>, scroll_writer::Error> {
    const INFO_LEN: usize = 4 + 16 + 16 + 8 + 8;
    let dict_len = 4 + pairs.len() * 8;
    let mut out = vec![0u8; INFO_LEN + dict_len];
    let rva_of = |offset: usize| base_rva + offset as u32;

    let mut entries = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let key_rva = rva_of(out.len());
        push_utf8_string(&mut out, key);
        let value_rva = rva_of(out.len());
        push_utf8_string(&mut out, value);
        entries.push(MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY { key: key_rva, value: value_rva });
    }

    let zero_guid = GUID { data1: 0, data2: 0, data3: 0, data4: [0; 8] };
    let info = MINIDUMP_CRASHPAD_INFO {
        version: MINIDUMP_CRASHPAD_INFO::VERSION,
        report_id: zero_guid,
        client_id: zero_guid,
        simple_annotations: MINIDUMP_LOCATION_DESCRIPTOR {
            data_size: dict_len as u32,
            rva: rva_of(INFO_LEN),
        },
        module_list: MINIDUMP_LOCATION_DESCRIPTOR { data_size: 0, rva: 0 },
    };
    let mut offset = 0;
    out.gwrite_with(info, &mut offset, LE)?;
    out.gwrite_with(pairs.len() as u32, &mut offset, LE)?;
    for entry in entries {
        out.gwrite_with(entry, &mut offset, LE)?;
    }
    Ok(out)
}

/// Appends a `MINIDUMP_UTF8_STRING`: byte length, bytes, NUL, padded to 4 bytes.
fn push_utf8_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.push(0);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadcrumbs_keep_the_newest() {
        let mut notes = ClientNotes::default();
        for i in 0..MAX_BREADCRUMBS + 3 {
            notes.breadcrumb(format!("b{i}"));
        }
        let crumbs: Vec<String> =
            serde_json::from_str(&notes.simple_annotations()[BREADCRUMBS_KEY]).expect("json");
        assert_eq!(crumbs.len(), MAX_BREADCRUMBS);
        assert_eq!(crumbs[0], "b3");
        assert_eq!(crumbs.last().map(String::as_str), Some("b66"));
    }

    #[test]
    fn annotation_table_is_bounded() {
        let mut notes = ClientNotes::default();
        for i in 0..MAX_ANNOTATIONS {
            assert!(notes.annotate(format!("k{i}"), String::new()));
        }
        assert!(!notes.annotate("one more".into(), String::new()));
        assert!(notes.annotate("k0".into(), "replaced".into()), "replacing stays possible");
    }
}
