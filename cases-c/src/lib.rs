//! The crash cases as a C library: `include/crashsuite_case.h` declares
//! [`crashsuite_handler`] and [`crashsuite_case_main`], so a handler written
//! in C or C++ builds its own case executable over the same catalogue and
//! triggers as every other handler.

// The C interface: raw pointers from the caller, each use with its SAFETY.
#![expect(unsafe_code)]

use crashsuite_cases::handler::{Attached, CaseHandler};
use std::ffi::{CStr, CString, OsString, c_char, c_int, c_void};

/// A handler described from C (see the header for each field).
#[repr(C)]
pub struct crashsuite_handler {
    /// The handler's name.
    pub name: *const c_char,
    /// Passed to every callback.
    pub context: *mut c_void,
    /// Installs the handler.
    pub attach: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    /// Sets an annotation.
    pub annotate: Option<unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> c_int>,
    /// Records a breadcrumb.
    pub breadcrumb: Option<unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int>,
    /// Writes a dump now.
    pub dump_now: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
}

/// The C handler as the case runner sees it.
struct FromC {
    name: String,
    table: *const crashsuite_handler,
}

impl FromC {
    fn table(&self) -> &crashsuite_handler {
        // SAFETY: `crashsuite_case_main` checked the pointer is not null; the
        // caller keeps the table alive while the case runs (the header says
        // so: the case ends the process or returns first).
        unsafe { &*self.table }
    }
}

fn status(what: &str, code: c_int) -> anyhow::Result<()> {
    if code == 0 { Ok(()) } else { anyhow::bail!("the handler's {what} returned {code}") }
}

fn c_string(text: &str) -> anyhow::Result<CString> {
    Ok(CString::new(text)?)
}

impl CaseHandler for FromC {
    fn name(&self) -> &str {
        &self.name
    }

    fn attach(&self) -> anyhow::Result<Box<dyn Attached>> {
        let table = self.table();
        let attach = table.attach.ok_or_else(|| anyhow::anyhow!("the handler has no attach"))?;
        // SAFETY: a C function of the declared signature, given its context.
        status("attach", unsafe { attach(table.context) })?;
        Ok(Box::new(FromC { name: self.name.clone(), table: self.table }))
    }
}

impl Attached for FromC {
    fn takes_annotations(&self) -> bool {
        self.table().annotate.is_some() && self.table().breadcrumb.is_some()
    }

    fn annotate(&self, key: &str, value: &str) -> anyhow::Result<()> {
        let table = self.table();
        let Some(annotate) = table.annotate else { return Ok(()) };
        let (key, value) = (c_string(key)?, c_string(value)?);
        // SAFETY: a C function of the declared signature; the strings live
        // until it returns.
        status("annotate", unsafe { annotate(table.context, key.as_ptr(), value.as_ptr()) })
    }

    fn breadcrumb(&self, text: &str) -> anyhow::Result<()> {
        let table = self.table();
        let Some(breadcrumb) = table.breadcrumb else { return Ok(()) };
        let text = c_string(text)?;
        // SAFETY: as for annotate.
        status("breadcrumb", unsafe { breadcrumb(table.context, text.as_ptr()) })
    }

    fn dump_now(&self) -> anyhow::Result<()> {
        let table = self.table();
        let dump_now =
            table.dump_now.ok_or_else(|| anyhow::anyhow!("this handler takes no dump requests"))?;
        // SAFETY: a C function of the declared signature.
        status("dump_now", unsafe { dump_now(table.context) })
    }
}

/// Runs the case the command line names under `handler`; see the header.
///
/// # Safety
///
/// `argv` holds `argc` NUL-terminated strings; `handler` points to a table
/// whose callbacks have the declared signatures and which lives while the
/// case runs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crashsuite_case_main(
    argc: c_int,
    argv: *const *const c_char,
    handler: *const crashsuite_handler,
) -> c_int {
    let args: Vec<OsString> = (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the caller passes `argc` valid C strings in `argv`.
            os_string(unsafe { CStr::from_ptr(*argv.add(i)) })
        })
        .collect();
    let outcome = crashsuite_cases::cli::main(args, |chosen| {
        if handler.is_null() {
            anyhow::bail!("no handler table");
        }
        // SAFETY: not null, and valid per the contract above.
        let name = unsafe { (*handler).name };
        let name = if name.is_null() {
            "c".to_owned()
        } else {
            // SAFETY: a NUL-terminated string per the contract.
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
        };
        if let Some(chosen) = chosen.filter(|chosen| *chosen != name) {
            anyhow::bail!("unknown handler {chosen:?}; expected `{name}` or `none`");
        }
        Ok(Box::new(FromC { name, table: handler }))
    });
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("crashsuite-case: {e:#}");
            1
        }
    }
}

/// A C argument as the OS string it is: its bytes on Unix; elsewhere (where
/// C's `argv` is in the ANSI code page) as UTF-8, lossily.
fn os_string(arg: &CStr) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt as _;
        OsString::from_vec(arg.to_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        OsString::from(arg.to_string_lossy().into_owned())
    }
}
