//! The JSON crashsuite prints and writes matches the JSON Schemas it
//! publishes (`schemas/`): real output of real runs and dumps, and the
//! schemas refuse documents that break them.

mod common;

#[cfg(target_os = "linux")]
fn crashsuite(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_crashsuite")).args(args).output().expect("runs")
}

#[cfg(target_os = "linux")]
#[test]
fn results_json_of_a_real_run_matches_its_schema() {
    // Passing and failing trials (the broken handler drops the thread
    // list), one that does not run here (a Windows case), and two rounds.
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = common::broken_handler(dir.path());
    let report = dir.path().join("report");
    let out = crashsuite(&[
        "run",
        "--manifest",
        manifest.to_str().expect("utf-8"),
        "--handler",
        "reference,broken",
        "--case",
        "segv_null_write,windows_fastfail",
        "--repeat",
        "2",
        "--report",
        report.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(report.join("results.json")).expect("results.json");
    let results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let outcomes: Vec<&str> = results["trials"]
        .as_array()
        .expect("trials")
        .iter()
        .filter_map(|t| t["outcome"].as_str())
        .collect();
    for outcome in ["pass", "fail", "not_run"] {
        assert!(outcomes.contains(&outcome), "{outcome} among {outcomes:?}");
    }
    assert!(results["repeats"].is_object(), "two rounds are counted");
    common::schema::check("results.schema.json", &results).expect("results.json matches");
}

#[cfg(target_os = "linux")]
#[test]
fn verify_json_matches_its_schema() {
    let crashed = common::reference_dump("segv_null_write");
    let truth = crashed.dir.path().join("truth.json");
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let mut dumps: Vec<std::path::PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus/")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "dmp"))
        .collect();
    dumps.sort();
    assert!(dumps.len() >= 10, "{dumps:?}");
    let with_truth = vec!["--truth".to_owned(), truth.display().to_string()];
    let runs = dumps
        .iter()
        .map(|dump| (dump.clone(), Vec::new()))
        .chain([(crashed.dump.clone(), with_truth)]);
    for (dump, more) in runs {
        let mut args = vec!["verify", "--json"];
        args.extend(more.iter().map(String::as_str));
        args.push(dump.to_str().expect("utf-8"));
        let out = crashsuite(&args);
        let grade: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(grade["passed"] == true, out.status.code() == Some(0), "{}", dump.display());
        common::schema::check("verify.schema.json", &grade)
            .unwrap_or_else(|e| panic!("{}: {e}", dump.display()));
    }
}

#[test]
fn the_schemas_refuse_what_breaks_them() {
    let verdicts = |verdict: serde_json::Value| {
        serde_json::json!({
            "schema": "crashsuite-verify/1", "passed": false,
            "trial": "x.dmp", "error": null, "case_note": null,
            "verdicts": [verdict], "crashing_stack": [], "streams": {}, "digest": null
        })
    };
    let good = verdicts(serde_json::json!({
        "id": "EXC-01", "level": "Must", "verdict": "fail", "observed": "6", "expected": "11"
    }));
    common::schema::check("verify.schema.json", &good).expect("a failure with both sides");
    let no_expected = verdicts(serde_json::json!({
        "id": "EXC-01", "level": "Must", "verdict": "fail", "observed": "6"
    }));
    assert!(common::schema::check("verify.schema.json", &no_expected).is_err());
    let unknown = verdicts(serde_json::json!({
        "id": "EXC-01", "level": "Must", "verdict": "maybe", "observed": "6"
    }));
    assert!(common::schema::check("verify.schema.json", &unknown).is_err());
    let mut unversioned = good.clone();
    unversioned["schema"] = "crashsuite-verify/2".into();
    assert!(common::schema::check("verify.schema.json", &unversioned).is_err());
    let results = serde_json::json!({
        "schema": "crashsuite-results/1",
        "suite": { "version": "0.1.0", "commit": "unknown" },
        "platform": { "os": "linux", "arch": "x86_64" },
        "label": "linux-x86_64", "started_unix": 1, "wall_ms": 1,
        "handlers": [],
        "trials": [{
            "handler": "reference", "case": "abort", "outcome": "hung",
            "not_run_reason": null, "wall_ms": 1, "latency_ms": null, "verify_ms": null,
            "grade": null
        }]
    });
    // A hung trial without its grade or where it hung.
    assert!(common::schema::check("results.schema.json", &results).is_err());
}
