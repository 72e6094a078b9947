//! End-to-end tests in real browsers: headless Chromium and headless Firefox, driven over
//! WebDriver (`fantoccini`, with Debian's `chromedriver` and the `geckodriver` crate; see
//! `browsers/mod.rs`), load the demo page and make `fetch()` calls from the page's origin to
//! the API. What is asserted is what the browser allowed and blocked, next to what the API's
//! journal says it answered.
//!
//! Every scenario is written once, as a function of the [`Engine`] and, for every scenario
//! that calls the API, of the [`Framework`] serving it (actix-web, or axum through
//! `cors_axum`): it runs as `chromium::<scenario>` and `firefox::<scenario>`, or as
//! `chromium::actix_web::<scenario>`, `chromium::axum::<scenario>` and the same under
//! `firefox` ([`in_both_engines`]), with the same assertions. Where the engines or the
//! frameworks legitimately differ, [`Engine`] and [`Framework`] say how (so far the words of
//! a blocked call's `TypeError`, and the answers of the frameworks' own extractors).
//!
//! # Design: one page origin, shared; everything else per test
//!
//! The policies name the page origin `http://localhost:8080` as a compile-time literal, so
//! the allowed calls only work from a page on exactly that origin: the page server must
//! listen on `localhost:8080` (both `127.0.0.1` and `::1`). Tests run in parallel threads of
//! this one process, so:
//!
//! - One **shared demo** per test process ([`shared`]): the page on `localhost:8080`, the API
//!   on `127.0.0.1:8081` (the demo's defaults, so the page and its screenshot look exactly as
//!   with `cargo run --example demo`), and the same page on a **second origin**,
//!   `http://127.0.0.1:<free port>`, with the documented setups' other APIs on free ports:
//!   the handlers without `Preflights` (`/?setup=plain`) and the API served by axum
//!   (`/?setup=axum`). It runs on a thread of its own for the life of the process. Another
//!   process holding those ports (a running demo, a concurrent test run) is waited for, for
//!   a bounded time, then reported plainly.
//! - The demo page's rows run against the shared APIs; only the row tests change their
//!   store (they create an item and delete it), one page at a time, each from the demo's
//!   first store, so what the page shows is the same every run, in both engines and against
//!   both frameworks.
//! - Every other scenario makes its calls from the shared page (`/?manual`, which runs
//!   nothing on load) to an **API of its own** on a free port ([`Isolated`], served by the
//!   scenario's [`Framework`]): its own store and its own journal, so parallel tests cannot
//!   see each other's requests.
//! - Every test has its **own browser process** (a new WebDriver session with a fresh
//!   profile), so no preflight cache is shared between tests; within a test every
//!   call is made with `cache: "no-store"` and tagged with a unique `?run=` query, and the
//!   preflight cache is keyed by URL, so a cached preflight can never hide one we look for.
//!
//! A missing browser or WebDriver server is a failure, never a skip: the message says what
//! installs it (`apt-get install -y chromium chromium-driver firefox-esr`,
//! `cargo install geckodriver --locked`).

mod browsers;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use browsers::{Browser, Engine};
use cors_suite::journal::Seen;
use cors_suite::{Config, Endpoint};
use fantoccini::{Client, Locator};
use serde::Deserialize;
use serde_json::{Value, json};
use support::{Running, unique};

/// Upper bound for one scenario.
const SCENARIO: Duration = Duration::from_secs(90);
/// How long the demo page may take to run all its rows.
const PAGE_RUN: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Servers

/// The demo every test of this process shares: page on `localhost:8080` (and on a second
/// origin), API on `127.0.0.1:8081`.
fn shared() -> &'static Running {
    static SHARED: OnceLock<Result<Running, String>> = OnceLock::new();
    let running = SHARED.get_or_init(|| {
        Running::with(Config {
            more_pages: vec![Endpoint::new("127.0.0.1", 0)],
            // The same handlers without `Preflights`, called by the page at `/?setup=plain`.
            plain_api: Some(Endpoint::new("127.0.0.1", 0)),
            // The same API served by axum, called by the page at `/?setup=axum`.
            axum_api: Some(Endpoint::new("127.0.0.1", 0)),
            ..Config::default()
        })
        .map_err(|error| {
            format!(
                "{error}: the browser tests serve the page on http://localhost:8080, the origin \
                 the policies name"
            )
        })
    });
    running.as_ref().unwrap_or_else(|error| panic!("{error}"))
}

/// The shared page on its second origin, `http://127.0.0.1:<port>/`.
fn second_page_url() -> &'static str {
    &shared().more_page_urls[0]
}

/// The framework serving the demo's API in a scenario: the same routes, policies and
/// stores either way (`cors_suite::api`, `cors_suite::axum_api`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framework {
    /// actix-web, with `cors_runtime`'s `#[cors]` and `Preflights`.
    ActixWeb,
    /// axum, with `cors_axum`'s `#[cors]` and `routes!`.
    Axum,
}

impl Framework {
    /// The demo page's `setup` for this framework's API (`/?setup=axum`), if any.
    fn setup(self) -> Option<&'static str> {
        match self {
            Framework::ActixWeb => None,
            Framework::Axum => Some("axum"),
        }
    }

    /// The URL of this framework's API in `demo`.
    fn api_url(self, demo: &Running) -> String {
        match self {
            Framework::ActixWeb => demo.api_url.clone(),
            Framework::Axum => demo.axum_api_url.clone().expect("the axum API"),
        }
    }

    /// The status of a `DELETE /api/items/<id>` whose id its path extractor cannot parse:
    /// actix-web's `404` (no resource matched), axum's `400` (`Path`'s rejection).
    fn unparsable_id_status(self) -> u16 {
        match self {
            Framework::ActixWeb => 404,
            Framework::Axum => 400,
        }
    }

    /// How its `Json` extractor's `400` for a malformed body begins.
    fn malformed_json_answer(self) -> &'static str {
        match self {
            Framework::ActixWeb => "Json deserialize error",
            Framework::Axum => "Failed to parse the request body as JSON",
        }
    }
}

