//! A real CORS scanner against every route of the demo: CORScanner (the PyPI package `cors`,
//! 1.0.1) probes each URL with the origins attackers try (`https://evil.com`, `null`,
//! prefix, suffix and substring look-alikes of the host, unescaped dots, special characters,
//! well-known third parties) and reports every one the server grants. It must report none.
//!
//! The scanner writes its findings to its `-o` file (its stdout only has log lines). A
//! scanner that cannot reach the server also reports nothing, so the test checks in the API's
//! journal that every URL was probed; and it scans a deliberately wrong server (one that
//! echoes any `Origin`, started here) to show that a finding does fail the check.
//!
//! Offline, the scanner must not download the Public Suffix List:
//! `TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS` is set empty for it. The scanner missing is a failure,
//! never a skip: the message says how to install it (`pip install cors==1.0.1`).

mod support;

use std::net::SocketAddr;

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use cors_suite::api;
use serde_json::Value;
use support::{Running, TempDir, path_with_id};

const INSTALL: &str = "pip install cors==1.0.1";
/// How long one scan may take (it takes a few seconds on loopback).
const SCAN_BOUND: Duration = Duration::from_secs(120);

/// The scanner's command: `$CORSCANNER`, or `cors` on the `PATH`.
fn scanner() -> PathBuf {
    std::env::var_os("CORSCANNER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cors"))
}

/// Runs the scanner over `urls` and returns its findings (the `-o` file's JSON array).
fn scan(urls: &[String]) -> Vec<Value> {
    let dir = TempDir::new("scanner");
    let input = dir.0.join("urls.txt");
    let output = dir.0.join("findings.json");
    std::fs::write(&input, urls.join("\n") + "\n").unwrap();
    let mut child = Command::new(scanner())
        .arg("-i")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["-t", "8", "-T", "5"])
        .env("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        .env("TLDEXTRACT_CACHE", dir.0.join("tldextract-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run the CORS scanner `{}` ({error}): install it with `{INSTALL}` \
                 (or set CORSCANNER to its command)",
                scanner().display()
            )
        });
    let deadline = Instant::now() + SCAN_BOUND;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the scanner did not finish within {SCAN_BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    let log = format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        status.success(),
        "the scanner failed ({status}); is it installed (`{INSTALL}`)?\n{log}"
    );
    let text = std::fs::read_to_string(&output).unwrap_or_else(|error| {
        panic!("the scanner wrote no findings file ({error}); is it `{INSTALL}`?\n{log}")
    });
    match serde_json::from_str(&text) {
        Ok(Value::Array(findings)) => findings,
        _ => panic!("the scanner's findings are not a JSON array: {text}\n{log}"),
    }
}

/// Every path of the demo's API, each once (GET is all the scanner sends), `{id}` an
/// item's.
fn paths() -> Vec<String> {
    let mut seen = HashSet::new();
    api::ROUTES
        .iter()
        .map(|route| path_with_id(route, 1))
        .filter(|path| seen.insert(path.clone()))
        .collect()
}

/// Whether a finding is the one report the design itself causes: scanned through the host
/// name `localhost`, CORScanner's "unescaped dot" look-alike of a host without dots is the host
/// itself, `http://localhost`, which `GET /api/dev`'s policy `http://localhost:*` allows on
/// purpose (any port, and none). The scanner says so; it is not a look-alike.
fn is_dev_route_by_design(finding: &Value) -> bool {
    finding["url"]
        .as_str()
        .is_some_and(|url| url.starts_with("http://localhost:") && url.contains("/api/dev?"))
        && finding["type"] == "not_escape_dot"
        && finding["origin"] == "http://localhost"
}

#[test]
fn corscanner_finds_no_misconfiguration_in_any_demo_route() {
    let demo = Running::start();
    let setups = demo.setups();
    assert_eq!(setups.len(), 2, "both documented setups");
    let apis: Vec<(String, SocketAddr)> = setups
        .into_iter()
        .map(|(preflights, api)| (format!("actix-{preflights}"), api))
        .collect();
    scan_finds_nothing(&demo, &apis);
}

