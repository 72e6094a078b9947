//! [`Preflights`]: the application-wide layer that answers the preflights of annotated
//! routes before any other middleware sees them, for applications whose scopes or app sit
//! behind authentication (a browser's preflight never carries credentials).
//!
//! It judges with the routes' own judges: every generated preflight route leaves a marker
//! in actix-web's resource map when it registers, and the marker tells, once the
//! application is built, the route's full path (scope prefixes included), so the layer needs
//! no configuration of its own.

use std::cell::{OnceCell, RefCell};
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{
    ResourceDef, ResourceMap, Service, ServiceRequest, ServiceResponse, Transform,
};
use actix_web::error::UrlGenerationError;
use actix_web::guard::Guard;
use actix_web::http::Method;
use actix_web::http::header::{ACCESS_CONTROL_REQUEST_METHOD, HeaderValue, ORIGIN};
use actix_web::{Error, HttpRequest};

use crate::inject::{apply, carries_answer, with_answer};
use crate::preflight::{Judge, PreflightRoute};

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
/// Other cross-origin requests for annotated routes get the route's answer on whatever
/// response comes back, exactly as the route itself gives it: so a middleware's response
/// (an authentication layer's `401`) carries the grant, and no middleware's own
/// `Access-Control-*` header (`DefaultHeaders`, another CORS middleware) survives beside
/// the policy. Requests without `Origin` pass through untouched.
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
        let registered = PENDING.with_borrow(|pending| {
            pending
                .iter()
                .filter(|entry| entry.marker.strong_count() > 0)
                .cloned()
                .collect()
        });
        ready(Ok(PreflightsService {
            service,
            registered: RefCell::new(registered),
            routes: OnceCell::new(),
        }))
    }
}

/// The running layer of [`Preflights`].
pub struct PreflightsService<S> {
    service: S,
    /// Preflight routes registered on this thread, maybe of other applications too: sorted
    /// out on the first request, when the application's resource map can be asked.
    registered: RefCell<Vec<Registered>>,
    routes: OnceCell<Vec<Resolved>>,
}

/// A preflight route of this application, with its full path.
struct Resolved {
    path: ResourceDef,
    route: &'static PreflightRoute,
    guards: Vec<Box<dyn Guard>>,
    judge: Rc<Judge>,
}

impl<S> PreflightsService<S> {
    /// This application's preflight routes, found on the first request.
    fn routes(&self, req: &HttpRequest) -> &[Resolved] {
        self.routes.get_or_init(|| {
            let registered = std::mem::take(&mut *self.registered.borrow_mut());
            registered
                .into_iter()
                .filter_map(|entry| entry.resolve(req))
                .collect()
        })
    }

    /// The annotated route that `req` would reach for `method`, if any: its path, one of
    /// its methods and its guards all agree.
    fn route_for(&self, req: &ServiceRequest, method: &[u8]) -> Option<&Resolved> {
        let path = req.match_info().as_str();
        self.routes(req.request()).iter().find(|resolved| {
            resolved.route.serves(method)
                && resolved.path.is_match(path)
                && resolved
                    .guards
                    .iter()
                    .all(|guard| guard.check(&req.guard_ctx()))
        })
    }
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
        if !req.headers().contains_key(ORIGIN) {
            return PreflightsFuture::inner(self.service.call(req), None);
        }
        let requested = (*req.method() == Method::OPTIONS)
            .then(|| req.headers().get(ACCESS_CONTROL_REQUEST_METHOD))
            .flatten();
        if let Some(requested) = requested {
            // A preflight: answered here when an annotated route serves what it asks for.
            let answer = self
                .route_for(&req, requested.as_bytes())
                .map(|resolved| resolved.judge.respond(&req));
            return match answer {
                Some(answer) => PreflightsFuture::Answered {
                    response: Some(req.into_response(answer).map_into_right_body()),
                },
                None => PreflightsFuture::inner(self.service.call(req), None),
            };
        }
        // A cross-origin request for an annotated route: judged now, while the request is
        // as it came, so the response has the policy's answer whatever made it (the route, or
        // a middleware before it: an authentication layer's 401, `DefaultHeaders`).
        let owner = self
            .route_for(&req, req.method().as_str().as_bytes())
            .map(|resolved| {
                let grant =
                    crate::inject::grant(resolved.judge.prepared(), req.method(), req.headers());
                (grant, Rc::clone(&resolved.judge))
            });
        PreflightsFuture::inner(self.service.call(req), owner)
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`PreflightsService`].
    #[project = PreflightsProjection]
    #[allow(missing_docs)] // The variants' fields say what they hold.
    pub enum PreflightsFuture<F, B> {
        /// A preflight this layer answered.
        Answered {
            response: Option<ServiceResponse<EitherBody<B, BoxBody>>>,
        },
        /// Anything else, answered by the application; with the policy's answer when the
        /// request is a cross-origin one for an annotated route.
        Inner {
            #[pin]
            inner: F,
            owner: Option<(Option<HeaderValue>, Rc<Judge>)>,
        },
    }
}

impl<F, B> PreflightsFuture<F, B> {
    fn inner(inner: F, owner: Option<(Option<HeaderValue>, Rc<Judge>)>) -> Self {
        PreflightsFuture::Inner { inner, owner }
    }
}

