//! Where a `#[cors]` route records the answer it gave, for an application's
//! [`crate::Preflights`] to keep it: the layer puts a slot in each request, and the route's
//! wrapper or preflight route fills it.

use std::cell::RefCell;
use std::rc::Rc;

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpRequest};

use crate::policy::Prepared;

/// How every CORS response header's name begins (header names are lower case): the headers
/// an answer consists of.
pub(crate) const ACCESS_CONTROL: &str = "access-control-";

/// Where a `#[cors]` route records the answer it gave, for the layer to keep it: in the
/// request's extensions, one allocation per request of an application with the layer, none
/// without it.
#[derive(Default)]
pub(crate) struct AnswerSlot(RefCell<Option<RouteAnswer>>);

/// The answer a `#[cors]` route gave.
pub(crate) enum RouteAnswer {
    /// An actual request's: the route's policy, and the origin granted, if any.
    Actual(Rc<Prepared>, Option<HeaderValue>),
    /// A preflight's: the `Access-Control-*` headers it sent.
    Preflight(Vec<(HeaderName, HeaderValue)>),
}

impl AnswerSlot {
    /// Puts an empty slot in `req`, for the route that answers it.
    pub(crate) fn install(req: &ServiceRequest) {
        req.extensions_mut().insert(AnswerSlot::default());
    }

    /// Records the answer `answer()` gives in the slot of `req`, if it has one (its
    /// application has the layer).
    pub(crate) fn record(req: &HttpRequest, answer: impl FnOnce() -> RouteAnswer) {
        if let Some(slot) = req.extensions().get::<AnswerSlot>() {
            *slot.0.borrow_mut() = Some(answer());
        }
    }

    /// Records the `Access-Control-*` headers of a preflight answer.
    pub(crate) fn record_preflight(req: &HttpRequest, headers: &HeaderMap) {
        AnswerSlot::record(req, || {
            RouteAnswer::Preflight(
                headers
                    .iter()
                    .filter(|(name, _)| name.as_str().starts_with(ACCESS_CONTROL))
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect(),
            )
        });
    }

    /// The answer recorded in the slot of `req`, if a `#[cors]` route answered.
    pub(crate) fn take(req: &HttpRequest) -> Option<RouteAnswer> {
        req.extensions()
            .get::<AnswerSlot>()
            .and_then(|slot| slot.0.borrow_mut().take())
    }
}
