//! The benchmark subjects: one trivial handler served several ways on the same
//! path, and the requests sent to them.
//!
//! A [`Variant`] is one server configuration (bare, the hand-written floor, `#[cors]`,
//! `#[cors]` behind the application layer [`cors_runtime::Preflights`], actix-cors, `#[cors]`
//! with 1/100/1,000 origins, `#[cors]` with 1 and 10,000 configured origins, `#[cors]` whose
//! origins a synchronous or an asynchronous function decides); a [`Probe`] is one request; a
//! [`Case`] pairs them. The in-process benches, the allocation counter, the tests and `bench-server`
//! (driven by `scripts/instructions.sh` and `scripts/throughput.sh`) all read [`CASES`],
//! so every measure sends the same bytes to the same routes.

use std::collections::HashSet;
use std::future::{Future, Ready, ready};
use std::pin::{Pin, pin};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_http::Request;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, Service, ServiceRequest, ServiceResponse,
    Transform, fn_service,
};
use actix_web::guard::{self, Guard};
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    CONTENT_TYPE, HeaderName, HeaderValue, VARY,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, Error, HttpRequest, HttpResponse, Responder, get, web};
use cors_runtime::cors;

pub mod counting;

/// The body every subject answers.
pub const BODY: &str = "Hello";
/// The one path every subject serves.
pub const PATH: &str = "/items";
/// The origin every policy allows.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";
/// An origin no policy allows.
pub const DISALLOWED_ORIGIN: &str = "https://evil.example.net";

include!(concat!(env!("OUT_DIR"), "/scaling.rs"));

// ---------------------------------------------------------------------------------------
// The subjects.

/// Subject 1: no CORS at all.
#[get("/items")]
async fn bare() -> &'static str {
    BODY
}

/// Subject 2, the floor: the same handler writing the headers `#[cors]` sends on an allowed GET,
/// as static values, without any check.
#[get("/items")]
async fn floor() -> Floor {
    Floor
}

/// The floor's responder: [`BODY`] plus the four headers of an allowed GET.
pub struct Floor;

impl Responder for Floor {
    type Body = &'static str;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<Self::Body> {
        let mut response = BODY.respond_to(req);
        let headers = response.headers_mut();
        headers.insert(
            ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static(ALLOWED_ORIGIN),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-total-count"),
        );
        headers.insert(VARY, HeaderValue::from_static("Origin"));
        response
    }
}

/// The floor handler behind the least a post-processing middleware can be: one that
/// forwards the request and passes the response through untouched, to show what wrapping a
/// route costs before any CORS logic.
#[get("/items", wrap = "PassThrough")]
async fn floor_wrapped() -> Floor {
    Floor
}

/// A middleware that does nothing but wrap the route's future.
pub struct PassThrough;

impl<S, B> Transform<S, ServiceRequest> for PassThrough
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: Unpin,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = PassThroughService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(PassThroughService { service }))
    }
}

/// The running [`PassThrough`].
pub struct PassThroughService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for PassThroughService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: Unpin,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = PassThroughFuture<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        PassThroughFuture(self.service.call(req))
    }
}

/// The future of [`PassThroughService`].
pub struct PassThroughFuture<F>(F);

impl<F: Future + Unpin> Future for PassThroughFuture<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// The floor of a preflight: what the preflight route of `#[cors]` answers an allowed
/// preflight, registered the same way (an `OPTIONS`-guarded service beside the GET
/// resource), as static values, without any check.
pub struct FloorPreflight;

impl HttpServiceFactory for FloorPreflight {
    fn register(self, config: &mut AppService) {
        // A plain method test: actix's `guard::Options()` would also record the method in
        // the request's extensions (for 405 answers), which allocates.
        let guards: Vec<Box<dyn Guard>> = vec![Box::new(guard::fn_guard(|ctx| {
            ctx.head().method == Method::OPTIONS
        }))];
        let service = fn_service(|req: ServiceRequest| {
            let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
            let headers = response.headers_mut();
            headers.insert(
                ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static(ALLOWED_ORIGIN),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET"),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, x-api-key"),
            );
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            headers.insert(
                VARY,
                HeaderValue::from_static(
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                ),
            );
            ready(Ok::<_, Error>(req.into_response(response)))
        });
        config.register_service(ResourceDef::new(PATH), Some(guards), service, None);
    }
}

