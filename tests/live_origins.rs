//! Origins that change while the server runs: every load of configured origins takes
//! effect in running applications, and a load is all or nothing.

use std::sync::{Mutex, MutexGuard};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use actix_web::test as atest;
use actix_web::{App, get};
use cors_runtime::configured::{self, ConfigError};
use cors_runtime::{audit, cors};

#[cors(origins_from = "LIVE_TENANTS")]
#[get("/tenants")]
async fn tenants() -> &'static str {
    "tenants"
}

#[cors(origins_from = "LIVE_PARTIAL_A")]
#[get("/partial/a")]
async fn partial_a() -> &'static str {
    "a"
}

#[cors(origins_from = "LIVE_PARTIAL_B", credentials = true)]
#[get("/partial/b")]
async fn partial_b() -> &'static str {
    "b"
}

/// Every configured name of this program and the value loaded when a test names no other.
const DEFAULTS: &[(&str, &str)] = &[
    ("LIVE_TENANTS", "https://a.tenant.example"),
    ("LIVE_PARTIAL_A", "https://x.example.com"),
    ("LIVE_PARTIAL_B", "https://b.example.com"),
];

/// Loads run one test at a time: each load sets every name of the program.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

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

/// The `Access-Control-Allow-Origin` a GET of `path` from `origin` is answered with.
async fn grant<S>(app: &S, path: &str, origin: &str) -> Option<String>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let request = atest::TestRequest::get()
        .uri(path)
        .insert_header(("Origin", origin))
        .to_request();
    let response = app.call(request).await.unwrap();
    assert_eq!(response.status(), 200, "{path} from {origin}");
    response
        .headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|value| value.to_str().unwrap().to_owned())
}

/// How the audit shows the origins of `handler`'s policy.
fn audited(handler: &str) -> String {
    let entry = audit::entries()
        .into_iter()
        .find(|entry| entry.handler == handler)
        .unwrap();
    entry.policy.origins().to_string()
}

#[test]
fn a_second_load_takes_effect_in_a_running_app() {
    let _serial = serial();
    actix_web::rt::System::new().block_on(async {
        load(&[("LIVE_TENANTS", "https://a.tenant.example")]).unwrap();
        let app = atest::init_service(App::new().service(tenants)).await;
        let (a, b) = ("https://a.tenant.example", "https://b.tenant.example");
        assert_eq!(grant(&app, "/tenants", a).await.as_deref(), Some(a));

        load(&[("LIVE_TENANTS", b)]).unwrap();
        assert_eq!(grant(&app, "/tenants", b).await.as_deref(), Some(b));
        assert_eq!(grant(&app, "/tenants", a).await, None);
    });
}

#[test]
fn a_partly_failed_load_changes_nothing_and_fixes_nothing() {
    let _serial = serial();
    actix_web::rt::System::new().block_on(async {
        let before = [audited("partial_a"), audited("partial_b")];
        // The first name's value is good, the second's breaks a rule (plain `http` with
        // credentials): neither is loaded.
        let error = load(&[
            ("LIVE_PARTIAL_A", "https://y.example.com"),
            ("LIVE_PARTIAL_B", "http://b.example.com"),
        ])
        .unwrap_err();
        assert_eq!(error.name(), "LIVE_PARTIAL_B", "{error}");
        assert_eq!([audited("partial_a"), audited("partial_b")], before);

        // Fixed, the load takes effect for both.
        load(&[
            ("LIVE_PARTIAL_A", "https://z.example.com"),
            ("LIVE_PARTIAL_B", "https://b2.example.com"),
        ])
        .unwrap();
        let app = atest::init_service(App::new().service(partial_a).service(partial_b)).await;
        let z = "https://z.example.com";
        assert_eq!(grant(&app, "/partial/a", z).await.as_deref(), Some(z));
        assert_eq!(
            grant(&app, "/partial/a", "https://y.example.com").await,
            None
        );
        let b2 = "https://b2.example.com";
        assert_eq!(grant(&app, "/partial/b", b2).await.as_deref(), Some(b2));
    });
}
