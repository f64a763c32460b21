//! The `crashsuite` command line.

use std::process::Command;

mod common;

fn crashsuite(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_crashsuite")).args(args).output().expect("runs")
}

/// `crashsuite run --manifest MANIFEST --handler HANDLER --case CASE --json`,
/// with `more` arguments.
#[cfg(target_os = "linux")]
fn run_json(
    manifest: &std::path::Path,
    handler: &str,
    case: &str,
    more: &[&str],
) -> std::process::Output {
    let manifest = manifest.to_str().expect("utf-8");
    let mut args =
        vec!["run", "--manifest", manifest, "--handler", handler, "--case", case, "--json"];
    args.extend(more);
    crashsuite(&args)
}

#[test]
fn cases_json_lists_every_case_with_its_platforms() {
    let out = crashsuite(&["cases", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cases: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let catalogue = crashsuite_cases::catalogue().expect("catalogue");
    assert_eq!(cases.len(), catalogue.len());
    for (json, case) in cases.iter().zip(catalogue) {
        assert_eq!(json["id"], case.id.as_str());
        assert!(json["os"].as_array().is_some_and(|os| !os.is_empty()), "{json}");
        assert!(json["scene"]["thread"].is_string(), "{json}");
    }
}

#[test]
fn cases_text_says_which_do_not_run_here() {
    let out = crashsuite(&["cases"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("windows_fastfail")).expect("listed");
    assert!(line.contains("not here"), "{line}");
}

#[test]
fn rules_lists_every_rule() {
    let out = crashsuite(&["rules"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for rule in crashsuite_grader::rules::all() {
        assert!(text.contains(rule.id), "{} missing", rule.id);
    }
}

#[test]
fn unknown_cases_and_handlers_are_refused() {
    let out = crashsuite(&["run", "--case", "no_such_case"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown case"));
    let out = crashsuite(&["run", "--handler", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown handler"));
}

#[test]
fn a_run_exits_zero_when_no_must_rule_fails() {
    let out = crashsuite(&[
        "run",
        "--handler",
        "reference",
        "--case",
        "abort",
        "--case",
        "segv_null_write",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("2 trials, 2 passed, 0 failed"), "{stdout}");
}

#[test]
fn stress_dumps_every_crash_exactly_once() {
    let out = crashsuite(&["stress", "--clients", "4", "--crashes", "16"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("16 with exactly one dump, 0 lost, 0 duplicated, 0 failing"),
        "{stdout}"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn a_deliberately_broken_handler_fails_with_named_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = common::broken_handler(dir.path());

    let out = crashsuite(&[
        "run",
        "--manifest",
        manifest.to_str().expect("utf-8"),
        "--case",
        "segv_cpp_thread",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let row = text.lines().find(|l| l.contains("broken::segv_cpp_thread")).expect("a row");
    for rule in ["THR-01 MUST", "THR-07 MUST"] {
        assert!(row.contains(rule), "{rule} not named: {row}");
    }

    // `--handler` names it too, and then it is the only handler run.
    let out = run_json(&manifest, "broken", "segv_cpp_thread", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let trials = results["trials"].as_array().expect("trials");
    assert_eq!(trials.len(), 1, "{results}");
    assert_eq!((&trials[0]["handler"], &trials[0]["outcome"]), (&"broken".into(), &"fail".into()));
}

#[test]
#[cfg(target_os = "linux")]
fn repeated_rounds_count_intermittent_entries_and_call_one_that_always_failed_permanent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = common::broken_handler(dir.path());
    // The rules that find the thread list missing fail on every run of this
    // handler; EXC-01 never does. Each is recorded as failing 1 run in 20,
    // so two failures in two rounds contradict the record.
    let mut text = std::fs::read_to_string(&manifest).expect("read");
    for rule in ["THR-01", "THR-02", "THR-05", "THR-07", "EXC-01"] {
        text.push_str(&format!(
            "[[deviation]]\ncase = \"segv_cpp_thread\"\nrule = \"{rule}\"\nintermittent = true\n\
             seen = {{ failed = 1, runs = 20 }}\nreason = \"listed as intermittent to test\"\n"
        ));
    }
    std::fs::write(&manifest, text).expect("write");
    let out = run_json(&manifest, "broken", "segv_cpp_thread", &["--repeat", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "permanent entries fail the run: {stderr}");
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(results["trials"][0]["outcome"], "pass", "the failures are listed: {results}");
    assert_eq!(results["repeats"]["rounds"], 2);
    let findings: Vec<(String, String, u64)> = results["repeats"]["intermittent"]
        .as_array()
        .expect("tallies")
        .iter()
        .map(|t| {
            let rule = t["rule"].as_str().unwrap_or_default().to_owned();
            let finding = t["finding"].as_str().unwrap_or_default().to_owned();
            (rule, finding, t["seen"]["failed"].as_u64().unwrap_or(99))
        })
        .collect();
    let expected = [("EXC-01", "never_failed", 0), ("THR-01", "permanent", 2)];
    for (rule, finding, failed) in expected {
        let found = findings.iter().find(|f| f.0 == rule).expect(rule);
        assert_eq!((found.1.as_str(), found.2), (finding, failed), "{rule}: {findings:?}");
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_handler_that_hangs_is_reported_hung_with_where_it_waits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = common::stalled_handler(dir.path());
    let out = run_json(&manifest, "stalled", "abort", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "no dump and a hang fail the trial: {stderr}");
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    common::schema::check("results.schema.json", &results).expect("results.json's schema");
    let trial = &results["trials"][0];
    assert_eq!(trial["outcome"], "hung", "{trial}");
    // Called hung well before the 20 s deadline (the time itself is the
    // bench's to measure, not a test's).
    let ending = trial["grade"]["verdicts"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["id"] == "PRC-01"))
        .expect("PRC-01");
    assert!(ending["observed"].as_str().unwrap_or_default().starts_with("hung"), "{ending}");
    // The crashed client's stack: in its signal handler, waiting for the
    // monitor's answer.
    let frames: Vec<String> = trial["hang"]["processes"][0]["stacks"][0]["frames"]
        .as_array()
        .expect("the crashed thread's frames")
        .iter()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    let waits = frames.iter().any(|f| f.contains("crashsuite_handler::client"));
    let in_handler = frames.iter().any(|f| f.contains("signal_handler"));
    assert!(waits && in_handler, "{frames:#?}");
    println!("called hung {} ms after the crash", trial["hang"]["after_crash_ms"]);
}

#[test]
fn diff_shows_the_streams_and_rules_where_two_dumps_differ() {
    let whole = common::reference_dump("segv_cpp_thread").bytes();
    let mut without = whole.clone();
    crashsuite_handler::dumpfile::unlist_stream(&mut without, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a.dmp"), dir.path().join("b.dmp"));
    std::fs::write(&a, &whole).expect("write");
    std::fs::write(&b, &without).expect("write");

    let out = crashsuite(&["diff", a.to_str().expect("utf-8"), b.to_str().expect("utf-8")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let stream = text.lines().find(|l| l.starts_with("| ThreadListStream")).expect("listed");
    let cells: Vec<&str> = stream.split('|').map(str::trim).collect();
    assert!(cells[2].contains("threads") && cells[3] == "—", "{stream}");
    let rule = text.lines().find(|l| l.starts_with("| THR-01 MUST")).expect("listed");
    assert!(rule.contains("pass") && rule.contains("missing"), "{rule}");
    assert!(!text.contains("| SystemInfoStream"), "identical streams are left out:\n{text}");
}

#[test]
fn gate_fails_and_names_the_rule_when_a_passing_must_rule_breaks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("run");
    let out = crashsuite(&[
        "run",
        "--handler",
        "reference",
        "--case",
        "segv_null_write",
        "--report",
        report.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let baseline = report.join("results.json");

    // The same run, with one MUST rule that passed now failing.
    let text = std::fs::read_to_string(&baseline).expect("results");
    let mut results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let verdicts = results["trials"][0]["grade"]["verdicts"].as_array_mut().expect("verdicts");
    let exc01 = verdicts.iter_mut().find(|v| v["id"] == "EXC-01").expect("EXC-01");
    assert_eq!(exc01["verdict"], "pass");
    exc01["verdict"] = "fail".into();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, results.to_string()).expect("write");

    let gate = |results: &std::path::Path| {
        crashsuite(&[
            "gate",
            "--baseline",
            baseline.to_str().expect("utf-8"),
            "--results",
            results.to_str().expect("utf-8"),
        ])
    };
    let same = gate(&baseline);
    assert!(same.status.success(), "{}", String::from_utf8_lossy(&same.stdout));
    let out = gate(&broken);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("broken: reference::segv_null_write EXC-01"), "{text}");

    // The same findings as JSON.
    let out = crashsuite(&[
        "gate",
        "--json",
        "--baseline",
        baseline.to_str().expect("utf-8"),
        "--results",
        broken.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(findings["broken"], serde_json::json!(["reference::segv_null_write EXC-01"]));
}

/// Exit code 2 for a command line that names nothing, 3 when crashsuite
/// cannot do its job, 1 for a conformance failure.
#[test]
fn exit_codes_tell_usage_harness_errors_and_failures_apart() {
    let code = |args: &[&str]| crashsuite(args).status.code();
    assert_eq!(code(&["run", "--case", "no_such_case"]), Some(2));
    assert_eq!(code(&["run", "--handler", "nobody"]), Some(2));
    assert_eq!(code(&["run", "--no-such-flag"]), Some(2));
    assert_eq!(code(&["run", "--target", "riscv64"]), Some(2));
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.dmp");
    std::fs::write(&junk, b"not a minidump").expect("write");
    let junk = junk.to_str().expect("utf-8");
    let missing = dir.path().join("missing.json");
    assert_eq!(code(&["verify", junk, "--truth", missing.to_str().expect("utf-8")]), Some(3));
    assert_eq!(code(&["verify", junk]), Some(1));
    assert_eq!(code(&["rules"]), Some(0));
}

/// `crashsuite cases | head`: the reader is gone before the first line.
#[test]
#[cfg(unix)]
fn a_closed_pipe_ends_the_command_quietly() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["cases", "--json"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn listings_have_json() {
    let json = |args: &[&str]| -> serde_json::Value {
        let out = crashsuite(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let rules = json(&["rules", "--json"]);
    assert_eq!(rules.as_array().map(Vec::len), Some(crashsuite_grader::rules::all().len()));
    assert!(rules[0]["id"].is_string() && rules[0]["level"].is_string(), "{rules}");
    let handlers = json(&["handlers", "--json"]);
    let names: Vec<&str> =
        handlers.as_array().expect("a list").iter().filter_map(|h| h["name"].as_str()).collect();
    assert!(names.contains(&"reference") && names.contains(&"inproc"), "{names:?}");
    let reference = &handlers[names.iter().position(|n| *n == "reference").expect("listed")];
    assert!(reference["not_built"].is_null(), "the workspace's handlers are built: {reference}");
}

/// The diagnostics of the crates crashsuite uses reach standard error when
/// RUST_LOG asks: here minidump-processor's warning that it could not
/// analyse a crash context whose instruction pointer points at no captured
/// memory (the `crash-ip` lie), and nothing of it by default.
#[test]
fn rust_log_shows_the_processors_own_diagnostics() {
    let crashed = common::reference_dump("abort");
    let mut bytes = crashed.bytes();
    let lie = crashsuite_mutate::lie::CATALOGUE.iter().find(|l| l.id == "crash-ip").expect("a lie");
    (lie.tell)(&mut bytes, &crashed.truth).expect("it applies to abort");
    let dump = crashed.dir.path().join("lying.dmp");
    std::fs::write(&dump, bytes).expect("write");
    let dump = dump.to_str().expect("utf-8");
    let out = Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["verify", dump])
        .env("RUST_LOG", "debug")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("minidump_processor"), "{stderr}");
    let quiet = Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["verify", dump])
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    let quiet = String::from_utf8_lossy(&quiet.stderr);
    assert!(!quiet.contains("minidump_processor") && !quiet.contains("DEBUG"), "{quiet}");
}

/// A trial the runner cannot start (its executable cannot be executed) is an
/// `error`, and the other trials are graded and written all the same.
#[test]
#[cfg(unix)]
fn a_trial_the_runner_cannot_run_is_an_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("not-executable"), "#!/bin/sh\n").expect("write");
    let manifest = dir.path().join("unrunnable.toml");
    std::fs::write(
        &manifest,
        "summary = \"cannot start\"\nversion = \"0\"\nexecutable = \"./not-executable\"\n",
    )
    .expect("write");
    let report = dir.path().join("out");
    let out = crashsuite(&[
        "run",
        "--handler",
        "reference",
        "--manifest",
        manifest.to_str().expect("utf-8"),
        "--case",
        "abort",
        "--report",
        report.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 trials, 1 passed, 0 failed, 1 could not run"), "{stdout}");
    let text = std::fs::read_to_string(report.join("results.json")).expect("results written");
    let results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let outcome = |handler: &str| {
        let trials = results["trials"].as_array().expect("trials");
        let trial = trials.iter().find(|t| t["handler"] == handler).expect("listed");
        (trial["outcome"].clone(), trial["error"].clone())
    };
    assert_eq!(outcome("reference").0, "pass");
    let (unrunnable, error) = outcome("unrunnable");
    assert_eq!(unrunnable, "error");
    assert!(error.as_str().is_some_and(|e| e.contains("not-executable")), "{error}");
}

/// Every applicable one-fact lie told to a real dump fails its trial.
#[test]
fn every_applicable_lie_is_caught() {
    let out = crashsuite(&[
        "sensitivity",
        "--handler",
        "reference",
        "--case",
        "segv_null_write,abort",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let (caught, applicable) = (report["caught"].as_u64(), report["applicable"].as_u64());
    assert!(applicable.is_some_and(|n| n >= 30), "{report}");
    assert_eq!(caught, applicable, "{report}");
    // Each lie is caught by a rule written for it.
    for lie in report["lies"].as_array().expect("lies") {
        let written_for: Vec<&str> = lie["written_for"]
            .as_array()
            .expect("rules")
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        let by = lie["caught_by"].as_object().expect("a map");
        if lie["applicable"].as_u64() > Some(0) {
            assert!(by.keys().any(|r| written_for.contains(&r.as_str())), "{lie}");
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_floor_target_has_its_threads_and_memory_for_the_probe() {
    use std::io::BufRead as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["floor-target", "--threads", "3", "--bytes", "65536"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("its pid and address");
    let words: Vec<u64> = line.split_whitespace().map(|w| w.parse().expect("a number")).collect();
    let (pid, address) = (words[0] as u32, words[1]);
    while std::fs::read_dir(format!("/proc/{pid}/task")).expect("alive").count() < 3 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let floor = crashsuite_handler::floor::measure(pid, address, 65536).expect("measured");
    assert_eq!((floor.threads, floor.bytes), (3, 65536));
    drop(child.stdin.take());
    assert!(child.wait().expect("ends").success(), "it ends when its input closes");
}