/// The floor of a disallowed origin's request: the bare handler adding `Vary: Origin`, the
/// one header `#[cors]` must add to it.
#[get("/items")]
async fn floor_vary() -> FloorVary {
    FloorVary
}

/// The responder of [`floor_vary`]: [`BODY`] plus `Vary: Origin`.
pub struct FloorVary;

impl Responder for FloorVary {
    type Body = &'static str;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<Self::Body> {
        let mut response = BODY.respond_to(req);
        response
            .headers_mut()
            .insert(VARY, HeaderValue::from_static("Origin"));
        response
    }
}

/// Subject 3, `#[cors]`: exact origin, credentials, an exposed header and `max_age`.
#[cors(
    origins = "https://app.example.com",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
#[get("/items")]
async fn ours() -> &'static str {
    BODY
}

/// How many origins [`ours_configured_tenants`] trusts.
pub const TENANTS: usize = 10_000;

/// The value loaded for [`ours_configured_tenants`]: [`TENANTS`] origins, generated ones
/// then [`ALLOWED_ORIGIN`].
pub fn tenant_origins() -> String {
    let mut origins: Vec<String> = (1..TENANTS)
        .map(|index| format!("https://t{index:04}.example.com"))
        .collect();
    origins.push(ALLOWED_ORIGIN.to_owned());
    origins.join(", ")
}

/// Loads the origins of the configured subjects, once per process, as an application
/// does before it binds.
pub fn load_configured_origins() {
    static LOADED: std::sync::Once = std::sync::Once::new();
    LOADED.call_once(|| {
        let tenants = tenant_origins();
        cors_runtime::configured::load_with(|name| match name {
            "BENCH_ORIGINS" => Some(ALLOWED_ORIGIN.to_owned()),
            "BENCH_TENANT_ORIGINS" => Some(tenants.clone()),
            _ => None,
        })
        .expect("the benchmark's origins are valid");
    });
}

/// The application's data of the subjects whose origins a function decides: the tenants'
/// origins in memory, as an application holds them, and how often the asynchronous
/// function was asked.
pub struct Tenants {
    origins: HashSet<String>,
    lookups: AtomicU64,
    tenant_lookups: AtomicU64,
    delay_ms: AtomicU64,
}

impl Tenants {
    /// How many times [`is_tenant_later`] ran: the lookups its kept answers did not spare.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// How many of those were about [`ALLOWED_ORIGIN`], the tenant the probes come from.
    pub fn tenant_lookups(&self) -> u64 {
        self.tenant_lookups.load(Ordering::Relaxed)
    }

    /// Makes each lookup of [`is_tenant_later`] wait `delay` first, as a store's round trip
    /// would (none unless set).
    pub fn set_delay(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.delay_ms.store(millis, Ordering::Relaxed);
    }
}

/// The one [`Tenants`] of the process, shared by every worker: [`TENANTS`] origins,
/// generated ones then [`ALLOWED_ORIGIN`] (those of [`tenant_origins`]).
pub fn tenants() -> web::Data<Tenants> {
    static TENANTS_DATA: OnceLock<web::Data<Tenants>> = OnceLock::new();
    TENANTS_DATA
        .get_or_init(|| {
            let origins = tenant_origins()
                .split(", ")
                .map(str::to_owned)
                .collect::<HashSet<String>>();
            web::Data::new(Tenants {
                origins,
                lookups: AtomicU64::new(0),
                tenant_lookups: AtomicU64::new(0),
                delay_ms: AtomicU64::new(0),
            })
        })
        .clone()
}

