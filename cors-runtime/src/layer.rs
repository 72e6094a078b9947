//! [`Preflights`]: the application-wide layer that answers the preflights of annotated
//! routes before any other middleware sees them, for applications whose scopes or app sit
//! behind authentication (a browser's preflight never carries credentials).
//!
//! It decides as the router does, never by a pattern alone. What a `#[cors]` route
//! answered, the route records in a slot the layer puts in the request, and that answer
//! stands. Where no route answered (a middleware did, before the router reached a
//! resource), or for a preflight it answers first, the layer asks actix-web's resource map
//! which resource the router tries first for the path (registration order, a scope taking
//! its prefix whole): only when that is a `#[cors]` path whose handler serves the method
//! does it answer for it (see [`crate::placement`]).

use std::cell::{OnceCell, RefCell};
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::guard::Guard;
use actix_web::http::Method;
use actix_web::http::header::{ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, ORIGIN};
use actix_web::{Error, HttpRequest, HttpResponse};

use crate::answer::{AnswerSlot, RouteAnswer};
use crate::inject::{Granting, LaterGrant, apply, carries_answer};
use crate::placement::first_pattern;
use crate::policy::Prepared;
use crate::preflight::{Enlisted, Judge, PreflightRoute, Responding};
use crate::vary;

/// Answers the preflights of every `#[cors]` route before the application's middleware
/// runs, and gives the policy's answer to the responses that middleware makes for those
/// routes (an authentication layer's `401`, so the page can tell "not logged in" from
/// "blocked").
///
/// Add it last, so it is the outermost layer, when a scope or the app is wrapped in
/// middleware that refuses requests without credentials:
///
/// ```
/// use actix_web::{App, get, web};
/// use cors_runtime::cors;
///
/// #[cors(origins = "https://app.example.com", credentials = true)]
/// #[get("/items")]
/// async fn list_items() -> &'static str {
///     "[]"
/// }
///
/// let app = App::new()
///     .service(web::scope("/api").service(list_items)) // and `.wrap(your_auth)`
///     .wrap(cors_runtime::Preflights);
/// # drop(app);
/// ```
///
/// What it decides, it decides as actix-web's router does:
///
/// - A response of a `#[cors]` route keeps exactly the answer that route gave, with or
///   without `Origin`: no middleware's own `Access-Control-*` header (`DefaultHeaders`,
///   another CORS middleware) survives beside the policy, and `Vary` is one line, also
///   when `Compress` adds its own name.
/// - A response that a middleware made before the router reached any resource (an
///   authentication layer's `401`) gets the answer of the `#[cors]` route the router
///   would have picked, so the page can tell "not logged in" from "blocked".
/// - A response of any other resource is left as it is: a route without `#[cors]` never
///   gets a grant, whichever annotated pattern also matches its path.
/// - A preflight is answered here only when the first resource the router tries for its
///   path is a `#[cors]` path whose handler serves the requested method (its guards
///   agree); any other goes on, and meets whatever the application has for it.
///
/// It sees the request as it comes: middleware inside it that rewrites the path
/// (`NormalizePath`) is unknown to it, so add such middleware after it (outside). Guards
/// of scopes are not known before routing: see the README's section on authentication.
#[derive(Debug, Clone, Copy, Default)]
pub struct Preflights;

impl<S, B> Transform<S, ServiceRequest> for Preflights
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = PreflightsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        // Built after the application registered its routes on this worker's thread.
        let enlisted = crate::preflight::registered_on_this_thread();
        ready(Ok(PreflightsService {
            service,
            routes: Rc::new(Routes {
                enlisted: RefCell::new(enlisted),
                resolved: OnceCell::new(),
            }),
        }))
    }
}

/// The running layer of [`Preflights`].
pub struct PreflightsService<S> {
    service: S,
    routes: Rc<Routes>,
}

/// The `#[cors]` routes of one application, as the layer asks about them.
struct Routes {
    /// Preflight routes registered on this thread, maybe of other applications too: sorted
    /// out on the first request, when the application's resource map can be asked.
    enlisted: RefCell<Vec<Enlisted>>,
    resolved: OnceCell<Vec<Resolved>>,
}

