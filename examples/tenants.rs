//! Tenants whose origins live in a database: each tenant's pages, on the tenant's own
//! domain, call the API with their users' cookies. The API's routes let the database decide
//! (`decide_origin = "is_tenant"`) within the bound `https://*`, and an admin route adds and
//! removes tenants. The database is SQLite, compiled into the program: a file, so nothing
//! else has to run.
//!
//! ```text
//! ADMIN_TOKEN=change-me cargo run --example tenants    # tenants in ./tenants.db
//! curl -i -X PUT -H 'Authorization: Bearer change-me' \
//!      'http://127.0.0.1:8084/admin/tenants?origin=https://shop.example.com'   # 201
//! curl -i -H 'Origin: https://shop.example.com' http://127.0.0.1:8084/api/catalog
//! curl -i -X OPTIONS -H 'Origin: https://shop.example.com' \
//!      -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' \
//!      http://127.0.0.1:8084/api/orders                                         # 204
//! curl -i -H 'Origin: https://other.example.net' http://127.0.0.1:8084/api/catalog  # no grant
//! curl -H 'Authorization: Bearer change-me' http://127.0.0.1:8084/admin/tenants    # the list
//! curl -i -X DELETE -H 'Authorization: Bearer change-me' \
//!      'http://127.0.0.1:8084/admin/tenants?origin=https://shop.example.com'   # 204
//! ```
//!
//! `TENANTS_DB` names the database file (`tenants.db` in the current directory unless set;
//! created with its table when missing; `:memory:` keeps the tenants only while the process
//! runs), `PORT` the port on `127.0.0.1` (8084), `FRESH_FOR_SECS` how long an answer is kept
//! (30 unless set; `FRESH_FOR_SECS=2` to watch a change land while trying the lines above).
//! The admin routes want `ADMIN_TOKEN` as a bearer token; they take only an origin as a
//! browser sends it and inside the routes' bound (`https`, lower case, no path, the default
//! port), since the routes never ask about any other.
//!
//! # How fresh
//! An answer of `is_tenant`, granted or refused, is kept per origin for
//! [`cors_runtime::decide::fresh_for`]: a tenant added is granted, and a tenant removed
//! refused, within that time (30 s unless set), and every request of an origin within that
//! time costs no lookup. A failed lookup (the database locked or gone) refuses the origin,
//! is logged, and is kept at most 1 s. A browser may also keep a preflight's answer (5 s
//! without `max_age`): for that long a removed tenant's page can still send its `POST`,
//! but the answer carries no grant, so the page cannot read it.
//!
//! # Several instances
//! Instances stay in step by asking the same store, not by telling each other: start a
//! second one on the same file (`PORT=8085 ADMIN_TOKEN=change-me cargo run --example
//! tenants`), add a tenant through either, and each grants it within `fresh_for` of the
//! change, as each keeps its answers no longer. SQLite shares one machine's instances
//! (readers do not wait for a writer in its WAL mode); across machines only [`Store`]
//! changes, to a database server they all reach.
//!
//! # When `origins_from` and a reload fit better
//! When the list is small, changes rarely, and the application can push a change to every
//! instance (a signal, an admin call to each: `examples/live_origins.rs`), name it with
//! `origins_from` and call `cors_runtime::configured::reload`: no request ever waits for a
//! lookup, an outage of the store refuses nobody, the value is checked by the compile-time
//! rules, and a change is in force at once. `decide_origin` fits many tenants, sign-ups at
//! any time, and a store other programs write.
//!
//! # What a flood costs
//! Requests from many distinct origins inside the bound (every HTTPS origin, here) cost one
//! lookup per new origin per freshness period: no cache can avoid it, since each origin is
//! new. Origins outside the bound (plain `http`, another port) cost none: they never reach
//! `is_tenant`. The answers kept are bounded (`cors_runtime::decide::GRANTED_KEPT`,
//! `REFUSED_KEPT`), and refused origins never push out a tenant's grant. Bound tighter
//! (`https://*.shops.example.com`) when the tenants' domains allow it, and rate-limit in
//! front of the service when they do not.

use std::error::Error;
use std::future::ready;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, Responder, delete, get, post, put, web};
use actix_web_httpauth::extractors::AuthenticationError;
use actix_web_httpauth::extractors::bearer::{BearerAuth, Config};
use actix_web_httpauth::middleware::HttpAuthentication;
use cors_runtime::{Preflights, audit, cors};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The tenants' origins, in SQLite.
///
/// Two connections, each behind a lock, rather than a pool: a lookup is one probe of the
/// primary key (microseconds), asked at most once per origin per freshness period whatever
/// the traffic, so lookups hardly ever wait for each other; and with the database in WAL
/// mode they never wait for a write (an admin's change, whose sync to disk can take a tenth
/// of a second on a busy disk). `:memory:` has one connection for both: each new
/// connection would open another, empty, database.
pub struct Store {
    /// What lookups ask.
    reader: Arc<Mutex<Connection>>,
    /// What the admin routes change.
    writer: Arc<Mutex<Connection>>,
    lookups: AtomicU64,
}

