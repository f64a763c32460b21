//! The HTML report in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), on a report made from a real run.
//!
//! Without Chromium or chromedriver the test says so and passes, unless
//! `CRASHSUITE_REQUIRE_BROWSER=1` (CI sets it, after installing both), when
//! their absence fails it. The screenshot goes to `$CRASHSUITE_ARTIFACTS`
//! (default: the system's temporary directory) as `report.png`.
// The page is made from a run of the reference handler on this Linux host.
#![cfg(target_os = "linux")]

use base64::Engine as _;
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

mod common;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[test]
fn the_report_shows_every_trial_and_its_rules_in_chromium() {
    if let Some(missing) = [CHROMIUM, CHROMEDRIVER].into_iter().find(|p| !Path::new(p).exists()) {
        let required = std::env::var_os("CRASHSUITE_REQUIRE_BROWSER").is_some_and(|v| v == "1");
        assert!(!required, "CRASHSUITE_REQUIRE_BROWSER=1 but {missing} is missing");
        eprintln!("skipped: {missing} is missing (apt-get install chromium chromium-driver)");
        return;
    }

    // A real run: the reference and in-process handlers and a broken one.
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = common::broken_handler(dir.path());
    let report = dir.path().join("report");
    let run = Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .args(["run", "--handler", "reference,inproc", "--manifest"])
        .arg(&manifest)
        .args(["--case", "segv_null_write", "--case", "segv_null_call", "--case", "emfile"])
        .args(["--case", "windows_purecall", "--report"])
        .arg(&report)
        .output()
        .expect("crashsuite run");
    assert_eq!(run.status.code(), Some(1), "the broken handler fails a MUST rule");
    let results_path = report.join("results.json");
    let html = Command::new(env!("CARGO_BIN_EXE_crashsuite"))
        .arg("report")
        .arg(&results_path)
        .arg("--html")
        .arg(&report)
        .output()
        .expect("crashsuite report");
    assert!(html.status.success(), "{}", String::from_utf8_lossy(&html.stderr));
    let results: Value =
        serde_json::from_slice(&std::fs::read(&results_path).expect("read")).expect("json");
    let trials = results["trials"].as_array().expect("trials");

    let browser = Browser::start(dir.path());
    browser
        .post("url", json!({ "url": format!("file://{}", report.join("report.html").display()) }));

    // A cell per trial, each with the outcome its verdicts give.
    let cells = browser.find_all("#matrix td.cell");
    assert_eq!(cells.len(), trials.len(), "one cell per trial");
    let mut seen = std::collections::BTreeMap::new();
    for cell in &cells {
        let trial = browser.attribute(cell, "data-trial");
        seen.insert(trial, browser.attribute(cell, "class"));
    }
    for trial in trials {
        let name = format!("{}::{}", str(&trial["handler"]), str(&trial["case"]));
        let class = seen.get(&name).unwrap_or_else(|| panic!("no cell for {name}"));
        let expected = expected_outcome(trial);
        assert!(
            class.split(' ').any(|c| c == expected),
            "{name}: class {class:?}, expected {expected}"
        );
    }
    for expected in ["pass", "deviation", "not-run"] {
        assert!(seen.values().any(|c| c.contains(expected)), "no {expected} cell: {seen:?}");
    }
    let fails = |c: &String| c.contains("wrong") || c.contains("required-missing");
    assert!(seen.values().any(fails), "no failing cell: {seen:?}");

    // A failing cell shows its failing rules.
    let failing =
        trials.iter().find(|t| failing_outcome(expected_outcome(t))).expect("a failing trial");
    let name = format!("{}::{}", str(&failing["handler"]), str(&failing["case"]));
    let cell = browser.find(&format!("#matrix td.cell[data-trial=\"{name}\"]"));
    browser.post(&format!("element/{cell}/click"), json!({}));
    let heading = browser.text(&browser.find("#detail h2"));
    assert!(heading.contains(&name), "detail heading {heading:?}");
    let failed_rules: Vec<&str> = failing["grade"]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["verdict"] == "fail" || (v["verdict"] == "missing" && v["level"] == "Must"))
        .map(|v| str(&v["id"]))
        .collect();
    assert!(!failed_rules.is_empty());
    for rule in &failed_rules {
        let row = browser.find(&format!("#detail tr[data-rule=\"{rule}\"]"));
        assert!(browser.text(&row).contains(rule), "{rule} row");
    }

    // "Only failures" leaves the cases with a failing cell.
    let only = browser.find("#only-failures");
    browser.post(&format!("element/{only}/click"), json!({}));
    let mut failing_cases: Vec<&str> = trials
        .iter()
        .filter(|t| failing_outcome(expected_outcome(t)))
        .map(|t| str(&t["case"]))
        .collect();
    failing_cases.sort();
    failing_cases.dedup();
    let shown: Vec<String> = browser
        .find_all("#matrix tr[data-case]")
        .iter()
        .filter(|row| browser.get(&format!("element/{row}/displayed")) == json!(true))
        .map(|row| browser.attribute(row, "data-case"))
        .collect();
    assert_eq!(shown, failing_cases, "rows left by the filter");

    let png = base64::engine::general_purpose::STANDARD
        .decode(str(&browser.get("screenshot")))
        .expect("base64");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let artifacts =
        std::env::var_os("CRASHSUITE_ARTIFACTS").map_or_else(std::env::temp_dir, PathBuf::from);
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    std::fs::write(artifacts.join("report.png"), png).expect("write the screenshot");
}

