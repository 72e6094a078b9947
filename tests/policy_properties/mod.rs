//! The generated policies and the checks both property suites share (`tests/properties.rs`
//! for actix-web, `tests/axum_properties.rs` for axum), written once so the two adapters are
//! held to the same properties. Framework-free: actix-web 4 is on `http` 0.2 and axum 0.8 on
//! `http` 1, so names and values here are `&'static str` and bytes, and each suite turns them
//! into its own types (its `Parts`, `HeaderName`, `HeaderValue`) and its answers into
//! [`Answer`].

#![allow(dead_code)] // each test crate uses part of this module

use cors_rules::{Origins, Text};
use proptest::prelude::*;

use crate::origin_properties::{EXACT_POOL, PATTERN_POOL, oracle_allows};

/// A generated policy's values, before an adapter builds its `Policy` (see [`parts!`]).
#[derive(Debug, Clone)]
pub struct PolicySpec {
    pub origins: Origins,
    pub credentials: bool,
    /// `headers = "*"`.
    pub any_header: bool,
    pub expose_headers: Option<&'static str>,
}

impl PolicySpec {
    /// `Access-Control-Allow-Headers`, as the macro writes it for these headers.
    pub fn allow_headers(&self) -> &'static str {
        if self.any_header {
            "*, x-api-key"
        } else {
            "x-api-key"
        }
    }
}

/// The values of generated policies, each as `#[cors(...)]` may write them.
pub fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    let origins = prop_oneof![
        1 => Just(None),
        4 => (
            prop::sample::subsequence(EXACT_POOL.to_vec(), 0..=EXACT_POOL.len()),
            prop::sample::subsequence(PATTERN_POOL.to_vec(), 0..=PATTERN_POOL.len()),
        )
            .prop_map(Some),
    ];
    (origins, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(origins, credentials, any_header, expose)| {
            let origins = match origins {
                None => Origins::Any,
                Some((exact, patterns)) => Origins::Listed {
                    exact: exact.into_iter().map(Text::Static).collect(),
                    patterns: patterns.into(),
                },
            };
            // The macro refuses `*` with credentials; the generator follows the same rule.
            let credentials = credentials && !matches!(origins, Origins::Any);
            let any_header = any_header && !credentials;
            PolicySpec {
                origins,
                credentials,
                any_header,
                expose_headers: expose.then_some("x-total-count"),
            }
        },
    )
}

/// The adapter's `Parts` for a `&PolicySpec`. A macro, not a function: each adapter has its
/// own `Parts` (the same fields, another type), so the caller has its adapter's `Parts`,
/// `PolicyOrigins` and `AllowedHeaders` in scope.
macro_rules! parts {
    ($spec:expr) => {{
        let spec: &$crate::policy_properties::PolicySpec = $spec;
        Parts {
            origins: PolicyOrigins::Fixed(spec.origins.clone()),
            methods: &["GET", "PUT"],
            headers: AllowedHeaders {
                any: spec.any_header,
                names: &["x-api-key"],
            },
            allow_headers: Some(spec.allow_headers()),
            expose_headers: spec.expose_headers,
            max_age: Some(60),
            credentials: spec.credentials,
        }
    }};
}
pub(crate) use parts;

/// A generated policy, and its origins as plain data for the oracle.
#[derive(Debug, Clone, Copy)]
pub struct Case<B> {
    /// What the suite built: the adapter's policy (with whatever it keeps beside it).
    pub built: B,
    pub origins: &'static Origins,
    /// `headers = "*"`.
    pub any_header: bool,
    /// The built policy's `credentials()`: the checks take the built policy's word, not
    /// the values it was built from.
    pub credentials: bool,
    /// The built policy's `expose_headers()`.
    pub expose_headers: Option<&'static str>,
}

impl<B> Case<B> {
    /// `*` without credentials: every response says `*`.
    pub fn answers_star(&self) -> bool {
        matches!(self.origins, Origins::Any) && !self.credentials
    }

    /// Whether caches must key the answer on `Origin`.
    pub fn varies_by_origin(&self) -> bool {
        !matches!(self.origins, Origins::Any) || self.credentials
    }

