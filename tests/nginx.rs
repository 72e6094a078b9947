//! A real caching proxy in front of the demo API: Debian's nginx with `proxy_cache`, started
//! by the test as a child process (a generated `nginx.conf` in a temporary directory,
//! loopback only, a free port, `daemon off`, killed at the end).
//!
//! The cache is configured to be as aggressive as a shared cache can be: every `200` is kept
//! for a minute whatever `Cache-Control`, `Expires` or `Set-Cookie` say. The only thing that
//! keeps origins apart is the API's `Vary: Origin`, which nginx honors in its cache key (since
//! 1.7.7). Origin A, then origin B, then no `Origin` ask for the same URL, twice over: nobody
//! ever receives another's `Access-Control-Allow-Origin`, and the second round is served from
//! the cache (`X-Cache-Status: HIT`, and the API never sees those requests).
//!
//! The negative control runs the same scenario through a location that ignores `Vary`
//! (`proxy_ignore_headers Vary`): there origin B *does* get origin A's grant from the cache,
//! so the check above is one that can fail.
//!
//! nginx missing is a failure, never a skip: the message says what to install.

mod support;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::middleware::{Compress, Condition};
use actix_web::{App, get};
use cors_runtime::{Preflights, cors};
use cors_suite::api::Route;
use support::{APP, EVIL, PAGE, Response, Running, TempDir, exchange, free_port, request, unique};

/// nginx: `$NGINX`, or `nginx` on the `PATH`, or Debian's `/usr/sbin/nginx`.
fn nginx_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NGINX") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file());
    on_path.unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"))
}

/// An nginx process of this test.
struct Nginx {
    child: Child,
    address: SocketAddr,
    dir: TempDir,
}

