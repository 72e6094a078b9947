//! Adding the CORS names to a `Vary` the handler already set allocates nothing once the
//! route has merged that same `Vary` before: the merged line is kept per route and worker.
//! Measured as users run it, through an app: after the first responses, a route whose
//! handler sets `Vary` allocates exactly what the same route without it allocates (whose
//! `Vary` is a ready value).
//!
//! It lives in this crate rather than in `cors-runtime`, whose lints forbid the unsafe code
//! a global allocator needs; this crate denies it and allows it on the one impl.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use actix_web::dev::Service;
use actix_web::http::header::{HeaderValue, VARY};
use actix_web::{App, HttpResponse, get, test as actix_test};
use cors_runtime::cors;

thread_local! {
    /// Allocations made by this thread: other test threads do not disturb the count.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting `alloc`, `alloc_zeroed` and `realloc` per thread.
struct Counting;

fn count() {
    // A const-initialised thread-local without a destructor never allocates; `try_with`
    // skips the count, rather than panic, if the thread is being torn down.
    let _ = ALLOCATIONS.try_with(|allocations| allocations.set(allocations.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counter is a plain thread-local cell and never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `dealloc`; `new_size` is the caller's, checked by its contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The allocations `work` makes on this thread.
fn allocations_in(work: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}

#[cors(origins = "http://localhost:8080")]
#[get("/with-vary")]
async fn with_vary() -> HttpResponse {
    HttpResponse::Ok()
        // A ready value, as the CORS names are: converting a `&str` would allocate.
        .insert_header((VARY, HeaderValue::from_static("Accept-Encoding")))
        .finish()
}

#[cors(origins = "http://localhost:8080")]
#[get("/without-vary")]
async fn without_vary() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Responses before counting: the route's memo, and actix-web's request and response
/// pools, are filled by then.
const WARM_UP: usize = 3;

/// The allocations of one cross-origin `GET` of `path` (request construction not counted),
/// and the response's `Vary` lines.
fn one_get<S>(system: &actix_web::rt::SystemRunner, app: &S, path: &str) -> (u64, Vec<String>)
where
    S: Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse,
            Error = actix_web::Error,
        >,
{
    let request = actix_test::TestRequest::get()
        .uri(path)
        .insert_header(("Origin", "http://localhost:8080"))
        .to_request();
    let mut vary = Vec::new();
    let allocations = allocations_in(|| {
        let response = system.block_on(actix_test::call_service(app, request));
        vary = response
            .headers()
            .get_all(VARY)
            .map(|value| value.to_str().unwrap().to_owned())
            .collect();
    });
    (allocations, vary)
}

#[test]
fn adding_to_a_handler_vary_allocates_nothing_after_the_first_response() {
    let system = actix_web::rt::System::new();
    let app = system.block_on(actix_test::init_service(
        App::new().service(with_vary).service(without_vary),
    ));
    for _ in 0..WARM_UP {
        one_get(&system, &app, "/with-vary");
        one_get(&system, &app, "/without-vary");
    }
    for _ in 0..3 {
        let (merged, vary) = one_get(&system, &app, "/with-vary");
        assert_eq!(vary, ["Accept-Encoding, Origin"]);
        let (ready, vary) = one_get(&system, &app, "/without-vary");
        assert_eq!(vary, ["Origin"]);
        assert_eq!(
            merged, ready,
            "allocations with the handler's Vary, and without"
        );
    }
}