/// An API (with its own store and journal) on a free port, for one test. The page server
/// that comes with it is unused: calls are made from the shared page on `localhost:8080`.
struct Isolated {
    running: Running,
    /// The URL of the API the test calls.
    api_url: String,
}

impl Isolated {
    /// The API served by `framework` (for axum, beside an actix-web one the test does not
    /// call).
    fn start(framework: Framework) -> Self {
        let running = match framework {
            Framework::ActixWeb => Running::start(),
            Framework::Axum => Running::with(support::loopback_config_with_axum())
                .unwrap_or_else(|error| panic!("{error}")),
        };
        let api_url = framework.api_url(&running);
        Isolated { running, api_url }
    }

    fn url(&self, path: &str, run: &str) -> String {
        format!("{}{path}?run={run}", self.api_url)
    }

    fn journal(&self, run: &str) -> Vec<Seen> {
        self.running.journal.run(run)
    }
}

// ---------------------------------------------------------------------------------------
// Browser

/// Runs `scenario` in a fresh browser of `engine`, always closing the browser, then fails
/// the test if the scenario panicked or took longer than [`SCENARIO`], or if the browser
/// tried to reach a host beyond loopback.
async fn with_browser<F, Fut>(engine: Engine, scenario: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_browser_reaching(engine, &[], scenario).await;
}

/// [`with_browser`], where the scenario itself asks for the hosts `outside` (beyond
/// loopback): the browser may try those, and nothing else. Returns what it tried (the
/// request lines its proxy got: Firefox's only).
async fn with_browser_reaching<F, Fut>(engine: Engine, outside: &[&str], scenario: F) -> Vec<String>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let browser = Browser::start(engine).await;
    let outcome =
        tokio::time::timeout(SCENARIO, tokio::spawn(scenario(browser.client.clone()))).await;
    let reached = browser.close().await;
    let name = engine.name();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Ok(Err(error)) => panic!("{name}: the scenario did not finish: {error}"),
        Err(_) => panic!("{name}: the scenario took longer than {SCENARIO:?}"),
    }
    let unexpected: Vec<&String> = reached
        .iter()
        .filter(|line| !outside.iter().any(|host| names_host(line, host)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{name} tried to reach hosts beyond loopback: {unexpected:#?}"
    );
    reached
}

/// Whether a proxy request line (`GET http://host/… HTTP/1.1`, `CONNECT host:443 HTTP/1.1`)
/// is for `host`.
fn names_host(line: &str, host: &str) -> bool {
    let target = line.split(' ').nth(1).unwrap_or_default();
    let authority = target
        .split_once("://")
        .map_or(target, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    authority
        .rsplit_once(':')
        .map_or(authority, |(name, _)| name)
        == host
}

/// Opens `url` and waits until the page has run its rows (or is in manual mode).
async fn open(client: &Client, url: &str) {
    client
        .goto(url)
        .await
        .unwrap_or_else(|error| panic!("cannot open {url}: {error}"));
    client
        .wait()
        .at_most(PAGE_RUN)
        .for_element(Locator::Css(
            "body[data-done='true'], body[data-done='manual']",
        ))
        .await
        .unwrap_or_else(|error| panic!("the page at {url} did not finish its calls: {error}"));
}

/// Opens the shared page on `localhost:8080` without running its rows.
async fn open_manual(client: &Client) {
    open(client, &format!("{}?manual", shared().page_url)).await;
}

/// Opens the shared page at `page_url` (with its trailing slash) in the setup of
/// `framework`'s API, lets it run its rows, and checks that they called that API.
async fn open_rows_against(client: &Client, page_url: &str, framework: Framework) {
    let url = match framework.setup() {
        Some(setup) => format!("{page_url}?setup={setup}"),
        None => page_url.to_owned(),
    };
    open(client, &url).await;
    let api = client
        .execute("return window.corsDemo.api;", vec![])
        .await
        .expect("the page's API");
    assert_eq!(
        api.as_str(),
        Some(framework.api_url(shared()).as_str()),
        "the page calls {framework:?}'s API"
    );
}

/// What `fetch()` gave the page for one call.
#[derive(Debug, Deserialize)]
struct Probe {
    outcome: String,
    status: Option<u16>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: String,
    error: Option<String>,
}

impl Probe {
    #[track_caller]
    fn assert_allowed(&self, status: u16) {
        assert_eq!(
            (self.outcome.as_str(), self.status),
            ("allowed", Some(status)),
            "expected the browser to allow the call with status {status}: {self:?}"
        );
    }

    #[track_caller]
    fn assert_blocked(&self, engine: Engine) {
        assert_eq!(
            self.outcome,
            "blocked",
            "expected {} to block the call: {self:?}",
            engine.name()
        );
        assert_eq!(
            self.error.as_deref(),
            Some(engine.blocked_error()),
            "{self:?}"
        );
    }
}

/// One `fetch(url, init)` from the page, the way the page's rows make it
/// (`cache: "no-store"` included).
async fn probe(client: &Client, url: &str, init: Value) -> Probe {
    let result = client
        .execute(
            "return window.corsDemo.probe(arguments[0], arguments[1]);",
            vec![json!(url), init],
        )
        .await
        .unwrap_or_else(|error| panic!("fetch({url}) could not run in the page: {error}"));
    serde_json::from_value(result.clone())
        .unwrap_or_else(|error| panic!("unexpected probe result {result}: {error}"))
}

/// What the journal saw of each request: (method, preflight, status).
fn summarized(journal: &[Seen]) -> Vec<(&str, bool, u16)> {
    journal
        .iter()
        .map(|seen| (seen.method.as_str(), seen.preflight, seen.status))
        .collect()
}

fn header<'a>(seen: &'a Seen, name: &str) -> &'a str {
    seen.header(name)
        .unwrap_or_else(|| panic!("the API sent no {name}: {seen:?}"))
}

