//! Origins the application decides: `#[cors(get, path = "...", origins = "https://*",
//! decide_origin = "...")]`.
//!
//! Tenants on their own domains, an allow-list in a database: origins only the application
//! knows when a request comes. `decide_origin` names your function; it is asked about each
//! request's origin, by preflights and actual requests alike.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{Extension, Router};
//! use cors_axum::{cors, routes};
//!
//! struct Tenants {
//!     origins: Vec<String>,
//! }
//!
//! /// A tenant's origin is any origin of a tenant; the store is an `Extension` of the app.
//! async fn is_tenant(origin: String, Extension(tenants): Extension<Arc<Tenants>>) -> bool {
//!     tenants.origins.contains(&origin)
//! }
//!
//! #[cors(get, path = "/api/me", origins = "https://*", decide_origin = "is_tenant", credentials = true)]
//! async fn me() -> &'static str {
//!     "{}"
//! }
//!
//! let tenants = Arc::new(Tenants { origins: vec!["https://shop.tenant.example".into()] });
//! let app: Router = Router::new().merge(routes!(me)).layer(Extension(tenants));
//! ```
//!
//! # The function
//! Its signature is checked when the crate compiles. It receives the request's origin,
//! already validated as a serialized origin (`https://shop.tenant.example`, lower case, no
//! path) and inside the policy's bound, and optionally a value of one type the application
//! puts in every request with `Router::layer(Extension(value))` (a layer over the routes,
//! so it is there before the answer is decided):
//!
//! | kind | signature |
//! |---|---|
//! | synchronous | `fn(origin: &str) -> bool` or `fn(origin: &str, data: &T) -> bool` |
//! | asynchronous | `async fn(origin: String) -> bool` or `async fn(origin: String, data: Extension<T>) -> bool` |
//!
//! Each may return `Result<bool, E>` with `E: Display` instead of `bool`; an asynchronous
//! function's future must be `Send`, as axum's handlers are.
//!
//! # Bounded, fails closed, kept
//! As for actix-web (`cors-runtime`'s `decide` module says it at length): the literal
//! `origins` bound what the function may grant; an error, a panic or a timeout
//! ([`set_timeout`], 2 s unless set) grants nothing and is logged (target `cors`); an
//! asynchronous function's answers are kept per origin for [`fresh_for`] (30 s unless set),
//! at most [`GRANTED_KEPT`] granted and [`REFUSED_KEPT`] refused, and concurrent requests
//! for one origin share one lookup. Every policy naming the function shares its answers.

use std::any::TypeId;
use std::marker::PhantomData;

use axum::Extension;
use axum::http::Extensions;
use axum::http::header::HeaderValue;
use cors_core::answers::{self, Answers, Asked, Decided, SendStart, decision};

pub use cors_core::answers::{
    GRANTED_KEPT, OriginAnswer, REFUSED_KEPT, fresh_for, set_fresh_for, set_timeout, timeout,
};

/// A lookup of this adapter.
pub(crate) type Verdict = answers::Verdict<SendStart>;

/// A function `#[cors(decide_origin = "...")]` can name: see the [module](self) for the
/// four signatures. `Marker` tells them apart; it is never written by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot decide origins for `decide_origin`",
    label = "expected a function like `fn(origin: &str) -> bool`",
    note = "`decide_origin` names `fn(origin: &str) -> bool`, `fn(origin: &str, data: &T) -> bool`, `async fn(origin: String) -> bool` or `async fn(origin: String, data: Extension<T>) -> bool`; each may return `Result<bool, E>` with `E: Display` instead of `bool`"
)]
pub trait DecideOrigin<Marker>: Sync + 'static {
    /// Whether it is `async`, so its answers are kept.
    #[doc(hidden)]
    const ASYNC: bool;

    /// Asks it about `origin` for a request with `extensions`.
    #[doc(hidden)]
    fn ask(&'static self, origin: &str, extensions: &Extensions) -> Asked<SendStart>;
}

/// The marker of functions without data.
#[doc(hidden)]
pub struct Alone;

/// The marker of functions reading a value of type `T` from the request's extensions.
#[doc(hidden)]
pub struct WithData<T>(PhantomData<fn() -> T>);

/// The marker of `async` functions.
#[doc(hidden)]
pub struct Async<M>(PhantomData<fn() -> M>);

