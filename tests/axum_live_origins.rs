//! Configured origins (`origins_from`) that change while an axum app runs: every load takes
//! effect in a router built before it, a load is all or nothing, the audit says what is in
//! force, and an app served on loopback while its origins are reloaded 1,000 times grants
//! every request, actual or preflight, by the old set or the new one.

mod support;

use support::live_load::{Sets, reload_under_load, serial};

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use cors_axum::configured::{self, ConfigError};
use cors_axum::{cors, routes};
use tower::ServiceExt;

#[cors(get, path = "/tenants", origins_from = "AXUM_LIVE_TENANTS")]
async fn tenants() -> &'static str {
    "tenants"
}

#[cors(get, path = "/partial/a", origins_from = "AXUM_LIVE_PARTIAL_A")]
async fn partial_a() -> &'static str {
    "a"
}

#[cors(
    get,
    path = "/partial/b",
    origins_from = "AXUM_LIVE_PARTIAL_B",
    credentials = true
)]
async fn partial_b() -> &'static str {
    "b"
}

#[cors(get, path = "/catalog", origins_from = "AXUM_TENANT_ORIGINS")]
async fn catalog() -> &'static str {
    tokio::task::yield_now().await;
    "catalog"
}

/// Every configured name of this program and the value loaded when a test names no other.
const DEFAULTS: &[(&str, &str)] = &[
    ("AXUM_LIVE_TENANTS", "https://a.tenant.example"),
    ("AXUM_LIVE_PARTIAL_A", "https://x.example.com"),
    ("AXUM_LIVE_PARTIAL_B", "https://b.example.com"),
    ("AXUM_TENANT_ORIGINS", "https://shop.example.com"),
];

/// `configured::load_with` with [`DEFAULTS`], but the values of `values`.
fn load(values: &[(&str, &str)]) -> Result<(), ConfigError> {
    configured::load_with(|name| {
        values
            .iter()
            .chain(DEFAULTS)
            .find(|(known, _)| *known == name)
            .map(|(_, value)| (*value).to_owned())
    })
}

/// The app: built once, after the first load (a router of unloaded configured origins is
/// refused as it is built).
fn app() -> Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| {
        load(&[]).expect("the defaults load");
        Router::new()
            .merge(routes!(tenants))
            .merge(routes!(partial_a))
            .merge(routes!(partial_b))
            .merge(routes!(catalog))
    })
    .clone()
}

/// The `Access-Control-Allow-Origin` a GET of `path` from `origin` is answered with, in
/// process.
fn grant(path: &str, origin: &str) -> Option<String> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("Origin", origin)
        .body(Body::empty())
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let response = runtime.block_on(app().oneshot(request)).unwrap();
    assert_eq!(response.status(), 200, "{path} from {origin}");
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|value| value.to_str().unwrap().to_owned())
}

/// How the audit shows the origins of `handler`'s policy.
fn audited(handler: &str) -> String {
    let route = cors_axum::audit::routes()
        .into_iter()
        .find(|route| route.handler == handler)
        .unwrap();
    route.policy().origins().to_string()
}

#[test]
fn a_second_load_takes_effect_in_a_running_app() {
    let _serial = serial();
    let (a, b) = ("https://a.tenant.example", "https://b.tenant.example");
    load(&[("AXUM_LIVE_TENANTS", a)]).unwrap();
    let _ = app(); // built once, the defaults loaded
    assert_eq!(grant("/tenants", a).as_deref(), Some(a));
    assert_eq!(grant("/tenants", b), None);

    load(&[("AXUM_LIVE_TENANTS", b)]).unwrap();
    assert_eq!(grant("/tenants", b).as_deref(), Some(b));
    assert_eq!(grant("/tenants", a), None);

    configured::reload("AXUM_LIVE_TENANTS", &format!("{a}, {b}")).unwrap();
    assert_eq!(grant("/tenants", a).as_deref(), Some(a));
    assert_eq!(grant("/tenants", b).as_deref(), Some(b));
    load(&[]).unwrap();
}

#[test]
fn a_partly_failed_load_changes_nothing_and_fixes_nothing() {
    let _serial = serial();
    let _ = app(); // built once, the defaults loaded
    let before = [audited("partial_a"), audited("partial_b")];
    // The first name's value is good, the second's breaks a rule (plain `http` with
    // credentials): neither is loaded.
    let error = load(&[
        ("AXUM_LIVE_PARTIAL_A", "https://y.example.com"),
        ("AXUM_LIVE_PARTIAL_B", "http://b.example.com"),
    ])
    .unwrap_err();
    assert_eq!(error.name(), "AXUM_LIVE_PARTIAL_B", "{error}");
    assert_eq!([audited("partial_a"), audited("partial_b")], before);
    assert_eq!(grant("/partial/a", "https://y.example.com"), None);
    // A refused reload changes nothing either.
    assert!(configured::reload("AXUM_LIVE_PARTIAL_A", "https://y.example.com/").is_err());
    assert_eq!(grant("/partial/a", "https://y.example.com"), None);

    // Fixed, the load takes effect for both.
    load(&[
        ("AXUM_LIVE_PARTIAL_A", "https://z.example.com"),
        ("AXUM_LIVE_PARTIAL_B", "https://b2.example.com"),
    ])
    .unwrap();
    let (z, b2) = ("https://z.example.com", "https://b2.example.com");
    assert_eq!(grant("/partial/a", z).as_deref(), Some(z));
    assert_eq!(grant("/partial/a", "https://y.example.com"), None);
    assert_eq!(grant("/partial/b", b2).as_deref(), Some(b2));
    load(&[]).unwrap();
}

#[test]
fn the_audit_counts_a_large_configured_set_and_says_where_it_came_from() {
    let _serial = serial();
    let _ = app(); // built once, the defaults loaded
    let many: Vec<String> = (0..10_000)
        .map(|n| format!("https://t{n}.tenant.example"))
        .chain([
            "https://*.a.example".to_owned(),
            "https://*.b.example".to_owned(),
        ])
        .collect();
    configured::reload("AXUM_TENANT_ORIGINS", &many.join(", ")).unwrap();
    assert_eq!(
        audited("catalog"),
        "10,000 origins, 2 patterns (AXUM_TENANT_ORIGINS from reload)"
    );
    let last = "https://t9999.tenant.example";
    assert_eq!(grant("/catalog", last).as_deref(), Some(last));
    let wide = "https://x.b.example";
    assert_eq!(grant("/catalog", wide).as_deref(), Some(wide));
    load(&[]).unwrap();
    assert_eq!(
        audited("catalog"),
        "https://shop.example.com (AXUM_TENANT_ORIGINS from load_with)"
    );
    assert_eq!(grant("/catalog", last), None);
}

#[test]
fn reloading_1000_times_under_load_grants_by_the_old_set_or_the_new_one() {
    let _serial = serial();
    let sets = Sets::new();
    let _ = app(); // built once, the defaults loaded
    configured::reload("AXUM_TENANT_ORIGINS", sets.after(0)).unwrap();
    let address = support::serve_axum(app());
    let run = reload_under_load(
        address,
        "/catalog",
        2,
        Duration::from_millis(5),
        &sets,
        |set| configured::reload("AXUM_TENANT_ORIGINS", set).is_ok(),
    );
    load(&[]).unwrap();
    run.check("axum live origins", 1_000);
}
