//! The demo's servers without a browser: the API's routes, statuses and bodies, the
//! journal, and the page server; and the authenticated `/api/account` scope over the real
//! socket of a running demo. (What a browser makes of the headers is in `tests/browser.rs`.)

mod support;

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{App, test, web};
use cors_suite::api::{self, Item, Items};
use cors_suite::{Journal, page};

use support::PAGE;

/// The demo's API application in process, over a fresh store, recording in `journal`.
macro_rules! api_service {
    () => {
        api_service!(Arc::new(Journal::default()))
    };
    ($journal:expr) => {
        test::init_service(cors_suite::api_app(
            (web::Data::new(Items::default()), web::Data::default()),
            Arc::clone(&$journal),
            true,
        ))
        .await
    };
}

fn request(method: Method, uri: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("Origin", PAGE))
}

fn header<B>(response: &actix_web::dev::ServiceResponse<B>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

/// `/hello` answers `GET` and `POST` with `*`.
#[actix_web::test]
async fn hello_grants_every_origin_a_star() {
    let app = api_service!();

    for method in [Method::GET, Method::POST] {
        let response = test::call_service(&app, request(method, "/hello").to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "access-control-allow-origin").as_deref(),
            Some("*")
        );
        assert_eq!(test::read_body(response).await, "Hello");
    }
}

