//! Origins the application decides: `#[cors(origins = "https://*", decide_origin = "...")]`.
//!
//! Tenants on their own domains, an allow-list in a database: origins only the application
//! knows when a request comes. `decide_origin` names your function; it is asked about each
//! request's origin, by preflights and actual requests alike.
//!
//! ```standalone_crate
//! use actix_web::{App, HttpResponse, get, web};
//! use cors_runtime::cors;
//!
//! struct Tenants {
//!     origins: Vec<String>,
//! }
//!
//! /// A tenant's origin is any origin of a tenant; the store is the application's data.
//! fn is_tenant(origin: &str, tenants: &Tenants) -> bool {
//!     tenants.origins.iter().any(|known| known == origin)
//! }
//!
//! #[cors(origins = "https://*", decide_origin = "is_tenant", credentials = true)]
//! #[get("/api/me")]
//! async fn me() -> HttpResponse {
//!     HttpResponse::Ok().finish()
//! }
//!
//! let tenants = web::Data::new(Tenants {
//!     origins: vec!["https://shop.tenant.example".into()],
//! });
//! let app = App::new().app_data(tenants).service(me);
//! # drop(app);
//! ```
//!
//! # The function
//! Its signature is checked when the crate compiles. It receives the request's origin,
//! already validated as a serialized origin (`https://shop.tenant.example`, lower case, no
//! path) and inside the policy's bound, and optionally the application's data of one type
//! (registered with `App::app_data(web::Data::new(...))`):
//!
//! | kind | signature |
//! |---|---|
//! | synchronous | `fn(origin: &str) -> bool` or `fn(origin: &str, data: &T) -> bool` |
//! | asynchronous | `async fn(origin: String) -> bool` or `async fn(origin: String, data: web::Data<T>) -> bool` |
//!
//! Each may return `Result<bool, E>` with `E: Display` instead of `bool`.
//!
//! # Bounded
//! The policy's `origins` bound what the function may grant: an origin outside them never
//! reaches it, so the function can only narrow the list, and every rule `#[cors]` checks
//! holds for the bound (credentials, public suffixes, plain `http`). `https://*`, every
//! HTTPS origin on the default port, is accepted only here, as the bound of a function,
//! never alone; `http://*` and `*` never are.
//!
//! # Fails closed
//! An error, a panic or a timeout ([`set_timeout`], 2 s unless set) grants nothing and is
//! logged (target `cors`, at `warn`); the route still answers, without a grant. A refusal is
//! logged at `debug`, and with [`crate::debug::ExplainRefusals`] a refused preflight says
//! that the function refused it, or why it failed.
//!
//! # What it costs
//! - A **synchronous** function is asked on every request whose origin the bound covers. It
//!   should answer from memory; it is not cached, so a change it sees is in force at once.
//! - An **asynchronous** function's answers are kept per origin, granted and refused, for
//!   [`fresh_for`] (30 s unless set; a failure for at most 1 s), so a removed tenant is
//!   refused, and a new one granted, within that time. Concurrent requests for one origin,
//!   on every worker, share one lookup. Because the answer is kept per origin, the function
//!   must decide by the origin and its data alone.
//! - The answers are bounded: at most [`GRANTED_KEPT`] granted and [`REFUSED_KEPT`] refused
//!   origins, each table dropping its oldest first, so a flood of distinct origins never
//!   evicts a tenant's grant and memory stays flat (under 3 MB per function).
//! - A flood of distinct origins inside the bound costs one lookup per new origin per
//!   freshness period, which no cache can avoid; one outside the bound costs none. Bound
//!   tightly (`https://*.tenants.example.com` rather than `https://*`) where the tenants
//!   allow it, and rate-limit in front of the service where they do not.
//! - Every policy that names the function shares its answers, in an application with the
//!   same store (a whole `#[scope]` shares one table); applications with stores of their own
//!   keep theirs apart.
//!
//! # Several instances
//! Every instance asks the same store, so they agree within [`fresh_for`]. Prefer
//! `origins_from` with [`crate::configured::reload`] when the list is small and changes
//! rarely, and the application can push it to every instance: requests then never wait for
//! a lookup, and a change is in force at once.

