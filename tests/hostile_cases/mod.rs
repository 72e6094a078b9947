//! The hostile requests of `tests/hostile.rs` (against the actix-web demo) and
//! `tests/axum_hostile.rs` (against an axum app with the same kinds of policy): `Origin`
//! values no policy allows, hostile `Access-Control-Request-*` lines, requests the HTTP
//! layer refuses, and what an answer to them may carry.

#![allow(dead_code)] // each test crate uses part of this module

use crate::support::Response;

/// `Origin` values, in text, that no policy of the demo (nor of the axum app of
/// `tests/axum_hostile.rs`, which has the same kinds of policy) allows: `null`, look-alikes of every
/// listed origin and pattern, comma lists.
pub const LOOKALIKES: &[&str] = &[
    "null",
    "",
    "*",
    " ",
    "http://localhost:8080/",
    "http://localhost:8080.evil.net",
    "http://localhost:80800",
    "http://localhost:08080",
    "http://localhost:0",
    "http://localhost:65536",
    "http://localhost:99999",
    "http://localhost:+8080",
    "http://localhost:-1",
    "http://localhost:",
    "http://localhost:80",
    "http://localhost:8080:8080",
    "http://localhost:*",
    "http://LOCALHOST:8080",
    "http://Localhost:8080",
    "https://localhost:8080",
    "http://localhost.:8080",
    "http://evil.localhost:8080",
    "http://evillocalhost:8080",
    "http://localhost:8080@evil.net",
    "http://evil.net@localhost:8080",
    "http://localhost:8080 http://evil.net",
    "http://localhost:8080, https://evil.net",
    "https://evil.net, http://localhost:8080",
    "http://localhost:8080,http://localhost:8080",
    "http://127.0.0.1:8080",
    "http://[::1]:8080",
    "//localhost:8080",
    "localhost:8080",
    "file://",
    "https://evil.net",
    "http://evil.com",
    "https://app.example.com/",
    "https://app.example.com:443",
    "https://app.example.com.",
    "https://app.example.com.evil.net",
    "https://App.example.com",
    "http://app.example.com",
    "https://app.example.co",
    "https://app.example.comm",
    "https://app-example.com",
    "https://appxexample.com",
    "https://example.com",
    "https://evilexample.com",
    "https://example.com.evil.net",
    "https://.example.com",
    "https://a..example.com",
    "https://*.example.com",
    "https://a.example.com:443",
    "https://a.example.com:",
    "https://a.example.com/",
    "https://A.example.com",
    "http://a.example.com",
    "https://-a.example.com",
    "https://a_b.example.com",
    "https://a.example.com%2f",
    "https://a.example.com%00",
];

/// `Origin` values no policy of the demo allows: [`LOOKALIKES`], invalid UTF-8, and 64 KiB
/// values; some are built on `page`, the origin the policies name most.
pub fn hostile_origins(page: &str) -> Vec<(String, Vec<u8>)> {
    let mut origins: Vec<(String, Vec<u8>)> = LOOKALIKES
        .iter()
        .map(|origin| ((*origin).to_owned(), origin.as_bytes().to_vec()))
        .collect();

    let raw: [(&str, Vec<u8>); 7] = [
        ("page origin + 0xFF", b"http://localhost:8080\xff".to_vec()),
        ("0xFF 0xFE", b"\xff\xfe".to_vec()),
        (
            "latin-1 e-acute subdomain",
            b"https://\xe9.example.com".to_vec(),
        ),
        (
            "lone UTF-8 lead byte subdomain",
            b"https://\xc3.example.com".to_vec(),
        ),
        (
            "UTF-8 e-acute subdomain",
            "https://é.example.com".as_bytes().to_vec(),
        ),
        ("localhost port 0xFF", b"http://localhost:\xff".to_vec()),
        (
            "app origin + overlong slash",
            b"https://app.example.com\xc0\xaf".to_vec(),
        ),
    ];
    origins.extend(
        raw.into_iter()
            .map(|(name, bytes)| (name.to_owned(), bytes)),
    );

    let big = 64 * 1024;
    let mut huge = |name: &str, bytes: Vec<u8>| origins.push((name.to_owned(), bytes));
    huge("64 KiB of x", vec![b'x'; big]);
    huge(
        "page origin + 64 KiB",
        [page.as_bytes(), &vec![b'0'; big]].concat(),
    );
    huge(
        "64 KiB label under example.com",
        [b"https://".as_slice(), &vec![b'a'; big], b".example.com"].concat(),
    );
    huge(
        "64 KiB port on localhost",
        [b"http://localhost:".as_slice(), &vec![b'1'; big]].concat(),
    );
    huge(
        "page origin + 4096 commas",
        [page.as_bytes(), &vec![b','; 4096]].concat(),
    );
    huge(
        "2000 page origins, comma-separated",
        vec![page; 2000].join(",").into_bytes(),
    );
    huge("8192 commas", vec![b','; 8192]);
    huge("64 KiB of 0xFF", vec![0xff; big]);
    origins
}