impl Nginx {
    /// Starts nginx on a free loopback port with a cache in front of `upstream`.
    fn start(upstream: SocketAddr) -> Nginx {
        let binary = nginx_binary();
        assert!(
            binary.is_file(),
            "nginx is not installed ({} not found): install it with `apt-get install -y nginx-light` \
             (or set NGINX to its path)",
            binary.display()
        );
        let dir = TempDir::new("nginx");
        let root = &dir.0;
        let error_log = || std::fs::read_to_string(root.join("error.log")).unwrap_or_default();
        // A port free a moment ago may be taken by the time nginx binds it: retry a few times.
        for attempt in 1..=5 {
            let port = free_port();
            let address: SocketAddr = ([127, 0, 0, 1], port).into();
            std::fs::write(root.join("nginx.conf"), config(root, address, upstream)).unwrap();
            let mut child = Command::new(&binary)
                .arg("-p")
                .arg(root)
                .arg("-c")
                .arg(root.join("nginx.conf"))
                .arg("-e")
                .arg(root.join("error.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| panic!("cannot run {}: {error}", binary.display()));
            let deadline = Instant::now() + Duration::from_secs(10);
            let outcome = loop {
                if let Ok(Some(status)) = child.try_wait() {
                    break Err(format!("nginx exited ({status}): {}", error_log()));
                }
                if std::net::TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok() {
                    break Ok(());
                }
                if Instant::now() > deadline {
                    break Err(format!(
                        "nginx does not listen on {address}: {}",
                        error_log()
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            match outcome {
                Ok(()) => {
                    return Nginx {
                        child,
                        address,
                        dir,
                    };
                }
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    if attempt == 5 || !error.contains("Address already in use") {
                        panic!("nginx did not start: {error}");
                    }
                }
            }
        }
        unreachable!("the loop returns or panics")
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("error.log")).unwrap_or_default()
    }

    fn get(&self, target: &str, origin: Option<&str>) -> Response {
        self.get_with(target, origin, &[])
    }

    fn get_with(&self, target: &str, origin: Option<&str>, more: &[(&str, &[u8])]) -> Response {
        let mut headers: Vec<(&str, &[u8])> = origin
            .map(|o| ("Origin", o.as_bytes()))
            .into_iter()
            .collect();
        headers.extend_from_slice(more);
        exchange(self.address, &request("GET", target, &headers, b"")).unwrap_or_else(|error| {
            panic!("GET {target} through nginx: {error}\n{}", self.error_log())
        })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx.conf: one process in the foreground, every path in `root`, a cache zone, and two
/// locations: `/` (Vary honored) and `/ignore-vary/` (the negative control).
fn config(root: &Path, listen: SocketAddr, upstream: SocketAddr) -> String {
    let root = root.display();
    let cache = "\
            proxy_cache demo;
            proxy_cache_valid 200 1m;
            proxy_cache_methods GET HEAD;
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status always;";
    format!(
        "daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy_temp;
    fastcgi_temp_path {root}/fastcgi_temp;
    uwsgi_temp_path {root}/uwsgi_temp;
    scgi_temp_path {root}/scgi_temp;
    proxy_cache_path {root}/cache levels=1:2 keys_zone=demo:1m max_size=16m inactive=10m use_temp_path=off;
    server {{
        listen {listen};
        location / {{
            proxy_pass http://{upstream};
            # Cache every 200 for a minute, whatever the API says about freshness: only Vary
            # keeps origins apart.
            proxy_ignore_headers Cache-Control Expires Set-Cookie X-Accel-Expires;
{cache}
        }}
        # The negative control: the same cache, blind to Vary.
        location /ignore-vary/ {{
            proxy_pass http://{upstream}/;
            proxy_ignore_headers Cache-Control Expires Set-Cookie X-Accel-Expires Vary;
{cache}
        }}
    }}
}}
"
    )
}

/// A route of the demo and two origins to ask it from.
struct Scenario {
    route: &'static Route,
    a: &'static str,
    b: &'static str,
    /// Whether each of A and B is allowed (else it gets no grant; the `*` policy grants
    /// everyone `*`).
    allowed: (bool, bool),
}

fn scenarios() -> Vec<Scenario> {
    let get = |path| support::route("GET", path);
    let scenario = |path, a, b, allowed| Scenario {
        route: get(path),
        a,
        b,
        allowed,
    };
    vec![
        scenario("/api/items", PAGE, APP, (true, true)),
        scenario("/api/items", PAGE, EVIL, (true, false)),
        scenario("/api/vary", PAGE, APP, (true, false)),
        scenario(
            "/api/subdomain",
            "https://a.example.com",
            "https://b.example.com",
            (true, true),
        ),
        scenario(
            "/api/dev",
            "http://localhost:3000",
            "http://localhost:4000",
            (true, true),
        ),
        scenario("/hello", PAGE, EVIL, (true, true)),
    ]
}

/// Who asks, in which order: A, B, nobody, then the same again (served from the cache).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Asker {
    A,
    B,
    Nobody,
}

const ROUNDS: [&[Asker]; 2] = [
    &[
        Asker::A,
        Asker::B,
        Asker::Nobody,
        Asker::A,
        Asker::B,
        Asker::Nobody,
    ],
    &[
        Asker::Nobody,
        Asker::B,
        Asker::A,
        Asker::Nobody,
        Asker::B,
        Asker::A,
    ],
];

struct Outcome {
    log: String,
    leaks: Vec<String>,
    hits: usize,
    /// Requests the API saw for the URL.
    upstream: usize,
}

fn run(
    nginx: &Nginx,
    demo: &Running,
    prefix: &str,
    scenario: &Scenario,
    order: &[Asker],
) -> Outcome {
    let tag = unique("nginx");
    let target = format!("{prefix}{}?cache={tag}", scenario.route.path);
    let mut outcome = Outcome {
        log: format!("{target}:"),
        leaks: Vec::new(),
        hits: 0,
        upstream: 0,
    };
    for &asker in order {
        let origin = match asker {
            Asker::A => Some(scenario.a),
            Asker::B => Some(scenario.b),
            Asker::Nobody => None,
        };
        let response = nginx.get(&target, origin);
        assert_eq!(
            response.status, 200,
            "GET {target} from {origin:?}: {response:?}"
        );
        let cache = response.one("x-cache-status").unwrap_or_default();
        if cache == "HIT" {
            outcome.hits += 1;
        }
        let grants: Vec<String> = response
            .all("access-control-allow-origin")
            .iter()
            .map(|value| String::from_utf8_lossy(value).into_owned())
            .collect();
        let expected = match asker {
            _ if support::is_public(scenario.route) => Some("*"),
            Asker::A => scenario.allowed.0.then_some(scenario.a),
            Asker::B => scenario.allowed.1.then_some(scenario.b),
            Asker::Nobody => None,
        };
        let _ = write!(
            outcome.log,
            " {asker:?}:{cache}:{}",
            grants.first().map_or("-", String::as_str)
        );
        if grants.iter().map(String::as_str).ne(expected) {
            outcome.leaks.push(format!(
                "{target}: {asker:?} ({origin:?}) received Access-Control-Allow-Origin {grants:?} ({cache}), expected {expected:?}"
            ));
        }
    }
    outcome.upstream = demo
        .journal
        .entries()
        .iter()
        .filter(|seen| seen.has_query("cache", &tag))
        .count();
    outcome
}

#[test]
fn nginx_cache_never_serves_one_origin_grant_to_another() {
    let demo = Running::start();
    let setups = demo.setups();
    assert_eq!(setups.len(), 2, "both documented setups");
    for (preflights, api) in setups {
        println!("API with Preflights: {preflights}");
        cache_keeps_origins_apart(&demo, api);
    }
}

/// The same scenarios in front of the demo's API served by axum (`cors-axum`).
#[test]
fn nginx_cache_never_serves_one_origin_grant_to_another_in_axum() {
    let demo = Running::with(support::loopback_config_with_axum()).expect("the demo");
    let api = demo.axum_api.expect("the axum API");
    cache_keeps_origins_apart(&demo, api);
}

/// The scenarios through nginx in front of the demo's API at `api`.
fn cache_keeps_origins_apart(demo: &Running, api: SocketAddr) {
    let nginx = Nginx::start(api);
    let version = Command::new(nginx_binary())
        .arg("-v")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stderr).trim().to_owned())
        .unwrap_or_default();

    let mut leaks = Vec::new();
    let mut hits = 0;
    let mut requests = 0;
    let scenarios = scenarios();
    for scenario in &scenarios {
        for order in ROUNDS {
            let outcome = run(&nginx, demo, "", scenario, order);
            println!("{}  (API saw {})", outcome.log, outcome.upstream);
            leaks.extend(outcome.leaks);
            requests += order.len();
            hits += outcome.hits;
            // The second half of each round must come from the cache: the API sees one
            // request per variant (one for a `*` policy, whose answer does not vary by Origin).
            let variants = if support::is_public(scenario.route) {
                1
            } else {
                3
            };
            assert_eq!(
                (outcome.hits, outcome.upstream),
                (order.len() - variants, variants),
                "{}: nginx did not cache as expected\n{}",
                outcome.log,
                nginx.error_log()
            );
        }
    }
    println!(
        "{version}: {requests} requests through the cache, {hits} cache hits, {} leaks",
        leaks.len()
    );
    assert!(
        leaks.is_empty(),
        "the cache leaked grants:\n{}",
        leaks.join("\n")
    );

    // Negative control: a cache blind to Vary serves A's grant to B and to nobody.
    let control = run(&nginx, demo, "/ignore-vary", &scenarios[0], ROUNDS[0]);
    println!(
        "control, Vary ignored: {}  (API saw {})",
        control.log, control.upstream
    );
    assert_eq!(
        control.upstream, 1,
        "the control cache did not cache: {}",
        control.log
    );
    assert!(
        control.leaks.len() >= 4,
        "without Vary the cache should hand A's grant to the others; the check would not see a leak:\n{}",
        control.log
    );
}

/// The handler's own `Vary` keeps working behind a real cache once `Origin` joins it:
/// Debian's nginx 1.22 keys its cache on the last `Vary` line only, so the names must stay
/// on one line.
#[test]
fn nginx_cache_keeps_the_handlers_own_vary() {
    let demo = Running::start();
    for (_, api) in demo.setups() {
        cache_keeps_the_handlers_vary(&demo, api);
    }
}

/// The same in front of the demo's API served by axum.
#[test]
fn nginx_cache_keeps_the_handlers_own_vary_in_axum() {
    let demo = Running::with(support::loopback_config_with_axum()).expect("the demo");
    let api = demo.axum_api.expect("the axum API");
    cache_keeps_the_handlers_vary(&demo, api);
}

fn cache_keeps_the_handlers_vary(demo: &Running, api: SocketAddr) {
    let nginx = Nginx::start(api);
    let tag = unique("nginx-encoding");
    let target = format!("/api/vary?cache={tag}");
    let origin = Some(PAGE);
    let mut log = Vec::new();
    for encoding in ["gzip", "identity", "gzip", "identity"] {
        let response = nginx.get_with(&target, origin, &[("Accept-Encoding", encoding.as_bytes())]);
        assert_eq!(response.status, 200, "{response:?}");
        log.push(format!(
            "{encoding}:{}",
            response.one("x-cache-status").unwrap_or_default()
        ));
    }
    let upstream = demo
        .journal
        .entries()
        .iter()
        .filter(|seen| seen.has_query("cache", &tag))
        .count();
    // One variant per Accept-Encoding: the API sees each once, the repeats are cache hits.
    assert_eq!(upstream, 2, "{log:?}\n{}", nginx.error_log());
}

#[cors(
    origins = "http://localhost:8080, https://app.example.com",
    credentials = true
)]
#[get("/compressed")]
async fn compressed() -> String {
    actix_web::rt::task::yield_now().await;
    "compress me ".repeat(200)
}