use std::any::TypeId;
use std::marker::PhantomData;

use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, web};

use cors_core::answers::{self, LocalStart};

pub(crate) use answers::Answers;
#[doc(hidden)]
pub use answers::{Decision, Pending, decision};
pub use answers::{GRANTED_KEPT, REFUSED_KEPT};

/// A lookup of this adapter: its futures stay on the worker's thread.
pub(crate) type Lookup = answers::Lookup<LocalStart>;

pub use cors_core::answers::{OriginAnswer, fresh_for, set_fresh_for, set_timeout, timeout};

/// A function `#[cors(decide_origin = "...")]` can name: see the [module](self) for the
/// four signatures. `Marker` tells them apart; it is never written by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot decide origins for `decide_origin`",
    label = "expected a function like `fn(origin: &str) -> bool`",
    note = "`decide_origin` names `fn(origin: &str) -> bool`, `fn(origin: &str, data: &T) -> bool`, `async fn(origin: String) -> bool` or `async fn(origin: String, data: web::Data<T>) -> bool`; each may return `Result<bool, E>` with `E: Display` instead of `bool`"
)]
pub trait DecideOrigin<Marker>: Sync + 'static {
    /// Whether it is `async`, so its answers are kept.
    #[doc(hidden)]
    const ASYNC: bool;

    /// Asks it about `origin` for `req`.
    #[doc(hidden)]
    fn ask(&'static self, origin: &str, req: &HttpRequest) -> Asked;

    /// Which store it reads in `req`'s application (0 when it reads none): its answers
    /// are kept apart per store.
    #[doc(hidden)]
    fn store(req: &HttpRequest) -> usize {
        let _ = req;
        0
    }
}

/// What asking a function gave. Not a public API.
#[doc(hidden)]
pub type Asked = answers::Asked<LocalStart>;

/// The marker of functions without data.
#[doc(hidden)]
pub struct Alone;

/// The marker of functions reading the application's data of type `T`.
#[doc(hidden)]
pub struct WithData<T: ?Sized>(PhantomData<fn() -> Box<T>>);

/// The marker of `async` functions.
#[doc(hidden)]
pub struct Async<M>(PhantomData<fn() -> M>);

impl<F, R> DecideOrigin<Alone> for F
where
    F: Fn(&str) -> R + Sync + 'static,
    R: OriginAnswer,
{
    const ASYNC: bool = false;

    fn ask(&'static self, origin: &str, _: &HttpRequest) -> Asked {
        Asked::Now(self(origin).into_answer())
    }
}

impl<F, R, T> DecideOrigin<WithData<T>> for F
where
    F: Fn(&str, &T) -> R + Sync + 'static,
    R: OriginAnswer,
    T: ?Sized + 'static,
{
    const ASYNC: bool = false;

    fn ask(&'static self, origin: &str, req: &HttpRequest) -> Asked {
        Asked::Now(match req.app_data::<web::Data<T>>() {
            Some(data) => self(origin, data).into_answer(),
            None => Err(missing_data::<T>()),
        })
    }

    fn store(req: &HttpRequest) -> usize {
        store_of::<T>(req)
    }
}

impl<F, Fut> DecideOrigin<Async<Alone>> for F
where
    F: Fn(String) -> Fut + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: OriginAnswer,
{
    const ASYNC: bool = true;

    fn ask(&'static self, origin: &str, _: &HttpRequest) -> Asked {
        let origin = origin.to_owned();
        Asked::Later(LocalStart(Box::new(move || {
            let lookup = self(origin.clone());
            Box::pin(async move { decision(lookup.await.into_answer()) })
        })))
    }
}

impl<F, Fut, T> DecideOrigin<Async<WithData<T>>> for F
where
    F: Fn(String, web::Data<T>) -> Fut + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: OriginAnswer,
    T: ?Sized + 'static,
{
    const ASYNC: bool = true;

    fn ask(&'static self, origin: &str, req: &HttpRequest) -> Asked {
        let Some(data) = req.app_data::<web::Data<T>>().cloned() else {
            return Asked::Now(Err(missing_data::<T>()));
        };
        let origin = origin.to_owned();
        Asked::Later(LocalStart(Box::new(move || {
            let lookup = self(origin.clone(), data.clone());
            Box::pin(async move { decision(lookup.await.into_answer()) })
        })))
    }

    fn store(req: &HttpRequest) -> usize {
        store_of::<T>(req)
    }
}

