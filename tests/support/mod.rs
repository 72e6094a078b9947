//! What the end-to-end tests against the running demo share (`tests/browser.rs`,
//! `tests/demo_api.rs`, `tests/hostile.rs`, `tests/nginx.rs`, `tests/scanner.rs`): the one
//! launcher of the demo's servers, the demo's routes as the tests reach them, a raw HTTP/1.1
//! exchange over a plain `TcpStream`, and a count of the panics of server threads; and
//! ([`live_load`]) the reloads under load of the live-origins tests of both adapters.
//!
//! Nothing here imitates a server or a client of the code under test: the demo is the real
//! one (`cors_suite::Demo`), and requests are bytes written to its socket.

#![allow(dead_code)] // each test crate uses part of this module

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::web;
use cors_suite::api::{Items, ROUTES, Route, Tenants};
use cors_suite::{Config, Demo, Endpoint, Journal, Stopper};

pub mod live_load;

/// The origin every policy of the demo names: the demo page's.
pub const PAGE: &str = cors_suite::PAGE_ORIGIN;
/// The other origin the items policies name.
pub const APP: &str = "https://app.example.com";
/// An origin no policy of the demo names.
pub const EVIL: &str = "https://evil.example.net";

/// The name of the thread that runs the demo's actix system.
const DEMO_THREAD: &str = "demo-servers";
/// How long another process may hold a fixed port of the demo before the launcher gives up.
const PORT_WAIT: Duration = Duration::from_secs(120);

/// The demo's page and API on free ports of `127.0.0.1`: so tests never collide with each
/// other or with the browser tests (which need the page on `localhost:8080`).
pub fn loopback_config() -> Config {
    Config {
        page: Endpoint::new("127.0.0.1", 0),
        api: Endpoint::new("127.0.0.1", 0),
        api_workers: 2,
        plain_api: Some(Endpoint::new("127.0.0.1", 0)),
        ..Config::default()
    }
}

/// [`loopback_config`] with the axum API too, on a free port of `127.0.0.1`.
pub fn loopback_config_with_axum() -> Config {
    Config {
        axum_api: Some(Endpoint::new("127.0.0.1", 0)),
        ..loopback_config()
    }
}

/// The demo's servers, served by a thread of this process; stopped on drop.
pub struct Running {
    /// `http://<host>:<port>`, no trailing slash.
    pub api_url: String,
    /// The API's socket address (on `127.0.0.1`).
    pub api: SocketAddr,
    /// The plain API's (the same handlers without `Preflights`), when the config has one.
    pub plain_api: Option<SocketAddr>,
    /// `http://<host>:<port>` of the axum API, when the config has one.
    pub axum_api_url: Option<String>,
    /// The axum API's socket address (on `127.0.0.1`), when the config has one.
    pub axum_api: Option<SocketAddr>,
    /// The page's URL, with a trailing slash.
    pub page_url: String,
    /// The URLs of the config's `more_pages`, in order.
    pub more_page_urls: Vec<String>,
    /// What the API saw.
    pub journal: Arc<Journal>,
    /// The API's items store.
    pub items: web::Data<Items>,
    /// The tenants of `/api/tenant`.
    pub tenants: web::Data<Tenants>,
    stopper: Stopper,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// The demo on [`loopback_config`]; returns once both servers answer.
    pub fn start() -> Running {
        Running::with(loopback_config()).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The demo on `config`, waiting up to [`PORT_WAIT`] while another process holds a fixed
    /// port; returns once the API answers.
    pub fn with(config: Config) -> Result<Running, String> {
        install_panic_counter();
        let demo = bind(config)?;
        let api_url = demo.api_url.clone();
        let api = loopback_address(&api_url)?;
        let plain_api = demo
            .plain_api_url
            .as_deref()
            .map(loopback_address)
            .transpose()?;
        let axum_api_url = demo.axum_api_url.clone();
        let axum_api = axum_api_url.as_deref().map(loopback_address).transpose()?;
        let (page_url, more_page_urls) = (demo.page_url.clone(), demo.more_page_urls.clone());
        let (journal, items, tenants, stopper) = (
            Arc::clone(&demo.journal),
            demo.items.clone(),
            demo.tenants.clone(),
            demo.stopper(),
        );
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(DEMO_THREAD.into())
            .spawn(move || {
                let outcome = actix_web::rt::System::new().block_on(demo.run());
                let _ = sender.send(outcome);
            })
            .expect("cannot spawn the demo's thread");
        let running = Running {
            api_url,
            api,
            plain_api,
            axum_api_url,
            axum_api,
            page_url,
            more_page_urls,
            journal,
            items,
            tenants,
            stopper,
            thread: Some(thread),
        };
        running.wait_until_answering(&receiver)?;
        Ok(running)
    }

    /// The sockets are bound: a request is queued until the workers take it. One answered
    /// request shows they run (and surfaces a start-up failure instead of a hang).
    fn wait_until_answering(&self, outcome: &mpsc::Receiver<io::Result<()>>) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Err(error)) = outcome.try_recv() {
                return Err(format!("the demo's servers stopped: {error}"));
            }
            let probe = exchange(
                self.api,
                b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            );
            if matches!(probe, Ok(ref response) if response.status == 200) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the demo's API does not answer: {probe:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The loopback address of a URL `http://<host>:<port>` the demo printed.
fn loopback_address(url: &str) -> Result<SocketAddr, String> {
    let port = url
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<u16>().ok())
        .ok_or_else(|| format!("unexpected API URL {url}"))?;
    Ok(SocketAddr::from(([127, 0, 0, 1], port)))
}