impl<F, B> Future for PreflightsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            PreflightsProjection::Answered { response } => {
                Poll::Ready(Ok(response.take().expect("polled after completion")))
            }
            PreflightsProjection::Inner { inner, owner } => {
                let result = std::task::ready!(inner.poll(cx));
                let Some((allow_origin, judge)) = owner.take() else {
                    return Poll::Ready(result.map(ServiceResponse::map_into_left_body));
                };
                // The route's answer again, on whatever response came: the policy owns every
                // `Access-Control-*` header, and a middleware's response gets its grant too.
                Poll::Ready(match result {
                    Ok(mut response) => {
                        let prepared = judge.prepared();
                        // Usually the route answered, and nothing around it changed that.
                        if !carries_answer(response.headers(), prepared, allow_origin.as_ref()) {
                            apply(response.headers_mut(), prepared, allow_origin);
                        }
                        Ok(response.map_into_left_body())
                    }
                    Err(error) => Err(with_answer(error, judge.prepared(), allow_origin)),
                })
            }
        }
    }
}

thread_local! {
    /// The preflight routes registered on this thread whose application is still alive.
    static PENDING: RefCell<Vec<Registered>> = const { RefCell::new(Vec::new()) };
}

/// Names the markers apart across every application of the process.
static NEXT_MARKER: AtomicUsize = AtomicUsize::new(0);

/// A preflight route as it registered, before its application is complete.
#[derive(Clone)]
struct Registered {
    /// Its node in the application's resource map, which knows its parents once the
    /// application is built.
    marker: Weak<ResourceMap>,
    /// The marker's name: found in an application's resource map only if it is that
    /// application's.
    name: Rc<str>,
    /// The route's path relative to its scope.
    relative: ResourceDef,
    route: &'static PreflightRoute,
    judge: Rc<Judge>,
}

/// The resource-map node a preflight route registers with, in place of none: it lets
/// [`Preflights`] find the route's full path once the application is built.
pub(crate) fn marker(
    relative: &ResourceDef,
    route: &'static PreflightRoute,
    judge: Rc<Judge>,
) -> Rc<ResourceMap> {
    let name: Rc<str> = format!(
        "cors-preflight-{}",
        NEXT_MARKER.fetch_add(1, Ordering::Relaxed)
    )
    .into();
    // A node with the route's own pattern (as actix-web requires of a nested map) and one
    // named, empty leaf, so a look-up that reaches it ends at a resource.
    let mut map = ResourceMap::new(relative.clone());
    let mut leaf = ResourceDef::new("");
    leaf.set_name(&*name);
    map.add(&mut leaf, None);
    let map = Rc::new(map);
    PENDING.with_borrow_mut(|pending| {
        pending.retain(|entry| entry.marker.strong_count() > 0);
        pending.push(Registered {
            marker: Rc::downgrade(&map),
            name,
            relative: relative.clone(),
            route,
            judge,
        });
    });
    map
}

impl Registered {
    /// The route with its full path, if it belongs to the application of `req`.
    fn resolve(self, req: &HttpRequest) -> Option<Resolved> {
        let lookup = req
            .resource_map()
            .url_for(req, &self.name, std::iter::empty::<&str>());
        if let Err(UrlGenerationError::ResourceNotFound) = lookup {
            return None;
        }
        let marker = self.marker.upgrade()?;
        let Some(full) = sample_path(&self.relative).and_then(|path| marker.match_pattern(&path))
        else {
            log::warn!(target: "cors", "the preflights of {:?} stay with their route: its full path could not be found", self.relative.pattern());
            return None;
        };
        Some(Resolved {
            path: ResourceDef::new(renamed_segments(&full)),
            route: self.route,
            guards: (self.route.guards)(),
            judge: self.judge,
        })
    }
}

/// A path `def` matches, to walk the resource map from: its variables filled with a digit,
/// or a letter where its pattern wants letters.
fn sample_path(def: &ResourceDef) -> Option<String> {
    ["1", "a"].into_iter().find_map(|value| {
        let mut path = String::new();
        (def.resource_path_from_iter(&mut path, std::iter::repeat(value)) && def.is_match(&path))
            .then_some(path)
    })
}

/// `pattern` with its dynamic segments renamed `v0`, `v1`, ...: the layer only asks whether a
/// path matches, and a scope and its route may both name a segment `{id}`, which one
/// pattern (one regular expression) could not hold twice.
fn renamed_segments(pattern: &str) -> String {
    let mut renamed = String::with_capacity(pattern.len() + 8);
    let mut depth = 0usize;
    let mut segments = 0usize;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        renamed.push(c);
        match c {
            '{' if depth == 0 => {
                depth = 1;
                // Skip the name, keep what follows it (`:regex}` or `}`).
                while chars.next_if(|&c| c != ':' && c != '}').is_some() {}
                renamed.push_str(&format!("v{segments}"));
                segments += 1;
            }
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_renamed_apart_and_their_patterns_kept() {
        assert_eq!(renamed_segments("/static/path"), "/static/path");
        assert_eq!(renamed_segments("/t/{id}/items/{id}"), "/t/{v0}/items/{v1}");
        assert_eq!(
            renamed_segments("/{id:\\d{2,3}}/x/{tail}*"),
            "/{v0:\\d{2,3}}/x/{v1}*"
        );
        let def = ResourceDef::new(renamed_segments("/t/{id}/items/{id:\\d+}"));
        assert!(def.is_match("/t/a/items/12"));
        assert!(!def.is_match("/t/a/items/b"));
    }
}
