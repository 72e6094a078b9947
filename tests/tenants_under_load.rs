//! The tenants example (`examples/tenants.rs`) under load while its store changes: clients
//! send actual requests and preflights from tenants, from origins that never are tenants
//! and from origins outside the routes' bound, while an operator adds and removes tenants
//! through the admin route. Every answer is checked against the store's state over time:
//! no grant the store did not justify within the freshness period before it, never a grant
//! to a stranger or to an origin outside the bound, every change in force once the
//! freshness period has passed, and the store asked at most once per origin per period.
//!
//! Served by a real `HttpServer` with two workers on loopback, over a SQLite file, read over
//! raw sockets.

mod support;

use std::net::{SocketAddr, TcpStream};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::web;

/// The example, whose application is tested here.
#[allow(dead_code)] // its `main`
#[path = "../examples/tenants.rs"]
mod example;

/// How long the example's answers are kept in these tests.
const FRESH_FOR: Duration = Duration::from_millis(300);
/// What a loaded machine may add to a bound: a lookup's own time (from reading the store to
/// keeping the answer), a request's time in the server's queues.
const SLACK: Duration = Duration::from_millis(400);
/// How long the clients send, at least.
const LOAD_FOR: Duration = Duration::from_secs(5);
/// How many changes the operator makes, at least: each changing tenant removed or added,
/// then back. The clients send until then, for [`LOAD_AT_MOST`] at the most.
const MIN_CHANGES: usize = 12;
/// How long the clients send, at the most: a write syncs to disk, which takes seconds on a
/// disk busy with other work.
const LOAD_AT_MOST: Duration = Duration::from_secs(20);
/// How often the operator changes a tenant (each changing origin in turn), when the
/// store's writes are quicker.
const CHANGE_EVERY: Duration = Duration::from_millis(250);
/// How many client threads send at once.
const CLIENTS: usize = 3;
/// The admin routes' token in these tests.
const TOKEN: &str = "operator-secret";

fn settings() {
    static SET: Once = Once::new();
    SET.call_once(|| cors_runtime::decide::set_fresh_for(FRESH_FOR));
}

/// What an origin is to the store over the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Added and removed by the operator while the clients send; a tenant at the start
    /// when `true`.
    Changing(bool),
    /// A tenant throughout.
    Steady,
    /// Never a tenant.
    Stranger,
    /// Outside the routes' bound, though the store holds it as a tenant.
    OutOfBound,
}

struct Probe {
    origin: String,
    role: Role,
}

/// The origins of the test, unique to this run (the answers of `is_tenant` are kept for
/// the whole process).
fn probes() -> Vec<Probe> {
    let tag = support::unique("load");
    let at = |name: &str| format!("https://{name}-{tag}.example");
    let mut probes: Vec<Probe> = (0..6)
        .map(|n| Probe {
            origin: at(&format!("changing{n}")),
            role: Role::Changing(n % 2 == 0),
        })
        .collect();
    for n in 0..2 {
        probes.push(Probe {
            origin: at(&format!("steady{n}")),
            role: Role::Steady,
        });
        probes.push(Probe {
            origin: at(&format!("stranger{n}")),
            role: Role::Stranger,
        });
    }
    let steady = at("steady0");
    for origin in [
        steady.replace("https://", "http://"),
        format!("{steady}:8443"),
        steady.replace("steady0", "Steady0"),
        format!("{steady}/"),
        "null".to_owned(),
    ] {
        probes.push(Probe {
            origin,
            role: Role::OutOfBound,
        });
    }
    probes
}

/// The example's application over `store`, two workers on a free loopback port, on a
/// thread of its own; returns its address and what stops it.
fn serve(store: web::Data<example::Store>) -> (SocketAddr, impl FnOnce()) {
    settings();
    support::serve_until_stopped(move || example::app(store.clone(), TOKEN.to_owned()), 2)
}

/// A store in a fresh SQLite file holding the tenants `probes` start with, and, since the
/// admin route takes none of them, the origins outside the bound.
fn store_for(probes: &[Probe], dir: &support::TempDir) -> web::Data<example::Store> {
    let path = dir.0.join("tenants.db");
    let store = example::Store::open(path.to_str().unwrap()).unwrap();
    for probe in probes {
        if matches!(
            probe.role,
            Role::Changing(true) | Role::Steady | Role::OutOfBound
        ) {
            assert!(store.add(&probe.origin).unwrap());
        }
    }
    web::Data::new(store)
}