/// Synchronous: whether `origin` is a tenant's, from memory. Asked on every request.
fn is_tenant_now(origin: &str, tenants: &Tenants) -> bool {
    tenants.origins.contains(origin)
}

/// Asynchronous: the same answer, as a lookup whose answers the runtime keeps; counts its
/// runs.
async fn is_tenant_later(origin: String, tenants: web::Data<Tenants>) -> bool {
    tenants.lookups.fetch_add(1, Ordering::Relaxed);
    if origin == ALLOWED_ORIGIN {
        tenants.tenant_lookups.fetch_add(1, Ordering::Relaxed);
    }
    let delay = tenants.delay_ms.load(Ordering::Relaxed);
    if delay > 0 {
        actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
    }
    tenants.origins.contains(&origin)
}

/// Subject 3's policy with origins the application decides synchronously, within
/// `https://*`.
#[cors(
    origins = "https://*",
    decide_origin = "is_tenant_now",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
#[get("/items")]
async fn ours_decided() -> &'static str {
    BODY
}

/// Subject 3's policy with origins the application decides asynchronously, within
/// `https://*`.
#[cors(
    origins = "https://*",
    decide_origin = "is_tenant_later",
    headers = "Content-Type, X-Api-Key",
    expose_headers = "X-Total-Count",
    credentials = true,
    max_age = 600
)]
#[get("/items")]
async fn ours_decided_later() -> &'static str {
    BODY
}

/// How long the answers of [`Variant::OursDecidedAsync`]'s function are kept while
/// measuring: long enough that no answer the warm-up kept ([`Variant::warm_up`]) goes stale
/// during a run, however slowly valgrind runs it. A kept answer is found the same way
/// whatever its freshness.
pub const MEASURED_FRESH_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// The handler actix-cors wraps: the same as [`bare`], registered by hand because the
/// middleware must also see `OPTIONS` (a `#[get]` resource is guarded to GET).
async fn plain() -> &'static str {
    BODY
}

/// Subject 4, actix-cors with the policy of [`ours`]. `block_on_origin_mismatch(false)` (its default
/// in 0.7.2, written out) lets a disallowed origin's request through to the handler, as
/// `#[cors]` does.
pub fn actix_cors_policy() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin(ALLOWED_ORIGIN)
        .allowed_methods([Method::GET])
        .allowed_headers([CONTENT_TYPE, HeaderName::from_static("x-api-key")])
        .expose_headers([HeaderName::from_static("x-total-count")])
        .supports_credentials()
        .max_age(600)
        .block_on_origin_mismatch(false)
}

// ---------------------------------------------------------------------------------------
// Variants, probes, cases.

/// One server configuration: which subject serves [`PATH`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// No CORS.
    Bare,
    /// Hand-written static CORS headers, on the GET and on a preflight.
    Floor,
    /// The floor behind a pass-through middleware.
    FloorWrapped,
    /// The bare handler writing `Vary: Origin`.
    FloorVary,
    /// `#[cors]` with one origin.
    Ours,
    /// [`Variant::Ours`]'s app with [`cors_runtime::Preflights`] wrapped around it, last.
    OursLayer,
    /// actix-cors with the same policy.
    ActixCors,
    /// `#[cors]` with 1 generated origin.
    Ours1,
    /// `#[cors]` with 100 generated origins.
    Ours100,
    /// `#[cors]` with 1,000 generated origins.
    Ours1000,
    /// [`Variant::Ours`]'s policy with configured origins (one).
    OursConfigured,
    /// [`Variant::Ours`]'s policy with [`TENANTS`] configured origins.
    OursConfiguredTenants,
    /// [`Variant::Ours`]'s policy with origins a synchronous function decides, within
    /// `https://*`, from [`tenants`].
    OursDecided,
    /// The same with an asynchronous function, whose answers the runtime keeps.
    OursDecidedAsync,
}

