//! The dump file itself and how the crashed process ended.

use super::{Against, Facts, Field, Level, Rule, Systems, Verdict, need};
use crate::evidence::NoDump;
use crashsuite_data::ObservedEnding;

pub(super) const RULES: &[&Rule] =
    &[&DUMP_WRITTEN, &DUMP_SMALL, &ENDED_AS_EXPECTED, &NAMES_THE_PROCESS];

/// Largest dump DMP-02 accepts.
const MAX_DUMP_BYTES: u64 = 64 << 20;

/// A handler exists to leave one dump per crash: Breakpad's and Crashpad's
/// contract. Two dumps for one crash (several threads crashing at once, a
/// signal raised again after the dump), or a file that does not parse, fail;
/// the other rules grade the oldest dump all the same.
static DUMP_WRITTEN: Rule = Rule {
    id: "DMP-01",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "file",
    title: "the handler wrote exactly one readable dump",
    checks: &[Field::new("file", "the dumps written for one crash", Against::Observed)],
    check: |facts| match (facts.dump, facts.no_dump) {
        (Some(_), _) if facts.other_dumps > 0 => Verdict::fail(
            format!("{} dumps for one crash (the oldest is graded)", facts.other_dumps + 1),
            "one dump",
        ),
        (Some(evidence), _) => {
            Verdict::pass(format!("{} streams", evidence.dump.all_streams().count()))
        }
        (None, Some(why @ NoDump::NoneWritten { .. })) => {
            Verdict::missing(format!("one dump: {why}"))
        }
        (None, Some(why)) => Verdict::fail(why, "one dump"),
        (None, None) => Verdict::missing("one dump"),
    },
};

/// A minidump is mini: Breakpad and Crashpad capture thread stacks and small
/// regions, never the heap, so a process with 1 GiB of heap still dumps in a
/// few MiB (the main-thread stack, up to 8 MiB, is the largest part).
static DUMP_SMALL: Rule = Rule {
    id: "DMP-02",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "file",
    title: "the dump stays under 64 MiB, whatever the process's heap",
    checks: &[Field::new("file", "size", Against::Bound)],
    check: |facts| {
        let dump = match facts.dump() {
            Ok(dump) => dump,
            Err(verdict) => return verdict,
        };
        let size = dump.size;
        let heap = facts.truth.map_or(0, |t| t.ballast_bytes >> 20);
        let observed = format!("{} KiB with {heap} MiB of heap ballast", size >> 10);
        if size <= MAX_DUMP_BYTES {
            Verdict::pass(observed)
        } else {
            Verdict::fail(observed, format!("at most {} MiB", MAX_DUMP_BYTES >> 20))
        }
    },
};

/// After dumping, a handler re-raises the signal so that the process "appears
/// to crash normally" (Chromium's Linux crash dumping) and its parent sees the
/// real cause; a process that only asked for a dump goes on and exits 0.
static ENDED_AS_EXPECTED: Rule = Rule {
    id: "PRC-01",
    level: Level::Should,
    systems: Systems::ANY,
    stream: "process",
    title: "the process died of its crash's signal (or went on, after a dump on request)",
    checks: &[Field::new("process", "how it ended", Against::Observed)],
    check: |facts: &Facts<'_, '_>| {
        let truth = need!(facts.truth());
        match facts.ending {
            Some(ObservedEnding::TimedOut) => {
                Verdict::fail("still running at the deadline", format!("{:?}", truth.ending))
            }
            Some(ObservedEnding::Hung { quiet_ms }) => Verdict::fail(
                format!("hung: blocked, no CPU time and no dump activity for {quiet_ms} ms"),
                format!("{:?}", truth.ending),
            ),
            Some(ending) if ending.matches(truth.ending) => Verdict::pass(format!("{ending:?}")),
            Some(ending) => Verdict::fail(format!("{ending:?}"), format!("{:?}", truth.ending)),
            None => Verdict::skip("the harness did not see the process end"),
        }
    },
};

/// A dump must say whose it is. Handlers say it in different streams:
/// Crashpad and Windows writers in MiscInfo's process id, Breakpad and
/// minidump-writer in LinuxProcStatus's `Tgid` line. At least one must be
/// there, and every one that is must name the process that crashed (a
/// monitor that dumped the wrong process, Chromium's rule that a process
/// cannot ask for another's dump).
static NAMES_THE_PROCESS: Rule = Rule {
    id: "PRC-02",
    level: Level::Must,
    systems: Systems::ANY,
    stream: "MiscInfo | LinuxProcStatus",
    title: "the dump names the process that crashed",
    checks: &[
        Field::new("MiscInfo", "ProcessId", Against::Truth),
        Field::new("LinuxProcStatus", "Tgid", Against::Truth),
    ],
    check: |facts| {
        let dump = need!(facts.dump());
        let expected = need!(facts.truth()).pid;
        let misc = dump.misc.as_ref().and_then(|m| m.raw.process_id().copied());
        let tgid = dump.proc_status.as_ref().ok().and_then(super::linux::tgid);
        let named: Vec<(&str, u32)> = [("MiscInfo", misc), ("LinuxProcStatus", tgid)]
            .into_iter()
            .filter_map(|(stream, pid)| Some((stream, pid?)))
            .collect();
        if named.is_empty() {
            return Verdict::missing(format!("process {expected} in MiscInfo or LinuxProcStatus"));
        }
        match named.iter().find(|(_, pid)| *pid != expected) {
            Some((stream, pid)) => Verdict::fail(format!("{stream} names {pid}"), expected),
            None => Verdict::pass(
                named.iter().map(|(s, pid)| format!("{s}: {pid}")).collect::<Vec<_>>().join(", "),
            ),
        }
    },
};