impl Store {
    /// Opens the database at `path` (a file, or `:memory:`), creating its table when missing.
    pub fn open(path: &str) -> rusqlite::Result<Store> {
        let writer = Arc::new(Mutex::new(Store::connect(path)?));
        let reader = if path == ":memory:" {
            Arc::clone(&writer)
        } else {
            Arc::new(Mutex::new(Store::connect(path)?))
        };
        Ok(Store {
            reader,
            writer,
            lookups: AtomicU64::new(0),
        })
    }

    fn connect(path: &str) -> rusqlite::Result<Connection> {
        let connection = Connection::open(path)?;
        // Readers (lookups, other instances on the file) do not wait for a writer.
        let _mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        // A locked database fails the lookup (refused, logged) within a second, before
        // `decide::timeout()` (2 s) gives up on it: no lookup holds a connection after its
        // answer stopped counting.
        connection.busy_timeout(Duration::from_secs(1))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS tenants (origin TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID",
        )?;
        Ok(connection)
    }

    /// Whether `origin` is a tenant's. Blocks: call it off the async workers.
    pub fn is_tenant(&self, origin: &str) -> rusqlite::Result<bool> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let connection = locked(&self.reader);
        let mut query = connection.prepare_cached("SELECT 1 FROM tenants WHERE origin = ?1")?;
        Ok(query.query_row([origin], |_| Ok(())).optional()?.is_some())
    }

    /// Adds `origin`; `false` when it was a tenant's already.
    pub fn add(&self, origin: &str) -> rusqlite::Result<bool> {
        let connection = locked(&self.writer);
        let added = connection.execute(
            "INSERT INTO tenants (origin) VALUES (?1) ON CONFLICT DO NOTHING",
            [origin],
        )?;
        Ok(added == 1)
    }

    /// Removes `origin`; `false` when it was no tenant's.
    pub fn remove(&self, origin: &str) -> rusqlite::Result<bool> {
        let connection = locked(&self.writer);
        let removed = connection.execute("DELETE FROM tenants WHERE origin = ?1", [origin])?;
        Ok(removed == 1)
    }

    /// Every tenant's origin, sorted.
    pub fn origins(&self) -> rusqlite::Result<Vec<String>> {
        let connection = locked(&self.writer);
        let mut query = connection.prepare("SELECT origin FROM tenants ORDER BY origin")?;
        query.query_map([], |row| row.get(0))?.collect()
    }

    /// How many times [`Store::is_tenant`] was asked: what the cache saved shows here.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
}

/// A connection, whether or not a panic left its lock poisoned: SQLite's own state is whole.
fn locked(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why a lookup failed: it refuses the origin, and `#[cors]` logs it.
pub type LookupError = Box<dyn Error + Send + Sync>;

/// Whether `origin`, which the routes' bound covers, is a tenant's. SQLite blocks, so the
/// query runs on actix's blocking threads, not on the worker that serves requests.
pub async fn is_tenant(origin: String, store: web::Data<Store>) -> Result<bool, LookupError> {
    Ok(web::block(move || store.is_tenant(&origin)).await??)
}

/// What the tenants' pages read, with their users' cookies.
#[cors(
    origins = "https://*",
    decide_origin = "is_tenant",
    credentials = true,
    headers = "Content-Type"
)]
#[get("/api/catalog")]
pub async fn catalog() -> impl Responder {
    HttpResponse::Ok().json(["tea", "cups"])
}

/// An order a tenant's page places.
#[derive(Serialize, Deserialize)]
pub struct Order {
    pub item: String,
    pub quantity: u32,
}

/// What the tenants' pages send: JSON, so browsers preflight it.
#[cors(
    origins = "https://*",
    decide_origin = "is_tenant",
    credentials = true,
    headers = "Content-Type"
)]
#[post("/api/orders")]
pub async fn place_order(order: web::Json<Order>) -> impl Responder {
    HttpResponse::Created().json(order.into_inner())
}

/// Whether `origin` is one the API's routes ask `is_tenant` about: as a browser sends it
/// and inside their bound. Asked of their compiled policies, not of a second parser.
pub fn in_bound(origin: &str) -> bool {
    let mut routes = audit::entries()
        .into_iter()
        .filter(|entry| entry.module == module_path!())
        .peekable();
    routes.peek().is_some() && routes.all(|entry| entry.policy.allows_origin(origin))
}