/// The three kinds of request the clients send.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Get,
    Preflight,
    Post,
}

const KINDS: [Kind; 3] = [Kind::Get, Kind::Preflight, Kind::Post];

fn request(kind: Kind, origin: &str) -> Vec<u8> {
    match kind {
        Kind::Get => {
            format!("GET /api/catalog HTTP/1.1\r\nHost: tenants\r\nOrigin: {origin}\r\n\r\n")
        }
        Kind::Preflight => format!(
            "OPTIONS /api/orders HTTP/1.1\r\nHost: tenants\r\nOrigin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type\r\n\r\n"
        ),
        Kind::Post => {
            let body = r#"{"item":"tea","quantity":2}"#;
            format!(
                "POST /api/orders HTTP/1.1\r\nHost: tenants\r\nOrigin: {origin}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        }
    }
    .into_bytes()
}

/// One answer a client read.
struct Answer {
    probe: usize,
    kind: Kind,
    sent: Instant,
    received: Instant,
    granted: bool,
}

/// What one client saw: its answers, and the failures (no answer, an unexpected status, a
/// malformed grant).
#[derive(Default)]
struct Seen {
    answers: Vec<Answer>,
    errors: Vec<String>,
}

/// Sends requests of every kind from every probe, in turn, over one keep-alive connection
/// until `done`.
fn client(address: SocketAddr, probes: &[Probe], client: usize, done: &AtomicBool) -> Seen {
    let mut seen = Seen::default();
    let mut connection: Option<TcpStream> = None;
    let mut n = client * 7;
    while !done.load(Ordering::SeqCst) {
        n += 1;
        let probe = n % probes.len();
        let kind = KINDS[(n / probes.len()) % KINDS.len()];
        let origin = &probes[probe].origin;
        let sent = Instant::now();
        let answer = support::exchange_kept(&mut connection, address, &request(kind, origin));
        let received = Instant::now();
        let response = match answer {
            Ok(response) => response,
            Err(error) => {
                seen.errors.push(format!("{kind:?} from {origin}: {error}"));
                connection = None;
                continue;
            }
        };
        match judge(kind, origin, &response) {
            Ok(granted) => seen.answers.push(Answer {
                probe,
                kind,
                sent,
                received,
                granted,
            }),
            Err(error) => seen.errors.push(format!("{kind:?} from {origin}: {error}")),
        }
    }
    seen
}

/// Whether `response` grants `origin`; an error for any answer but a grant of exactly
/// `origin` with credentials, or none, with the status of its kind.
fn judge(kind: Kind, origin: &str, response: &support::Response) -> Result<bool, String> {
    let allow_origin = response.all("access-control-allow-origin");
    let granted = match allow_origin.as_slice() {
        [] => false,
        [one] if *one == origin.as_bytes() => true,
        _ => return Err(format!("a grant of another origin: {response:?}")),
    };
    if granted && response.one("access-control-allow-credentials").as_deref() != Some("true") {
        return Err(format!("a grant without credentials: {response:?}"));
    }
    if !granted && !response.access_control().is_empty() {
        return Err(format!("CORS headers without a grant: {response:?}"));
    }
    if !response.vary().contains(&"origin".to_owned()) {
        return Err(format!("no `Vary: Origin`: {response:?}"));
    }
    let expected = match kind {
        Kind::Preflight if granted => 204,
        Kind::Preflight => 403,
        Kind::Get => 200,
        Kind::Post => 201,
    };
    if response.status != expected {
        return Err(format!(
            "status {} for {expected}: {response:?}",
            response.status
        ));
    }
    Ok(granted)
}

/// One change the operator made through the admin route: in force at some moment between
/// `sent` and `answered`.
#[derive(Debug)]
struct Change {
    probe: usize,
    added: bool,
    sent: Instant,
    answered: Instant,
}

/// Adds and removes the changing tenants, each in turn, every [`CHANGE_EVERY`], until
/// `done`, counting them in `made`; returns the changes in order, and the failures.
fn operator(
    address: SocketAddr,
    probes: &[Probe],
    made: &AtomicUsize,
    done: &AtomicBool,
) -> (Vec<Change>, Vec<String>) {
    let changing: Vec<usize> = (0..probes.len())
        .filter(|&n| matches!(probes[n].role, Role::Changing(_)))
        .collect();
    let mut tenant: Vec<bool> = probes
        .iter()
        .map(|probe| probe.role == Role::Changing(true))
        .collect();
    let (mut changes, mut errors) = (Vec::new(), Vec::new());
    let mut turn = 0;
    while !done.load(Ordering::SeqCst) {
        let probe = changing[turn % changing.len()];
        turn += 1;
        let add = !tenant[probe];
        let (method, expected) = if add { ("PUT", 201) } else { ("DELETE", 204) };
        let target = format!("/admin/tenants?origin={}", probes[probe].origin);
        let sent = Instant::now();
        let answer = admin(address, method, &target, TOKEN);
        let answered = Instant::now();
        match answer {
            Ok(response) if response.status == expected => {
                tenant[probe] = add;
                changes.push(Change {
                    probe,
                    added: add,
                    sent,
                    answered,
                });
                made.fetch_add(1, Ordering::SeqCst);
            }
            Ok(response) => errors.push(format!("{method} {target}: {response:?}")),
            Err(error) => errors.push(format!("{method} {target}: {error}")),
        }
        std::thread::sleep((sent + CHANGE_EVERY).saturating_duration_since(Instant::now()));
    }
    (changes, errors)
}

fn admin(
    to: SocketAddr,
    method: &str,
    target: &str,
    token: &str,
) -> Result<support::Response, String> {
    let authorization = format!("Bearer {token}");
    let headers = [("Authorization", authorization.as_bytes())];
    // A change waits for the store's sync to disk: seconds, on a disk busy with other work.
    let request = support::request(method, target, &headers, b"");
    support::exchange_slow(to, &request, Duration::from_secs(30))
}

/// The store's state of one changing origin over the test, from the operator's changes.
struct History<'a> {
    initially: bool,
    /// Its changes, in order.
    changes: Vec<&'a Change>,
}

impl History<'_> {
    /// Whether it may have been a tenant at some moment of `from..=to`: a change counts from
    /// when it was sent until its answer (the store changed in between).
    fn maybe_tenant_within(&self, from: Instant, to: Instant) -> bool {
        // The tenancies: from an add's sending (or the start) to a removal's answer (or
        // the end).
        let mut since = self.initially.then_some(None);
        for change in &self.changes {
            match (change.added, since) {
                (true, None) => since = Some(Some(change.sent)),
                (false, Some(start)) => {
                    if start.is_none_or(|start| start <= to) && change.answered >= from {
                        return true;
                    }
                    since = None;
                }
                _ => unreachable!("the operator alternates"),
            }
        }
        since.is_some_and(|start| start.is_none_or(|start| start <= to))
    }

    /// What it surely was while a request was on its way, `sent..=received`, once every
    /// answer kept from before the last change has expired: `None` when a change was
    /// under way or too recent.
    fn surely(&self, sent: Instant, received: Instant) -> Option<bool> {
        let before = self
            .changes
            .iter()
            .take_while(|change| change.sent <= received);
        match before.last() {
            None => Some(self.initially),
            Some(last) if last.answered + FRESH_FOR + SLACK <= sent => Some(last.added),
            Some(_) => None,
        }
    }
}