/// Header lines of a request: name, raw value.
pub type Lines<'a> = Vec<(&'static str, &'a [u8])>;

/// Header lines of a request that owns their values.
pub type OwnedLines = Vec<(&'static str, Vec<u8>)>;

/// Hostile `Access-Control-Request-*` lines, by name, for a route serving `method`.
pub fn hostile_request_lines(method: &[u8]) -> Vec<(&'static str, OwnedLines)> {
    const METHOD: &str = "Access-Control-Request-Method";
    const HEADERS: &str = "Access-Control-Request-Headers";
    let with_headers = |value: Vec<u8>| vec![(METHOD, method.to_vec()), (HEADERS, value)];
    let many_names = (0..6000).map(|i| format!("x-h{i}")).collect::<Vec<_>>();
    vec![
        (
            "two Access-Control-Request-Method lines, same method",
            vec![(METHOD, method.to_vec()), (METHOD, method.to_vec())],
        ),
        (
            "two Access-Control-Request-Method lines, then PATCH",
            vec![(METHOD, method.to_vec()), (METHOD, b"PATCH".to_vec())],
        ),
        (
            "two Access-Control-Request-Method lines, PATCH first",
            vec![(METHOD, b"PATCH".to_vec()), (METHOD, method.to_vec())],
        ),
        (
            "method list in one line",
            vec![(METHOD, [method, b", ", method].concat())],
        ),
        ("64 KiB method", vec![(METHOD, vec![b'G'; 64 * 1024])]),
        ("method with 0xFF", vec![(METHOD, b"GE\xffT".to_vec())]),
        ("empty method", vec![(METHOD, Vec::new())]),
        ("lower-case method", vec![(METHOD, b"get".to_vec())]),
        (
            "10,000 commas of request headers",
            with_headers(vec![b','; 10_000]),
        ),
        (
            "content-type and 3,000 commas",
            with_headers("content-type,".repeat(3000).into_bytes()),
        ),
        (
            "a 64 KiB header name",
            with_headers([b"x-".as_slice(), &vec![b'a'; 64 * 1024]].concat()),
        ),
        (
            "6,000 header names",
            with_headers(many_names.join(",").into_bytes()),
        ),
        (
            "header names with 0xFF",
            with_headers(b"content-type,x-\xff\xfe".to_vec()),
        ),
        (
            "header list over two lines",
            vec![
                (METHOD, method.to_vec()),
                (HEADERS, b"content-type".to_vec()),
                (HEADERS, b",,authorization,,".to_vec()),
            ],
        ),
        ("wildcard header name", with_headers(b"*".to_vec())),
        (
            "private network request",
            vec![
                (METHOD, method.to_vec()),
                ("Access-Control-Request-Private-Network", b"true".to_vec()),
            ],
        ),
    ]
}

/// Requests the HTTP layer refuses before any route sees them, to `path`, built on the
/// origin `page`: by name.
pub fn raw_requests(path: &str, page: &str) -> Vec<(&'static str, Vec<u8>)> {
    let header_lines = |count: usize, value: &str| {
        (0..count)
            .map(|_| format!("Origin: {value}\r\n"))
            .collect::<String>()
    };
    vec![
        (
            "200 Origin lines",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{}\r\n", header_lines(200, page)).into_bytes(),
        ),
        (
            "a 256 KiB Origin",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: {}\r\n\r\n", "a".repeat(256 * 1024)).into_bytes(),
        ),
        (
            "a folded Origin line",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: {page}\r\n evil\r\n\r\n").into_bytes(),
        ),
        (
            "a header name with 0xFF",
            [format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOri").as_bytes(), b"\xffgin: ", page.as_bytes(), b"\r\n\r\n"].concat(),
        ),
        (
            "NUL in the Origin",
            [format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: ").as_bytes(), page.as_bytes(), b"\0\r\n\r\n"].concat(),
        ),
        (
            BARE_LF,
            format!("OPTIONS {path} HTTP/1.1\nHost: x\nConnection: close\nOrigin: {page}\nAccess-Control-Request-Method: GET\n\n").into_bytes(),
        ),
        (
            "a space before the colon",
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin : https://evil.net\r\n\r\n").into_bytes(),
        ),
    ]
}

/// The name of the raw request some parsers take: a bare-LF preflight from the page's
/// origin is a valid request to them, and may be granted.
pub const BARE_LF: &str = "a bare LF line ending";

/// What a response to one hostile request may and must carry.
pub struct Expect<'a> {
    /// The route's policy is `origins = "*"`.
    pub public: bool,
    /// The one origin this request may be granted (besides a `*` policy's `*`).
    pub may_grant: Option<&'a str>,
    /// The request must be granted (an actual request, or a valid preflight, from an
    /// allowed origin): proves the other cases are refused for their content, not because
    /// nothing is ever granted.
    pub must_grant: bool,
    /// A `5xx` is the handler's own answer (a route that fails on purpose).
    pub server_error_ok: bool,
}

/// What is wrong with `response`, given what it may carry, if anything.
pub fn violations(expect: &Expect<'_>, response: &Response) -> Vec<String> {
    let mut wrong = Vec::new();
    if response.status >= 500 && !expect.server_error_ok {
        wrong.push(format!("status {}", response.status));
    }
    let grants = response.all("access-control-allow-origin");
    if grants.len() > 1 {
        wrong.push(format!(
            "{} Access-Control-Allow-Origin lines",
            grants.len()
        ));
    }
    let credentials = response.all("access-control-allow-credentials");
    if credentials.len() > 1 {
        wrong.push("several Access-Control-Allow-Credentials lines".into());
    }
    let access_control = response.access_control();
    match grants.first() {
        Some(granted) if expect.public => {
            if *granted != b"*" {
                wrong.push(format!(
                    "the * policy granted {:?}",
                    String::from_utf8_lossy(granted)
                ));
            }
            if !credentials.is_empty() {
                wrong.push("the * policy sent Access-Control-Allow-Credentials".into());
            }
        }
        Some(granted) => {
            if expect.may_grant.map(str::as_bytes) != Some(*granted) {
                wrong.push(format!(
                    "granted {:?}",
                    String::from_utf8_lossy(&granted[..granted.len().min(200)])
                ));
            }
            if !credentials.is_empty()
                && access_control
                    .iter()
                    .any(|(_, value)| value.split(',').any(|item| item.trim() == "*"))
            {
                wrong.push("a * value with credentials".into());
            }
        }
        None => {
            if !access_control.is_empty() {
                wrong.push(format!(
                    "Access-Control-* headers without a grant: {access_control:?}"
                ));
            }
        }
    }
    if expect.must_grant && grants.is_empty() {
        wrong.push(format!("not granted (status {})", response.status));
    }
    let vary = response.vary();
    if vary.iter().filter(|item| *item == "origin").count() > 1 {
        wrong.push(format!("Origin twice in Vary: {vary:?}"));
    }
    wrong
}