/// `GET /api/items`: the items in order, their count, the page's grant.
#[actix_web::test]
async fn the_items_list_counts_the_items_and_grants_the_page() {
    let app = api_service!();

    let response = test::call_service(&app, request(Method::GET, "/api/items").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-total-count").as_deref(), Some("3"));
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    let items: Vec<Item> = test::read_body_json(response).await;
    assert_eq!(
        items.iter().map(|item| item.id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

/// The store through its routes: each answer with its status and grant.
#[actix_web::test]
async fn items_are_created_replaced_and_deleted() {
    let app = api_service!();

    let create = request(Method::POST, "/api/items").set_json(serde_json::json!({ "name": "New" }));
    let response = test::call_service(&app, create.to_request()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Item = test::read_body_json(response).await;
    assert_eq!(
        created,
        Item {
            id: 4,
            name: "New".into()
        }
    );

    let replace =
        request(Method::PUT, "/api/items/4").set_json(serde_json::json!({ "name": "Renamed" }));
    let response = test::call_service(&app, replace.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        None,
        "PUT is for https://app.example.com"
    );
    let replaced: Item = test::read_body_json(response).await;
    assert_eq!(
        replaced,
        Item {
            id: 4,
            name: "Renamed".into()
        }
    );
    let replace =
        request(Method::PUT, "/api/items/99").set_json(serde_json::json!({ "name": "Nobody" }));
    assert_eq!(
        test::call_service(&app, replace.to_request())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let response =
        test::call_service(&app, request(Method::DELETE, "/api/items/4").to_request()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&response, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let response =
        test::call_service(&app, request(Method::DELETE, "/api/items/4").to_request()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
}

/// A malformed body or id: actix's error, still with the grant.
#[actix_web::test]
async fn bodies_and_ids_the_extractors_refuse_still_carry_the_grant() {
    let app = api_service!();

    let malformed = request(Method::POST, "/api/items")
        .insert_header(("Content-Type", "application/json"))
        .set_payload("{not json");
    let response = test::call_service(&app, malformed.to_request()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    let response = test::call_service(
        &app,
        request(Method::DELETE, "/api/items/four").to_request(),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "a bad id is an extractor failure"
    );
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
}

/// Patterns, the route without a policy, an error, and a handler's own `Vary`.
#[actix_web::test]
async fn the_other_routes_answer_as_their_policies_say() {
    let app = api_service!();

    let response =
        test::call_service(&app, request(Method::GET, "/api/subdomain").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let response = test::call_service(&app, request(Method::GET, "/api/dev").to_request()).await;
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    let response =
        test::call_service(&app, request(Method::GET, "/api/private").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .iter()
            .all(|(name, _)| !name.as_str().starts_with("access-control-"))
    );

    let response = test::call_service(&app, request(Method::GET, "/api/fail").to_request()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    assert_eq!(
        test::read_body(response).await,
        "the items database is on fire"
    );

    let response = test::call_service(&app, request(Method::GET, "/api/vary").to_request()).await;
    assert_eq!(
        header(&response, "vary").as_deref(),
        Some("Accept-Encoding, Origin")
    );
}

#[actix_web::test]
async fn the_journal_records_preflights_and_the_deciding_headers() {
    let journal = Arc::new(Journal::default());
    let app = api_service!(journal);
    let preflight = request(Method::OPTIONS, "/api/items/1?run=r1&row=put")
        .insert_header(("Access-Control-Request-Method", "PUT"))
        .insert_header(("Access-Control-Request-Headers", "content-type"));
    assert_eq!(
        test::call_service(&app, preflight.to_request())
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let allowed = request(Method::OPTIONS, "/api/items?run=r1&row=post")
        .insert_header(("Access-Control-Request-Method", "POST"))
        .insert_header(("Access-Control-Request-Headers", "content-type"));
    assert_eq!(
        test::call_service(&app, allowed.to_request())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let plain = test::TestRequest::get()
        .uri("/api/items?run=r2")
        .to_request();
    assert_eq!(
        test::call_service(&app, plain).await.status(),
        StatusCode::OK
    );

    let seen = journal.run("r1");
    assert_eq!(seen.len(), 2);
    assert!(seen[0].preflight && seen[0].has_query("row", "put"));
    assert_eq!(
        (seen[0].status, seen[0].request_method.as_deref()),
        (403, Some("PUT"))
    );
    assert_eq!(seen[0].header("access-control-allow-origin"), None);
    assert_eq!(seen[1].header("access-control-allow-origin"), Some(PAGE));
    assert_eq!(seen[1].header("access-control-max-age"), Some("600"));
    assert!(seen[0].seq < seen[1].seq);
    let seen = journal.run("r2");
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].preflight && seen[0].origin.is_none());
    assert_eq!(seen[0].header("vary"), Some("Origin"));
    assert!(
        journal.run("r").is_empty(),
        "run ids match whole values only"
    );
}

#[actix_web::test]
async fn the_page_server_serves_the_page_its_assets_and_the_journal() {
    let journal = Arc::new(Journal::default());
    let api = api_service!(journal);
    let tagged = test::TestRequest::get()
        .uri("/hello?run=abc&row=hello-get")
        .to_request();
    test::call_service(&api, tagged).await;

    let page = page::Page::new("http://127.0.0.1:9999", None, None);
    let shared = Arc::clone(&journal);
    let app = test::init_service(
        App::new()
            .configure(move |config| page::configure(config, page, shared, web::Data::default())),
    )
    .await;
    let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(
        html.contains(r#"<meta name="api-url" content="http://127.0.0.1:9999">"#),
        "{html}"
    );
    // The route table, for the page's script.
    let routes = html
        .split_once(r#"<script type="application/json" id="routes">"#)
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(json, _)| serde_json::from_str::<Vec<serde_json::Value>>(json).unwrap())
        .expect("the route table in the page");
    assert_eq!(routes.len(), api::ROUTES.len());
    for (sent, route) in routes.iter().zip(api::ROUTES) {
        assert_eq!(
            (&sent["method"], &sent["path"]),
            (&route.method.into(), &route.path.into())
        );
        // What the compiled policy is, in words; `null` for the route without `#[cors]`.
        assert_eq!(
            sent["policy"].is_string(),
            route.policy().is_some(),
            "{sent}"
        );
    }
    let summary = |method: &str, path: &str| {
        routes
            .iter()
            .find(|route| route["method"] == method && route["path"] == path)
            .map(|route| route["policy"].clone())
    };
    assert_eq!(
        summary("DELETE", "/api/items/{id}"),
        Some("origins http://localhost:8080 · methods DELETE · credentials".into())
    );
    assert_eq!(
        summary("POST", "/hello"),
        Some("origins * · methods GET, POST · headers x-requested-with · max-age 86400".into())
    );
    assert_eq!(
        summary("GET", "/api/private"),
        Some(serde_json::Value::Null)
    );
    for (asset, kind) in [("/app.js", "text/javascript"), ("/style.css", "text/css")] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(asset).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(
            header(&response, "content-type").unwrap().starts_with(kind),
            "{asset}"
        );
    }
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/journal?run=abc")
            .to_request(),
    )
    .await;
    let seen: Vec<serde_json::Value> = test::read_body_json(response).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["path"], "/hello");
    assert_eq!(
        seen[0]["headers"],
        serde_json::json!([["access-control-allow-origin", "*"]])
    );
}

/// `/?setup=axum`: the page calling the axum API, with the axum handlers' policies in its
/// route table; a demo without an axum API answers it `404`.
#[actix_web::test]
async fn the_page_server_serves_the_axum_setup_when_there_is_one() {
    let page_at = |axum: Option<&'static str>| async move {
        let page = page::Page::new("http://127.0.0.1:9999", None, axum);
        let journal = Arc::new(Journal::default());
        let app =
            test::init_service(App::new().configure(move |config| {
                page::configure(config, page, journal, web::Data::default())
            }))
            .await;
        let request = test::TestRequest::get().uri("/?setup=axum").to_request();
        let response = test::call_service(&app, request).await;
        let status = response.status();
        (
            status,
            String::from_utf8(test::read_body(response).await.to_vec()).unwrap(),
        )
    };
    let (status, html) = page_at(Some("http://127.0.0.1:9998")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<meta name="api-url" content="http://127.0.0.1:9998">"#),
        "{html}"
    );
    assert!(html.contains(r#"<meta name="framework" content="axum">"#));
    assert!(html.contains(r#"<meta name="preflights" content="true">"#));
    // `/hello`'s two axum handlers, each with its method.
    assert!(
        html.contains(r#""method":"POST","path":"/hello","policy":"origins * · methods POST · headers x-requested-with · max-age 86400""#),
        "{html}"
    );
    assert!(html.contains(r#""method":"GET","path":"/api/private","policy":null"#));

    let (status, _) = page_at(None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_demo_binds_free_ports_and_stops() {
    let config = cors_suite::Config {
        more_pages: vec![cors_suite::Endpoint::new("127.0.0.1", 0)],
        api_workers: 1,
        ..support::loopback_config_with_axum()
    };
    let demo = cors_suite::Demo::bind(config).expect("free ports");
    let axum_api_url = demo.axum_api_url.as_deref().expect("the axum API");
    assert!(axum_api_url.starts_with("http://127.0.0.1:") && axum_api_url != demo.api_url);
    assert!(demo.page_url.starts_with("http://127.0.0.1:") && demo.page_url.ends_with('/'));
    assert!(demo.api_url.starts_with("http://127.0.0.1:") && !demo.api_url.ends_with('/'));
    assert_eq!(demo.more_page_urls.len(), 1);
    assert_ne!(demo.more_page_urls[0], demo.page_url);
    let stopper = demo.stopper();
    let running = actix_web::rt::spawn(demo.run());
    stopper.stop().await;
    running
        .await
        .expect("the servers' task")
        .expect("a clean stop");
}

/// The axum API runs on a runtime of its own, on a thread of its own: it answers while the
/// thread that runs the demo (its actix system) is busy, as the actix-web servers' workers
/// do, and stops with the demo.
/// (A module of its own: `#[test]` here is the standard one, not `actix_web::test`.)
mod axum_thread {
    use super::support::{self, PAGE};

    #[test]
    fn the_axum_api_answers_while_the_thread_running_the_demo_is_busy() {
        let demo =
            cors_suite::Demo::bind(support::loopback_config_with_axum()).expect("free ports");
        let axum = demo.axum_api_url.as_deref().expect("the axum API");
        let axum = axum
            .strip_prefix("http://")
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("unexpected axum API URL {axum}"));
        let stopper = demo.stopper();
        actix_web::rt::System::new().block_on(async move {
            let mut running = std::pin::pin!(demo.run());
            // The first poll starts every server.
            let first = std::future::poll_fn(|context| {
                std::task::Poll::Ready(running.as_mut().poll(context))
            });
            assert!(first.await.is_pending());
            // This thread, which runs the demo, now waits here and serves nothing.
            let hello = support::request("GET", "/hello", &[("Origin", PAGE.as_bytes())], b"");
            let answer = std::thread::spawn(move || support::exchange(axum, &hello))
                .join()
                .expect("the client's thread");
            assert!(
                matches!(&answer, Ok(response) if response.status == 200),
                "the axum API did not answer while the demo's thread was busy: {answer:?}"
            );
            let (_, outcome) = futures_util::future::join(stopper.stop(), running).await;
            outcome.expect("a clean stop");
        });
    }
}

/// The route table of `cors_suite::api` against the audit of every `#[cors]` handler (a
/// module of its own: `#[test]` here is the standard one, not `actix_web::test`).
mod route_table {
    use cors_runtime::audit::AuditEntry;
    use cors_suite::api::{self, Route};

    /// The API's handlers in the audit.
    fn audited_api_handlers() -> Vec<&'static AuditEntry> {
        cors_runtime::audit::entries()
            .into_iter()
            .filter(|entry| entry.module == "cors_suite::api")
            .collect()
    }

    /// Whether `route` is served at `audited`, a routing attribute's path: the same, or
    /// with the prefix of the `web::scope` it is registered in (which the audit cannot know).
    fn served_at(route: &Route, audited: &str) -> bool {
        route
            .path
            .strip_suffix(audited)
            .is_some_and(|scope| scope.is_empty() || scope.starts_with('/'))
    }

    #[test]
    fn every_annotated_route_is_in_the_audit_with_its_path_and_method() {
        for route in api::ROUTES {
            let Some(entry) = route.audit() else {
                continue;
            };
            assert!(
                entry.routes.iter().any(|attribute| {
                    served_at(route, attribute.path) && attribute.methods.contains(&route.method)
                }),
                "{route:?}: the audit has {entry:?} with other paths or methods"
            );
            assert!(std::ptr::eq(route.policy().unwrap(), &entry.policy));
        }
    }

    #[test]
    fn every_audited_route_of_the_api_is_in_the_route_table() {
        let audited = audited_api_handlers();
        assert!(!audited.is_empty());
        for entry in audited {
            // The routing attributes' own paths and methods (the policy's `methods` may
            // narrow them; the table lists what is served).
            for attribute in entry.routes {
                for method in attribute.methods {
                    assert!(
                        api::ROUTES
                            .iter()
                            .any(|route| route.handler == entry.handler
                                && route.method == *method
                                && served_at(route, attribute.path)),
                        "{method} {} of {} is not in the route table",
                        attribute.path,
                        entry.handler
                    );
                }
            }
        }
    }

    /// A route without an audit entry is one whose handler has no `#[cors]`: in the demo,
    /// `private` alone (a misspelt handler name in the table would look the same).
    #[test]
    fn only_the_private_route_has_no_policy() {
        let without: Vec<&str> = api::ROUTES
            .iter()
            .filter(|route| route.policy().is_none())
            .map(|route| route.handler)
            .collect();
        assert_eq!(without, ["private"]);
    }
}

/// The axum API's handlers (`cors_suite::axum_api`) against the route table and the actix-web
/// API's policies: a policy that differs between the two APIs fails here, so the page's
/// expectations (asked of the actix-web policies) hold for the axum API too.
mod axum_route_table {
    use cors_suite::api::{self, Route};
    use cors_suite::axum_api;

    fn annotated() -> impl Iterator<Item = &'static Route> {
        api::ROUTES.iter().filter(|route| route.policy().is_some())
    }

    #[test]
    fn every_route_has_the_same_policy_in_both_apis() {
        for route in api::ROUTES {
            let axum = axum_api::audited(route).map(|audited| audited.policy());
            let (actix, axum) = match (route.policy(), axum) {
                (Some(actix), Some(axum)) => (actix, axum),
                (None, None) => continue,
                (actix, axum) => panic!(
                    "{route:?} has a policy in one API only: actix-web {}, axum {}",
                    actix.is_some(),
                    axum.is_some()
                ),
            };
            assert_eq!(
                actix.origins().to_string(),
                axum.origins().to_string(),
                "{route:?}"
            );
            // actix-web's one `/hello` handler serves two methods; axum's handlers one each.
            assert!(actix.methods().contains(&route.method), "{route:?}");
            assert_eq!(axum.methods(), [route.method], "{route:?}");
            assert_eq!(actix.allow_headers(), axum.allow_headers(), "{route:?}");
            assert_eq!(actix.expose_headers(), axum.expose_headers(), "{route:?}");
            assert_eq!(actix.credentials(), axum.credentials(), "{route:?}");
            assert_eq!(actix.max_age(), axum.max_age(), "{route:?}");
            assert_eq!(
                actix.trusts_plain_http(),
                axum.trusts_plain_http(),
                "{route:?}"
            );
        }
    }

    /// Each annotated route of the table has exactly one axum handler, and every axum
    /// handler of the program serves a route of the table.
    #[test]
    fn the_axum_handlers_are_the_route_tables() {
        let audited = cors_axum::audit::routes();
        for route in annotated() {
            let serving = audited
                .iter()
                .filter(|axum| axum.method == route.method && axum.path == route.path)
                .count();
            assert_eq!(serving, 1, "axum handlers of {route:?}");
        }
        for axum in &audited {
            assert!(
                annotated().any(|route| route.method == axum.method && route.path == axum.path),
                "{} {} ({}) is not in the route table",
                axum.method,
                axum.path,
                axum.handler
            );
        }
        assert_eq!(audited.len(), annotated().count());
    }
}

/// The page server's `/grants`, where the page gets what each row should do: the answers of
/// the policies the API compiled, never a matcher of the page's own; the same for the
/// actix-web API's policies and (`setup=axum`) the axum API's.
mod grants {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use actix_web::http::StatusCode;
    use actix_web::{App, test, web};
    use cors_suite::{Journal, api, page};
    use serde_json::Value;

    use super::support::{APP, PAGE};

    /// The `setup` of `/grants` for each API: the actix-web one's policies (none given), the
    /// axum one's.
    const SETUPS: [Option<&str>; 2] = [None, Some("axum")];

    /// `/grants?origin=<origin>&headers=<headers>&setup=<setup>` of a page server, by
    /// `METHOD /path`.
    async fn grants(setup: Option<&str>, origin: &str, headers: &str) -> BTreeMap<String, Value> {
        grants_with(setup, origin, headers, web::Data::default()).await
    }

    /// [`grants`] with the API's tenants `tenants`.
    async fn grants_with(
        setup: Option<&str>,
        origin: &str,
        headers: &str,
        tenants: web::Data<api::Tenants>,
    ) -> BTreeMap<String, Value> {
        let page = page::Page::new("http://127.0.0.1:9999", None, None);
        let journal = Arc::new(Journal::default());
        let app = test::init_service(
            App::new().configure(move |config| page::configure(config, page, journal, tenants)),
        )
        .await;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("origin", origin)
            .append_pair("headers", headers);
        if let Some(setup) = setup {
            query.append_pair("setup", setup);
        }
        let query = query.finish();
        let request = test::TestRequest::get()
            .uri(&format!("/grants?{query}"))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Vec<Value> = test::read_body_json(response).await;
        assert_eq!(answer.len(), api::ROUTES.len());
        answer
            .into_iter()
            .map(|grant| {
                let key = format!(
                    "{} {}",
                    grant["method"].as_str().unwrap(),
                    grant["path"].as_str().unwrap()
                );
                (key, grant)
            })
            .collect()
    }

    /// The routes whose policy grants `origin` its method.
    async fn granted(setup: Option<&str>, origin: &str) -> Vec<String> {
        grants(setup, origin, "")
            .await
            .into_iter()
            .filter(|(_, grant)| grant["grants"] == true)
            .map(|(key, _)| key)
            .collect()
    }

    const HELLO: [&str; 2] = ["GET /hello", "POST /hello"];

    #[actix_web::test]
    async fn the_page_origin_is_granted_what_the_policies_name() {
        for setup in SETUPS {
            assert_eq!(
                granted(setup, PAGE).await,
                [
                    "DELETE /api/items/{id}",
                    "GET /api/account/me",
                    "GET /api/dev",
                    "GET /api/fail",
                    "GET /api/items",
                    "GET /api/team/members",
                    "GET /api/tenant",
                    "GET /api/vary",
                    "GET /hello",
                    "POST /api/items",
                    "POST /hello",
                ],
                "{setup:?}"
            );
            assert_eq!(
                granted(setup, APP).await,
                [
                    "GET /api/items",
                    "GET /api/subdomain",
                    "GET /hello",
                    "POST /api/items",
                    "POST /hello",
                    "PUT /api/items/{id}",
                ],
                "{setup:?}"
            );
            assert_eq!(
                granted(setup, "https://shop.example.com").await,
                ["GET /api/subdomain", HELLO[0], HELLO[1]],
                "{setup:?}"
            );
            assert_eq!(
                granted(setup, "http://localhost:3000").await,
                ["GET /api/dev", HELLO[0], HELLO[1]],
                "{setup:?}"
            );
            assert_eq!(
                granted(setup, "https://evil.example.net").await,
                HELLO,
                "{setup:?}"
            );
        }
    }

    /// `/api/tenant` grants what the application's function answers: a tenant of the store,
    /// inside the bound, and nobody else.
    #[actix_web::test]
    async fn the_tenant_route_grants_the_stores_tenants() {
        for setup in SETUPS {
            let tenants = web::Data::new(api::Tenants::default());
            let (member, stranger) = (
                "https://shop.tenant.example",
                "https://other.tenant.example",
            );
            tenants.add(member);
            tenants.add("http://plain.tenant.example"); // outside the bound
            for (origin, expected) in [
                (member, true),
                (stranger, false),
                ("http://plain.tenant.example", false),
            ] {
                let answer = grants_with(setup, origin, "", tenants.clone()).await;
                assert_eq!(
                    answer["GET /api/tenant"]["grants"], expected,
                    "{setup:?} {origin}"
                );
                assert_eq!(
                    answer["GET /api/team/members"]["grants"], false,
                    "{setup:?} {origin}"
                );
            }
        }
    }

    /// Origins the page's own matcher once accepted for the subdomain and port patterns, and
    /// `#[cors]`'s matching refuses: the server's answer refuses them too, so the page
    /// expects them blocked. Only the `*` policy grants them.
    #[actix_web::test]
    async fn origins_a_looser_matcher_accepted_are_refused() {
        for setup in SETUPS {
            for origin in [
                "https://a..example.com",
                "https://APP.example.com",
                "https://A.example.com",
                "https://-a.example.com",
                "https://a_b.example.com",
                "https://a%2e.example.com",
                "http://localhost:080",
                "http://localhost:08080",
                "http://localhost:0",
                "http://localhost:65536",
                "http://localhost:99999",
            ] {
                assert_eq!(granted(setup, origin).await, HELLO, "{setup:?} {origin}");
            }
        }
    }

    #[actix_web::test]
    async fn request_headers_and_credentials_are_the_policies() {
        for setup in SETUPS {
            let answer = grants(setup, PAGE, "Content-Type, X-Secret,Authorization,,").await;
            let headers = |key: &str| answer[key]["headers"].clone();
            assert_eq!(
                headers("GET /api/items"),
                serde_json::json!({ "Content-Type": true, "X-Secret": false, "Authorization": false }),
                "{setup:?}"
            );
            // `*` never covers `Authorization`; the account route lists it.
            assert_eq!(
                headers("GET /api/account/me")["Authorization"],
                true,
                "{setup:?}"
            );
            assert_eq!(headers("POST /hello")["X-Secret"], false, "{setup:?}");
            assert_eq!(
                headers("GET /api/private")["Content-Type"],
                false,
                "{setup:?}"
            );
            let credentials = |key: &str| answer[key]["credentials"].clone();
            assert_eq!(credentials("GET /api/items"), true, "{setup:?}");
            assert_eq!(credentials("GET /hello"), false, "{setup:?}");
            assert_eq!(credentials("GET /api/private"), false, "{setup:?}");
        }
    }
}

/// `/grants?setup=axum`, where the page at `/?setup=axum` gets what each row should do: the
/// answers of the axum routes' own policies, over the real sockets of a running demo. (A
/// module of its own: `#[test]` here is the standard one, not `actix_web::test`.)
mod axum_grants {
    use std::net::SocketAddr;
    use std::time::Instant;

    use cors_suite::api::TENANT_ANSWERS_KEPT;
    use serde_json::Value;

    use super::support::{Running, exchange, loopback_config_with_axum, request, unique};

    /// Whether the page server's `/grants` says `GET /api/tenant` grants `origin`, asking
    /// the policies of `setup` (`None` for the actix-web API's).
    fn tenant_granted(page: SocketAddr, origin: &str, setup: Option<&str>) -> bool {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("origin", origin);
        if let Some(setup) = setup {
            query.append_pair("setup", setup);
        }
        let target = format!("/grants?{}", query.finish());
        let response = exchange(page, &request("GET", &target, &[], b""))
            .unwrap_or_else(|error| panic!("{target}: {error}"));
        assert_eq!(response.status, 200, "{target}: {response:?}");
        let grants: Vec<Value> = serde_json::from_slice(&response.body).expect("JSON");
        let tenant = grants
            .iter()
            .find(|grant| grant["method"] == "GET" && grant["path"] == "/api/tenant")
            .expect("GET /api/tenant in the answer");
        tenant["grants"] == true
    }

    /// The axum API keeps its function's answers for a while: an origin it granted a moment
    /// ago is still granted after leaving the store. The page server, asked for the axum
    /// setup, asks the axum route's policy, through the same kept answers, so it says what
    /// the axum API does; the actix-web policy, never asked about that origin, refuses it.
    #[test]
    fn the_axum_setup_is_answered_by_the_axum_routes_and_their_kept_answers() {
        let demo =
            Running::with(loopback_config_with_axum()).unwrap_or_else(|error| panic!("{error}"));
        let page: SocketAddr = demo
            .page_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the page's address");
        let axum = demo.axum_api.expect("the axum API");
        // Each attempt must end while the answer is kept; a slower one proves nothing.
        for _ in 0..3 {
            let origin = format!("https://{}.tenant.example", unique("kept"));
            demo.tenants.add(&origin);
            let asked = Instant::now();
            let origin_header = [("Origin", origin.as_bytes())];
            let answer = exchange(axum, &request("GET", "/api/tenant", &origin_header, b""))
                .expect("the axum API answers");
            assert_eq!(answer.status, 200, "{answer:?}");
            assert_eq!(
                answer.one("access-control-allow-origin").as_deref(),
                Some(origin.as_str()),
                "the axum API grants the tenant: {answer:?}"
            );
            demo.tenants.remove(&origin);
            let (axum_grants, actix_grants) = (
                tenant_granted(page, &origin, Some("axum")),
                tenant_granted(page, &origin, None),
            );
            if asked.elapsed() < TENANT_ANSWERS_KEPT {
                assert!(axum_grants, "the axum route's kept answer grants {origin}");
                assert!(
                    !actix_grants,
                    "the actix-web route asks the store about {origin}"
                );
                return;
            }
        }
        panic!("no attempt ended within {TENANT_ANSWERS_KEPT:?}, while the answers are kept");
    }
}

/// The authenticated scope over the real socket of the running demo, so with the demo's own
/// layers: the journal, `cors_runtime::Preflights`, the auth scope. (A module of its own:
/// `#[test]` here is the standard one, not `actix_web::test`, since `Running` drives its own
/// servers.)
mod account {
    use super::support::{EVIL, PAGE, Response, Running, exchange, request, server_panics, unique};

    /// A running demo and one run id: `GET /api/account/me` requests, tagged by row.
    struct Account {
        demo: Running,
        run: String,
    }

    impl Account {
        fn start() -> Account {
            Account {
                demo: Running::start(),
                run: unique("account"),
            }
        }

        fn target(&self, row: &str) -> String {
            format!("/api/account/me?run={}&row={row}", self.run)
        }

        fn send(&self, row: &str, headers: &[(&str, &[u8])]) -> Response {
            let target = self.target(row);
            exchange(self.demo.api, &request("GET", &target, headers, b""))
                .unwrap_or_else(|error| panic!("GET {target}: {error}"))
        }

        /// The browser's preflight for the GET with its token.
        fn preflight_from(&self, origin: &str, row: &str) -> Response {
            let target = self.target(row);
            let headers: &[(&str, &[u8])] = &[
                ("Origin", origin.as_bytes()),
                ("Access-Control-Request-Method", b"GET"),
                ("Access-Control-Request-Headers", b"authorization"),
            ];
            exchange(self.demo.api, &request("OPTIONS", &target, headers, b""))
                .unwrap_or_else(|error| panic!("OPTIONS {target}: {error}"))
        }
    }

    impl Drop for Account {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                assert!(server_panics().is_empty(), "{:?}", server_panics());
            }
        }
    }

    fn sorted(response: &Response) -> Vec<(String, String)> {
        let mut headers = response.access_control();
        headers.sort();
        headers
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    /// The credentialed grant of the page's actual requests.
    fn granted() -> Vec<(String, String)> {
        owned(&[
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-origin", PAGE),
        ])
    }

    #[test]
    fn the_preflight_is_answered_before_authentication() {
        let account = Account::start();
        // The browser's preflight carries no credentials: answered before authentication.
        let preflight = account.preflight_from(PAGE, "preflight");
        assert_eq!(preflight.status, 204, "{preflight:?}");
        assert_eq!(
            sorted(&preflight),
            owned(&[
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-headers", "authorization"),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-origin", PAGE),
            ]),
            "{preflight:?}"
        );
        assert!(
            preflight.all("www-authenticate").is_empty(),
            "{preflight:?}"
        );
        assert!(
            preflight.vary().iter().any(|item| item == "origin"),
            "{preflight:?}"
        );
        // Another origin's preflight is refused.
        let evil_preflight = account.preflight_from(EVIL, "evil-preflight");
        assert_eq!(evil_preflight.status, 403, "{evil_preflight:?}");
        assert!(
            evil_preflight.access_control().is_empty(),
            "{evil_preflight:?}"
        );
    }

    #[test]
    fn the_auth_layers_401_carries_the_grant_for_the_page_only() {
        let account = Account::start();
        // No token: the auth layer's 401, with the grant, so the page can read it.
        let refused = account.send("no-token", &[("Origin", PAGE.as_bytes())]);
        assert_eq!(refused.status, 401, "{refused:?}");
        assert_eq!(sorted(&refused), granted(), "{refused:?}");
        assert_eq!(refused.one("www-authenticate").as_deref(), Some("Bearer"));
        assert!(
            refused.vary().iter().any(|item| item == "origin"),
            "{refused:?}"
        );

        // Another token: 401 too, still with the grant.
        let wrong = account.send(
            "wrong-token",
            &[
                ("Origin", PAGE.as_bytes()),
                ("Authorization", b"Bearer guess"),
            ],
        );
        assert_eq!(wrong.status, 401, "{wrong:?}");
        assert_eq!(
            wrong.one("access-control-allow-origin").as_deref(),
            Some(PAGE)
        );

        // Another origin: the 401 names no origin.
        let evil = account.send("evil", &[("Origin", EVIL.as_bytes())]);
        assert_eq!(evil.status, 401, "{evil:?}");
        assert!(evil.access_control().is_empty(), "{evil:?}");
    }

    #[test]
    fn the_demo_token_gets_the_handlers_answer_and_the_grant() {
        let account = Account::start();
        let allowed = account.send(
            "token",
            &[
                ("Origin", PAGE.as_bytes()),
                ("Authorization", b"Bearer demo-token"),
            ],
        );
        assert_eq!(allowed.status, 200, "{allowed:?}");
        assert_eq!(allowed.body, br#"{"user":"demo"}"#);
        assert_eq!(sorted(&allowed), granted(), "{allowed:?}");
    }

    /// The journal, outermost, sees every request, preflights included, as they were answered.
    #[test]
    fn the_journal_records_every_request_as_answered() {
        let account = Account::start();
        account.preflight_from(PAGE, "preflight");
        account.send("no-token", &[("Origin", PAGE.as_bytes())]);
        let with_token =
            |token: &'static [u8]| [("Origin", PAGE.as_bytes()), ("Authorization", token)];
        account.send("wrong-token", &with_token(b"Bearer guess"));
        account.send("token", &with_token(b"Bearer demo-token"));
        account.send("evil", &[("Origin", EVIL.as_bytes())]);
        account.preflight_from(EVIL, "evil-preflight");

        let seen = account.demo.journal.run(&account.run);
        let summary: Vec<_> = seen
            .iter()
            .map(|seen| {
                let row = seen
                    .query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("row="))
                    .unwrap_or_default();
                (row, seen.method.as_str(), seen.preflight, seen.status)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("preflight", "OPTIONS", true, 204),
                ("no-token", "GET", false, 401),
                ("wrong-token", "GET", false, 401),
                ("token", "GET", false, 200),
                ("evil", "GET", false, 401),
                ("evil-preflight", "OPTIONS", true, 403),
            ]
        );
        let recorded = &seen[0];
        assert_eq!(recorded.request_headers.as_deref(), Some("authorization"));
        assert_eq!(recorded.header("access-control-allow-origin"), Some(PAGE));
        assert_eq!(
            recorded.header("access-control-allow-credentials"),
            Some("true")
        );
        assert_eq!(
            seen[1].header("access-control-allow-origin"),
            Some(PAGE),
            "the journal records the 401 as sent"
        );
    }
}

/// `/api/account/me` of the axum API against the actix-web API's, over the real sockets of
/// one running demo: the same requests get the same status, grant, `Vary`, challenge and
/// body, so the axum route's bearer check is the actix-web scope's.
mod account_in_axum {
    use super::support::{EVIL, PAGE, Response, Running, exchange, request, unique};

    /// What the page's browser goes by in an answer.
    #[derive(Debug, PartialEq)]
    struct Answer {
        status: u16,
        granted: Vec<(String, String)>,
        vary: Vec<String>,
        challenge: Option<String>,
    }

    fn compared(response: &Response) -> Answer {
        let mut granted = response.access_control();
        granted.sort();
        Answer {
            status: response.status,
            granted,
            vary: response.vary(),
            challenge: response.one("www-authenticate"),
        }
    }

    /// A request's headers.
    type Sent = Vec<(&'static str, &'static [u8])>;

    #[test]
    fn the_axum_account_route_answers_as_the_actix_web_scope() {
        let demo = Running::with(super::support::loopback_config_with_axum())
            .unwrap_or_else(|error| panic!("{error}"));
        let axum = demo.axum_api.expect("the axum API");
        let preflight = |origin: &'static str| -> Sent {
            vec![
                ("Origin", origin.as_bytes()),
                ("Access-Control-Request-Method", b"GET"),
                ("Access-Control-Request-Headers", b"authorization"),
            ]
        };
        let cases: Vec<(&str, &str, Sent)> = vec![
            ("preflight", "OPTIONS", preflight(PAGE)),
            ("evil-preflight", "OPTIONS", preflight(EVIL)),
            ("no-token", "GET", vec![("Origin", PAGE.as_bytes())]),
            (
                "not-bearer",
                "GET",
                vec![
                    ("Origin", PAGE.as_bytes()),
                    ("Authorization", b"Basic ZGVtbw=="),
                ],
            ),
            (
                "wrong-token",
                "GET",
                vec![
                    ("Origin", PAGE.as_bytes()),
                    ("Authorization", b"Bearer guess"),
                ],
            ),
            (
                "token",
                "GET",
                vec![
                    ("Origin", PAGE.as_bytes()),
                    ("Authorization", b"Bearer demo-token"),
                ],
            ),
            ("evil", "GET", vec![("Origin", EVIL.as_bytes())]),
            (
                "no-origin",
                "GET",
                vec![("Authorization", b"Bearer demo-token")],
            ),
        ];
        let run = unique("account-in-axum");
        for (row, method, headers) in &cases {
            let target = format!("/api/account/me?run={run}&row={row}");
            let send = |to| {
                exchange(to, &request(method, &target, headers, b""))
                    .unwrap_or_else(|error| panic!("{method} {target}: {error}"))
            };
            let (actix, axum) = (send(demo.api), send(axum));
            assert_eq!(
                compared(&actix),
                compared(&axum),
                "{row}: {actix:?} {axum:?}"
            );
            if *method == "GET" {
                assert_eq!(actix.body, axum.body, "{row}");
            }
        }
        // Both APIs recorded every request in the one journal.
        assert_eq!(demo.journal.run(&run).len(), 2 * cases.len());
    }
}