impl Variant {
    /// Every variant, in table order.
    pub const ALL: [Variant; 14] = [
        Variant::Bare,
        Variant::Floor,
        Variant::FloorWrapped,
        Variant::FloorVary,
        Variant::Ours,
        Variant::OursLayer,
        Variant::ActixCors,
        Variant::Ours1,
        Variant::Ours100,
        Variant::Ours1000,
        Variant::OursConfigured,
        Variant::OursConfiguredTenants,
        Variant::OursDecided,
        Variant::OursDecidedAsync,
    ];

    /// The variant's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Bare => "bare",
            Variant::Floor => "floor",
            Variant::FloorWrapped => "floor-wrapped",
            Variant::FloorVary => "floor-vary",
            Variant::Ours => "ours",
            Variant::OursLayer => "ours-layer",
            Variant::ActixCors => "actix-cors",
            Variant::Ours1 => "ours-1",
            Variant::Ours100 => "ours-100",
            Variant::Ours1000 => "ours-1000",
            Variant::OursConfigured => "ours-configured",
            Variant::OursConfiguredTenants => "ours-configured-10000",
            Variant::OursDecided => "ours-decided",
            Variant::OursDecidedAsync => "ours-decided-async",
        }
    }

    /// The variant called `name`.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL
            .into_iter()
            .find(|variant| variant.name() == name)
    }

    /// Whether the variant's app is wrapped in [`cors_runtime::Preflights`] (added last,
    /// around what [`Variant::configure`] registers). Such an app answers
    /// `ServiceResponse<EitherBody<BoxBody>>`: use [`with_app`] to run it in process.
    pub fn layered(self) -> bool {
        matches!(self, Variant::OursLayer)
    }

    /// The requests to send once before measuring, so that every measured request finds
    /// its origin's answer kept: the asynchronous function's subject is measured on kept
    /// answers, the case its target is about (its first lookup of an origin is a miss that
    /// each new origin pays once per freshness period). Every caller sends them both in the
    /// measured run and in the run it subtracts.
    pub fn warm_up(self) -> &'static [Probe] {
        match self {
            Variant::OursDecidedAsync => &[ALLOWED_GET, DISALLOWED_GET],
            _ => &[],
        }
    }

    /// Registers the variant's subject, and nothing else, at [`PATH`] (for a
    /// [layered](Variant::layered) variant, the app inside the layer).
    pub fn configure(self, config: &mut web::ServiceConfig) {
        match self {
            Variant::Bare => config.service(bare),
            Variant::Floor => config.service(floor).service(FloorPreflight),
            Variant::FloorVary => config.service(floor_vary),
            Variant::FloorWrapped => config.service(floor_wrapped),
            Variant::Ours | Variant::OursLayer => config.service(ours),
            Variant::ActixCors => config.service(
                web::resource(PATH)
                    .wrap(actix_cors_policy())
                    .route(web::get().to(plain)),
            ),
            Variant::Ours1 => config.service(ours_1),
            Variant::Ours100 => config.service(ours_100),
            Variant::Ours1000 => config.service(ours_1000),
            Variant::OursConfigured => {
                load_configured_origins();
                config.service(ours_configured)
            }
            Variant::OursConfiguredTenants => {
                load_configured_origins();
                config.service(ours_configured_tenants)
            }
            Variant::OursDecided => config.app_data(tenants()).service(ours_decided),
            Variant::OursDecidedAsync => config.app_data(tenants()).service(ours_decided_later),
        };
    }
}

/// One request: its method and headers (beside `Host`), sent to [`PATH`].
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    /// `GET` or `OPTIONS`.
    pub method: &'static str,
    /// Header lines, name and value.
    pub headers: &'static [(&'static str, &'static str)],
}