/// A path of a `#[cors]` route of this application.
struct Resolved {
    route: &'static PreflightRoute,
    /// The guards a preflight is asked about.
    preflight_guards: Vec<Box<dyn Guard>>,
    /// All the routing attribute's guards, for an actual request.
    actual_guards: Vec<Box<dyn Guard>>,
    judge: Rc<Judge>,
}

/// What the layer asks the router's choice for.
#[derive(Clone, Copy)]
enum Asking {
    /// A preflight, which carries nothing that the guards named in `header_guards` read.
    Preflight,
    /// An actual request, which every guard asks.
    Actual,
}

impl Routes {
    /// This application's `#[cors]` paths, found on the first request.
    fn of(&self, req: &HttpRequest) -> &[Resolved] {
        self.resolved.get_or_init(|| {
            std::mem::take(&mut *self.enlisted.borrow_mut())
                .into_iter()
                .filter(|entry| entry.judge.placement.belongs_to(req))
                .map(|entry| Resolved {
                    route: entry.route,
                    preflight_guards: (entry.route.guards)(),
                    actual_guards: (entry.route.actual_guards)(),
                    judge: entry.judge,
                })
                .collect()
        })
    }

    /// The `#[cors]` path that the router would bring `req` to, were its method `method`:
    /// the first resource whose pattern matches the path is on that path (a scope takes its
    /// prefix whole), and the path's handler for `method` accepts it by its guards.
    /// `None` when the router would pick another resource, or none.
    fn route_for(&self, req: &ServiceRequest, method: &[u8], asking: Asking) -> Option<&Resolved> {
        let first = first_pattern(req.resource_map(), req.match_info().as_str())?;
        self.of(req.request()).iter().find(|resolved| {
            let guards = match asking {
                Asking::Preflight => &resolved.preflight_guards,
                Asking::Actual => &resolved.actual_guards,
            };
            resolved.judge.placement.is_first(Some(&first))
                && resolved.route.serves(method)
                && guards.iter().all(|guard| guard.check(&req.guard_ctx()))
        })
    }
}

/// Whether the router brought `req` to a resource: it consumed the whole path. A response
/// made before that (a middleware around the app or a scope) comes from no route.
fn reached_a_resource(req: &HttpRequest) -> bool {
    req.match_info().unprocessed().is_empty()
}

impl<S, B> Service<ServiceRequest> for PreflightsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = PreflightsFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let requested = (*req.method() == Method::OPTIONS && req.headers().contains_key(ORIGIN))
            .then(|| req.headers().get(ACCESS_CONTROL_REQUEST_METHOD))
            .flatten();
        if let Some(requested) = requested {
            // A preflight of a `#[cors]` path that the router would bring the actual request
            // to: answered here, before any middleware (authentication) sees it.
            let asked = self
                .routes
                .route_for(&req, requested.as_bytes(), Asking::Preflight);
            if let Some(resolved) = asked {
                let state = match resolved.judge.respond(&req, true) {
                    Responding::Now(answer) => PreflightsState::Answered {
                        response: Some(req.into_response(answer).map_into_right_body()),
                    },
                    // The application's function is asked about the origin.
                    Responding::Later(answer) => PreflightsState::Deciding {
                        answer,
                        req: Some(req),
                    },
                };
                return PreflightsFuture { state };
            }
        }
        // Anything else goes on; the route that answers records its answer in the slot.
        AnswerSlot::install(&req);
        PreflightsFuture {
            state: PreflightsState::Inner {
                inner: self.service.call(req),
                routes: Rc::clone(&self.routes),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`PreflightsService`].
    pub struct PreflightsFuture<F, B> {
        // Its states stay private: nothing outside polls or builds them.
        #[pin]
        state: PreflightsState<F, B>,
    }
}

impl<F, B> Future for PreflightsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}

