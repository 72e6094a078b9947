//! Adding the CORS names to a `Vary` the handler already set allocates nothing once the
//! route has merged that same `Vary` before: the merged line is kept per route and worker.
//!
//! It lives in this crate rather than in `cors-runtime`, whose lints forbid the unsafe code
//! a global allocator needs; this crate denies it and allows it on the one impl.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use actix_web::http::header::{HeaderMap, HeaderValue, VARY};
use cors_runtime::__private::vary;

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

#[test]
fn adding_to_a_handler_vary_allocates_nothing_after_the_first_response() {
    for (names, expected) in [
        (&vary::ORIGIN, "Accept-Encoding, Origin"),
        (
            &vary::PREFLIGHT,
            "Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    ] {
        let memo = vary::Memo::default();
        let mut first = HeaderMap::new();
        first.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        let first_allocations = allocations_in(|| vary::add_known(&mut first, names, true, &memo));
        // The merged line's buffer, and the shared handle that lets the memo keep it.
        assert_eq!(first_allocations, 2, "{expected}: the first merge");
        for _ in 0..3 {
            let mut headers = HeaderMap::new();
            headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
            let allocations = allocations_in(|| vary::add_known(&mut headers, names, true, &memo));
            let lines: Vec<&str> = headers
                .get_all(VARY)
                .map(|value| value.to_str().unwrap())
                .collect();
            assert_eq!(lines, [expected]);
            assert_eq!(allocations, 0, "{expected}");
        }
    }
}