/// An actual GET from [`ALLOWED_ORIGIN`].
pub const ALLOWED_GET: Probe = Probe {
    method: "GET",
    headers: &[("Origin", ALLOWED_ORIGIN)],
};
/// An actual GET from [`DISALLOWED_ORIGIN`].
pub const DISALLOWED_GET: Probe = Probe {
    method: "GET",
    headers: &[("Origin", DISALLOWED_ORIGIN)],
};
/// A GET without `Origin`: same-origin or non-browser traffic.
pub const NO_ORIGIN_GET: Probe = Probe {
    method: "GET",
    headers: &[],
};
/// A preflight from [`ALLOWED_ORIGIN`] for GET with two request headers.
pub const PREFLIGHT: Probe = Probe {
    method: "OPTIONS",
    headers: &[
        ("Origin", ALLOWED_ORIGIN),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "content-type, x-api-key"),
    ],
};

/// A GET from the last origin of the 1-origin policy.
pub const LAST_OF_1: Probe = Probe {
    method: "GET",
    headers: &[("Origin", LAST_ORIGIN_1)],
};
/// A GET from the last origin of the 100-origin policy.
pub const LAST_OF_100: Probe = Probe {
    method: "GET",
    headers: &[("Origin", LAST_ORIGIN_100)],
};
/// A GET from the last origin of the 1,000-origin policy.
pub const LAST_OF_1000: Probe = Probe {
    method: "GET",
    headers: &[("Origin", LAST_ORIGIN_1000)],
};
/// A GET from an origin no generated policy lists.
pub const MISS: Probe = Probe {
    method: "GET",
    headers: &[("Origin", MISSING_ORIGIN)],
};

/// One measured case: a probe sent to a variant.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The case's name in every table.
    pub name: &'static str,
    /// The case's number in BENCHMARKS.md (1–7), 8 for the cases of the application layer,
    /// 9 for configured origins, 10 for origins the application decides
    /// (`scripts/instructions.sh` runs 1–6 by default, every case with `--all`).
    pub number: u8,
    /// The server configuration.
    pub variant: Variant,
    /// The request.
    pub probe: Probe,
    /// The status the answer must have.
    pub status: u16,
}

const fn case(name: &'static str, number: u8, variant: Variant, probe: Probe, status: u16) -> Case {
    Case {
        name,
        number,
        variant,
        probe,
        status,
    }
}

/// Every case, in table order.
pub const CASES: &[Case] = &[
    case("bare", 1, Variant::Bare, ALLOWED_GET, 200),
    case("floor", 2, Variant::Floor, ALLOWED_GET, 200),
    case("floor-wrapped", 2, Variant::FloorWrapped, ALLOWED_GET, 200),
    case("ours-get", 3, Variant::Ours, ALLOWED_GET, 200),
    case("actix-cors-get", 4, Variant::ActixCors, ALLOWED_GET, 200),
    case("floor-preflight", 5, Variant::Floor, PREFLIGHT, 204),
    case("ours-preflight", 5, Variant::Ours, PREFLIGHT, 204),
    case(
        "actix-cors-preflight",
        5,
        Variant::ActixCors,
        PREFLIGHT,
        200,
    ),
    case("bare-disallowed", 6, Variant::Bare, DISALLOWED_GET, 200),
    case(
        "floor-disallowed",
        6,
        Variant::FloorVary,
        DISALLOWED_GET,
        200,
    ),
    case("ours-disallowed", 6, Variant::Ours, DISALLOWED_GET, 200),
    case(
        "actix-cors-disallowed",
        6,
        Variant::ActixCors,
        DISALLOWED_GET,
        200,
    ),
    case("ours-1-last", 7, Variant::Ours1, LAST_OF_1, 200),
    case("ours-100-last", 7, Variant::Ours100, LAST_OF_100, 200),
    case("ours-1000-last", 7, Variant::Ours1000, LAST_OF_1000, 200),
    case("ours-1-miss", 7, Variant::Ours1, MISS, 200),
    case("ours-100-miss", 7, Variant::Ours100, MISS, 200),
    case("ours-1000-miss", 7, Variant::Ours1000, MISS, 200),
    case("ours-no-origin", 8, Variant::Ours, NO_ORIGIN_GET, 200),
    case("ours-layer-get", 8, Variant::OursLayer, ALLOWED_GET, 200),
    case(
        "ours-layer-preflight",
        8,
        Variant::OursLayer,
        PREFLIGHT,
        204,
    ),
    case(
        "ours-layer-disallowed",
        8,
        Variant::OursLayer,
        DISALLOWED_GET,
        200,
    ),
    case(
        "ours-layer-no-origin",
        8,
        Variant::OursLayer,
        NO_ORIGIN_GET,
        200,
    ),
    case(
        "ours-configured-get",
        9,
        Variant::OursConfigured,
        ALLOWED_GET,
        200,
    ),
    case(
        "ours-configured-preflight",
        9,
        Variant::OursConfigured,
        PREFLIGHT,
        204,
    ),
    case(
        "ours-configured-disallowed",
        9,
        Variant::OursConfigured,
        DISALLOWED_GET,
        200,
    ),
    case(
        "ours-configured-10000-get",
        9,
        Variant::OursConfiguredTenants,
        ALLOWED_GET,
        200,
    ),
    case(
        "ours-configured-10000-disallowed",
        9,
        Variant::OursConfiguredTenants,
        DISALLOWED_GET,
        200,
    ),
    case(
        "ours-decided-get",
        10,
        Variant::OursDecided,
        ALLOWED_GET,
        200,
    ),
    case(
        "ours-decided-preflight",
        10,
        Variant::OursDecided,
        PREFLIGHT,
        204,
    ),
    case(
        "ours-decided-disallowed",
        10,
        Variant::OursDecided,
        DISALLOWED_GET,
        200,
    ),
    case(
        "ours-decided-async-get",
        10,
        Variant::OursDecidedAsync,
        ALLOWED_GET,
        200,
    ),
    case(
        "ours-decided-async-preflight",
        10,
        Variant::OursDecidedAsync,
        PREFLIGHT,
        204,
    ),
    case(
        "ours-decided-async-disallowed",
        10,
        Variant::OursDecidedAsync,
        DISALLOWED_GET,
        200,
    ),
];

