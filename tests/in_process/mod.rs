//! What the in-process composition tests share: one request through a real actix-web
//! service stack (`actix_web::test::init_service`), the answer's status, headers and body,
//! and the requests a browser would send.
#![allow(dead_code)] // Each test file uses its own part of this.

use std::sync::{Mutex, OnceLock};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, Error, test, web};
use actix_web_httpauth::extractors::AuthenticationError;
use actix_web_httpauth::extractors::bearer::{BearerAuth, Config};

pub const LOCAL: &str = "http://localhost:8080";
pub const APP: &str = "https://app.example.com";
pub const EVIL: &str = "https://evil.example.net";

/// A response as the page's browser would see it.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The single value of `name`, if any; more than one fails the test.
    pub fn one(&self, name: &str) -> Option<&str> {
        let mut values = self
            .headers
            .get_all(HeaderName::from_bytes(name.as_bytes()).unwrap());
        let first = values.next().map(|value| value.to_str().unwrap());
        assert!(values.next().is_none(), "`{name}` appears more than once");
        first
    }

    /// Every `Access-Control-*` header, name and value, sorted by name.
    pub fn cors(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-"))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        headers.sort();
        headers
    }

    /// Fails the test when any `Access-Control-*` header is there.
    pub fn assert_no_cors(&self) {
        assert!(self.cors().is_empty(), "unexpected {:?}", self.cors());
    }

    /// All `Vary` lines, joined as one list.
    pub fn vary(&self) -> String {
        self.headers
            .get_all(actix_web::http::header::VARY)
            .map(|value| value.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `pairs` as the expected output of [`Answer::cors`].
pub fn cors_set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut set: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    set.sort();
    set
}

/// Sends `req` to a fresh instance of `app`.
pub async fn send<T, B>(app: App<T>, req: test::TestRequest) -> Answer
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let service = test::init_service(app).await;
    let response = match service.call(req.to_request()).await {
        Ok(response) => response.map_into_boxed_body(),
        // What actix-web's dispatcher does with an error that reaches it.
        Err(error) => {
            let response = error.error_response();
            let status = response.status();
            let headers = response.headers().clone();
            return Answer {
                status,
                headers,
                body: error.to_string(),
            };
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = test::read_body(response).await;
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Sends `req` to a fresh application holding what `routes` registers.
pub async fn send_to(routes: fn(&mut web::ServiceConfig), req: test::TestRequest) -> Answer {
    send(App::new().configure(routes), req).await
}

/// A browser's preflight for `method` on `path` from `origin`.
pub fn preflight(path: &str, origin: &str, method: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method))
}

/// A cross-origin request for `path` from `origin`.
pub fn from(method: Method, path: &str, origin: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header(("Origin", origin))
}

/// The check of `actix-web-httpauth`'s bearer middleware (`HttpAuthentication::bearer`) in
/// these tests: the request passes with `Authorization: Bearer letmein`; any other token is
/// refused with a `401` (and without `Authorization` the middleware answers `401` itself).
pub async fn validator(
    req: ServiceRequest,
    credentials: BearerAuth,
) -> Result<ServiceRequest, (Error, ServiceRequest)> {
    if credentials.token() == "letmein" {
        Ok(req)
    } else {
        Err((AuthenticationError::from(Config::default()).into(), req))
    }
}

/// Captures `log` records so tests can check that refusals are explained.
struct Recorder;

static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for Recorder {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "cors" {
            RECORDS
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

/// The `cors` log records that contain `text`, as `LEVEL message`. The first call installs
/// the recorder: call it once before the requests whose records a test reads.
pub fn logged_about(text: &str) -> Vec<String> {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        log::set_logger(&Recorder).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
    });
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|record| record.contains(text))
        .cloned()
        .collect()
}