/// The query of the admin routes: `?origin=https://shop.example.com`.
#[derive(Deserialize)]
pub struct Tenant {
    pub origin: String,
}

fn not_in_bound(origin: &str) -> HttpResponse {
    HttpResponse::UnprocessableEntity().body(format!(
        "{origin:?} is not an origin the API asks about: write it as a browser sends it, \
         `https://` and the host in lower case, no path, no port"
    ))
}

/// Runs `work` on the store, off the async workers; a failure is logged and answered `503`.
async fn in_store<R: Send + 'static>(
    work: impl FnOnce() -> rusqlite::Result<R> + Send + 'static,
) -> Result<R, HttpResponse> {
    let failed = |error: &dyn std::fmt::Display| {
        log::error!("the tenants' store failed: {error}");
        HttpResponse::ServiceUnavailable().body("the tenants' store failed")
    };
    match web::block(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(failed(&error)),
        Err(error) => Err(failed(&error)),
    }
}

/// `PUT /admin/tenants?origin=...`: `201` when added, `204` when it was a tenant already.
#[put("/tenants")]
pub async fn add_tenant(tenant: web::Query<Tenant>, store: web::Data<Store>) -> HttpResponse {
    let Tenant { origin } = tenant.into_inner();
    if !in_bound(&origin) {
        return not_in_bound(&origin);
    }
    match in_store(move || store.add(&origin)).await {
        Ok(true) => HttpResponse::Created().finish(),
        Ok(false) => HttpResponse::NoContent().finish(),
        Err(failed) => failed,
    }
}

/// `DELETE /admin/tenants?origin=...`: `204` when removed, `404` when it was no tenant.
#[delete("/tenants")]
pub async fn remove_tenant(tenant: web::Query<Tenant>, store: web::Data<Store>) -> HttpResponse {
    let Tenant { origin } = tenant.into_inner();
    match in_store(move || store.remove(&origin)).await {
        Ok(true) => HttpResponse::NoContent().finish(),
        Ok(false) => HttpResponse::NotFound().finish(),
        Err(failed) => failed,
    }
}

/// `GET /admin/tenants`: every tenant's origin, as JSON.
#[get("/tenants")]
pub async fn list_tenants(store: web::Data<Store>) -> HttpResponse {
    match in_store(move || store.origins()).await {
        Ok(origins) => HttpResponse::Ok().json(origins),
        Err(failed) => failed,
    }
}

/// Registers the admin scope, behind bearer authentication with `token`. It has no
/// `#[cors]`: it is for operators' tools, never for a page.
pub fn admin(config: &mut web::ServiceConfig, token: String) {
    let check = move |req: ServiceRequest, credentials: BearerAuth| {
        ready(if credentials.token() == token {
            Ok(req)
        } else {
            Err((AuthenticationError::from(Config::default()).into(), req))
        })
    };
    config.service(
        web::scope("/admin")
            .wrap(HttpAuthentication::bearer(check))
            .service(add_tenant)
            .service(remove_tenant)
            .service(list_tenants),
    );
}

/// The whole application over `store`, the admin routes behind `token`. `Preflights`
/// answers the API's preflights before any middleware an application adds around it
/// (authentication, a rate limit) could turn them away.
pub fn app(
    store: web::Data<Store>,
    token: String,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(store)
        .service(catalog)
        .service(place_order)
        .configure(|config| admin(config, token))
        .wrap(Preflights)
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let token = std::env::var("ADMIN_TOKEN").map_err(|_| "set ADMIN_TOKEN")?;
    let path = std::env::var("TENANTS_DB").unwrap_or_else(|_| "tenants.db".to_owned());
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT={port:?}: not a port"))?,
        Err(_) => 8084,
    };
    if let Ok(seconds) = std::env::var("FRESH_FOR_SECS") {
        let seconds: u64 = (seconds.parse())
            .map_err(|_| format!("FRESH_FOR_SECS={seconds:?}: not a number of seconds"))?;
        cors_runtime::decide::set_fresh_for(Duration::from_secs(seconds));
    }
    let store = web::Data::new(
        Store::open(&path)
            .map_err(|error| format!("cannot open the tenants' store {path}: {error}"))?,
    );
    let tenants = store.origins()?.len();
    println!("{}", audit::table());
    println!(
        "{tenants} tenants in {path}, answers kept {:?}; listening on http://127.0.0.1:{port}",
        cors_runtime::decide::fresh_for()
    );
    HttpServer::new(move || app(store.clone(), token.clone()))
        .bind(("127.0.0.1", port))?
        .run()
        .await?;
    Ok(())
}
