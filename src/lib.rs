//! The demo application, shared by `examples/demo.rs` and the browser tests.
//!
//! Two servers run in one process:
//! - the **page** server ([`page`]) at `http://localhost:8080/`: a page that calls the API
//!   from its origin and shows, row by row, what the browser allowed and blocked, and why;
//! - the **API** server ([`api`]) at `http://127.0.0.1:8081`: the handlers of the README's
//!   table, each with its `#[cors]` policy, and one route behind bearer authentication
//!   (`/api/account/me`), under [`cors_runtime::Preflights`] and, outermost, the [`journal`]
//!   that records what the API saw. Every handler awaits its store before it answers, as
//!   real handlers do.
//!
//! [`Config::plain_api`] adds a second API server with the same handlers without
//! `Preflights`: the setup of an application that needs only `.service(handler)`. The page
//! calls it when opened as `/?setup=plain`, and expects what that setup gives: every row as
//! before, except the two behind authentication, whose preflight and `401` then meet the
//! authentication layer alone.
//!
//! [`Config::axum_api`] adds the same API served by axum ([`axum_api`]): the same routes,
//! policies, stores and journal, with `cors_axum`'s `#[cors]` and `routes!`, on a tokio
//! runtime and a thread of its own ([`AXUM_API_THREAD`]). The page calls it when opened as
//! `/?setup=axum`, and expects what its policies grant.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let demo = cors_suite::Demo::bind(cors_suite::Config::default())?;
//! println!("open {}", demo.page_url);
//! demo.run().await
//! # }
//! ```
//!
//! # Addresses, and why the page origin is fixed
//!
//! The policies name `http://localhost:8080` as a literal (they are checked when the crate
//! compiles, so they cannot come from configuration). A page on any other origin sees the
//! `*` route (`/hello`) and, on another `localhost` port, the `http://localhost:*` route
//! (`/api/dev`); everything else is blocked. So [`Config`] lets tests move the API anywhere
//! (port 0 picks a free port) and serve the page on *more* origins, but the page's main
//! endpoint should stay `localhost:8080` wherever the allowed calls are to work. The browser
//! tests therefore start one demo per test process with the page on `localhost:8080`, the
//! API on a free port and a second page origin on `127.0.0.1:<free port>`; see
//! `tests/browser.rs` for how they share it.

pub mod api;
pub mod axum_api;
pub mod journal;
pub mod page;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::Condition;
use actix_web::{App, HttpServer, web};

pub use journal::Journal;

/// The page origin every policy of the demo names.
pub const PAGE_ORIGIN: &str = "http://localhost:8080";

/// A host name or IP address and a port to listen on; port `0` picks a free port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `localhost` (which listens on both `127.0.0.1` and `::1`, as browsers may try
    /// either), an IP address, or a name to resolve.
    pub host: String,
    /// The port; `0` lets the system choose a free one.
    pub port: u16,
}

impl Endpoint {
    /// `host:port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
        }
    }
}

/// Where the demo's servers listen. The default is the README's: the page at
/// `http://localhost:8080`, the API at `http://127.0.0.1:8081`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The page server's main endpoint; its URL is [`Demo::page_url`].
    /// Default `localhost:8080`, the origin the policies allow.
    pub page: Endpoint,
    /// More endpoints serving the same page, each a different origin
    /// ([`Demo::more_page_urls`]). Default none.
    pub more_pages: Vec<Endpoint>,
    /// The API server. Default `127.0.0.1:8081`.
    pub api: Endpoint,
    /// Worker threads of the API server (the page server has one).
    pub api_workers: usize,
    /// Print each request the API answers on stdout.
    pub print_requests: bool,
    /// Put the reason of each refused preflight in an `X-Cors-Refused` header
    /// ([`cors_runtime::debug::ExplainRefusals`]): for development only. Default off.
    pub explain_refusals: bool,
    /// A second API server: the same handlers, store and journal, without
    /// [`cors_runtime::Preflights`]. The page calls it when opened as `/?setup=plain`.
    /// Default none.
    pub plain_api: Option<Endpoint>,
    /// The same API served by axum ([`axum_api`]), over the same stores and journal. The
    /// page calls it when opened as `/?setup=axum`. Default none; `cargo run --example
    /// demo` serves it at [`axum_api_endpoint`].
    pub axum_api: Option<Endpoint>,
}

