//! What the API server saw: every request it answered, preflights included, with the
//! response headers that decide what the browser does.
//!
//! A page cannot see why the browser blocked a call (`fetch()` only rejects with a bare
//! `TypeError`: "Failed to fetch" in Chromium, "NetworkError when attempting to fetch
//! resource." in Firefox), and it cannot read most response headers either. The
//! journal is the server's side of the story: the page server hands it to the page at
//! `/journal` (same origin, so no CORS involved), the demo prints it on the console, and the
//! browser tests read it to prove, for example, that a preflight reached our generated
//! `OPTIONS` route and was answered `204`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// How many entries the journal keeps; older ones are dropped.
const CAPACITY: usize = 2000;

/// One request the API answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Position in the journal since the server started: later requests have larger numbers.
    pub seq: u64,
    /// The request method (`OPTIONS` for a preflight).
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The query string, without `?` (the demo page tags its calls with `run=…&row=…`).
    pub query: String,
    /// The request's `Origin` header.
    pub origin: Option<String>,
    /// Whether this was a CORS preflight: `OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`.
    pub preflight: bool,
    /// `Access-Control-Request-Method` of a preflight.
    pub request_method: Option<String>,
    /// `Access-Control-Request-Headers` of a preflight.
    pub request_headers: Option<String>,
    /// The status the server answered.
    pub status: u16,
    /// The response's `Access-Control-*` headers and `Vary`, lower-case names, in order.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// The value of one of the recorded response headers (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the request's query has `key=value` among its `&`-separated pairs.
    pub fn has_query(&self, key: &str, value: &str) -> bool {
        self.query
            .split('&')
            .any(|pair| pair.split_once('=') == Some((key, value)))
    }
}

/// The API's request log, shared between the API server (which writes it), the page server
/// (which serves it at `/journal`) and tests.
#[derive(Debug, Default)]
pub struct Journal {
    state: Mutex<State>,
    print: bool,
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    entries: VecDeque<Seen>,
}

impl Journal {
    /// A journal that also prints each entry on stdout (the demo's console view).
    pub fn printing() -> Self {
        Journal {
            print: true,
            ..Journal::default()
        }
    }

    /// Every kept entry, oldest first.
    pub fn entries(&self) -> Vec<Seen> {
        self.lock().entries.iter().cloned().collect()
    }

    /// The entries whose query has `run=<run>`, oldest first.
    pub fn run(&self, run: &str) -> Vec<Seen> {
        self.lock()
            .entries
            .iter()
            .filter(|seen| seen.has_query("run", run))
            .cloned()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the log half-written: keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, mut seen: Seen) {
        let mut state = self.lock();
        seen.seq = state.next_seq;
        state.next_seq += 1;
        if self.print {
            println!("{}", describe(&seen));
        }
        if state.entries.len() == CAPACITY {
            state.entries.pop_front();
        }
        state.entries.push_back(seen);
    }

    /// Records the request and its response: the body of the `App::wrap_fn` around the
    /// actix-web API.
    pub fn observe<S, B>(
        self: &Arc<Self>,
        req: ServiceRequest,
        service: &S,
    ) -> impl Future<Output = Result<ServiceResponse<B>, Error>> + use<S, B>
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    {
        let headers = req.headers();
        let request = RequestFacts::new(
            req.method().as_str(),
            req.path(),
            req.query_string(),
            |name| joined(headers.get_all(name).map(|value| value.as_bytes())),
        );
        let response = service.call(req);
        let journal = Arc::clone(self);
        async move {
            let response = response.await;
            let answered = |status: StatusCode, headers: &HeaderMap| {
                let headers = headers
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_bytes()));
                request.seen(status.as_u16(), headers)
            };
            match &response {
                Ok(response) => journal.record(answered(response.status(), response.headers())),
                Err(error) => {
                    let rendered = error.error_response();
                    journal.record(answered(rendered.status(), rendered.headers()));
                }
            }
            response
        }
    }
}

/// Records each request the axum API answers and its response in the journal in its state:
/// the axum API's outermost layer (`axum::middleware::from_fn_with_state`), as
/// [`Journal::observe`] is the actix-web API's.
pub async fn observe_axum(
    axum::extract::State(journal): axum::extract::State<Arc<Journal>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = req.headers();
    let request = RequestFacts::new(
        req.method().as_str(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
        |name| joined(headers.get_all(name).iter().map(|value| value.as_bytes())),
    );
    let response = next.run(req).await;
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()));
    journal.record(request.seen(response.status().as_u16(), headers));
    response
}

/// What is recorded of the request before the handler takes it.
struct RequestFacts {
    method: String,
    path: String,
    query: String,
    origin: Option<String>,
    preflight: bool,
    request_method: Option<String>,
    request_headers: Option<String>,
}

impl RequestFacts {
    /// The facts of a request with `method`, `path` and `query`, whose headers `header`
    /// reads by their lower-case name (all values joined, `None` when absent).
    fn new(
        method: &str,
        path: &str,
        query: &str,
        header: impl Fn(&'static str) -> Option<String>,
    ) -> Self {
        let origin = header("origin");
        let request_method = header("access-control-request-method");
        RequestFacts {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            preflight: method == "OPTIONS" && origin.is_some() && request_method.is_some(),
            origin,
            request_method,
            request_headers: header("access-control-request-headers"),
        }
    }

    /// The entry of this request answered with `status` and `headers` (lower-case names).
    fn seen<'a>(self, status: u16, headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> Seen {
        let mut decisive: Vec<(String, String)> = headers
            .filter(|(name, _)| name.starts_with("access-control-") || *name == "vary")
            .map(|(name, value)| (name.to_owned(), String::from_utf8_lossy(value).into_owned()))
            .collect();
        decisive.sort();
        Seen {
            seq: 0,
            method: self.method,
            path: self.path,
            query: self.query,
            origin: self.origin,
            preflight: self.preflight,
            request_method: self.request_method,
            request_headers: self.request_headers,
            status,
            headers: decisive,
        }
    }
}

/// All values of a request header, joined with `, ` as HTTP allows.
fn joined<'a>(values: impl Iterator<Item = &'a [u8]>) -> Option<String> {
    let values: Vec<String> = values
        .map(|value| String::from_utf8_lossy(value).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// One console line for an entry.
pub fn describe(seen: &Seen) -> String {
    let mut line = format!("api  {} {}", seen.method, seen.path);
    if seen.preflight {
        line.push_str(&format!(
            " (preflight for {}{})",
            seen.request_method.as_deref().unwrap_or("?"),
            seen.request_headers
                .as_deref()
                .map(|headers| format!(" with {headers}"))
                .unwrap_or_default()
        ));
    }
    if let Some(origin) = &seen.origin {
        line.push_str(&format!(" from {origin}"));
    }
    line.push_str(&format!(" -> {}", seen.status));
    match seen.header("access-control-allow-origin") {
        Some(allowed) => line.push_str(&format!(", Access-Control-Allow-Origin: {allowed}")),
        None if seen.origin.is_some() => line.push_str(", no Access-Control-Allow-Origin"),
        None => {}
    }
    line
}
