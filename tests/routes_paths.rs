//! `#[routes]` with several paths: each path's preflight answers for the methods served on
//! that path, never for another path's.

mod in_process;

use actix_web::http::StatusCode;
use actix_web::{routes, web};
use cors_runtime::cors;
use in_process::{LOCAL, cors_set, preflight, send_to};

#[cors(origins = "http://localhost:8080")]
#[routes]
#[get("/a")]
#[post("/b")]
#[get("/both")]
#[post("/both")]
async fn several() -> &'static str {
    // Awaits before it answers, as real handlers do.
    actix_web::rt::task::yield_now().await;
    "several"
}

fn routes(config: &mut web::ServiceConfig) {
    config.service(several);
}

#[actix_web::test]
async fn each_path_lists_its_own_methods() {
    for (path, method) in [("/a", "GET"), ("/b", "POST")] {
        let answer = send_to(routes, preflight(path, LOCAL, method)).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            answer.cors(),
            cors_set(&[
                ("access-control-allow-methods", method),
                ("access-control-allow-origin", LOCAL),
            ]),
            "{path}"
        );
    }
    let both = send_to(routes, preflight("/both", LOCAL, "POST")).await;
    assert_eq!(both.one("access-control-allow-methods"), Some("GET, POST"));
}

#[actix_web::test]
async fn a_path_never_accepts_another_paths_method() {
    for (path, method) in [("/a", "POST"), ("/b", "GET")] {
        let answer = send_to(routes, preflight(path, LOCAL, method)).await;
        assert_ne!(answer.status, StatusCode::NO_CONTENT, "{path}");
        assert!(answer.cors().is_empty(), "{path}: {:?}", answer.cors());
    }
}