/// The case called `name`.
pub fn case_named(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|case| case.name == name)
}

/// The case names, in table order (divan's `args`).
pub fn case_names() -> impl Iterator<Item = &'static str> {
    CASES.iter().map(|case| case.name)
}

// ---------------------------------------------------------------------------------------
// In process: the app's service, called without a socket.

impl Probe {
    /// The request as actix-web's service stack receives it from the HTTP/1 codec.
    pub fn request(&self) -> Request {
        let method = Method::from_bytes(self.method.as_bytes()).expect("a valid method");
        let mut request = actix_web::test::TestRequest::default()
            .method(method)
            .uri(PATH);
        for &(name, value) in self.headers {
            request = request.insert_header((name, value));
        }
        request.to_request()
    }
}

/// The service of an app holding only `variant`, as [`actix_web::test::init_service`] builds it,
/// [warmed up](Variant::warm_up).
///
/// # Panics
/// If `variant` is [layered](Variant::layered): its app answers another response type (see
/// [`with_app`]).
pub async fn init(
    variant: Variant,
) -> impl Service<Request, Response = ServiceResponse, Error = Error> {
    assert!(!variant.layered(), "{variant:?}: use with_app");
    let app =
        actix_web::test::init_service(App::new().configure(|config| variant.configure(config)))
            .await;
    warm_up(variant, &app).await;
    app
}

/// Sends `app` the [warm-up requests](Variant::warm_up) of `variant`, inside the actix system
/// that built it (a lookup needs its timer; [`now`] polls without one), and keeps their
/// answers for [`MEASURED_FRESH_FOR`]: an in-process bench keeps one app for minutes.
async fn warm_up<S, B>(variant: Variant, app: &S)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    if variant.warm_up().is_empty() {
        return;
    }
    cors_runtime::decide::set_fresh_for(MEASURED_FRESH_FOR);
    for probe in variant.warm_up() {
        app.call(probe.request())
            .await
            .expect("the subjects never fail");
    }
}