impl Running {
    /// Both documented setups of the API: behind `Preflights` (`true`), and without it.
    pub fn setups(&self) -> Vec<(bool, SocketAddr)> {
        std::iter::once((true, self.api))
            .chain(self.plain_api.map(|plain| (false, plain)))
            .collect()
    }
}

/// Binds `config`, waiting up to [`PORT_WAIT`] while another process holds one of its ports.
fn bind(config: Config) -> Result<Demo, String> {
    let deadline = Instant::now() + PORT_WAIT;
    loop {
        match Demo::bind(config.clone()) {
            Ok(demo) => return Ok(demo),
            Err(error) if error.kind() == io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                // Polling for a port another process holds; nothing to be notified by.
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(error) => {
                return Err(format!(
                    "cannot start the demo: {error}. Stop whatever listens there (a running \
                     `cargo run --example demo`?) and run the tests again"
                ));
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            // On a thread of its own: the runtime that awaits the stop cannot start on a thread
            // that already runs one (an async test's).
            let stopper = self.stopper.clone();
            let stopping = std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(async move { stopper.stop().await });
            });
            let _ = stopping.join();
            let _ = thread.join();
        }
    }
}

/// Panics of the demo's threads (its actix system, the servers' workers and the axum API's
/// thread) since the first [`Running::start`] of this process. A panicking worker is replaced
/// by actix, and a panicking axum handler only drops its connection, so "the server still
/// answers" alone would not notice one; this does.
pub fn server_panics() -> Vec<String> {
    panics().lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn panics() -> &'static Mutex<Vec<String>> {
    static PANICS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    PANICS.get_or_init(Mutex::default)
}

fn install_panic_counter() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("");
            if name == DEMO_THREAD
                || name == cors_suite::AXUM_API_THREAD
                || name.starts_with("actix")
            {
                panics()
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{name}: {info}"));
            }
            previous(info);
        }));
    });
}

/// How long one exchange may take, from connecting to the last byte of the answer.
pub const BOUND: Duration = Duration::from_secs(5);

/// An HTTP/1.1 response as read from the socket.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Every header line, in order, name in lower case, value as sent.
    pub headers: Headers,
    pub body: Vec<u8>,
    /// From connecting to the end of the answer.
    pub elapsed: Duration,
}

impl Response {
    /// Every value of a header (name in lower case).
    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, value)| value.as_slice())
            .collect()
    }

    /// The only value of a header, as text (lossy), if it is there once.
    pub fn one(&self, name: &str) -> Option<String> {
        match self.all(name).as_slice() {
            [value] => Some(String::from_utf8_lossy(value).into_owned()),
            _ => None,
        }
    }

    /// Every `access-control-*` header.
    pub fn access_control(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(name, _)| name.starts_with("access-control-"))
            .map(|(name, value)| (name.clone(), String::from_utf8_lossy(value).into_owned()))
            .collect()
    }

    /// The `Vary` values, split on commas and trimmed, in order (lower case).
    pub fn vary(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|value| {
                String::from_utf8_lossy(value)
                    .split(',')
                    .map(|item| item.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter(|item| !item.is_empty())
            .collect()
    }
}

/// Sends `request` (complete bytes: request line, headers, blank line, body) on a new
/// connection to `to` and reads the answer, all within [`BOUND`].
///
/// The request should say `Connection: close`. A server may answer before it has read the
/// whole request (a `431` for an oversized header, say): a failed write is then not an
/// error as long as an answer can be read.
pub fn exchange(to: SocketAddr, request: &[u8]) -> Result<Response, String> {
    exchange_within(to, &[request], Duration::ZERO, BOUND)
}

/// [`exchange`] within `bound` rather than [`BOUND`]: for a request whose answer waits for
/// something slower than the server (a database's sync to disk).
pub fn exchange_slow(to: SocketAddr, request: &[u8], bound: Duration) -> Result<Response, String> {
    exchange_within(to, &[request], Duration::ZERO, bound)
}

/// [`exchange`] with the request written in `parts`, `pause` apart: a body that arrives
/// after its headers makes a body extractor wait (its first poll returns `Pending`).
pub fn exchange_in_parts(
    to: SocketAddr,
    parts: &[&[u8]],
    pause: Duration,
) -> Result<Response, String> {
    exchange_within(to, parts, pause, BOUND)
}

fn exchange_within(
    to: SocketAddr,
    parts: &[&[u8]],
    pause: Duration,
    bound: Duration,
) -> Result<Response, String> {
    let started = Instant::now();
    let deadline = started + bound;
    let mut stream = TcpStream::connect_timeout(&to, bound).map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(bound))
        .map_err(|e| e.to_string())?;
    let mut write_error = None;
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            std::thread::sleep(pause);
        }
        if let Err(error) = stream.write_all(part) {
            write_error = Some(error);
            break;
        }
    }

    let mut received = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        if let Some(response) = parse(&received, started)? {
            return Ok(response);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no complete answer within {bound:?} ({} bytes received)",
                received.len()
            ));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buffer) {
            Ok(0) => {
                return parse_at_eof(&received, started).ok_or_else(|| {
                    format!(
                        "connection closed after {} bytes without a complete answer (write: {write_error:?})",
                        received.len()
                    )
                });
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!(
                    "no complete answer within {bound:?} ({} bytes received)",
                    received.len()
                ));
            }
            Err(error) => {
                return parse_at_eof(&received, started).ok_or_else(|| {
                    format!(
                        "read failed after {} bytes: {error} (write: {write_error:?})",
                        received.len()
                    )
                });
            }
        }
    }
}