/// A one-worker server on a free loopback port: `/compressed` under an app-wide `Compress`,
/// and `Preflights` outermost when `preflights`; it runs until the test process ends.
fn serve_compressed(preflights: bool) -> SocketAddr {
    support::serve_app(move || {
        App::new()
            .service(compressed)
            .wrap(Compress::default())
            .wrap(Condition::new(preflights, Preflights))
    })
}

/// Who asked, and which grants they received through the cache, for `/compressed` asked
/// by A, B and nobody, each accepting gzip, twice over.
fn compressed_through_nginx(upstream: SocketAddr) -> (Vec<String>, Vec<Vec<usize>>) {
    let nginx = Nginx::start(upstream);
    let target = format!("/compressed?cache={}", unique("compress"));
    let mut leaks = Vec::new();
    let mut vary_lines = Vec::new();
    for _ in 0..2 {
        for origin in [Some(PAGE), Some(APP), None] {
            let response = nginx.get_with(&target, origin, &[("Accept-Encoding", b"gzip")]);
            assert_eq!(response.status, 200, "{response:?}");
            vary_lines.push(vec![response.all("vary").len()]);
            let grants: Vec<String> = response
                .all("access-control-allow-origin")
                .iter()
                .map(|value| String::from_utf8_lossy(value).into_owned())
                .collect();
            if grants.iter().map(String::as_str).ne(origin) {
                leaks.push(format!(
                    "{origin:?} received {grants:?} ({})",
                    response.one("x-cache-status").unwrap_or_default()
                ));
            }
        }
    }
    (leaks, vary_lines)
}

/// `Compress` adds `Vary: accept-encoding` as a line of its own. Behind `Preflights` the
/// response has one `Vary` line, and the cache keeps origins apart; without it (the control)
/// nginx 1.22, which keys on one line, hands one origin's grant to the next.
#[test]
fn nginx_cache_keeps_origins_apart_under_compress() {
    let (leaks, lines) = compressed_through_nginx(serve_compressed(true));
    assert!(leaks.is_empty(), "the cache leaked grants: {leaks:?}");
    assert!(lines.iter().all(|count| count == &[1]), "{lines:?}");

    let (control, _) = compressed_through_nginx(serve_compressed(false));
    println!("without Preflights: {control:?}");
    assert!(
        !control.is_empty(),
        "two Vary lines should make nginx 1.22 leak; the check above would not see a leak"
    );
}