/// Builds the app of `variant` on a fresh actix system.
///
/// # Panics
/// If `variant` is [layered](Variant::layered) (see [`with_app`]).
pub fn init_now(
    variant: Variant,
) -> impl Service<Request, Response = ServiceResponse, Error = Error> {
    actix_web::rt::System::new().block_on(init(variant))
}

/// The service of `variant`'s app with [`cors_runtime::Preflights`] added last, as
/// [`actix_web::test::init_service`] builds it, [warmed up](Variant::warm_up).
pub async fn init_layered(
    variant: Variant,
) -> impl Service<Request, Response = ServiceResponse<EitherBody<BoxBody>>, Error = Error> {
    let app = actix_web::test::init_service(
        App::new()
            .configure(|config| variant.configure(config))
            .wrap(cors_runtime::Preflights),
    )
    .await;
    warm_up(variant, &app).await;
    app
}

/// Work to do on a variant's in-process app, whatever its response body: the application
/// layer changes the app's type, and keeping one code path per type (instead of one type
/// that can be either) leaves the other variants' per-request code as it was.
pub trait OnApp {
    /// What the work gives back.
    type Output;

    /// Does the work on `app`.
    fn run<S, B>(self, app: S) -> Self::Output
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
        B: MessageBody + 'static;
}

/// Builds the app of `variant` on a fresh actix system, with the layer if the variant has
/// it, and runs `work` on it.
pub fn with_app<W: OnApp>(variant: Variant, work: W) -> W::Output {
    if variant.layered() {
        work.run(actix_web::rt::System::new().block_on(init_layered(variant)))
    } else {
        work.run(init_now(variant))
    }
}

/// Polls `future` once and returns its output: every subject answers without waiting, so
/// the benches measure the service stack, not an executor.
///
/// # Panics
/// If the future is not ready at once.
pub fn now<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the subject did not answer at once"),
    }
}

