//! Origins that change while the server runs: every load of configured origins takes
//! effect in running applications, a load is all or nothing, the example's reloads (a
//! file on `SIGHUP`, an admin route) work, and a server under load while its origins are
//! reloaded 1,000 times grants every request by the old set or the new one.

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use actix_web::test as atest;
use actix_web::{App, get};
use cors_runtime::configured::{self, ConfigError};
use cors_runtime::{audit, cors};

mod support;

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

/// How many times the consistency test reloads.
const RELOADS: usize = 1_000;
/// The longest the consistency test may run.
const LOAD_BOUND: Duration = Duration::from_secs(90);

/// The two sets the consistency test alternates: each has tenants of its own, a pattern of
/// its own, and a few tenants in common.
struct Sets {
    a: String,
    b: String,
}

impl Sets {
    fn new() -> Sets {
        let common = (0..5).map(|n| format!("https://both{n}.tenant.example"));
        let own = |set: &str| {
            (0..1_000)
                .map(move |n| format!("https://{set}{n}.tenant.example"))
                .chain(common.clone())
                .chain([format!("https://*.{set}-wide.example")])
                .collect::<Vec<_>>()
                .join(", ")
        };
        Sets {
            a: own("a"),
            b: own("b"),
        }
    }

    /// The set in force after `reloads` reloads: A first, then B, A, ...
    fn after(&self, reloads: usize) -> &str {
        if reloads.is_multiple_of(2) {
            &self.a
        } else {
            &self.b
        }
    }
}

/// The origins requests come from: in A only, in B only, in both, in neither.
const PROBES: &[(&str, bool, bool)] = &[
    ("https://a7.tenant.example", true, false),
    ("https://b7.tenant.example", false, true),
    ("https://x.a-wide.example", true, false),
    ("https://x.b-wide.example", false, true),
    ("https://both3.tenant.example", true, true),
    ("https://c7.tenant.example", false, false),
    ("https://a7.tenant.example.evil.net", false, false),
    ("https://x.c-wide.example", false, false),
];

/// What the load generator saw.
#[derive(Default, Debug)]
struct Tally {
    requests: usize,
    granted: usize,
    errors: usize,
    /// Grants to an origin in neither set.
    wrong_grants: usize,
    /// Grants or refusals that no set in force during the request explains, or a grant
    /// naming another origin than the request's.
    inconsistent: usize,
    /// A-only and B-only origins granted: proof that both sets served requests.
    granted_a_only: usize,
    granted_b_only: usize,
    first_problems: Vec<String>,
}

#[test]
fn reloading_1000_times_under_load_grants_by_the_old_set_or_the_new_one() {
    let _serial = serial();
    let sets = Arc::new(Sets::new());
    configured::reload(example::TENANTS, sets.after(0)).unwrap();
    let (address, stop) = serve_catalog();

    let reloads = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..3)
        .map(|client| {
            let (reloads, done) = (Arc::clone(&reloads), Arc::clone(&done));
            std::thread::spawn(move || generate_load(address, client, &reloads, &done))
        })
        .collect();

    let started = Instant::now();
    let mut reload_errors = 0;
    for reload in 1..=RELOADS {
        if started.elapsed() > LOAD_BOUND {
            break;
        }
        if configured::reload(example::TENANTS, sets.after(reload)).is_err() {
            reload_errors += 1;
        }
        reloads.store(reload, Ordering::SeqCst);
        // About 20 s for the 1,000 reloads, so most requests fall within one set's time.
        std::thread::sleep(Duration::from_millis(15));
    }
    done.store(true, Ordering::SeqCst);
    let mut tally = Tally::default();
    for client in clients {
        let part = client.join().expect("a load generator panicked");
        tally.requests += part.requests;
        tally.granted += part.granted;
        tally.errors += part.errors;
        tally.wrong_grants += part.wrong_grants;
        tally.inconsistent += part.inconsistent;
        tally.granted_a_only += part.granted_a_only;
        tally.granted_b_only += part.granted_b_only;
        tally.first_problems.extend(part.first_problems);
    }
    stop();
    let reloaded = reloads.load(Ordering::SeqCst);
    println!(
        "live origins under load: {} requests ({} granted) in {:.1} s, {reloaded} reloads \
         ({reload_errors} refused), {} errors, {} wrong grants, {} inconsistent answers",
        tally.requests,
        tally.granted,
        started.elapsed().as_secs_f64(),
        tally.errors,
        tally.wrong_grants,
        tally.inconsistent
    );
    assert_eq!(
        reloaded, RELOADS,
        "the reloads did not finish within {LOAD_BOUND:?}"
    );
    assert_eq!(reload_errors, 0);
    assert_eq!(
        (tally.errors, tally.wrong_grants, tally.inconsistent),
        (0, 0, 0),
        "{:?}",
        tally.first_problems
    );
    assert!(tally.requests >= 2_000, "too little load: {tally:?}");
    assert!(
        tally.granted_a_only > 0 && tally.granted_b_only > 0,
        "both sets must have served: {tally:?}"
    );
}

