//! The Linux streams Breakpad added to the minidump format (`/proc` files).

use super::{Level, Rule, Verdict, need, required};

pub(super) const RULES: &[&Rule] = &[&PROCESS_ID];

/// The process a dump is of: `Tgid` in the LinuxProcStatus stream, Breakpad's
/// copy of `/proc/<pid>/status` (its `Pid` line can be a thread's). A dump of
/// the wrong process (the parent of a forked child that crashed, say) is no
/// dump of the crash.
static PROCESS_ID: Rule = Rule {
    id: "LNX-01",
    level: Level::Must,
    stream: "LinuxProcStatus",
    title: "the dump is of the process that crashed (Tgid)",
    check: |facts| {
        let dump = need!(facts.dump());
        let status = need!(required(&dump.proc_status, "a LinuxProcStatus stream"));
        let tgid = status
            .iter()
            .find(|(key, _)| key.as_bytes() == b"Tgid")
            .and_then(|(_, value)| value.to_str().ok()?.trim().parse::<u32>().ok());
        match tgid {
            Some(tgid) => Verdict::equal(tgid, facts.truth.pid),
            None => Verdict::fail("no readable Tgid line", facts.truth.pid),
        }
    },
};