pin_project_lite::pin_project! {
    /// What a [`PreflightsFuture`] waits for.
    #[project = PreflightsProjection]
    enum PreflightsState<F, B> {
        /// A preflight this layer answered.
        Answered {
            response: Option<ServiceResponse<EitherBody<B, BoxBody>>>,
        },
        /// A preflight this layer answers once the application's function decided.
        Deciding {
            answer: Pin<Box<dyn Future<Output = HttpResponse>>>,
            req: Option<ServiceRequest>,
        },
        /// A middleware's response, waiting for the application's function to decide.
        Finishing {
            response: Option<ServiceResponse<B>>,
            finish: Pin<Box<dyn Future<Output = Option<HeaderValue>>>>,
            judge: Rc<Judge>,
        },
        /// Anything else, answered by the application.
        Inner {
            #[pin]
            inner: F,
            routes: Rc<Routes>,
        },
    }
}

impl<F, B> Future for PreflightsState<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.as_mut().project() {
            PreflightsProjection::Answered { response } => {
                Poll::Ready(Ok(response.take().expect("polled after completion")))
            }
            PreflightsProjection::Deciding { answer, req } => {
                let answer = std::task::ready!(answer.as_mut().poll(cx));
                let req = req.take().expect("polled after completion");
                Poll::Ready(Ok(req.into_response(answer).map_into_right_body()))
            }
            PreflightsProjection::Finishing {
                response,
                finish,
                judge,
            } => {
                let allow_origin = std::task::ready!(finish.as_mut().poll(cx));
                let mut response = response.take().expect("polled after completion");
                give_answer(response.headers_mut(), judge.prepared(), allow_origin);
                Poll::Ready(Ok(response.map_into_left_body()))
            }
            PreflightsProjection::Inner { inner, routes } => {
                let result = std::task::ready!(inner.poll(cx));
                // An error is passed on as it came: the route's wrapper, if it made it, has
                // rendered its answer into it already.
                let mut response = result?;
                match AnswerSlot::take(response.request()) {
                    // A `#[cors]` route answered: its answer stands, whatever a middleware
                    // between here and the route added to it.
                    Some(answer) => enforce(answer, response.headers_mut()),
                    None if !reached_a_resource(response.request()) => {
                        let later = answer_for_middleware(&mut response, routes);
                        if let Some((finish, judge)) = later {
                            self.set(PreflightsState::Finishing {
                                response: Some(response),
                                finish,
                                judge,
                            });
                            // The application's function is asked about the origin.
                            return self.poll(cx);
                        }
                    }
                    None => {}
                }
                Poll::Ready(Ok(response.map_into_left_body()))
            }
        }
    }
}

/// A response a middleware made before the router reached a resource (an authentication
/// layer's `401`): it gets the answer of the `#[cors]` path the router would have brought
/// the request to, if any, so the page can read it. When the application's function must
/// be asked about the origin first, what to wait for.
fn answer_for_middleware<B>(
    response: &mut ServiceResponse<B>,
    routes: &Routes,
) -> Option<(LaterGrant, Rc<Judge>)> {
    let req = ServiceRequest::from_request(response.request().clone());
    let method = req.method().as_str().as_bytes();
    let resolved = routes.route_for(&req, method, Asking::Actual)?;
    let prepared = resolved.judge.prepared();
    let allow_origin = match crate::inject::decide(prepared, req.method(), req.request()) {
        Granting::Now(allow_origin) => allow_origin,
        Granting::Later(finish) => return Some((finish, Rc::clone(&resolved.judge))),
    };
    give_answer(response.headers_mut(), prepared, allow_origin);
    None
}

/// Gives a middleware's response the answer of the `#[cors]` path it stands for, with
/// `Vary` on one line.
fn give_answer(headers: &mut HeaderMap, prepared: &Prepared, allow_origin: Option<HeaderValue>) {
    apply(headers, prepared, allow_origin);
    vary::one_line(headers);
}

/// Makes `headers` carry exactly the answer a `#[cors]` route gave, with `Vary` on one line.
fn enforce(answer: RouteAnswer, headers: &mut HeaderMap) {
    match answer {
        RouteAnswer::Actual(prepared, allow_origin) => {
            // Usually the route answered, and nothing around it changed that.
            if !carries_answer(headers, &prepared, allow_origin.as_ref()) {
                apply(headers, &prepared, allow_origin);
            }
        }
        RouteAnswer::Preflight(sent) => {
            crate::inject::remove_access_control(headers);
            for (name, value) in sent {
                headers.append(name, value);
            }
        }
    }
    vary::one_line(headers);
}
