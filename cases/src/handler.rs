//! What a case needs of the crash handler under test. Each case executable
//! (the built-in handlers' `crashsuite-case`, and one per alternate handler)
//! implements [`CaseHandler`] for its handler and hands it to [`crate::cli`].

/// A crash handler a case can run under.
pub trait CaseHandler {
    /// The handler's name, as the harness knows it (truth records carry it).
    fn name(&self) -> &str;
    /// Installs the handler in this process.
    fn attach(&self) -> anyhow::Result<Box<dyn Attached>>;
    /// In a forked child, before it crashes: whatever the child needs to be
    /// handled as itself. By default the parent's handler goes on.
    fn after_fork(&self, attached: Box<dyn Attached>) -> anyhow::Result<Box<dyn Attached>> {
        Ok(attached)
    }
}

/// An installed handler. What a handler does not support keeps the default,
/// and the case records it: a case never claims annotations a handler was
/// not given.
pub trait Attached {
    /// True when the handler puts annotations and breadcrumbs into its
    /// dumps; when false the truth record lists none and their rules skip.
    fn takes_annotations(&self) -> bool {
        false
    }
    /// Sets a key/value annotation for every later dump.
    fn annotate(&self, _key: &str, _value: &str) -> anyhow::Result<()> {
        Ok(())
    }
    /// Records a breadcrumb.
    fn breadcrumb(&self, _text: &str) -> anyhow::Result<()> {
        Ok(())
    }
    /// Writes a dump of this process now, without crashing.
    fn dump_now(&self) -> anyhow::Result<()> {
        anyhow::bail!("this handler takes no dump requests")
    }
    /// Fault injection: makes the handler fault right after its dump.
    fn fault_after_dump(&self) -> anyhow::Result<()> {
        anyhow::bail!("this handler has no fault injection")
    }
}

/// No handler in the process, not even Rust's runtime's: crash signals take
/// their default action, and an external supervisor (if any) does the
/// dumping.
pub struct NoHandler;

impl CaseHandler for NoHandler {
    fn name(&self) -> &str {
        "none"
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        use anyhow::Context as _;
        crate::native::default_crash_signals().context("restoring default signal actions")?;
        Ok(Box::new(Nothing))
    }
}

struct Nothing;

impl Attached for Nothing {}