/// The address of the application's `web::Data<T>`, which its workers share (0 without
/// one). Two applications with stores of their own never share answers; one dropped and
/// another made at the same address could, for one freshness period.
fn store_of<T: ?Sized + 'static>(req: &HttpRequest) -> usize {
    req.app_data::<web::Data<T>>().map_or(0, |data| {
        std::ptr::from_ref::<T>(data.get_ref()).cast::<()>() as usize
    })
}

fn missing_data<T: ?Sized>() -> String {
    format!(
        "the application has no `web::Data<{}>` for it: register it with `App::app_data`",
        std::any::type_name::<T>()
    )
}

/// A function, with how to ask it, so a `static` can hold it. Not a public API.
#[doc(hidden)]
pub struct ByFn<F: 'static> {
    function: F,
    is_async: bool,
    ask: fn(&'static F, &str, &HttpRequest) -> Asked,
    store: fn(&HttpRequest) -> usize,
}

/// `function`, for a policy's `static`: the one place its signature is checked. Not a
/// public API.
#[doc(hidden)]
pub const fn by<M, F: DecideOrigin<M>>(function: F) -> ByFn<F> {
    ByFn {
        function,
        is_async: F::ASYNC,
        ask: F::ask,
        store: F::store,
    }
}

/// A function that decides origins, whatever its signature. Not a public API.
#[doc(hidden)]
pub trait Decide: Sync {
    /// Whether its answers are kept.
    fn is_async(&self) -> bool;
    /// Asks it about `origin` for `req`.
    fn ask(&'static self, origin: &str, req: &HttpRequest) -> Asked;
    /// Which store it reads in `req`'s application.
    fn store(&self, req: &HttpRequest) -> usize;
    /// The function itself: every function item has a type of its own, so two functions
    /// never share answers, whatever their names, and every policy naming one does.
    fn function(&self) -> TypeId;
}

impl<F: Sync + 'static> Decide for ByFn<F> {
    fn is_async(&self) -> bool {
        self.is_async
    }

    fn store(&self, req: &HttpRequest) -> usize {
        (self.store)(req)
    }

    fn function(&self) -> TypeId {
        TypeId::of::<F>()
    }

    fn ask(&'static self, origin: &str, req: &HttpRequest) -> Asked {
        (self.ask)(&self.function, origin, req)
    }
}

/// The function of a policy's `decide_origin`, as `#[cors]` writes it. Not a public API.
#[doc(hidden)]
pub struct Decider {
    /// The function's path as written.
    pub name: &'static str,
    /// The function.
    pub function: &'static dyn Decide,
}

impl cors_core::Named for Decider {
    fn name(&self) -> &'static str {
        self.name
    }
}

impl std::fmt::Debug for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The answer about one request's origin, which the policy's bound covers.
pub(crate) type Verdict = answers::Verdict<LocalStart>;

/// Granted, or refused with why when the function failed.
pub(crate) use answers::Decided;

impl Decider {
    /// The kept answers of this function over the store `req`'s application gives it,
    /// shared by every policy naming the function in an application with that store.
    /// Found once per worker and route (the caller keeps them).
    pub(crate) fn answers(&'static self, req: &HttpRequest) -> &'static Answers {
        answers::of_function(self.function.function(), self.function.store(req))
    }

    /// Asks about `origin` (inside the bound) for `req`: a synchronous function now, an
    /// asynchronous one through its kept answers.
    pub(crate) fn verdict(
        &'static self,
        answers: &'static Answers,
        origin: &HeaderValue,
        req: &HttpRequest,
    ) -> Verdict {
        let function = self.function;
        answers::verdict(
            self.name,
            function.is_async(),
            answers,
            origin.as_bytes(),
            |origin| function.ask(origin, req),
        )
    }

    /// The answer of a lookup [`Self::verdict`] started.
    pub(crate) async fn finish(&self, lookup: Box<Lookup>) -> Decided {
        answers::finish(self.name, lookup).await
    }
}