/// Where `cargo run --example demo` serves the axum API: `127.0.0.1:8082`.
pub fn axum_api_endpoint() -> Endpoint {
    Endpoint::new("127.0.0.1", 8082)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            page: Endpoint::new("localhost", 8080),
            more_pages: Vec::new(),
            api: Endpoint::new("127.0.0.1", 8081),
            api_workers: 2,
            print_requests: false,
            explain_refusals: false,
            plain_api: None,
            axum_api: None,
        }
    }
}

/// The demo's two servers, bound and ready to run.
///
/// [`Demo::bind`] opens every listening socket, so from then on browsers can connect (the
/// connections wait in the socket's queue until [`Demo::run`] serves them).
pub struct Demo {
    /// The page's URL, with a trailing slash: `http://localhost:8080/`.
    pub page_url: String,
    /// The URLs of [`Config::more_pages`], in order.
    pub more_page_urls: Vec<String>,
    /// The API's URL, without a trailing slash: `http://127.0.0.1:8081`.
    pub api_url: String,
    /// The URL of [`Config::plain_api`], if any.
    pub plain_api_url: Option<String>,
    /// The URL of [`Config::axum_api`], if any.
    pub axum_api_url: Option<String>,
    /// What the API saw.
    pub journal: Arc<Journal>,
    /// The API's items store.
    pub items: web::Data<api::Items>,
    /// The tenants whose pages may call `/api/tenant`.
    pub tenants: web::Data<api::Tenants>,
    servers: Vec<Server>,
    /// The axum API's listening sockets and its router, served by [`Demo::run`] on a thread
    /// of its own.
    axum: Option<(Vec<TcpListener>, axum::Router)>,
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Demo {
    /// Binds the page and API endpoints of `config` and builds both servers.
    pub fn bind(config: Config) -> io::Result<Demo> {
        let journal = Arc::new(if config.print_requests {
            Journal::printing()
        } else {
            Journal::default()
        });
        let items = web::Data::new(api::Items::default());
        let tenants = web::Data::new(api::Tenants::default());
        cors_runtime::decide::set_fresh_for(api::TENANT_ANSWERS_KEPT);

        let api_server = |endpoint: &Endpoint, preflights: bool| -> io::Result<(Server, String)> {
            let (listeners, port) = listen(endpoint)?;
            let url = format!("http://{}", authority(&endpoint.host, port));
            let journal = Arc::clone(&journal);
            let (items, tenants) = (items.clone(), tenants.clone());
            let explain = config.explain_refusals;
            let mut server = HttpServer::new(move || {
                let stores = (items.clone(), tenants.clone());
                api_app(stores, Arc::clone(&journal), preflights).configure(|config| {
                    if explain {
                        config.app_data(cors_runtime::debug::ExplainRefusals);
                    }
                })
            });
            for listener in listeners {
                server = server.listen(listener)?;
            }
            let server = server
                .workers(config.api_workers)
                .disable_signals()
                .shutdown_timeout(2)
                .run();
            Ok((server, url))
        };
        let (api, api_url) = api_server(&config.api, true)?;
        let plain = config
            .plain_api
            .as_ref()
            .map(|endpoint| api_server(endpoint, false))
            .transpose()?;
        let plain_api_url = plain.as_ref().map(|(_, url)| url.clone());
        let axum = match &config.axum_api {
            Some(endpoint) => {
                let (listeners, port) = listen(endpoint)?;
                let router = axum_api::router(
                    items.clone().into_inner(),
                    tenants.clone().into_inner(),
                    Arc::clone(&journal),
                );
                let url = format!("http://{}", authority(&endpoint.host, port));
                Some((listeners, router, url))
            }
            None => None,
        };
        let axum_api_url = axum.as_ref().map(|(_, _, url)| url.clone());

        let page = page::Page::new(&api_url, plain_api_url.as_deref(), axum_api_url.as_deref());
        let mut page_listeners = Vec::new();
        let mut page_urls = Vec::new();
        for endpoint in std::iter::once(&config.page).chain(&config.more_pages) {
            let (listeners, port) = listen(endpoint)?;
            page_listeners.extend(listeners);
            page_urls.push(format!("http://{}/", authority(&endpoint.host, port)));
        }
        let page = {
            let journal = Arc::clone(&journal);
            let tenants = tenants.clone();
            let mut server = HttpServer::new(move || {
                let page = page.clone();
                let journal = Arc::clone(&journal);
                let tenants = tenants.clone();
                App::new().configure(move |config| page::configure(config, page, journal, tenants))
            });
            for listener in page_listeners {
                server = server.listen(listener)?;
            }
            server
                .workers(1)
                .disable_signals()
                .shutdown_timeout(2)
                .run()
        };

        let page_url = page_urls.remove(0);
        let mut servers = vec![page, api];
        servers.extend(plain.map(|(server, _)| server));
        Ok(Demo {
            page_url,
            more_page_urls: page_urls,
            api_url,
            plain_api_url,
            axum_api_url,
            journal,
            items,
            tenants,
            servers,
            axum: axum.map(|(listeners, router, _)| (listeners, router)),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
        })
    }

    /// Handles to stop the servers (see [`Stopper::stop`]).
    pub fn stopper(&self) -> Stopper {
        Stopper {
            handles: self.servers.iter().map(Server::handle).collect(),
            axum: Arc::clone(&self.stopping),
        }
    }

    /// Serves until the servers stop (see [`Demo::stopper`]). Needs an actix or tokio
    /// runtime; the actix-web servers' workers run on threads of their own, and so does the
    /// axum API, on a tokio runtime of its own ([`AXUM_API_THREAD`]).
    pub async fn run(self) -> io::Result<()> {
        let axum = match self.axum {
            Some((listeners, router)) => Some(AxumApi::start(listeners, router, &self.stopping)?),
            None => None,
        };
        let axum_served = async move {
            match axum {
                Some(axum) => axum.served().await,
                None => Ok(()),
            }
        };
        futures_util::future::try_join(
            futures_util::future::try_join_all(self.servers),
            axum_served,
        )
        .await
        .map(drop)
    }
}

/// The name of the thread that serves the axum API, on a tokio runtime of its own: it
/// answers whatever the runtime that runs [`Demo::run`] is doing.
pub const AXUM_API_THREAD: &str = "demo-axum-api";

/// How long the axum API's requests in flight may take to finish once it is told to stop,
/// as the actix-web servers' `shutdown_timeout`.
const AXUM_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

/// The axum API, served on [`AXUM_API_THREAD`] until [`Stopper::stop`].
struct AxumApi {
    thread: Option<std::thread::JoinHandle<()>>,
    /// The thread's outcome, sent once its runtime is gone.
    served: tokio::sync::oneshot::Receiver<io::Result<()>>,
    /// Held for its `Drop`: tells the thread to stop if `Demo::run` ends first.
    _stop: StopOnDrop,
}

impl AxumApi {
    /// Starts the thread and its runtime, serving `router` on every listener.
    fn start(
        listeners: Vec<TcpListener>,
        router: axum::Router,
        stopping: &Arc<tokio::sync::watch::Sender<bool>>,
    ) -> io::Result<AxumApi> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (sender, served) = tokio::sync::oneshot::channel();
        let stop = StopOnDrop(Arc::clone(stopping));
        let stopping = stopping.subscribe();
        let thread = std::thread::Builder::new()
            .name(AXUM_API_THREAD.into())
            .spawn(move || {
                let outcome = runtime.block_on(serve_axum(listeners, router, stopping));
                // Whatever is still running after the bound is dropped with the runtime.
                drop(runtime);
                // Nobody waits when `Demo::run` was dropped: nothing to tell.
                let _ = sender.send(outcome);
            })?;
        Ok(AxumApi {
            thread: Some(thread),
            served,
            _stop: stop,
        })
    }