    /// What the policy should say about `origin` (the oracle of `origin_properties`).
    pub fn allows(&self, origin: &[u8]) -> bool {
        oracle_allows(self.origins, origin)
    }
}

/// Generated policies, each built by `build` into the adapter's own, whose credentials and
/// exposed headers `word` reads.
pub fn policy<B: Copy + std::fmt::Debug>(
    build: fn(&PolicySpec) -> B,
    word: fn(B) -> (bool, Option<&'static str>),
) -> impl Strategy<Value = Case<B>> {
    policy_spec().prop_map(move |spec| {
        let built = build(&spec);
        let (credentials, expose_headers) = word(built);
        Case {
            built,
            any_header: spec.any_header,
            origins: Box::leak(Box::new(spec.origins)),
            credentials,
            expose_headers,
        }
    })
}

/// Headers a handler may write: every CORS response header, unknown `Access-Control-*`
/// names, `Vary` lists, and others that must come through untouched.
pub fn written_headers() -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
    let name = prop::sample::select(vec![
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-allow-private-network",
        "access-control-x-anything",
        "vary",
        "x-total-count",
        "x-other",
    ]);
    let value = prop::sample::select(vec![
        "*",
        "true",
        "x-secret",
        "https://evil.example.net",
        "origin",
        "Origin, Accept-Encoding",
        "accept-encoding",
        "",
    ]);
    prop::collection::vec((name, value), 0..8)
}

/// The `Access-Control-Request-Method` of generated preflights (`get`: a method no handler
/// serves, as methods are case-sensitive).
pub fn preflight_method() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["GET", "PUT", "get"])
}

/// The `Access-Control-Request-Headers` of generated preflights.
pub fn preflight_headers() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "x-api-key",
        "X-API-KEY, x-other",
        ",,x-api-key,",
        "authorization",
    ])
}

/// Whether a policy of `case` allows a preflight asking for `headers`.
pub fn headers_allowed<B>(case: &Case<B>, headers: &str) -> bool {
    match headers {
        "" | "x-api-key" | ",,x-api-key," => true,
        "X-API-KEY, x-other" => case.any_header,
        _ => false,
    }
}

/// A response, its body read, its headers as plain data (in the order the adapter's
/// `HeaderMap` yields them: a name's values in the order they were added).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// Every value of `name` (lower case), one per header line.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(sent, _)| sent == name)
            .map(|(_, value)| value.as_slice())
    }

    /// The first value of `name`, as `HeaderMap::get` gives it.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        (self.headers.iter())
            .find(|(sent, _)| sent == name)
            .map(|(_, value)| value.as_slice())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The `Access-Control-*` names, each once.
    pub fn cors_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &self.headers {
            if name.starts_with("access-control-") && !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }

    /// The tokens of `Vary`, lower case, in order, over all its lines.
    pub fn vary(&self) -> Vec<Vec<u8>> {
        vary_tokens(self.get_all("vary"))
    }
}

/// The tokens of `Vary` lines, lower case, in order.
pub fn vary_tokens<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    values
        .into_iter()
        .flat_map(|value| value.split(|&byte| byte == b','))
        .map(|token| token.trim_ascii().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect()
}

/// What holds of every answer to a request from `origin`: at most one
/// `Access-Control-Allow-Origin`, `*` only for any origin without credentials, otherwise the
/// request's origin and one the oracle allows; no `*` in a CORS header with credentials;
/// `Vary` names `Origin` once where the answer depends on it.
pub fn check_common<B>(
    case: &Case<B>,
    origin: &[u8],
    answer: &Answer,
) -> Result<(), TestCaseError> {
    let allow_origin: Vec<&[u8]> = answer.get_all("access-control-allow-origin").collect();
    prop_assert!(
        allow_origin.len() <= 1,
        "several Access-Control-Allow-Origin"
    );
    if let Some(&value) = allow_origin.first() {
        if value == b"*" {
            prop_assert!(!case.credentials, "`*` with credentials");
            prop_assert!(matches!(case.origins, Origins::Any));
        } else {
            prop_assert_eq!(value, origin, "a value other than the request's origin");
            prop_assert!(case.allows(origin), "a disallowed origin was granted");
        }
    }
    if case.credentials {
        for name in answer.cors_names() {
            let value = answer.get(name).unwrap();
            prop_assert!(
                !value
                    .split(|&b| b == b',')
                    .any(|part| part.trim_ascii() == b"*"),
                "`*` in {}",
                name
            );
        }
    }
    if case.varies_by_origin() {
        let origins = answer
            .vary()
            .iter()
            .filter(|token| token.as_slice() == b"origin")
            .count();
        prop_assert_eq!(origins, 1, "Vary must name Origin exactly once");
    }
    Ok(())
}