impl<F, R> DecideOrigin<Alone> for F
where
    F: Fn(&str) -> R + Sync + 'static,
    R: OriginAnswer,
{
    const ASYNC: bool = false;

    fn ask(&'static self, origin: &str, _: &Extensions) -> Asked<SendStart> {
        Asked::Now(self(origin).into_answer())
    }
}

impl<F, R, T> DecideOrigin<WithData<T>> for F
where
    F: Fn(&str, &T) -> R + Sync + 'static,
    R: OriginAnswer,
    T: Send + Sync + 'static,
{
    const ASYNC: bool = false;

    fn ask(&'static self, origin: &str, extensions: &Extensions) -> Asked<SendStart> {
        Asked::Now(match extensions.get::<T>() {
            Some(data) => self(origin, data).into_answer(),
            None => Err(missing_data::<T>()),
        })
    }
}

impl<F, Fut> DecideOrigin<Async<Alone>> for F
where
    F: Fn(String) -> Fut + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OriginAnswer,
{
    const ASYNC: bool = true;

    fn ask(&'static self, origin: &str, _: &Extensions) -> Asked<SendStart> {
        let origin = origin.to_owned();
        Asked::Later(SendStart(Box::new(move || {
            let lookup = self(origin.clone());
            Box::pin(async move { decision(lookup.await.into_answer()) })
        })))
    }
}

impl<F, Fut, T> DecideOrigin<Async<WithData<T>>> for F
where
    F: Fn(String, Extension<T>) -> Fut + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OriginAnswer,
    T: Clone + Send + Sync + 'static,
{
    const ASYNC: bool = true;

    fn ask(&'static self, origin: &str, extensions: &Extensions) -> Asked<SendStart> {
        let Some(data) = extensions.get::<T>().cloned() else {
            return Asked::Now(Err(missing_data::<T>()));
        };
        let origin = origin.to_owned();
        Asked::Later(SendStart(Box::new(move || {
            let lookup = self(origin.clone(), Extension(data.clone()));
            Box::pin(async move { decision(lookup.await.into_answer()) })
        })))
    }
}

fn missing_data<T>() -> String {
    format!(
        "the request has no `Extension<{}>` for it: add it with `Router::layer(Extension(...))` over the routes",
        std::any::type_name::<T>()
    )
}

/// A function, with how to ask it, so a `static` can hold it. Not a public API.
#[doc(hidden)]
pub struct ByFn<F: 'static> {
    function: F,
    is_async: bool,
    ask: fn(&'static F, &str, &Extensions) -> Asked<SendStart>,
}

/// `function`, for a policy's `static`: the one place its signature is checked. Not a
/// public API.
#[doc(hidden)]
pub const fn by<M, F: DecideOrigin<M>>(function: F) -> ByFn<F> {
    ByFn {
        function,
        is_async: F::ASYNC,
        ask: F::ask,
    }
}

/// A function that decides origins, whatever its signature. Not a public API.
#[doc(hidden)]
pub trait Decide: Sync {
    /// Whether its answers are kept.
    fn is_async(&self) -> bool;
    /// Asks it about `origin` for a request with `extensions`.
    fn ask(&'static self, origin: &str, extensions: &Extensions) -> Asked<SendStart>;
    /// The function itself: every function item has a type of its own, so two functions
    /// never share answers, whatever their names, and every policy naming one does.
    fn function(&self) -> TypeId;
}

impl<F: Sync + 'static> Decide for ByFn<F> {
    fn is_async(&self) -> bool {
        self.is_async
    }

    fn ask(&'static self, origin: &str, extensions: &Extensions) -> Asked<SendStart> {
        (self.ask)(&self.function, origin, extensions)
    }

    fn function(&self) -> TypeId {
        TypeId::of::<F>()
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

impl Decider {
    /// The kept answers of this function, shared by every policy naming it.
    pub(crate) fn answers(&self) -> &'static Answers {
        answers::of_function(self.function.function(), 0)
    }

    /// Asks about `origin` (inside the bound) for a request with `extensions`.
    pub(crate) fn verdict(
        &'static self,
        answers: &'static Answers,
        origin: &HeaderValue,
        extensions: &Extensions,
    ) -> Verdict {
        let function = self.function;
        answers::verdict(
            self.name,
            function.is_async(),
            answers,
            origin.as_bytes(),
            |origin| function.ask(origin, extensions),
        )
    }

    /// The answer of a lookup [`Self::verdict`] started.
    pub(crate) async fn finish(&self, lookup: Box<answers::Lookup<SendStart>>) -> Decided {
        answers::finish(self.name, lookup).await
    }
}
