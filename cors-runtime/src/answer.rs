//! Where a `#[cors]` route records the answer it gave, for an application's
//! [`crate::Preflights`] to keep it: the layer puts a slot in each request, and the route's
//! wrapper or preflight route fills it.

use std::cell::RefCell;
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

use crate::policy::Prepared;

/// Where a `#[cors]` route records the answer it gave, for the layer to keep it.
#[derive(Clone, Default)]
pub(crate) struct AnswerSlot(Rc<RefCell<Option<RouteAnswer>>>);

/// The answer a `#[cors]` route gave.
pub(crate) enum RouteAnswer {
    /// An actual request's: the route's policy, and the origin granted, if any.
    Actual(Rc<Prepared>, Option<HeaderValue>),
    /// A preflight's: the `Access-Control-*` headers it sent.
    Preflight(Vec<(HeaderName, HeaderValue)>),
}

impl AnswerSlot {
    /// The slot of the layer `req` passed through, if any.
    pub(crate) fn of(req: &ServiceRequest) -> Option<AnswerSlot> {
        req.extensions().get::<AnswerSlot>().cloned()
    }

    /// Records the route's answer.
    pub(crate) fn record(&self, answer: RouteAnswer) {
        *self.0.borrow_mut() = Some(answer);
    }

    /// Records the `Access-Control-*` headers of a preflight answer.
    pub(crate) fn record_preflight(&self, headers: &HeaderMap) {
        let sent = headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-"))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        self.record(RouteAnswer::Preflight(sent));
    }

    /// The answer recorded, if a `#[cors]` route answered.
    pub(crate) fn take(&self) -> Option<RouteAnswer> {
        self.0.borrow_mut().take()
    }
}