/// Sends `request` over `stream`, a kept-alive connection with no answer pending, and
/// reads the one answer to it; each read waits at most [`BOUND`].
pub fn exchange_on(stream: &mut TcpStream, request: &[u8]) -> Result<Response, String> {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(BOUND))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request)
        .map_err(|e| format!("write: {e}"))?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        if let Some(response) = parse(&received, started)? {
            return Ok(response);
        }
        match stream.read(&mut buffer) {
            Ok(0) => {
                return Err(format!(
                    "connection closed after {} bytes without a complete answer",
                    received.len()
                ));
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) => return Err(format!("read: {error}")),
        }
    }
}

/// The response in `bytes`, if it is complete (by `Content-Length` or chunked framing).
fn parse(bytes: &[u8], started: Instant) -> Result<Option<Response>, String> {
    let Some(end) = find(bytes, b"\r\n\r\n") else {
        return Ok(None);
    };
    let (status, headers) = head(&bytes[..end])?;
    let rest = &bytes[end + 4..];
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| String::from_utf8_lossy(value).trim().to_ascii_lowercase())
    };
    let body = if status == 204 || status == 304 || (100..200).contains(&status) {
        Some(Vec::new())
    } else if header("transfer-encoding").is_some_and(|value| value.ends_with("chunked")) {
        dechunk(rest)
    } else if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("bad content-length {length:?}"))?;
        (rest.len() >= length).then(|| rest[..length].to_vec())
    } else {
        None // delimited by the end of the connection
    };
    Ok(body.map(|body| Response {
        status,
        headers,
        body,
        elapsed: started.elapsed(),
    }))
}

/// The response in `bytes` once the connection has ended.
fn parse_at_eof(bytes: &[u8], started: Instant) -> Option<Response> {
    if let Ok(Some(response)) = parse(bytes, started) {
        return Some(response);
    }
    let end = find(bytes, b"\r\n\r\n")?;
    let (status, headers) = head(&bytes[..end]).ok()?;
    Some(Response {
        status,
        headers,
        body: bytes[end + 4..].to_vec(),
        elapsed: started.elapsed(),
    })
}

/// Header lines: lower-case name, raw value.
pub type Headers = Vec<(String, Vec<u8>)>;

fn head(head: &[u8]) -> Result<(u16, Headers), String> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let status_line = lines.next().unwrap_or_default();
    let text = String::from_utf8_lossy(status_line);
    let mut parts = text.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts
        .next()
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|_| version.starts_with("HTTP/1."))
        .ok_or_else(|| format!("not an HTTP/1 status line: {text:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| format!("bad header line {:?}", String::from_utf8_lossy(line)))?;
        let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
        let value = line[colon + 1..].trim_ascii().to_vec();
        headers.push((name, value));
    }
    Ok((status, headers))
}

