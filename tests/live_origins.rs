//! Origins that change while the server runs: every load of configured origins takes
//! effect in running applications, a load is all or nothing, the example's reloads (a
//! file on `SIGHUP`, an admin route) work, and a server under load while its origins are
//! reloaded 1,000 times grants every request by the old set or the new one.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use actix_web::test as atest;
use actix_web::{App, get};
use cors_runtime::configured::{self, ConfigError};
use cors_runtime::{audit, cors};

mod support;

use support::live_load::{Sets, reload_under_load, serial};

/// The example, whose reloads are tested here.
#[allow(dead_code)] // its `main`
#[path = "../examples/live_origins.rs"]
mod example;

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
    (example::TENANTS, "https://shop.example.com"),
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

#[test]
fn the_example_reloads_its_file_on_sighup_and_keeps_the_set_when_the_file_is_bad() {
    let _serial = serial();
    let file = std::env::temp_dir().join(format!("live-origins-{}.txt", std::process::id()));
    std::fs::write(&file, "# tenants\nhttps://shop.example.com\n").unwrap();
    example::reload_file(&file).unwrap();
    actix_web::rt::System::new().block_on(async {
        let app = atest::init_service(App::new().service(example::catalog)).await;
        let (shop, books) = ("https://shop.example.com", "https://a.books.example.org");
        assert_eq!(
            grant(&app, "/api/catalog", shop).await.as_deref(),
            Some(shop)
        );
        assert_eq!(grant(&app, "/api/catalog", books).await, None);

        actix_web::rt::spawn(example::reload_on_hangup(file.clone()).unwrap());
        std::fs::write(
            &file,
            "https://shop.example.com\nhttps://*.books.example.org # new\n",
        )
        .unwrap();
        hang_up().await;
        assert!(
            eventually(&app, books, true).await,
            "SIGHUP did not load the new file"
        );
        assert_eq!(
            grant(&app, "/api/catalog", shop).await.as_deref(),
            Some(shop)
        );

        // A bad file (plain `http` with credentials) is refused: the set in force stays.
        std::fs::write(&file, "http://shop.example.com\n").unwrap();
        assert!(example::reload_file(&file).is_err());
        hang_up().await;
        // Give the handler the time it took to load the good file, then some.
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            grant(&app, "/api/catalog", books).await.as_deref(),
            Some(books)
        );
    });
    std::fs::remove_file(&file).unwrap();
}

/// Sends `SIGHUP` to this process.
async fn hang_up() {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Whether `origin` is granted (`granted`) or not by the catalog within 10 s.
async fn eventually<S>(app: &S, origin: &str, granted: bool) -> bool
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if grant(app, "/api/catalog", origin).await.is_some() == granted {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[test]
fn the_example_admin_route_reloads_for_its_token_only() {
    let _serial = serial();
    load(&[(example::TENANTS, "https://shop.example.com")]).unwrap();
    actix_web::rt::System::new().block_on(async {
        let app = atest::init_service(
            App::new()
                .service(example::catalog)
                .configure(|config| example::admin(config, "secret".to_owned())),
        )
        .await;
        let replace = |token: &str, body: &str| {
            atest::TestRequest::put()
                .uri("/admin/origins")
                .insert_header(("Authorization", format!("Bearer {token}")))
                .set_payload(body.to_owned())
                .to_request()
        };
        let new = "https://new.example.net";

        let res = app.call(replace("guess", new)).await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(grant(&app, "/api/catalog", new).await, None);

        let res = app
            .call(replace("secret", "https://new.example.net/"))
            .await;
        let res = res.unwrap();
        assert_eq!(res.status(), 422);
        let body = atest::read_body(res).await;
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            "CORS origins `TENANT_ORIGINS`: `https://new.example.net/` has a trailing slash: \
             an origin is only scheme, host and port, like `https://new.example.net`"
        );
        assert_eq!(grant(&app, "/api/catalog", new).await, None);

        let res = app.call(replace("secret", new)).await.unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(grant(&app, "/api/catalog", new).await.as_deref(), Some(new));
        let shop = "https://shop.example.com";
        assert_eq!(grant(&app, "/api/catalog", shop).await, None);
    });
}

#[test]
fn the_audit_counts_a_large_configured_set_and_says_where_it_came_from() {
    let _serial = serial();
    let many: Vec<String> = (0..10_000)
        .map(|n| format!("https://t{n}.tenant.example"))
        .chain([
            "https://*.a.example".to_owned(),
            "https://*.b.example".to_owned(),
        ])
        .collect();
    configured::reload(example::TENANTS, &many.join(", ")).unwrap();
    assert_eq!(
        audited("catalog"),
        "10,000 origins, 2 patterns (TENANT_ORIGINS from reload)"
    );
    let table = audit::table();
    assert!(
        table.contains("10,000 origins, 2 patterns (TENANT_ORIGINS from reload)"),
        "{table}"
    );
    assert!(!table.contains("t9999"), "{table}");
    load(&[]).unwrap();
    assert_eq!(
        audited("catalog"),
        "https://shop.example.com (TENANT_ORIGINS from load_with)"
    );
}

#[test]
fn reloading_1000_times_under_load_grants_by_the_old_set_or_the_new_one() {
    let _serial = serial();
    let sets = Sets::new();
    configured::reload(example::TENANTS, sets.after(0)).unwrap();
    let (address, stop) = serve_catalog();
    // About 20 s for the 1,000 reloads, so most requests fall within one set's time.
    let run = reload_under_load(
        address,
        "/api/catalog",
        3,
        Duration::from_millis(15),
        &sets,
        |set| configured::reload(example::TENANTS, set).is_ok(),
    );
    stop();
    run.check("live origins", 2_000);
}

/// Serves the example's catalog on a free loopback port, two workers, on a thread of its
/// own; returns its address and what stops it.
fn serve_catalog() -> (SocketAddr, impl FnOnce()) {
    support::serve_until_stopped(|| App::new().service(example::catalog), 2)
}
