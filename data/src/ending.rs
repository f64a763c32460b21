//! How a process was seen to end, beside how its truth record says it ends.

use crate::truth::ExpectedEnding;
use serde::{Deserialize, Serialize};

/// How a case's process was seen to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedEnding {
    /// Killed by this signal.
    Signal(i32),
    /// Exited with this code.
    Exit(i32),
    /// Exited with a code of which only the low byte was seen: a Windows
    /// process under Wine, seen from Linux (Wine hands Linux the 32-bit exit
    /// code, an exception code after a crash, as an 8-bit status).
    ExitLowByte(u8),
    /// Still running at the deadline; its process group was killed.
    TimedOut,
    /// Hung after its crash: every thread blocked, no CPU time spent and no
    /// dump activity for this many milliseconds; dumped from outside, then
    /// its process group was killed.
    Hung {
        /// How long it sat still before it was called hung.
        quiet_ms: u64,
    },
}

impl ObservedEnding {
    /// Whether the process ended as `expected` says it should, as far as it
    /// could be seen.
    pub fn matches(&self, expected: ExpectedEnding) -> bool {
        match (self, expected) {
            (Self::Signal(seen), ExpectedEnding::Signal(expected)) => *seen == expected,
            (Self::Exit(seen), ExpectedEnding::Exit(expected)) => *seen == expected,
            (Self::ExitLowByte(seen), ExpectedEnding::Exit(expected)) => *seen == expected as u8,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_match_what_was_expected() {
        assert!(ObservedEnding::Signal(11).matches(ExpectedEnding::Signal(11)));
        assert!(!ObservedEnding::Signal(6).matches(ExpectedEnding::Signal(11)));
        assert!(
            ObservedEnding::ExitLowByte(0x05).matches(ExpectedEnding::Exit(0xC000_0005_u32 as i32))
        );
        assert!(!ObservedEnding::TimedOut.matches(ExpectedEnding::Exit(0)));
    }
}