/// The body of a complete chunked message, or `None` while it is incomplete.
fn dechunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(bytes, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&bytes[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        bytes = &bytes[line_end + 2..];
        if size == 0 {
            // Trailers (none expected), then the final blank line.
            return find(bytes, b"\r\n").map(|_| body);
        }
        if bytes.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A request with `Connection: close`: request line, then `headers` (name, raw value bytes)
/// in order, duplicates kept, then `body` with its `Content-Length` when there is one.
pub fn request(method: &str, target: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut bytes =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
            .into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT") {
        bytes.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    bytes
}

/// A unique token for this process and call, to keep URLs (and so cache keys) apart.
pub fn unique(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh directory under the system's temporary directory, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(unique(&format!("cors-{name}")));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Serves the application `app` makes, with one worker on a free port of `127.0.0.1`, from
/// a thread of its own until the test process ends; returns its address. For the tests'
/// own small applications beside the demo.
pub fn serve_app<F, T, B>(app: F) -> SocketAddr
where
    F: Fn() -> actix_web::App<T> + Send + Clone + 'static,
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: actix_web::body::MessageBody + 'static,
{
    // Never stopped: dropping the stopper leaves the server's thread running.
    serve_until_stopped(app, 1).0
}

/// Serves the application `app` makes, with `workers` workers on a free port of
/// `127.0.0.1`, from a thread of its own; returns its address and what stops it (at once
/// for idle connections, then joins the thread). For tests that load a server and then
/// check what it kept.
pub fn serve_until_stopped<F, T, B>(app: F, workers: usize) -> (SocketAddr, impl FnOnce())
where
    F: Fn() -> actix_web::App<T> + Send + Clone + 'static,
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: actix_web::body::MessageBody + 'static,
{
    let server = actix_web::HttpServer::new(app)
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))
        .expect("a loopback port");
    let address = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    let thread = std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
    let stop = move || {
        actix_web::rt::System::new().block_on(handle.stop(true));
        thread
            .join()
            .expect("the server's thread")
            .expect("the server ran");
    };
    (address, stop)
}

/// [`exchange_on`] over `connection`, kept alive between calls: opened to `to` when there
/// is none. After an error, set it to `None`: it may hold half an answer.
pub fn exchange_kept(
    connection: &mut Option<TcpStream>,
    to: SocketAddr,
    request: &[u8],
) -> Result<Response, String> {
    if connection.is_none() {
        let stream = TcpStream::connect_timeout(&to, BOUND).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        *connection = Some(stream);
    }
    exchange_on(connection.as_mut().expect("connected above"), request)
}

/// A port of `127.0.0.1` that was free a moment ago (for a child process to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("no free port on 127.0.0.1")
}

/// The demo's route `method path`, as `cors_suite::api::ROUTES` lists it.
pub fn route(method: &str, path: &str) -> &'static Route {
    ROUTES
        .iter()
        .find(|route| route.method == method && route.path == path)
        .unwrap_or_else(|| panic!("the demo has no route {method} {path}"))
}

/// The route's path with `id` for its `{id}` segment.
pub fn path_with_id(route: &Route, id: u32) -> String {
    route.path.replace("{id}", &id.to_string())
}

/// Origins the demo's policies grant, in the order [`granted_origin`] tries them: the
/// page's, the other origin the items policies name, a subdomain of `example.com`, another
/// `localhost` port.
const GRANTED_CANDIDATES: [&str; 4] = [PAGE, APP, "https://a.example.com", "http://localhost:3000"];

/// One origin the route's policy grants, as its compiled policy answers (the page's for
/// the `*` policy), or `None` for the route without a policy.
pub fn granted_origin(route: &Route) -> Option<String> {
    let policy = route.policy()?;
    let granted = GRANTED_CANDIDATES
        .into_iter()
        .find(|origin| policy.allows_origin(origin))
        .unwrap_or_else(|| panic!("no origin of {GRANTED_CANDIDATES:?} is granted {route:?}"));
    Some(granted.to_owned())
}

/// Whether the route's policy is open to every origin (`origins = "*"`).
pub fn is_public(route: &Route) -> bool {
    route
        .policy()
        .is_some_and(|policy| policy.origins().to_string() == "*")
}

/// Serves the axum router `app` with `axum::serve` on a free port of `127.0.0.1`, from a
/// thread of its own with a multi-threaded tokio runtime, until the test process ends;
/// returns its address.
#[allow(dead_code)]
pub fn serve_axum(app: axum::Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a loopback port");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking socket");
    let address = listener.local_addr().expect("the bound address");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            axum::serve(listener, app).await.expect("the server ran");
        });
    });
    address
}

/// Lets through requests that carry `Authorization: Bearer secret-token` and answers `401`
/// to the others: the check the axum tests give tower-http's
/// `ValidateRequestHeaderLayer::custom`.
#[allow(clippy::result_large_err)]
pub fn bearer_token(req: &mut axum::extract::Request) -> Result<(), axum::response::Response> {
    use axum::response::IntoResponse;
    match req.headers().get("authorization") {
        Some(value) if value == "Bearer secret-token" => Ok(()),
        _ => Err(axum::http::StatusCode::UNAUTHORIZED.into_response()),
    }
}
