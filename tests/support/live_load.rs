//! The load of the live-origins tests of both adapters (`tests/live_origins.rs`,
//! `tests/axum_live_origins.rs`): two sets of configured origins reloaded
//! [`RELOADS`] times while clients send GETs and preflights over kept-alive connections,
//! each answer checked against the sets in force while it was on its way. Each test serves
//! its own catalog and reloads through its own adapter.

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How many times the consistency test reloads.
pub const RELOADS: usize = 1_000;
/// The longest the consistency test may run.
pub const LOAD_BOUND: Duration = Duration::from_secs(90);

/// Loads run one test at a time: each load sets every name of the program.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The two sets the consistency test alternates: each has tenants of its own, a pattern of
/// its own, and a few tenants in common.
pub struct Sets {
    a: String,
    b: String,
}

impl Sets {
    pub fn new() -> Sets {
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
    pub fn after(&self, reloads: usize) -> &str {
        if reloads.is_multiple_of(2) {
            &self.a
        } else {
            &self.b
        }
    }
}

/// The origins requests come from, and whether A and B hold them: in A only, in B only, in
/// both, in neither.
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

/// What the load generators saw.
#[derive(Default, Debug)]
pub struct Tally {
    pub requests: usize,
    pub granted: usize,
    pub errors: usize,
    /// Grants to an origin in neither set.
    pub wrong_grants: usize,
    /// Grants or refusals that no set in force during the request explains, or a grant
    /// naming another origin than the request's.
    pub inconsistent: usize,
    /// A-only and B-only origins granted: proof that both sets served requests.
    pub granted_a_only: usize,
    pub granted_b_only: usize,
    pub first_problems: Vec<String>,
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

/// What one run of the load saw.
#[derive(Debug)]
pub struct Run {
    pub tally: Tally,
    /// How many reloads were made before [`LOAD_BOUND`] (all [`RELOADS`] in time).
    pub reloaded: usize,
    /// How many of them `reload` refused.
    pub reload_errors: usize,
    pub elapsed: Duration,
}

/// Reloads `sets` (`reload` says whether a reload was taken; the caller loaded
/// `sets.after(0)` before serving) [`RELOADS`] times, `pause` apart, while `clients` load
/// generators call `path` at `address`.
pub fn reload_under_load(
    address: SocketAddr,
    path: &'static str,
    clients: usize,
    pause: Duration,
    sets: &Sets,
    reload: impl Fn(&str) -> bool,
) -> Run {
    let reloads = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..clients)
        .map(|client| {
            let (reloads, done) = (Arc::clone(&reloads), Arc::clone(&done));
            std::thread::spawn(move || generate_load(address, path, client, &reloads, &done))
        })
        .collect();

    let started = Instant::now();
    let mut reload_errors = 0;
    for next in 1..=RELOADS {
        if started.elapsed() > LOAD_BOUND {
            break;
        }
        if !reload(sets.after(next)) {
            reload_errors += 1;
        }
        reloads.store(next, Ordering::SeqCst);
        std::thread::sleep(pause);
    }
    done.store(true, Ordering::SeqCst);
    let mut tally = Tally::default();
    for client in clients {
        tally.add(client.join().expect("a load generator panicked"));
    }
    Run {
        tally,
        reloaded: reloads.load(Ordering::SeqCst),
        reload_errors,
        elapsed: started.elapsed(),
    }
}

impl Run {
    /// Prints what the run saw, under `label`, and holds it to the promise: every reload
    /// made in time and taken, no error, no grant outside both sets, no answer that no set
    /// in force explains, at least `min_requests` requests, and both sets granting.
    pub fn check(&self, label: &str, min_requests: usize) {
        let Run {
            tally,
            reloaded,
            reload_errors,
            elapsed,
        } = self;
        println!(
            "{label} under load: {} requests ({} granted) in {:.1} s, {reloaded} reloads \
             ({reload_errors} refused), {} errors, {} wrong grants, {} inconsistent answers",
            tally.requests,
            tally.granted,
            elapsed.as_secs_f64(),
            tally.errors,
            tally.wrong_grants,
            tally.inconsistent
        );
        assert_eq!(
            *reloaded, RELOADS,
            "the reloads did not finish within {LOAD_BOUND:?}"
        );
        assert_eq!(*reload_errors, 0);
        assert_eq!(
            (tally.errors, tally.wrong_grants, tally.inconsistent),
            (0, 0, 0),
            "{:?}",
            tally.first_problems
        );
        assert!(tally.requests >= min_requests, "too little load: {tally:?}");
        assert!(
            tally.granted_a_only > 0 && tally.granted_b_only > 0,
            "both sets must have served: {tally:?}"
        );
    }
}

/// Sends GETs and preflights of `path` from [`PROBES`] over one kept-alive connection until
/// `done`, and checks each answer against the sets in force while it was on its way.
fn generate_load(
    address: SocketAddr,
    path: &str,
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
                "OPTIONS {path} HTTP/1.1\r\nHost: live\r\nOrigin: {}\r\n\
                 Access-Control-Request-Method: GET\r\n\r\n",
                probe.0
            )
        } else {
            format!(
                "GET {path} HTTP/1.1\r\nHost: live\r\nOrigin: {}\r\n\r\n",
                probe.0
            )
        };
        let before = reloads.load(Ordering::SeqCst);
        let answer = super::exchange_kept(&mut connection, address, request.as_bytes());
        // The reload counter moves after each reload: one more reload may have happened
        // in the meantime without being counted yet.
        let after = (reloads.load(Ordering::SeqCst) + 1).min(RELOADS);
        tally.requests += 1;
        let answer = match answer {
            Ok(answer) if answer.all("access-control-allow-origin").len() <= 1 => answer,
            Ok(answer) => {
                tally.errors += 1;
                tally.problem(format!("{}: two grants in {:?}", probe.0, answer.headers));
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