// ---------------------------------------------------------------------------------------
// The demo page

/// What the browser must do with each row of the demo page, in order: `Some(status)` for
/// allowed with that status, `None` for blocked.
const ROWS_AT_LOCALHOST_8080: &[(&str, Option<u16>)] = &[
    ("hello-get", Some(200)),
    ("hello-post", Some(200)),
    ("items-list", Some(200)),
    ("items-create", Some(201)),
    ("items-bad-json", Some(400)),
    ("items-delete", Some(204)),
    ("items-delete-unknown", Some(404)),
    ("items-put", None),
    ("items-secret-header", None),
    ("subdomain", None),
    ("dev", Some(200)),
    ("private", None),
    ("fail", Some(500)),
    ("vary", Some(200)),
    ("account-token", Some(200)),
    ("account-no-token", Some(401)),
    ("team", Some(200)),
    ("tenant", Some(200)),
    ("tenant-removed", None),
    ("tenant-back", Some(200)),
];

/// The rows behind authentication: without `Preflights` (`/?setup=plain`) they meet the
/// authentication layer alone, as the README says, and are blocked.
const ROWS_BEHIND_AUTHENTICATION: &[&str] = &["account-token", "account-no-token"];

/// [`ROWS_AT_LOCALHOST_8080`] against the API without `Preflights`.
fn rows_without_preflights() -> Vec<(&'static str, Option<u16>)> {
    ROWS_AT_LOCALHOST_8080
        .iter()
        .map(|&(id, outcome)| {
            let blocked = ROWS_BEHIND_AUTHENTICATION.contains(&id);
            (id, if blocked { None } else { outcome })
        })
        .collect()
}

/// The same rows from `http://127.0.0.1:<port>`: only the `*` route lets it read anything.
const ROWS_AT_SECOND_ORIGIN: &[(&str, Option<u16>)] = &[
    ("hello-get", Some(200)),
    ("hello-post", Some(200)),
    ("items-list", None),
    ("items-create", None),
    ("items-bad-json", None),
    ("items-delete", None),
    ("items-delete-unknown", None),
    ("items-put", None),
    ("items-secret-header", None),
    ("subdomain", None),
    ("dev", None),
    ("private", None),
    ("fail", None),
    ("vary", None),
    ("account-token", None),
    ("account-no-token", None),
    ("team", None),
    ("tenant", None),
    ("tenant-removed", None),
    ("tenant-back", None),
];

/// Reads the page's results, checks each row against `expected`, the page's own verdict and
/// the `<tr data-*>` attributes, and returns the results by row id.
async fn assert_rows(
    client: &Client,
    engine: Engine,
    expected: &[(&str, Option<u16>)],
) -> BTreeMap<String, Value> {
    let results = client
        .execute("return window.__results;", vec![])
        .await
        .expect("window.__results");
    let results = results.as_array().expect("window.__results is an array");
    let ids: Vec<&str> = results
        .iter()
        .map(|row| row["id"].as_str().unwrap_or("?"))
        .collect();
    let expected_ids: Vec<&str> = expected.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected_ids, "the page's rows");

    for (row, (id, outcome)) in results.iter().zip(expected) {
        match outcome {
            Some(status) => {
                assert_eq!(
                    row["outcome"], "allowed",
                    "row {id} should be allowed: {row}"
                );
                assert_eq!(row["status"], *status, "row {id}: {row}");
            }
            None => {
                assert_eq!(
                    row["outcome"], "blocked",
                    "row {id} should be blocked: {row}"
                );
                assert_eq!(row["error"], engine.blocked_error(), "row {id}: {row}");
            }
        }
        assert_eq!(
            row["pass"], true,
            "the page's own expectation for row {id} disagrees: {row}"
        );
    }

    assert_table_rows(client, expected).await;

    results
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap_or_default().to_owned(),
                row.clone(),
            )
        })
        .collect()
}

/// Checks the `<tr data-*>` attributes of the page's table, and that the page counts no
/// failure, against `expected`.
async fn assert_table_rows(client: &Client, expected: &[(&str, Option<u16>)]) {
    let trs = client
        .find_all(Locator::Css("#results tbody tr"))
        .await
        .expect("table rows");
    assert_eq!(trs.len(), expected.len(), "table rows");
    for (tr, (id, outcome)) in trs.iter().zip(expected) {
        let attr = |name: &'static str| async move {
            tr.attr(name).await.expect("attribute").unwrap_or_default()
        };
        assert_eq!(attr("data-row").await, *id);
        assert_eq!(
            attr("data-actual").await,
            if outcome.is_some() {
                "allowed"
            } else {
                "blocked"
            },
            "row {id}"
        );
        assert_eq!(
            attr("data-status").await,
            outcome.map(|status| status.to_string()).unwrap_or_default(),
            "row {id}"
        );
        assert_eq!(attr("data-pass").await, "true", "row {id}");
    }
    let body = client.find(Locator::Css("body")).await.expect("body");
    assert_eq!(
        body.attr("data-failed")
            .await
            .expect("attribute")
            .as_deref(),
        Some("0")
    );
}

/// The API journal entries the page showed for one row (those of its own run and row).
fn page_saw(row: &Value) -> Vec<Seen> {
    serde_json::from_value(row["server"].clone())
        .unwrap_or_else(|error| panic!("the page has no journal for row {}: {error}", row["id"]))
}