    /// Waits until the thread has stopped serving and its runtime is gone.
    async fn served(mut self) -> io::Result<()> {
        let outcome = (&mut self.served).await.unwrap_or_else(|_| {
            Err(io::Error::other(
                "the axum API's thread ended without an outcome",
            ))
        });
        if let Some(thread) = self.thread.take() {
            // It has sent its outcome: only its own return is left.
            thread
                .join()
                .map_err(|_| io::Error::other("the axum API's thread panicked"))?;
        }
        outcome
    }
}

/// Stops the axum API when [`Demo::run`] ends without a stop (a failed actix-web server, a
/// dropped future): its thread never outlives the demo.
struct StopOnDrop(Arc<tokio::sync::watch::Sender<bool>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

/// Serves `router` on every listener until `stopping` turns true, then lets requests in
/// flight finish for at most [`AXUM_SHUTDOWN_TIMEOUT`].
async fn serve_axum(
    listeners: Vec<TcpListener>,
    router: axum::Router,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> io::Result<()> {
    let mut servers = Vec::new();
    for listener in listeners {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut stopping = stopping.clone();
        let stopped = async move {
            // An error means the sender is gone: nobody can stop it any more.
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        let server = axum::serve(listener, router.clone()).with_graceful_shutdown(stopped);
        servers.push(server.into_future());
    }
    let mut stopping = stopping;
    let deadline = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
        tokio::time::sleep(AXUM_SHUTDOWN_TIMEOUT).await;
    };
    tokio::select! {
        served = futures_util::future::try_join_all(servers) => served.map(drop),
        () = deadline => Ok(()),
    }
}

/// The API application as the demo serves it, over its stores (the items and the tenants)
/// and recording in `journal`;
/// with [`cors_runtime::Preflights`] as its outermost layer but the journal when
/// `preflights` is set.
pub fn api_app(
    (items, tenants): (web::Data<api::Items>, web::Data<api::Tenants>),
    journal: Arc<Journal>,
    preflights: bool,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // The last `wrap*` is the outermost layer: the journal sees every request and every
    // answer, then `Preflights` answers the preflights of `#[cors]` routes before
    // `/api/account`'s authentication could refuse them.
    App::new()
        .configure(move |config| api::configure(config, items, tenants))
        .wrap(Condition::new(preflights, cors_runtime::Preflights))
        .wrap_fn(move |req, service| journal.observe(req, service))
}

/// Stops a running [`Demo`].
#[derive(Clone)]
pub struct Stopper {
    handles: Vec<ServerHandle>,
    axum: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Stopper {
    /// Stops the servers: no new connections, requests in flight finish (for at most two
    /// seconds). [`Demo::run`] returns after this, once the axum API's thread has ended.
    pub async fn stop(&self) {
        self.axum.send_replace(true);
        for handle in &self.handles {
            handle.stop(true).await;
        }
    }
}

/// `host:port` for a URL, with brackets around an IPv6 address.
fn authority(host: &str, port: u16) -> String {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(address)) => format!("[{address}]:{port}"),
        _ => format!("{host}:{port}"),
    }
}

/// Opens the listening sockets of one endpoint, all on the same port, and returns that port.
///
/// `localhost` means both loopback addresses: a browser may connect to either, and a server
/// listening on only one of them could let another program answer on the other.
fn listen(endpoint: &Endpoint) -> io::Result<(Vec<TcpListener>, u16)> {
    let context = |error: io::Error| {
        let hint = if error.kind() == io::ErrorKind::AddrInUse {
            " (is the demo already running? stop it, or choose another port)"
        } else {
            ""
        };
        io::Error::new(
            error.kind(),
            format!(
                "cannot listen on {}:{}: {error}{hint}",
                endpoint.host, endpoint.port
            ),
        )
    };
    let addresses: Vec<SocketAddr> = if endpoint.host == "localhost" {
        vec![
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), endpoint.port),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), endpoint.port),
        ]
    } else {
        (endpoint.host.as_str(), endpoint.port)
            .to_socket_addrs()
            .map_err(context)?
            .collect()
    };
    let mut listeners: Vec<TcpListener> = Vec::new();
    let mut port = endpoint.port;
    for address in addresses {
        match TcpListener::bind(SocketAddr::new(address.ip(), port)) {
            Ok(listener) => {
                port = listener.local_addr()?.port();
                listeners.push(listener);
            }
            // A machine without IPv6 (or without one of the addresses a name resolves to):
            // the other addresses still serve.
            Err(error) if error.kind() == io::ErrorKind::AddrNotAvailable => {}
            Err(error) => return Err(context(error)),
        }
    }
    if listeners.is_empty() {
        return Err(context(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            "no address to listen on",
        )));
    }
    Ok((listeners, port))
}

/// The repository README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
