//! `#[cors]` builds a handler's routes itself, as actix-web's routing attribute builds
//! them: the same handlers with and without it route every request alike (status, `Allow`
//! of a 405, body), and without an `Origin` the answers differ in no header.

mod in_process;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use in_process::{Answer, send_to};

/// The same handlers, with `#[cors(...)]` above each when one is given.
macro_rules! handlers {
    ($module:ident $(, #[$cors:meta])?) => {
        mod $module {
            use actix_web::guard::GuardContext;
            use actix_web::{HttpRequest, get, route, routes, web};
            #[allow(unused_imports)]
            use cors_runtime::cors;

            fn api_host(ctx: &GuardContext<'_>) -> bool {
                ctx.head()
                    .headers()
                    .get("host")
                    .is_some_and(|host| host == "api.example.com")
            }

            $(#[$cors])?
            #[get("/items/{id}", name = "item")]
            async fn item(request: HttpRequest) -> String {
                // Awaits before it answers, as real handlers do.
                actix_web::rt::task::yield_now().await;
                let url = request.url_for("item", ["7"]);
                url.map_or_else(|error| error.to_string(), |url| url.to_string())
            }

            $(#[$cors])?
            #[route("/multi", method = "GET", method = "PUT")]
            async fn multi() -> &'static str {
                // Awaits before it answers, as real handlers do.
                actix_web::rt::task::yield_now().await;
                "multi"
            }

            $(#[$cors])?
            #[routes]
            #[get("/a")]
            #[post("/b")]
            async fn several(request: HttpRequest) -> String {
                // Awaits before it answers, as real handlers do.
                actix_web::rt::task::yield_now().await;
                format!("several {}", request.match_name().unwrap_or("unnamed"))
            }

            $(#[$cors])?
            #[get("/guarded", guard = "api_host")]
            async fn guarded() -> &'static str {
                // Awaits before it answers, as real handlers do.
                actix_web::rt::task::yield_now().await;
                "guarded"
            }

            pub fn configure(config: &mut web::ServiceConfig) {
                config
                    .service(item)
                    .service(multi)
                    .service(several)
                    .service(guarded)
                    // A second resource on a path of ours: its 405 lists every method
                    // served there, ours included.
                    .service(web::resource("/multi").route(web::post().to(|| async { "post" })))
                    .service(web::resource("/guarded").to(|| async { "unguarded" }));
            }
        }
    };
}

handlers!(plain);
handlers!(annotated, #[cors(origins = "https://app.example.com")]);

fn requests() -> Vec<(Method, &'static str, Option<&'static str>)> {
    let mut requests = Vec::new();
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ] {
        for path in ["/items/1", "/multi", "/a", "/b", "/guarded", "/nowhere"] {
            requests.push((method.clone(), path, None));
        }
        requests.push((method, "/guarded", Some("api.example.com")));
    }
    requests
}

fn request(method: &Method, path: &str, host: Option<&str>) -> TestRequest {
    let request = TestRequest::default().method(method.clone()).uri(path);
    match host {
        Some(host) => request.insert_header(("Host", host)),
        None => request,
    }
}

/// What routing decided: status, the methods of `Allow`, body. actix-web's attribute
/// lists a `#[route]`'s methods in the order of a hash set made when it expands (it
/// changes from build to build), so `Allow` is compared as a set.
fn routed(answer: &Answer) -> (u16, Option<Vec<&str>>, &str) {
    let allow = answer.one("allow").map(|allow| {
        let mut methods: Vec<&str> = allow.split(", ").collect();
        methods.sort_unstable();
        methods
    });
    (answer.status.as_u16(), allow, &answer.body)
}

/// The headers of an answer but `Vary` and `Allow` (compared by [`routed`]), sorted.
fn headers(answer: &Answer) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| *name != "vary" && *name != "allow")
        .map(|(name, value)| (name.to_string(), format!("{value:?}")))
        .collect();
    headers.sort();
    headers
}

#[actix_web::test]
async fn annotated_handlers_route_every_request_as_actix_web_does() {
    let mut allowed_lists = 0;
    for (method, path, host) in requests() {
        let plain = send_to(plain::configure, request(&method, path, host)).await;
        let annotated = send_to(annotated::configure, request(&method, path, host)).await;
        let case = format!("{method} {path} (host {host:?})");
        assert_eq!(routed(&annotated), routed(&plain), "{case}");
        // Without an `Origin` nothing is a CORS request: the policy adds only `Vary`.
        assert_eq!(headers(&annotated), headers(&plain), "{case}");
        allowed_lists += usize::from(plain.one("allow").is_some());
    }
    // The comparison reached the 405s whose `Allow` the method guards build.
    assert!(allowed_lists > 0);
}

#[actix_web::test]
async fn a_route_name_and_a_routes_group_are_actix_web_s() {
    let answer = send_to(
        annotated::configure,
        request(&Method::GET, "/items/1", None),
    )
    .await;
    assert_eq!(answer.body, "http://localhost:8080/items/7");
    let answer = send_to(annotated::configure, request(&Method::POST, "/b", None)).await;
    assert_eq!(answer.body, "several several");
}