/// The same scan of the demo's API served by axum (`cors-axum`), with a journal of its own
/// (the journal keeps the last 2,000 requests: one scan's worth).
#[test]
fn corscanner_finds_no_misconfiguration_in_the_axum_demo_api() {
    let demo = Running::with(support::loopback_config_with_axum()).expect("the demo");
    let api = demo.axum_api.expect("the axum API");
    scan_finds_nothing(&demo, &[("axum".to_owned(), api)]);
}

/// Scans every route of each of `apis` of `demo`, and the page: no misconfiguration, and
/// `/api/dev`'s grant of `http://localhost` reported once per API (by design).
fn scan_finds_nothing(demo: &Running, apis: &[(String, SocketAddr)]) {
    // Every route of every API at its address (`127.0.0.1`), then again through the host
    // name `localhost` (the scanner derives its look-alikes from the host), and the page.
    let paths = paths();
    let mut urls: Vec<String> = Vec::new();
    let mut scans = Vec::new();
    for (setup, api) in apis {
        let port = api.port();
        let (ip, name) = (format!("ip-{setup}"), format!("name-{setup}"));
        urls.extend(
            paths
                .iter()
                .map(|path| format!("http://127.0.0.1:{port}{path}?scan={ip}")),
        );
        urls.extend(
            paths
                .iter()
                .map(|path| format!("http://localhost:{port}{path}?scan={name}")),
        );
        scans.extend([ip, name]);
    }
    urls.push(demo.page_url.clone());

    let findings = scan(&urls);

    // The scanner reached every API URL: it sent them its look-alike origins.
    let seen = demo.journal.entries();
    let mut probes = 0;
    for scan in &scans {
        for path in &paths {
            let origins: Vec<&str> = seen
                .iter()
                .filter(|entry| entry.path == *path && entry.has_query("scan", scan))
                .filter_map(|entry| entry.origin.as_deref())
                .collect();
            assert!(
                origins.contains(&"null") && origins.iter().any(|origin| origin.contains("evil")),
                "the scanner did not probe {path} (scan={scan}; origins seen: {origins:?})"
            );
            probes += origins.len();
        }
    }
    let (by_design, misconfigurations): (Vec<&Value>, Vec<&Value>) = findings
        .iter()
        .partition(|finding| is_dev_route_by_design(finding));
    println!(
        "CORScanner: {} URLs, {probes} probes of the API, {} findings: {misconfigurations:?}; \
         by design: {by_design:?}",
        urls.len(),
        misconfigurations.len()
    );
    assert!(
        misconfigurations.is_empty(),
        "CORScanner reports misconfigurations: {misconfigurations:#?}"
    );
    // The scanner does report a grant when it gets one: `http://localhost` on `/api/dev`,
    // once per API.
    assert_eq!(
        by_design.len(),
        apis.len(),
        "expected CORScanner to report /api/dev's grant of http://localhost through localhost"
    );
}

/// The negative control: a server that reflects any `Origin` with credentials (the classic
/// misconfiguration) is reported, so the test above would fail on such a route.
#[test]
fn corscanner_reports_a_reflecting_server() {
    async fn reflect(req: HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        if let Some(origin) = req.headers().get("origin") {
            response
                .insert_header(("Access-Control-Allow-Origin", origin.clone()))
                .insert_header(("Access-Control-Allow-Credentials", "true"));
        }
        response.body("reflected")
    }

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = HttpServer::new(|| App::new().default_service(web::to(reflect)))
        .listen(listener)
        .unwrap()
        .workers(1)
        .disable_signals()
        .run();
    let handle = server.handle();
    let thread = std::thread::spawn(move || actix_web::rt::System::new().block_on(server));

    let findings = scan(&[format!("http://{address}/reflect")]);
    actix_web::rt::System::new().block_on(handle.stop(false));
    let _ = thread.join();

    println!("control: {findings:?}");
    assert!(
        findings
            .iter()
            .any(|finding| finding["type"] == "reflect_origin" && finding["credentials"] == "true"),
        "the scanner did not report a server that reflects every origin: {findings:?}"
    );
}