/// Whether a cell class is one that fails the trial.
fn failing_outcome(class: &str) -> bool {
    matches!(class, "wrong" | "required-missing")
}

/// The cell class a trial's verdicts give (the page's legend).
fn expected_outcome(trial: &Value) -> &'static str {
    if trial["outcome"] == "not_run" {
        return "not-run";
    }
    let grade = &trial["grade"];
    if !grade["error"].is_null() {
        return "wrong";
    }
    let verdicts = grade["verdicts"].as_array().expect("verdicts");
    let any = |f: &dyn Fn(&Value) -> bool| verdicts.iter().any(f);
    if any(&|v| v["verdict"] == "fail") {
        "wrong"
    } else if any(&|v| v["verdict"] == "missing" && v["level"] == "Must") {
        "required-missing"
    } else if any(&|v| v["verdict"] == "deviation") {
        "deviation"
    } else if any(&|v| v["verdict"] == "missing") {
        "gap"
    } else {
        "pass"
    }
}

fn str(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}"))
}

/// chromedriver and one headless Chromium session; both end on drop.
struct Browser {
    driver: Child,
    base: String,
    agent: ureq::Agent,
}

impl Browser {
    fn start(scratch: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut browser = Self { driver, base: format!("http://127.0.0.1:{port}"), agent };
        let deadline = Instant::now() + Duration::from_secs(20);
        while browser.agent.get(format!("{}/status", browser.base)).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = scratch.join("chromium-profile");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1400,1000",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        } } });
        let session = browser.call("POST", "/session", Some(capabilities));
        let id = str(&session["sessionId"]).to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        browser
    }

    /// A WebDriver command; its `value`, or a panic with the driver's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("POST", Some(body)) => self.agent.post(&url).send_json(body),
            ("DELETE", _) => self.agent.delete(&url).call(),
            _ => self.agent.get(&url).call(),
        }
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status();
        let value: Value = response.into_body().read_json().expect("a JSON answer");
        assert!(status.is_success(), "{method} {url}: {status} {value}");
        value["value"].clone()
    }

    fn post(&self, command: &str, body: Value) -> Value {
        self.call("POST", &format!("/{command}"), Some(body))
    }

    fn get(&self, command: &str) -> Value {
        self.call("GET", &format!("/{command}"), None)
    }

    fn find(&self, css: &str) -> String {
        let found = self.post("element", json!({ "using": "css selector", "value": css }));
        str(&found[ELEMENT]).to_owned()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.post("elements", json!({ "using": "css selector", "value": css }));
        found.as_array().expect("a list").iter().map(|e| str(&e[ELEMENT]).to_owned()).collect()
    }

    fn attribute(&self, element: &str, name: &str) -> String {
        str(&self.get(&format!("element/{element}/attribute/{name}"))).to_owned()
    }

    fn text(&self, element: &str) -> String {
        str(&self.get(&format!("element/{element}/text"))).to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends Chromium; then the driver.
        let _ = self.agent.delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
