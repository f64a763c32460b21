//! `crashsuite handlers`, `rules` and `cases`: what crashsuite knows.

use crashsuite::output;
use crashsuite_data::Exit;
use crashsuite_grader::{Level, rules};
use crashsuite_runner::{binaries::Binaries, handlers};
use serde::Serialize;

/// Lists the known handlers and whether each is built here.
pub fn handlers(json: bool) -> anyhow::Result<Exit> {
    #[derive(Serialize)]
    struct Entry<'a> {
        name: &'a str,
        summary: &'a str,
        version: &'a str,
        platforms: &'a [String],
        /// Why it is not built here, when it is not.
        not_built: Option<String>,
    }
    // Without the executables every handler is "not built", with the reason.
    let binaries = Binaries::locate();
    let entries: Vec<Entry> = handlers::known()?
        .iter()
        .map(|handler| Entry {
            name: &handler.name,
            summary: &handler.summary,
            version: &handler.version,
            platforms: &handler.platforms,
            not_built: match &binaries {
                Ok(binaries) => handler.executables(binaries).err().map(|e| e.to_string()),
                Err(e) => Some(e.to_string()),
            },
        })
        .collect();
    if json {
        output::json(&entries)?;
        return Ok(Exit::Success);
    }
    for entry in entries {
        let state = match entry.not_built {
            None => "built".to_owned(),
            Some(why) => format!("not built: {why}"),
        };
        output::line(format_args!(
            "{:<10} {} [{}] ({state})",
            entry.name, entry.summary, entry.version
        ))?;
    }
    Ok(Exit::Success)
}

/// Lists the rules.
pub fn rules(json: bool) -> anyhow::Result<Exit> {
    #[derive(Serialize)]
    struct Entry {
        id: &'static str,
        level: Level,
        /// The systems whose dumps it grades: `any`, or their names.
        systems: String,
        stream: &'static str,
        title: &'static str,
    }
    let all = rules::all();
    if json {
        let entries: Vec<Entry> = all
            .iter()
            .map(|r| Entry {
                id: r.id,
                level: r.level,
                systems: r.systems.names(),
                stream: r.stream,
                title: r.title,
            })
            .collect();
        output::json(&entries)?;
        return Ok(Exit::Success);
    }
    for rule in all {
        output::line(format_args!(
            "{:<7} {:<6} {:<7} {:<13} {}",
            rule.id,
            rule.level,
            rule.systems.names(),
            rule.stream,
            rule.title
        ))?;
    }
    Ok(Exit::Success)
}

/// Prints the field table (Markdown, as docs/fields.md keeps it) or, as
/// JSON, every rule's fields and the unchecked ones.
pub fn fields(json: bool) -> anyhow::Result<Exit> {
    use crashsuite_grader::fields;
    if json {
        #[derive(Serialize)]
        struct Table {
            rules: Vec<RuleFields>,
            unchecked: &'static [fields::Unchecked],
        }
        #[derive(Serialize)]
        struct RuleFields {
            id: &'static str,
            checks: &'static [rules::Field],
        }
        let rules =
            rules::all().iter().map(|r| RuleFields { id: r.id, checks: r.checks }).collect();
        output::json(&Table { rules, unchecked: fields::UNCHECKED })?;
    } else {
        output::print(fields::markdown())?;
    }
    Ok(Exit::Success)
}

/// Lists the cases: platforms, summary, whether each runs here, notes.
pub fn cases(json: bool) -> anyhow::Result<Exit> {
    let cases = crashsuite_cases::catalogue()?;
    if json {
        output::json(&cases)?;
        return Ok(Exit::Success);
    }
    for case in cases {
        let platforms = format!("{} / {}", case.os.join(","), case.arch.join(","));
        let here = match case.runs_here() {
            Ok(()) => String::new(),
            Err(reason) => format!(" (not here: {reason})"),
        };
        output::line(format_args!("{:<32} {:<24} {}{here}", case.id, platforms, case.summary))?;
        for (platform, note) in &case.notes {
            output::line(format_args!("{:<32} on {platform}: {note}", ""))?;
        }
    }
    Ok(Exit::Success)
}