/// An actual `GET` from `origin` (with `twice`, a second `Origin` line too) to a handler
/// that answers `418 teapot` with `X-Total-Count: 3`: the handler's answer comes through,
/// and it is granted exactly when the policy answers `*`, or allows the one origin sent.
pub fn check_actual<B>(
    case: &Case<B>,
    origin: &[u8],
    twice: bool,
    answer: &Answer,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(answer.status, 418);
    prop_assert_eq!(&answer.body[..], b"teapot");
    prop_assert_eq!(answer.get("x-total-count"), Some(&b"3"[..]));
    check_common(case, origin, answer)?;
    let expected = case.answers_star() || (!twice && case.allows(origin));
    prop_assert_eq!(answer.contains("access-control-allow-origin"), expected);
    Ok(())
}

/// A `GET` from `origin` to a handler that wrote `written`: the answer carries exactly the
/// policy's `Access-Control-*` headers (or none), every other header the handler wrote, and
/// `Vary` is the handler's tokens plus `Origin` once where the answer depends on it.
pub fn check_policy_owns_cors<B>(
    case: &Case<B>,
    origin: &[u8],
    written: &[(&str, &str)],
    answer: &Answer,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(answer.status, 418);
    let any_policy = case.answers_star();
    let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
    if any_policy || case.allows(origin) {
        let allow_origin = if any_policy {
            b"*".to_vec()
        } else {
            origin.to_vec()
        };
        expected.push(("access-control-allow-origin".into(), allow_origin));
        if case.credentials {
            expected.push(("access-control-allow-credentials".into(), b"true".to_vec()));
        }
        if let Some(expose) = case.expose_headers {
            expected.push((
                "access-control-expose-headers".into(),
                expose.as_bytes().to_vec(),
            ));
        }
    }
    expected.sort();
    let mut cors: Vec<(String, Vec<u8>)> = answer
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("access-control-"))
        .cloned()
        .collect();
    cors.sort();
    prop_assert_eq!(cors, expected);
    // Every other header the handler wrote is there, as written (`Vary` below).
    for &(name, value) in written
        .iter()
        .filter(|(name, _)| !name.starts_with("access-control-") && *name != "vary")
    {
        prop_assert!(
            answer.get_all(name).any(|sent| sent == value.as_bytes()),
            "{} lost {:?}",
            name,
            value
        );
    }
    let handler_vary = vary_tokens(
        written
            .iter()
            .filter(|(name, _)| *name == "vary")
            .map(|(_, value)| value.as_bytes()),
    );
    let mut expected_vary = handler_vary.clone();
    let covered = handler_vary
        .iter()
        .any(|token| token == b"origin" || token == b"*");
    if case.varies_by_origin() && !covered {
        expected_vary.push(b"origin".to_vec());
    }
    prop_assert_eq!(answer.vary(), expected_vary);
    Ok(())
}

/// A preflight from `origin` for a method a handler serves: `204` with a grant when the
/// policy allows the origin and the headers (`headers_ok`), otherwise `403` with no
/// `Access-Control-*` header at all.
pub fn check_preflight<B>(
    case: &Case<B>,
    origin: &[u8],
    headers_ok: bool,
    answer: &Answer,
) -> Result<(), TestCaseError> {
    check_common(case, origin, answer)?;
    if case.allows(origin) && headers_ok {
        prop_assert_eq!(answer.status, 204);
        prop_assert!(answer.contains("access-control-allow-origin"));
    } else {
        prop_assert_eq!(answer.status, 403);
        prop_assert!(
            answer.cors_names().is_empty(),
            "a refused preflight carries {:?}",
            answer.cors_names()
        );
    }
    Ok(())
}