#[test]
fn every_answer_under_load_agrees_with_the_store_within_the_freshness_period() {
    let probes = probes();
    let dir = support::TempDir::new("tenants");
    let store = store_for(&probes, &dir);
    let (address, stop) = serve(store.clone());
    let started = Instant::now();

    let (made, done) = (AtomicUsize::new(0), AtomicBool::new(false));
    let (seen, (changes, admin_errors)) = std::thread::scope(|scope| {
        let (probes, made, done) = (&probes, &made, &done);
        let clients: Vec<_> = (0..CLIENTS)
            .map(|n| scope.spawn(move || client(address, probes, n, done)))
            .collect();
        let operator = scope.spawn(move || operator(address, probes, made, done));
        std::thread::sleep(LOAD_FOR);
        while made.load(Ordering::SeqCst) < MIN_CHANGES && started.elapsed() < LOAD_AT_MOST {
            std::thread::sleep(Duration::from_millis(50));
        }
        done.store(true, Ordering::SeqCst);
        let seen: Vec<Seen> = (clients.into_iter())
            .map(|client| client.join().expect("a client panicked"))
            .collect();
        (seen, operator.join().expect("the operator panicked"))
    });
    let load_ended = Instant::now();
    let elapsed = started.elapsed();
    let lookups = store.lookups();

    // Outside the bound nothing is looked up, though the store holds those origins.
    let out_of_bound: Vec<&Probe> = (probes.iter())
        .filter(|probe| probe.role == Role::OutOfBound)
        .collect();
    let mut connection = None;
    for probe in &out_of_bound {
        for kind in KINDS {
            let response =
                support::exchange_kept(&mut connection, address, &request(kind, &probe.origin));
            let granted = judge(kind, &probe.origin, &response.unwrap());
            assert_eq!(granted, Ok(false), "{kind:?} from {}", probe.origin);
        }
    }
    assert_eq!(
        store.lookups(),
        lookups,
        "an origin outside the bound was looked up"
    );
    stop();

    let histories: Vec<History> = (0..probes.len())
        .map(|probe| History {
            initially: matches!(probes[probe].role, Role::Changing(true) | Role::Steady),
            changes: changes
                .iter()
                .filter(|change| change.probe == probe)
                .collect(),
        })
        .collect();
    let mut problems: Vec<String> = admin_errors.clone();
    let (mut requests, mut granted, mut checked_after_change) = (0, 0, 0);
    let mut errors = 0;
    // The changes that stayed in force long enough after the freshness period for the
    // clients to see them, and those they saw.
    let checkable: Vec<bool> = (changes.iter())
        .map(|change| {
            let next = (changes.iter())
                .find(|next| next.probe == change.probe && next.sent > change.sent)
                .map_or(load_ended, |next| next.sent);
            change.answered + FRESH_FOR + SLACK + 2 * CHANGE_EVERY < next
        })
        .collect();
    let mut seen_in_force = vec![false; changes.len()];
    for part in &seen {
        errors += part.errors.len();
        problems.extend(part.errors.iter().take(5).cloned());
        for answer in &part.answers {
            requests += 1;
            granted += usize::from(answer.granted);
            let probe = &probes[answer.probe];
            let history = &histories[answer.probe];
            let at = |instant: Instant| instant.duration_since(started).as_millis();
            let said = |what: &str| {
                format!(
                    "{what}: {:?} from {} ({:?}) sent at {} ms, answered at {} ms; changes: {:?}",
                    answer.kind,
                    probe.origin,
                    probe.role,
                    at(answer.sent),
                    at(answer.received),
                    (history.changes.iter())
                        .map(|change| (change.added, at(change.sent), at(change.answered)))
                        .collect::<Vec<_>>()
                )
            };
            match probe.role {
                Role::Stranger | Role::OutOfBound if answer.granted => {
                    problems.push(said("granted, never a tenant's"));
                }
                Role::Steady if !answer.granted => problems.push(said("a steady tenant refused")),
                Role::Changing(_) => {
                    let oldest_kept = answer
                        .sent
                        .checked_sub(FRESH_FOR + SLACK)
                        .unwrap_or(started);
                    if answer.granted && !history.maybe_tenant_within(oldest_kept, answer.received)
                    {
                        problems.push(said("granted, not a tenant within the freshness period"));
                    }
                    if let Some(tenant) = history.surely(answer.sent, answer.received) {
                        checked_after_change += 1;
                        let last = (changes.iter()).rposition(|change| {
                            change.probe == answer.probe && change.sent <= answer.received
                        });
                        if let Some(last) = last {
                            seen_in_force[last] = true;
                        }
                        if answer.granted != tenant {
                            problems.push(said(if tenant {
                                "a tenant refused after the freshness period"
                            } else {
                                "a removed tenant granted after the freshness period"
                            }));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let in_bound = (probes.iter())
        .filter(|probe| probe.role != Role::OutOfBound)
        .count() as u64;
    let periods = (elapsed.as_secs_f64() / FRESH_FOR.as_secs_f64()).ceil() as u64 + 1;
    let most_lookups = in_bound * periods + in_bound;
    let slowest_change = (changes.iter())
        .map(|change| change.answered - change.sent)
        .max()
        .unwrap_or_default();
    let slowest_answer = (seen.iter().flat_map(|part| &part.answers))
        .map(|answer| answer.received - answer.sent)
        .max()
        .unwrap_or_default();
    println!(
        "tenants under load: {requests} requests ({granted} granted, {checked_after_change} \
         checked against a state in force; the slowest answered in {slowest_answer:.0?}) in \
         {:.1} s from {CLIENTS} clients, {} changes (the slowest in force within \
         {slowest_change:.0?}), {lookups} lookups (at most {most_lookups}: {in_bound} origins, \
         {periods} periods of {FRESH_FOR:?}), {errors} errors, {} problems",
        elapsed.as_secs_f64(),
        changes.len(),
        problems.len(),
    );
    assert!(
        problems.is_empty(),
        "{:#?}",
        &problems[..problems.len().min(10)]
    );
    assert!(requests >= 2_000, "too little load: {requests} requests");
    assert!(
        changes.len() >= MIN_CHANGES,
        "too few changes: {}",
        changes.len()
    );
    let unseen = (checkable.iter().zip(&seen_in_force))
        .filter(|(checkable, seen)| **checkable && !**seen)
        .count();
    assert_eq!(unseen, 0, "changes in force that no request saw");
    assert!(
        (in_bound..=most_lookups).contains(&lookups),
        "{lookups} lookups for {in_bound} origins over {periods} periods"
    );
}

#[test]
fn the_admin_routes_want_the_token_and_an_origin_of_the_bound() {
    let dir = support::TempDir::new("tenants-admin");
    let store = store_for(&[], &dir);
    let (address, stop) = serve(store.clone());
    let origin = format!("https://{}.example", support::unique("signup"));
    let target = format!("/admin/tenants?origin={origin}");

    let refused = admin(address, "PUT", &target, "a-guess").unwrap();
    assert_eq!(refused.status, 401, "{refused:?}");
    assert_eq!(store.origins().unwrap(), Vec::<String>::new());

    for outside in [
        origin.replace("https://", "http://"),
        format!("{origin}:8443"),
        format!("{origin}/"),
        origin.to_uppercase(),
        "null".to_owned(),
    ] {
        let target = format!("/admin/tenants?origin={outside}");
        let response = admin(address, "PUT", &target, TOKEN).unwrap();
        assert_eq!(response.status, 422, "{outside}: {response:?}");
    }
    assert_eq!(store.origins().unwrap(), Vec::<String>::new());

    let get = |origin: &str| {
        let headers = [("Origin", origin.as_bytes())];
        let request = support::request("GET", "/api/catalog", &headers, b"");
        judge(
            Kind::Get,
            origin,
            &support::exchange(address, &request).unwrap(),
        )
    };
    assert_eq!(get(&origin), Ok(false));
    assert_eq!(admin(address, "PUT", &target, TOKEN).unwrap().status, 201);
    assert_eq!(admin(address, "PUT", &target, TOKEN).unwrap().status, 204);
    assert_eq!(store.origins().unwrap(), [origin.as_str()]);
    let listed = admin(address, "GET", "/admin/tenants", TOKEN).unwrap();
    assert_eq!(listed.body, format!("[\"{origin}\"]").into_bytes());
    // The refusal is kept for the freshness period, then the new tenant is granted.
    std::thread::sleep(FRESH_FOR + SLACK);
    assert_eq!(get(&origin), Ok(true));

    assert_eq!(
        admin(address, "DELETE", &target, TOKEN).unwrap().status,
        204
    );
    assert_eq!(
        admin(address, "DELETE", &target, TOKEN).unwrap().status,
        404
    );
    std::thread::sleep(FRESH_FOR + SLACK);
    assert_eq!(get(&origin), Ok(false));
    stop();
}
