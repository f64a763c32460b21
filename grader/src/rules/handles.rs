//! The HandleDataStream.

use super::{Against, Field, Level, Rule, Systems, Verdict, need};
use minidump::MinidumpHandleDataStream;

pub(super) const RULES: &[&Rule] = &[&STANDARD_DESCRIPTORS];

/// minidump-writer lists the process's open file descriptors as handles
/// (`/proc/<pid>/fd`), the Linux reading of the minidump format's
/// `MINIDUMP_HANDLE_DATA_STREAM`. Every case runs with descriptors 0, 1 and 2
/// open (the harness gives it /dev/null and a pipe).
static STANDARD_DESCRIPTORS: Rule = Rule {
    id: "HDL-01",
    level: Level::Should,
    systems: Systems::LINUX,
    stream: "HandleData",
    title: "the handle list holds the standard descriptors 0, 1 and 2",
    checks: &[Field::new("HandleData", "Handle of descriptors 0, 1 and 2", Against::Truth)],
    check: |facts| {
        let dump = need!(facts.dump());
        let handles: MinidumpHandleDataStream =
            need!(super::parsed(dump, "a handle list with the open descriptors"));
        let fds: Vec<u64> =
            handles.handles.iter().filter_map(|h| h.raw.handle().copied()).collect();
        let missing: Vec<u64> = (0..3).filter(|fd| !fds.contains(fd)).collect();
        if missing.is_empty() {
            Verdict::pass(format!("{} descriptors", fds.len()))
        } else {
            Verdict::missing(format!("descriptors {missing:?} among {}", fds.len()))
        }
    },
};
