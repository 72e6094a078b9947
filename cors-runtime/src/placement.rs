//! Where a `#[cors]` route sits in its application's router, as actix-web's resource map
//! records it: what lets the generated preflight route and [`crate::Preflights`] decide for
//! a path as the router does, without approximating its patterns.
//!
//! The resource map holds every registered resource and scope in registration order, and
//! answers for a path with the first resource whose pattern matches it, a scope taking its
//! prefix whole, as the router tries them. It does not know guards: those of `#[cors]`
//! routes are their own (method, `guard = "..."`), and the rest is left to the router (see
//! the README of `cors-runtime`).

use std::cell::OnceCell;
use std::future::ready;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::HttpResponse;
use actix_web::dev::{AppService, ResourceDef, ResourceMap, ServiceRequest, fn_service};
use actix_web::error::UrlGenerationError;
use actix_web::guard::{self, Guard};

/// Names the markers apart across every application of the process.
static NEXT_MARKER: AtomicUsize = AtomicUsize::new(0);

/// One path of a `#[cors]` handler, placed in its application.
pub(crate) struct Placement {
    /// A node of the application's resource map beside the route, at a reserved path of
    /// the same scope: from it the map tells the route's scope prefix, whatever its
    /// patterns (regular expressions, tail segments).
    marker: Weak<ResourceMap>,
    /// The marker's reserved path, which no request routes to.
    reserved: String,
    /// The name of the marker's one resource, found only in its own application's map.
    name: String,
    /// The route's pattern as its scope registers it.
    relative: String,
    /// The route's full pattern, scope prefixes included, found on first use (the map knows
    /// parents only once the application is built).
    full: OnceCell<Option<String>>,
    /// [`Self::is_first_for`] of a pattern without variables, found on first use (`None`
    /// for a pattern with variables, asked each time).
    first_for_its_one_path: OnceCell<Option<bool>>,
}

impl Placement {
    /// The placement of the route whose pattern (relative to its scope) is `relative`, and
    /// its marker, to register beside the route.
    pub(crate) fn new(relative: &ResourceDef) -> (Rc<Placement>, Marker) {
        let id = NEXT_MARKER.fetch_add(1, Ordering::Relaxed);
        // A NUL byte: no request path has one, so nothing routes or resolves to the marker.
        let reserved = format!("/\0cors-{id}");
        let name = format!("cors-placement-{id}");
        let def = ResourceDef::new(reserved.as_str());
        let mut map = ResourceMap::new(def.clone());
        let mut leaf = ResourceDef::new("");
        leaf.set_name(name.as_str());
        map.add(&mut leaf, None);
        let map = Rc::new(map);
        let placement = Rc::new(Placement {
            marker: Rc::downgrade(&map),
            reserved,
            name,
            relative: relative.pattern().unwrap_or_default().to_owned(),
            full: OnceCell::new(),
            first_for_its_one_path: OnceCell::new(),
        });
        (placement, Marker { def, map })
    }

    /// The route's full pattern, as the resource map writes the pattern of a matched path.
    pub(crate) fn full_pattern(&self) -> Option<&str> {
        self.full
            .get_or_init(|| {
                let marker = self.marker.upgrade()?;
                let with_marker = marker.match_pattern(&self.reserved)?;
                let prefix = with_marker.strip_suffix(&self.reserved)?;
                Some(format!("{prefix}{}", self.relative))
            })
            .as_deref()
    }

    /// Whether the route's application still exists.
    pub(crate) fn is_alive(&self) -> bool {
        self.marker.strong_count() > 0
    }

    /// Whether the route belongs to the application of `req` (a thread may hold several).
    pub(crate) fn belongs_to(&self, req: &actix_web::HttpRequest) -> bool {
        !matches!(
            req.resource_map()
                .url_for(req, &self.name, std::iter::empty::<&str>()),
            Err(UrlGenerationError::ResourceNotFound)
        ) && self.is_alive()
    }

    /// Whether the router, trying resources in order for `path`, comes to this route's
    /// pattern before any other resource's (`first` is the pattern of the first resource
    /// whose pattern matches `path`, from [`first_pattern`]).
    pub(crate) fn is_first(&self, first: Option<&str>) -> bool {
        first.is_some() && first == self.full_pattern()
    }

    /// [`Self::is_first`] for `path`, which this route's pattern matches, asked of `map`.
    /// A pattern without variables matches one path only, so its answer is found once.
    pub(crate) fn is_first_for(&self, map: &ResourceMap, path: &str) -> bool {
        let ask = || self.is_first(first_pattern(map, path).as_deref());
        let once = self.first_for_its_one_path.get_or_init(|| {
            let one_path = self.full_pattern().is_some_and(|full| !full.contains('{'));
            one_path.then(ask)
        });
        once.unwrap_or_else(ask)
    }
}

/// A placement's node for the resource map, not yet registered.
pub(crate) struct Marker {
    def: ResourceDef,
    map: Rc<ResourceMap>,
}

impl Marker {
    /// Registers the marker in the scope being built: a resource never routed to (its guard
    /// refuses every request) whose node in the resource map knows its parents.
    pub(crate) fn register(self, config: &mut AppService) {
        let never: Vec<Box<dyn Guard>> = vec![Box::new(guard::fn_guard(|_| false))];
        let service = fn_service(|req: ServiceRequest| {
            ready(Ok(req.into_response(HttpResponse::NotFound().finish())))
        });
        config.register_service(self.def, Some(never), service, Some(self.map));
    }
}

/// The full pattern of the first resource of `map` whose pattern matches `path`, in the
/// router's order, a scope taking its prefix whole; `None` when no resource does.
pub(crate) fn first_pattern(map: &ResourceMap, path: &str) -> Option<String> {
    map.match_pattern(path)
}