/// The API journal entries the page showed for one row: (method, preflight, status).
fn server_view(row: &Value) -> Vec<(String, bool, u64)> {
    row["server"]
        .as_array()
        .unwrap_or_else(|| panic!("the page has no journal for row {}", row["id"]))
        .iter()
        .map(|seen| {
            (
                seen["method"].as_str().unwrap_or_default().to_owned(),
                seen["preflight"].as_bool().unwrap_or_default(),
                seen["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn seen(method: &str, preflight: bool, status: u64) -> (String, bool, u64) {
    (method.to_owned(), preflight, status)
}

/// The rows create an item and delete it in the store the demo's APIs share: one page at a
/// time, each from the demo's first store, so every page (and picture) shows the same ids.
static ONE_PAGE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The demo page's rows against `framework`'s API (`/`, `/?setup=axum`): the same outcomes,
/// the same server views in the journal (the API's own entries: the page's calls went to its
/// URL only) and the same reads. The page of the default setup is the README's picture.
async fn every_row_of_the_demo_page_does_what_its_policy_says(
    engine: Engine,
    framework: Framework,
) {
    let _turn = ONE_PAGE_AT_A_TIME.lock().await;
    let demo = shared();
    demo.items.reset();
    demo.tenants.reset();
    with_browser(engine, move |client| async move {
        open_rows_against(&client, &demo.page_url, framework).await;
        let rows = assert_rows(&client, engine, ROWS_AT_LOCALHOST_8080).await;
        assert_server_views(&rows, true);
        assert_what_the_page_read(&rows, demo, true);
        // The malformed body met the framework's own `Json` extractor.
        let rejection = rows["items-bad-json"]["body"].as_str().unwrap_or_default();
        assert!(
            rejection.starts_with(framework.malformed_json_answer()),
            "{rejection}"
        );
        if framework == Framework::ActixWeb {
            screenshot(&client, engine).await;
        }
    })
    .await;
}

/// The other documented setup of the actix-web API (`/?setup=plain`): its handlers without
/// `Preflights`, awaiting.
async fn every_row_of_the_plain_demo_page_does_what_its_setup_says(engine: Engine) {
    let _turn = ONE_PAGE_AT_A_TIME.lock().await;
    let demo = shared();
    demo.items.reset();
    demo.tenants.reset();
    with_browser(engine, move |client| async move {
        open(&client, &format!("{}?setup=plain", demo.page_url)).await;
        let rows = assert_rows(&client, engine, &rows_without_preflights()).await;
        assert_server_views(&rows, false);
        assert_what_the_page_read(&rows, demo, false);
    })
    .await;
}

/// The server's side of each row, as the page got it from the journal, from the API behind
/// `Preflights` or (`preflights` false) without it.
fn assert_server_views(rows: &BTreeMap<String, Value>, preflights: bool) {
    let options = |status| seen("OPTIONS", true, status);
    assert_eq!(
        server_view(&rows["hello-get"]),
        [seen("GET", false, 200)],
        "simple: no preflight"
    );
    assert_eq!(
        server_view(&rows["hello-post"]),
        [options(204), seen("POST", false, 200)]
    );
    assert_eq!(server_view(&rows["items-list"]), [seen("GET", false, 200)]);
    assert_eq!(
        server_view(&rows["items-create"]),
        [options(204), seen("POST", false, 201)]
    );
    assert_eq!(
        server_view(&rows["items-bad-json"]),
        [options(204), seen("POST", false, 400)]
    );
    assert_eq!(
        server_view(&rows["items-delete"]),
        [options(204), seen("DELETE", false, 204)]
    );
    assert_eq!(
        server_view(&rows["items-delete-unknown"]),
        [options(204), seen("DELETE", false, 404)]
    );
    assert_eq!(
        server_view(&rows["items-put"]),
        [options(403)],
        "the PUT is never sent"
    );
    assert_eq!(
        server_view(&rows["items-secret-header"]),
        [options(403)],
        "the GET is never sent"
    );
    assert_eq!(
        server_view(&rows["subdomain"]),
        [seen("GET", false, 200)],
        "answered, then hidden"
    );
    assert_eq!(server_view(&rows["dev"]), [seen("GET", false, 200)]);
    assert_eq!(
        server_view(&rows["private"]),
        [seen("GET", false, 200)],
        "answered, then hidden"
    );
    assert_eq!(server_view(&rows["fail"]), [seen("GET", false, 500)]);
    assert_eq!(server_view(&rows["vary"]), [seen("GET", false, 200)]);
    if preflights {
        assert_eq!(
            server_view(&rows["account-token"]),
            [options(204), seen("GET", false, 200)],
            "the preflight is answered before the auth layer"
        );
    } else {
        assert_eq!(
            server_view(&rows["account-token"]),
            [options(401)],
            "without Preflights the auth layer refuses the preflight"
        );
    }
    assert_eq!(
        server_view(&rows["account-no-token"]),
        [seen("GET", false, 401)],
        "simple: no preflight; the auth layer's 401"
    );
    assert_eq!(server_view(&rows["team"]), [seen("GET", false, 200)]);
    for tenant_row in ["tenant", "tenant-removed", "tenant-back"] {
        assert_eq!(
            server_view(&rows[tenant_row]),
            [seen("GET", false, 200)],
            "{tenant_row}: simple, answered whoever asks; the grant is the function's"
        );
    }
}

/// What the page could read (the exposed count, the bodies of errors), what the store holds
/// after the rows, and the `Vary` the page cannot read, from the journal.
fn assert_what_the_page_read(rows: &BTreeMap<String, Value>, demo: &Running, preflights: bool) {
    let list = &rows["items-list"];
    let items: Vec<Value> =
        serde_json::from_str(list["body"].as_str().unwrap_or_default()).expect("items JSON");
    assert_eq!(
        list["headers"]["x-total-count"],
        items.len().to_string(),
        "{list}"
    );
    assert_eq!(rows["fail"]["body"], "the items database is on fire");
    if preflights {
        assert_eq!(rows["account-token"]["body"], r#"{"user":"demo"}"#);
    }
    assert_eq!(rows["items-create"]["path"], "/api/items");
    let created: Value =
        serde_json::from_str(rows["items-create"]["body"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(created["name"], "Try the demo");
    assert_eq!(
        rows["items-delete"]["path"],
        format!("/api/items/{}", created["id"])
    );
    assert!(
        demo.items
            .list()
            .iter()
            .all(|item| item.name != "Overwritten" && item.name != "Try the demo"),
        "the blocked PUT changed nothing and the DELETE removed the created item: {:?}",
        demo.items.list()
    );

    // The Vary the page cannot read, from the journal: the handler's value, then Origin.
    let vary = page_saw(&rows["vary"]);
    assert_eq!(vary.len(), 1, "{vary:#?}");
    assert_eq!(header(&vary[0], "vary"), "Accept-Encoding, Origin");
}

/// Saves the whole demo page as `docs/demo.png` (Chromium) or `docs/demo-firefox.png` (for
/// the README), rewriting it only when the picture changed.
async fn screenshot(client: &Client, engine: Engine) {
    const WIDTH: u32 = 1400;
    let number = |script: &'static str| async move {
        let value = client.execute(script, vec![]).await.expect(script);
        u32::try_from(value.as_u64().expect(script)).expect(script)
    };
    // Lay the page out at the screenshot's width, then make the viewport as tall as the page
    // (the window is a little taller than its viewport). A resize may take effect after the
    // command returns: poll until the viewport shows the whole page. The page's height is its
    // root element's box, never less than its content: `scrollHeight` is never less than the
    // viewport either, so a window sized for a layout narrower (taller) than the final one
    // would pass for a fit and leave a blank band under the page.
    client
        .set_window_size(WIDTH, 1000)
        .await
        .expect("window size");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page =
            number("return Math.ceil(document.documentElement.getBoundingClientRect().height);")
                .await;
        let viewport = number("return window.innerHeight;").await;
        let width = number("return window.innerWidth;").await;
        if viewport >= page && viewport <= page + 8 && width + 40 >= WIDTH {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the viewport ({width}x{viewport}) does not fit the page ({page}px high)"
        );
        let frame = number("return window.outerHeight - window.innerHeight;").await;
        client
            .set_window_size(WIDTH, page.clamp(600, 6000) + frame)
            .await
            .expect("window size");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let png = client.screenshot().await.expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "not a plausible PNG"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(engine.screenshot_file());
    if std::fs::read(&path).ok().as_deref() != Some(png.as_slice()) {
        std::fs::create_dir_all(path.parent().expect("docs/")).expect("docs/");
        std::fs::write(&path, &png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// The page on its second origin, `http://127.0.0.1:<port>`, against `framework`'s API: only
/// the `*` route lets it read anything; the API answers the simple calls without a grant and
/// refuses the preflights.
async fn a_second_page_origin_reads_only_the_star_route(engine: Engine, framework: Framework) {
    assert!(
        second_page_url().starts_with("http://127.0.0.1:"),
        "{}",
        second_page_url()
    );
    with_browser(engine, move |client| async move {
        open_rows_against(&client, second_page_url(), framework).await;
        let origin = client
            .execute("return location.origin;", vec![])
            .await
            .expect("origin");
        let origin = origin.as_str().expect("origin");
        assert_eq!(origin, second_page_url().trim_end_matches('/'));
        let rows = assert_rows(&client, engine, ROWS_AT_SECOND_ORIGIN).await;
        // `*` answers every origin without needing Vary: Origin.
        assert_eq!(rows["hello-get"]["body"], "Hello");
        // The simple GETs were answered, only without a grant for this origin.
        let dev = page_saw(&rows["dev"]);
        assert_eq!(summarized(&dev), [("GET", false, 200)], "{dev:#?}");
        assert_eq!(dev[0].origin.as_deref(), Some(origin));
        assert_eq!(
            dev[0].header("access-control-allow-origin"),
            None,
            "{dev:?}"
        );
        assert_eq!(header(&dev[0], "vary"), "Origin");
        // Behind the auth layer: the preflight is refused, and the 401 names no origin.
        let refused = page_saw(&rows["account-token"]);
        assert_eq!(
            summarized(&refused),
            [("OPTIONS", true, 403)],
            "{refused:#?}"
        );
        let unauthorized = page_saw(&rows["account-no-token"]);
        assert_eq!(
            summarized(&unauthorized),
            [("GET", false, 401)],
            "{unauthorized:#?}"
        );
        assert!(
            unauthorized[0]
                .headers
                .iter()
                .all(|(name, _)| !name.starts_with("access-control-")),
            "{unauthorized:?}"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Scenarios, each against an API of its own

async fn a_credentialed_call_reads_the_exposed_header(engine: Engine, framework: Framework) {
    let api = Isolated::start(framework);
    let run = unique("credentialed");
    let list = api.url("/api/items", &run);
    let hello = api.url("/hello", &run);
    with_browser(engine, move |client| async move {
        open_manual(&client).await;
        let got = probe(&client, &list, json!({ "credentials": "include" })).await;
        got.assert_allowed(200);
        let items: Vec<Value> = serde_json::from_str(&got.body).expect("items JSON");
        assert_eq!(items.len(), 3, "{got:?}");
        assert_eq!(
            got.headers.get("x-total-count").map(String::as_str),
            Some("3"),
            "exposed: {got:?}"
        );
        // Everything else that is not safelisted stays hidden from the script.
        for hidden in [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "vary",
        ] {
            assert!(
                !got.headers.contains_key(hidden),
                "{hidden} should not be readable: {got:?}"
            );
        }
        // A `*` grant is not enough for a credentialed call: the browser blocks it. (That is
        // why `#[cors]` refuses `origins = "*"` with `credentials = true`.)
        probe(&client, &hello, json!({ "credentials": "include" }))
            .await
            .assert_blocked(engine);
        probe(&client, &hello, json!({})).await.assert_allowed(200);
    })
    .await;
    let journal = api.journal(&run);
    let get = &journal[0];
    assert_eq!(
        (get.method.as_str(), get.preflight, get.status),
        ("GET", false, 200),
        "{journal:?}"
    );
    assert_eq!(
        header(get, "access-control-allow-origin"),
        "http://localhost:8080"
    );
    assert_eq!(header(get, "access-control-allow-credentials"), "true");
    assert_eq!(
        header(get, "access-control-expose-headers").to_ascii_lowercase(),
        "x-total-count"
    );
}

/// The journal of a preflighted credentialed `POST /api/items` from the page: the preflight
/// answered by the route's generated `OPTIONS` handler with the whole grant, then the POST.
fn assert_preflight_then_post(journal: &[Seen]) {
    assert_eq!(journal.len(), 2, "{journal:#?}");
    let (preflight, post) = (&journal[0], &journal[1]);
    assert!(
        preflight.preflight && preflight.method == "OPTIONS",
        "{preflight:?}"
    );
    assert_eq!(preflight.status, 204, "{preflight:?}");
    assert_eq!(preflight.path, "/api/items");
    assert_eq!(preflight.request_method.as_deref(), Some("POST"));
    assert_eq!(preflight.request_headers.as_deref(), Some("content-type"));
    assert_eq!(
        header(preflight, "access-control-allow-origin"),
        "http://localhost:8080"
    );
    assert!(
        header(preflight, "access-control-allow-methods").contains("POST"),
        "{preflight:?}"
    );
    assert!(
        header(preflight, "access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("content-type"),
        "{preflight:?}"
    );
    assert_eq!(
        header(preflight, "access-control-allow-credentials"),
        "true"
    );
    assert_eq!(header(preflight, "access-control-max-age"), "600");
    assert_eq!(
        header(preflight, "vary"),
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    );
    assert_eq!(
        (post.method.as_str(), post.preflight, post.status),
        ("POST", false, 201),
        "{post:?}"
    );
    assert!(preflight.seq < post.seq);
}

async fn a_preflighted_post_is_answered_by_the_generated_options_route(
    engine: Engine,
    framework: Framework,
) {
    let api = Isolated::start(framework);
    let create_run = unique("preflight-post");
    let create = api.url("/api/items", &create_run);
    let delete_run = unique("preflight-delete");
    let delete_base = api.api_url.clone();
    let delete_run_in = delete_run.clone();
    let simple_run = unique("simple-get");
    let simple = api.url("/hello", &simple_run);
    let created_name = "Learn about preflights";
    with_browser(engine, move |client| async move {
        open_manual(&client).await;
        let got = probe(
            &client,
            &create,
            json!({
                "method": "POST",
                "credentials": "include",
                "headers": { "Content-Type": "application/json" },
                "body": json!({ "name": created_name }).to_string(),
            }),
        )
        .await;
        got.assert_allowed(201);
        let item: Value = serde_json::from_str(&got.body).expect("the new item");
        assert_eq!(item["name"], created_name);
        assert_eq!(item["id"], 4);

        let delete = format!("{delete_base}/api/items/{}?run={delete_run_in}", item["id"]);
        probe(
            &client,
            &delete,
            json!({ "method": "DELETE", "credentials": "include" }),
        )
        .await
        .assert_allowed(204);
        probe(&client, &simple, json!({})).await.assert_allowed(200);
    })
    .await;

    // The browser asked first, our generated OPTIONS route answered 204, then the POST ran.
    assert_preflight_then_post(&api.journal(&create_run));

    let journal = api.journal(&delete_run);
    let summary = summarized(&journal);
    assert_eq!(
        summary,
        [("OPTIONS", true, 204), ("DELETE", false, 204)],
        "{journal:#?}"
    );
    assert_eq!(journal[0].request_method.as_deref(), Some("DELETE"));
    assert!(header(&journal[0], "access-control-allow-methods").contains("DELETE"));

    // A simple request is not preflighted at all.
    let journal = api.journal(&simple_run);
    let summary = summarized(&journal);
    assert_eq!(summary, [("GET", false, 200)], "{journal:#?}");
    assert_eq!(header(&journal[0], "access-control-allow-origin"), "*");
    assert_eq!(api.running.items.list().len(), 3);
}

/// The preflight of the route behind the bearer check is answered without it (by
/// `cors_runtime::Preflights` in actix-web, by `routes!(me).authenticated(...)` in axum), and
/// the check's `401` carries the grant.
async fn a_credentialed_preflight_passes_the_auth_layer(engine: Engine, framework: Framework) {
    let api = Isolated::start(framework);
    let token_run = unique("account-token");
    let with_token = api.url("/api/account/me", &token_run);
    let no_token_run = unique("account-no-token");
    let without_token = api.url("/api/account/me", &no_token_run);
    with_browser(engine, move |client| async move {
        open_manual(&client).await;
        let token = json!({
            "credentials": "include",
            "headers": { "Authorization": "Bearer demo-token" },
        });
        let got = probe(&client, &with_token, token).await;
        got.assert_allowed(200);
        assert_eq!(got.body, r#"{"user":"demo"}"#);
        // Without the token the auth layer's 401 carries the grant: "not logged in", readable.
        probe(&client, &without_token, json!({ "credentials": "include" }))
            .await
            .assert_allowed(401);
    })
    .await;

    // The browser asked first, without credentials; the preflight was answered before the
    // auth layer, then the GET with the token passed it.
    let journal = api.journal(&token_run);
    let summary = summarized(&journal);
    assert_eq!(
        summary,
        [("OPTIONS", true, 204), ("GET", false, 200)],
        "{journal:#?}"
    );
    let preflight = &journal[0];
    assert_eq!(preflight.path, "/api/account/me");
    assert_eq!(preflight.request_method.as_deref(), Some("GET"));
    assert_eq!(
        header(preflight, "access-control-allow-origin"),
        "http://localhost:8080"
    );
    assert_eq!(
        header(preflight, "access-control-allow-credentials"),
        "true"
    );
    assert!(
        header(preflight, "access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("authorization"),
        "{preflight:?}"
    );
    assert!(preflight.seq < journal[1].seq);

    let journal = api.journal(&no_token_run);
    let summary = summarized(&journal);
    assert_eq!(summary, [("GET", false, 401)], "{journal:#?}");
    assert_eq!(
        header(&journal[0], "access-control-allow-origin"),
        "http://localhost:8080"
    );
    assert_eq!(
        header(&journal[0], "access-control-allow-credentials"),
        "true"
    );
}

async fn a_header_the_policy_does_not_allow_is_blocked_at_the_preflight(
    engine: Engine,
    framework: Framework,
) {
    let api = Isolated::start(framework);
    let refused_run = unique("x-secret");
    let refused = api.url("/api/items", &refused_run);
    let allowed_run = unique("x-api-key");
    let allowed = api.url("/api/items", &allowed_run);
    with_browser(engine, move |client| async move {
        open_manual(&client).await;
        let secret = json!({ "credentials": "include", "headers": { "X-Secret": "42" } });
        probe(&client, &refused, secret)
            .await
            .assert_blocked(engine);
        let key = json!({ "credentials": "include", "headers": { "X-Api-Key": "42" } });
        probe(&client, &allowed, key).await.assert_allowed(200);
    })
    .await;

    let journal = api.journal(&refused_run);
    assert_eq!(
        journal.len(),
        1,
        "only the preflight, never the GET: {journal:#?}"
    );
    let preflight = &journal[0];
    assert!(preflight.preflight, "{preflight:?}");
    assert_eq!(preflight.status, 403);
    assert_eq!(preflight.request_headers.as_deref(), Some("x-secret"));
    assert!(
        preflight
            .headers
            .iter()
            .all(|(name, _)| !name.starts_with("access-control-")),
        "{preflight:?}"
    );

    let journal = api.journal(&allowed_run);
    let summary = summarized(&journal);
    assert_eq!(
        summary,
        [("OPTIONS", true, 204), ("GET", false, 200)],
        "{journal:#?}"
    );
    assert_eq!(journal[0].request_headers.as_deref(), Some("x-api-key"));
}

async fn an_origin_the_policy_does_not_allow_is_blocked(engine: Engine, framework: Framework) {
    let api = Isolated::start(framework);
    let put_run = unique("put");
    let put = api.url("/api/items/1", &put_run);
    let subdomain_run = unique("subdomain");
    let subdomain = api.url("/api/subdomain", &subdomain_run);
    let second_run = unique("second-origin");
    let second = api.url("/api/items", &second_run);
    let second_page = second_page_url().to_owned();
    with_browser(engine, move |client| async move {
        open_manual(&client).await;
        // PUT /api/items/{id} is only for https://app.example.com: refused at the preflight.
        let replace = json!({
            "method": "PUT",
            "headers": { "Content-Type": "application/json" },
            "body": json!({ "name": "Overwritten" }).to_string(),
        });
        probe(&client, &put, replace).await.assert_blocked(engine);
        // A simple GET is sent and answered, but the answer names no origin: hidden.
        probe(&client, &subdomain, json!({}))
            .await
            .assert_blocked(engine);

        // From another page origin, even the items list (allowed from localhost:8080) is hidden.
        open(&client, &format!("{second_page}?manual")).await;
        probe(&client, &second, json!({ "credentials": "include" }))
            .await
            .assert_blocked(engine);
    })
    .await;

    let journal = api.journal(&put_run);
    assert_eq!(
        journal.len(),
        1,
        "only the preflight, never the PUT: {journal:#?}"
    );
    assert!(
        journal[0].preflight && journal[0].status == 403,
        "{:?}",
        journal[0]
    );
    assert_eq!(journal[0].request_method.as_deref(), Some("PUT"));
    assert_eq!(
        api.running.items.list()[0].name,
        "Read the CORS protocol of the Fetch standard",
        "item 1 unchanged"
    );

    let journal = api.journal(&subdomain_run);
    assert_eq!(journal.len(), 1, "{journal:#?}");
    assert_eq!(
        (journal[0].method.as_str(), journal[0].status),
        ("GET", 200)
    );
    assert_eq!(journal[0].header("access-control-allow-origin"), None);

    let journal = api.journal(&second_run);
    assert_eq!(journal.len(), 1, "{journal:#?}");
    let get = &journal[0];
    assert_eq!((get.method.as_str(), get.status), ("GET", 200));
    assert_eq!(
        get.origin.as_deref(),
        Some(second_page_url().trim_end_matches('/'))
    );
    assert_eq!(get.header("access-control-allow-origin"), None, "{get:?}");
    assert_eq!(
        get.header("access-control-allow-credentials"),
        None,
        "{get:?}"
    );
    assert_eq!(header(get, "vary"), "Origin");
}

async fn error_statuses_are_readable_by_the_page(engine: Engine, framework: Framework) {
    let api = Isolated::start(framework);
    let run = unique("errors");
    let fail = api.url("/api/fail", &run);
    let unknown = api.url("/api/items/999999", &run);
    let bad_id = api.url("/api/items/not-a-number", &run);
    let items = api.url("/api/items", &run);
    with_browser(engine, move |client| async move {
        open_manual(&client).await;
        let got = probe(&client, &fail, json!({})).await;
        got.assert_allowed(500);
        assert_eq!(got.body, "the items database is on fire");

        let got = probe(
            &client,
            &unknown,
            json!({ "method": "DELETE", "credentials": "include" }),
        )
        .await;
        got.assert_allowed(404);
        assert_eq!(got.body, r#"{"error":"no item 999999"}"#);

        // A path its extractor cannot parse: the framework's own answer, still readable.
        let got = probe(
            &client,
            &bad_id,
            json!({ "method": "DELETE", "credentials": "include" }),
        )
        .await;
        got.assert_allowed(framework.unparsable_id_status());

        let malformed = json!({
            "method": "POST",
            "credentials": "include",
            "headers": { "Content-Type": "application/json" },
            "body": "{not json",
        });
        let got = probe(&client, &items, malformed).await;
        got.assert_allowed(400);
        assert!(
            got.body.starts_with(framework.malformed_json_answer()),
            "the framework explains the 400: {got:?}"
        );
    })
    .await;
    let journal = api.journal(&run);
    let actual: Vec<_> = journal
        .iter()
        .filter(|seen| !seen.preflight)
        .map(|seen| (seen.method.as_str(), seen.status))
        .collect();
    assert_eq!(
        actual,
        [
            ("GET", 500),
            ("DELETE", 404),
            ("DELETE", framework.unparsable_id_status()),
            ("POST", 400)
        ],
        "{journal:#?}"
    );
    for seen in journal.iter().filter(|seen| !seen.preflight) {
        assert_eq!(
            header(seen, "access-control-allow-origin"),
            "http://localhost:8080",
            "{seen:?}"
        );
    }
    assert_eq!(api.running.items.list().len(), 3);
}

// ---------------------------------------------------------------------------------------
// Loopback only

/// Names beyond loopback the page asks for: the reserved `.invalid` (never resolves anywhere)
/// and a public name (resolves everywhere but in these browsers).
const OUTSIDE: &[&str] = &["example.invalid", "example.com"];

/// How long a call to a host the browser may not reach may take to fail: it fails locally,
/// without waiting on any network.
const FAILS_FAST: Duration = Duration::from_secs(5);

async fn the_browser_reaches_no_host_beyond_loopback(engine: Engine) {
    let reached = with_browser_reaching(engine, OUTSIDE, move |client| async move {
        open_manual(&client).await;
        for url in [
            "http://example.invalid/",
            "http://example.com/",
            "https://example.com/",
        ] {
            let started = Instant::now();
            let got = probe(&client, url, json!({ "mode": "no-cors" })).await;
            // `no-cors`: CORS plays no part, so only the network can make the call fail.
            got.assert_blocked(engine);
            assert!(
                started.elapsed() < FAILS_FAST,
                "{}: {url} took {:?} to fail",
                engine.name(),
                started.elapsed()
            );
        }
        // Loopback still answers: the page's own server.
        probe(&client, &shared().page_url, json!({}))
            .await
            .assert_allowed(200);
    })
    .await;
    match engine {
        // Chromium resolves no such name (`--host-resolver-rules`): no proxy is involved.
        Engine::Chromium => assert!(reached.is_empty(), "{reached:?}"),
        // Firefox hands each one to its proxy, the test's sink, which refuses it.
        Engine::Firefox => {
            for host in OUTSIDE {
                assert!(
                    reached.iter().any(|line| names_host(line, host)),
                    "Firefox's proxy never saw {host}: {reached:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Each scenario in each engine

/// Every scenario above, once per engine (`chromium::<scenario>`, `firefox::<scenario>`),
/// and those `against each framework` once per framework too
/// (`chromium::actix_web::<scenario>`, `chromium::axum::<scenario>`, ...).
macro_rules! in_both_engines {
    (
        against each framework: $($each:ident),* ;
        once: $($once:ident),* $(,)?
    ) => {
        mod chromium {
            in_both_engines!(@in Chromium; $($each),*; $($once),*);
        }
        mod firefox {
            in_both_engines!(@in Firefox; $($each),*; $($once),*);
        }
    };
    (@in $engine:ident; $($each:ident),*; $($once:ident),*) => {
        mod actix_web {
            $(#[tokio::test]
            async fn $each() {
                crate::$each(crate::Engine::$engine, crate::Framework::ActixWeb).await;
            })*
        }
        mod axum {
            $(#[tokio::test]
            async fn $each() {
                crate::$each(crate::Engine::$engine, crate::Framework::Axum).await;
            })*
        }
        $(#[tokio::test]
        async fn $once() {
            crate::$once(crate::Engine::$engine).await;
        })*
    };
}

in_both_engines!(
    against each framework:
        every_row_of_the_demo_page_does_what_its_policy_says,
        a_second_page_origin_reads_only_the_star_route,
        a_credentialed_call_reads_the_exposed_header,
        a_preflighted_post_is_answered_by_the_generated_options_route,
        a_credentialed_preflight_passes_the_auth_layer,
        a_header_the_policy_does_not_allow_is_blocked_at_the_preflight,
        an_origin_the_policy_does_not_allow_is_blocked,
        error_statuses_are_readable_by_the_page;
    once:
        every_row_of_the_plain_demo_page_does_what_its_setup_says,
        the_browser_reaches_no_host_beyond_loopback,
);