/// Sends `request` through `app` and returns the response.
///
/// # Panics
/// If the app fails or does not answer at once.
pub fn call<S, B>(app: &S, request: Request) -> ServiceResponse<B>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    now(app.call(request)).expect("the subjects never fail")
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderMap;

    use super::*;

    /// The status and headers of one answer.
    struct Answer {
        status: u16,
        headers: HeaderMap,
    }

    impl Answer {
        fn headers(&self) -> &HeaderMap {
            &self.headers
        }
    }

    /// Sends one request to an app and keeps its answer.
    struct Once(Request);

    impl OnApp for Once {
        type Output = Answer;

        fn run<S, B>(self, app: S) -> Answer
        where
            S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
            B: MessageBody + 'static,
        {
            let response = call(&app, self.0);
            Answer {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
            }
        }
    }

    /// The `Access-Control-*` and `Vary` headers of a response, sorted.
    fn cors_headers(response: &Answer) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == VARY)
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        headers
    }

    fn answer_case(case: &Case) -> Answer {
        with_app(case.variant, Once(case.probe.request()))
    }

    fn answer(case: &str) -> Answer {
        answer_case(case_named(case).unwrap())
    }

    #[test]
    fn every_case_answers_at_once_with_its_status() {
        for case in CASES {
            assert_eq!(answer_case(case).status, case.status, "{}", case.name);
        }
    }

    #[test]
    fn the_layer_answers_what_the_route_answers() {
        for probe in ["get", "preflight", "disallowed", "no-origin"] {
            let route = answer(&format!("ours-{probe}"));
            let layer = answer(&format!("ours-layer-{probe}"));
            assert_eq!(layer.status, route.status, "{probe}");
            assert_eq!(cors_headers(&layer), cors_headers(&route), "{probe}");
        }
        let same_origin = cors_headers(&answer("ours-no-origin"));
        assert!(
            same_origin
                .iter()
                .all(|(name, _)| !name.starts_with("access-control-")),
            "{same_origin:?}"
        );
    }

    #[test]
    fn configured_origins_answer_what_literal_ones_answer() {
        for probe in ["get", "preflight", "disallowed"] {
            let literal = answer(&format!("ours-{probe}"));
            let configured = answer(&format!("ours-configured-{probe}"));
            assert_eq!(configured.status, literal.status, "{probe}");
            assert_eq!(cors_headers(&configured), cors_headers(&literal), "{probe}");
        }
        for probe in ["get", "disallowed"] {
            let one = answer(&format!("ours-configured-{probe}"));
            let many = answer(&format!("ours-configured-10000-{probe}"));
            assert_eq!(cors_headers(&many), cors_headers(&one), "{probe}");
        }
    }

    #[test]
    fn decided_origins_answer_what_literal_ones_answer() {
        for decided in ["ours-decided", "ours-decided-async"] {
            for probe in ["get", "preflight", "disallowed"] {
                let literal = answer(&format!("ours-{probe}"));
                let answered = answer(&format!("{decided}-{probe}"));
                assert_eq!(answered.status, literal.status, "{decided}-{probe}");
                assert_eq!(
                    cors_headers(&answered),
                    cors_headers(&literal),
                    "{decided}-{probe}"
                );
            }
        }
        // The asynchronous subject's requests find their answers kept: `call` polls once,
        // outside any runtime, where a lookup could not even start its timer.
        for probe in ["get", "preflight", "disallowed"] {
            let case = case_named(&format!("ours-decided-async-{probe}")).unwrap();
            let answered = with_app(case.variant, Repeated(case.probe, 100));
            assert_eq!(answered, 100, "{probe}");
        }
    }

    /// Sends one request `n` times; counts the answers.
    struct Repeated(Probe, usize);

    impl OnApp for Repeated {
        type Output = usize;

        fn run<S, B>(self, app: S) -> usize
        where
            S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
            B: MessageBody + 'static,
        {
            (0..self.1)
                .map(|_| call(&app, self.0.request()))
                .filter(|response| response.status().is_success())
                .count()
        }
    }

    #[test]
    fn the_floor_writes_what_cors_writes_on_an_allowed_get() {
        let granted = cors_headers(&answer("ours-get"));
        assert_eq!(granted.len(), 4, "{granted:?}");
        assert_eq!(cors_headers(&answer("floor")), granted);
        assert_eq!(cors_headers(&answer("floor-wrapped")), granted);
        let preflight = cors_headers(&answer("ours-preflight"));
        assert_eq!(preflight.len(), 6, "{preflight:?}");
        assert_eq!(cors_headers(&answer("floor-preflight")), preflight);
        let refused = cors_headers(&answer("ours-disallowed"));
        assert_eq!(refused, [("vary".to_owned(), "Origin".to_owned())]);
        assert_eq!(cors_headers(&answer("floor-disallowed")), refused);
    }

    #[test]
    fn the_policies_grant_and_refuse_alike() {
        for (mine, theirs) in [
            ("ours-get", "actix-cors-get"),
            ("ours-preflight", "actix-cors-preflight"),
            ("ours-disallowed", "actix-cors-disallowed"),
        ] {
            let allow_origin = |name: &str| {
                answer(name)
                    .headers()
                    .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                    .map(|value| value.to_str().unwrap().to_owned())
            };
            assert_eq!(allow_origin(mine), allow_origin(theirs), "{mine}");
        }
        assert!(cors_headers(&answer("bare")).is_empty());
    }

    #[test]
    fn scaling_probes_hit_the_last_origin_and_miss_the_missing_one() {
        for case in CASES.iter().filter(|case| case.number == 7) {
            let response = answer_case(case);
            let granted = response.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN);
            assert_eq!(granted, case.name.ends_with("-last"), "{}", case.name);
        }
    }

    #[test]
    fn cases_and_variants_are_named_uniquely() {
        for (index, case) in CASES.iter().enumerate() {
            assert!(CASES[..index].iter().all(|other| other.name != case.name));
        }
        for variant in Variant::ALL {
            assert_eq!(Variant::from_name(variant.name()), Some(variant));
        }
    }
}
