//! Configured origins (`origins_from`) that change while an axum app runs: every load takes
//! effect in a router built before it, a load is all or nothing, the audit says what is in
//! force, and an app served on loopback while its origins are reloaded 1,000 times grants
//! every request, actual or preflight, by the old set or the new one.

mod support;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

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
        let own = |set: &str| {
            (0..1_000)
                .map(|n| format!("https://{set}{n}.tenant.example"))
                .chain((0..5).map(|n| format!("https://both{n}.tenant.example")))
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

/// The origins requests come from, and whether A and B hold them.
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

/// What a load generator saw.
#[derive(Default, Debug)]
struct Tally {
    requests: usize,
    granted: usize,
    errors: usize,
    /// Grants to an origin in neither set.
    wrong_grants: usize,
    /// Grants or refusals no set in force during the request explains, or a grant naming
    /// another origin than the request's.
    inconsistent: usize,
    /// A-only and B-only origins granted: both sets served requests.
    granted_a_only: usize,
    granted_b_only: usize,
    first_problems: Vec<String>,
}

impl Tally {
    fn add(&mut self, part: Tally) {
        self.requests += part.requests;
        self.granted += part.granted;
        self.errors += part.errors;
        self.wrong_grants += part.wrong_grants;
        self.inconsistent += part.inconsistent;
        self.granted_a_only += part.granted_a_only;
        self.granted_b_only += part.granted_b_only;
        self.first_problems.extend(part.first_problems);
    }

    fn problem(&mut self, text: String) {
        if self.first_problems.len() < 5 {
            self.first_problems.push(text);
        }
    }
}

#[test]
fn reloading_1000_times_under_load_grants_by_the_old_set_or_the_new_one() {
    let _serial = serial();
    let sets = Sets::new();
    let _ = app(); // built once, the defaults loaded
    configured::reload("AXUM_TENANT_ORIGINS", sets.after(0)).unwrap();
    let address = support::serve_axum(app());

    let reloads = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..2)
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
        if configured::reload("AXUM_TENANT_ORIGINS", sets.after(reload)).is_err() {
            reload_errors += 1;
        }
        reloads.store(reload, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(5));
    }
    done.store(true, Ordering::SeqCst);
    let mut tally = Tally::default();
    for client in clients {
        tally.add(client.join().expect("a load generator panicked"));
    }
    let reloaded = reloads.load(Ordering::SeqCst);
    load(&[]).unwrap();
    println!(
        "axum live origins under load: {} requests ({} granted) in {:.1} s, {reloaded} \
         reloads ({reload_errors} refused), {} errors, {} wrong grants, {} inconsistent",
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
    assert!(tally.requests >= 1_000, "too little load: {tally:?}");
    assert!(
        tally.granted_a_only > 0 && tally.granted_b_only > 0,
        "both sets must have served: {tally:?}"
    );
}

/// Sends GETs and preflights from [`PROBES`] over one kept-alive connection until `done`,
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
    let mut n = client;
    while !done.load(Ordering::SeqCst) {
        n += 1;
        let probe = PROBES[n % PROBES.len()];
        let preflight = (n / PROBES.len()).is_multiple_of(2);
        let request = if preflight {
            format!(
                "OPTIONS /catalog HTTP/1.1\r\nHost: live\r\nOrigin: {}\r\n\
                 Access-Control-Request-Method: GET\r\n\r\n",
                probe.0
            )
        } else {
            format!(
                "GET /catalog HTTP/1.1\r\nHost: live\r\nOrigin: {}\r\n\r\n",
                probe.0
            )
        };
        let before = reloads.load(Ordering::SeqCst);
        let answer = support::exchange_kept(&mut connection, address, request.as_bytes());
        // The counter moves after each reload: one more may have happened uncounted.
        let after = (reloads.load(Ordering::SeqCst) + 1).min(RELOADS);
        tally.requests += 1;
        let answer = match answer {
            Ok(answer) if answer.all("access-control-allow-origin").len() <= 1 => answer,
            Ok(answer) => {
                tally.errors += 1;
                tally.problem(format!("two grants in {:?}", answer.headers));
                continue;
            }
            Err(error) => {
                tally.errors += 1;
                tally.problem(format!("{}: {error}", probe.0));
                connection = None;
                continue;
            }
        };
        let allow_origin = answer.one("access-control-allow-origin");
        let granted = match (preflight, answer.status) {
            (true, 204) => true,
            (true, 403) => false,
            (false, 200) => allow_origin.is_some(),
            (_, status) => {
                tally.errors += 1;
                tally.problem(format!("{}: status {status}", probe.0));
                continue;
            }
        };
        let window = before..=after;
        if granted {
            tally.granted += 1;
            if !probe.1 && !probe.2 {
                tally.wrong_grants += 1;
                tally.problem(format!("{} granted", probe.0));
            } else if allow_origin.as_deref() != Some(probe.0)
                || !window.clone().any(|reload| in_set(reload, probe))
            {
                tally.inconsistent += 1;
                tally.problem(format!(
                    "{} granted {allow_origin:?} in {window:?}",
                    probe.0
                ));
            }
            tally.granted_a_only += usize::from(probe.1 && !probe.2);
            tally.granted_b_only += usize::from(probe.2 && !probe.1);
        } else if window.clone().all(|reload| in_set(reload, probe)) {
            tally.inconsistent += 1;
            tally.problem(format!("{} refused in {window:?}", probe.0));
        }
    }
    tally
}