/// Serves the example's catalog on a free loopback port, two workers, on a thread of its
/// own; returns its address and what stops it.
fn serve_catalog() -> (SocketAddr, impl FnOnce()) {
    support::serve_until_stopped(|| App::new().service(example::catalog), 2)
}

/// Sends GETs and preflights from [`PROBES`] over one keep-alive connection until `done`,
/// and checks each answer against the sets in force while it was on its way.
fn generate_load(
    address: SocketAddr,
    client: usize,
    reloads: &AtomicUsize,
    done: &AtomicBool,
) -> Tally {
    let in_set = |reload: usize, (_, in_a, in_b): (&str, bool, bool)| {
        if reload.is_multiple_of(2) { in_a } else { in_b }
    };
    let mut tally = Tally::default();
    let mut connection: Option<TcpStream> = None;
    let problem = |tally: &mut Tally, text: String| {
        if tally.first_problems.len() < 5 {
            tally.first_problems.push(text);
        }
    };
    let mut n = client;
    while !done.load(Ordering::SeqCst) {
        n += 1;
        let probe = PROBES[n % PROBES.len()];
        let preflight = (n / PROBES.len()).is_multiple_of(2);
        let request = if preflight {
            format!(
                "OPTIONS /api/catalog HTTP/1.1\r\nHost: live\r\nOrigin: {}\r\n\
                 Access-Control-Request-Method: GET\r\n\r\n",
                probe.0
            )
        } else {
            format!(
                "GET /api/catalog HTTP/1.1\r\nHost: live\r\nOrigin: {}\r\n\r\n",
                probe.0
            )
        };
        let before = reloads.load(Ordering::SeqCst);
        let answer = exchange(&mut connection, address, request.as_bytes());
        // The reload counter moves after each reload: one more reload may have happened
        // in the meantime without being counted yet.
        let after = (reloads.load(Ordering::SeqCst) + 1).min(RELOADS);
        tally.requests += 1;
        let (status, allow_origin) = match answer {
            Ok(answer) => answer,
            Err(error) => {
                tally.errors += 1;
                problem(&mut tally, format!("{}: {error}", probe.0));
                connection = None;
                continue;
            }
        };
        let granted = match (preflight, status) {
            (true, 204) => true,
            (true, 403) => false,
            (false, 200) => allow_origin.is_some(),
            _ => {
                tally.errors += 1;
                problem(&mut tally, format!("{}: status {status}", probe.0));
                continue;
            }
        };
        let window = before..=after;
        if granted {
            tally.granted += 1;
            if !probe.1 && !probe.2 {
                tally.wrong_grants += 1;
                problem(&mut tally, format!("{} granted", probe.0));
            } else if allow_origin.as_deref() != Some(probe.0)
                || !window.clone().any(|reload| in_set(reload, probe))
            {
                tally.inconsistent += 1;
                problem(
                    &mut tally,
                    format!("{} granted {allow_origin:?} in {window:?}", probe.0),
                );
            }
            tally.granted_a_only += usize::from(probe.1 && !probe.2);
            tally.granted_b_only += usize::from(probe.2 && !probe.1);
        } else if window.clone().all(|reload| in_set(reload, probe)) {
            tally.inconsistent += 1;
            problem(&mut tally, format!("{} refused in {window:?}", probe.0));
        }
    }
    tally
}

/// Sends `request` over the kept connection (opening one if needed) and reads the status
/// and `Access-Control-Allow-Origin` of the answer.
fn exchange(
    connection: &mut Option<TcpStream>,
    address: SocketAddr,
    request: &[u8],
) -> Result<(u16, Option<String>), String> {
    let answer = support::exchange_kept(connection, address, request)?;
    if answer.all("access-control-allow-origin").len() > 1 {
        return Err(format!("two grants in {:?}", answer.headers));
    }
    Ok((answer.status, answer.one("access-control-allow-origin")))
}
