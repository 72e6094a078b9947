//! What axum's `#[cors]` keys mean beyond the policy's: its one method, its path as axum 0.8
//! reads it, and the keys it reads but refuses (in a handler's `#[cors]` and in `policy!`).
//! Checked after `args` has parsed them, beside `model`'s checks of the policy's keys.

use proc_macro2::Span;
use syn::{Ident, LitStr};

use crate::args::{self, RawArgs};
use crate::errors::Errors;
use crate::route;

/// The method words axum's `#[cors]` serves, and the method each names.
pub(crate) const METHODS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
];

/// Why axum's `#[cors]` refuses `head`: the reasons for `options`, `trace` and `connect` are
/// the actix-web attribute's.
pub const HEAD_REFUSAL: &str =
    "axum's `get` route answers `HEAD` too: annotate the `get` handler of this path";

/// Refuses, and takes out, the keys axum's `#[cors]` reads but cannot honour, each with
/// its reason, before `model` checks the rest.
pub fn refuse_unsupported(raw: &mut RawArgs, errors: &mut Errors) {
    let refusals = [
        (
            "methods",
            raw.methods.take().is_some(),
            "`methods` is not used with axum: the method key (`get`, `post`, ...) gives the one method this handler serves",
        ),
        (
            "header_guards",
            raw.header_guards.take().is_some(),
            "`header_guards` has no meaning with axum: its routes have no guards",
        ),
    ];
    for (key, given, message) in refusals {
        if given {
            errors.at(key_span(raw, key), message);
        }
    }
}

/// Refuses, in axum's `policy!`, what belongs to each handler or is not honoured.
pub fn refuse_in_policy(raw: &mut RawArgs, errors: &mut Errors) {
    for method in &raw.method_keys {
        errors.at(
            method.span(),
            format!("`{method}` belongs to each handler, not to a shared policy: give it beside `policy = ...` in the handler's `#[cors]`"),
        );
    }
    if raw.path.is_some() {
        errors.at(
            key_span(raw, "path"),
            "`path` belongs to each handler, not to a shared policy: give it beside `policy = ...` in the handler's `#[cors]`",
        );
    }
    refuse_unsupported(raw, errors);
}

/// Where `key` was written.
fn key_span(raw: &RawArgs, key: &str) -> Span {
    raw.key_spans
        .iter()
        .find(|(written, _)| *written == key)
        .map_or_else(Span::call_site, |(_, span)| *span)
}

pub fn missing_method() -> String {
    format!(
        "missing the method: write it first, like `#[cors(get, path = \"/items\", ...)]`; one of `{}`",
        METHODS
            .iter()
            .map(|(word, _)| *word)
            .collect::<Vec<_>>()
            .join("`, `")
    )
}

pub fn missing_path() -> &'static str {
    "missing `path`: axum has no routing attribute, so `#[cors]` gives the route's path, like `path = \"/items/{id}\"`"
}

/// Whether a method was written with a value or misspelled: reported already, not as missing.
pub fn method_meant(raw: &RawArgs) -> bool {
    args::METHOD_WORDS
        .iter()
        .any(|word| raw.written.contains(word))
}

/// The one method of the handler, as HTTP sends it.
pub fn method(raw: &RawArgs, errors: &mut Errors) -> Option<&'static str> {
    let mut served: Option<(&Ident, &'static str)> = None;
    let mut refused = false;
    for word in &raw.method_keys {
        let text = word.to_string();
        let reason = match text.as_str() {
            "head" => Some(HEAD_REFUSAL),
            other => route::refusal(other),
        };
        if let Some(reason) = reason {
            errors.at(
                word.span(),
                format!("`#[cors]` cannot serve `{text}`: {reason}"),
            );
            refused = true;
            continue;
        }
        let method = METHODS
            .iter()
            .find(|(known, _)| *known == text)
            .map(|(_, method)| *method)
            .expect("the parser keeps method words only");
        match served {
            None => served = Some((word, method)),
            Some((first, _)) => errors.at(
                word.span(),
                format!("`{word}` is a second method beside `{first}`: a handler serves one method; give each method its own handler and join them with `routes!`"),
            ),
        }
    }
    if served.is_none() && !refused && !method_meant(raw) {
        errors.at(Span::call_site(), missing_method());
    }
    served.map(|(_, method)| method)
}

/// The handler's path, checked as axum 0.8 will read it.
pub fn path(raw: &RawArgs, errors: &mut Errors) -> Option<LitStr> {
    let Some(lit) = &raw.path else {
        if !raw.written.contains(&"path") {
            errors.at(Span::call_site(), missing_path());
        }
        return None;
    };
    match path_problems(&lit.value()) {
        problems if problems.is_empty() => Some(lit.clone()),
        problems => {
            errors.all_at(lit.span(), problems);
            None
        }
    }
}

/// What axum 0.8 would refuse in `path`, or read otherwise than meant.
fn path_problems(path: &str) -> Vec<String> {
    let Some(rest) = path.strip_prefix('/') else {
        return vec![format!(
            "the path `{path}` must start with `/`, like `path = \"/{path}\"`"
        )];
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let mut problems = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        if let Some(name) = segment.strip_prefix(':') {
            problems.push(format!(
                "`{segment}` is how axum 0.7 wrote a path parameter: axum 0.8 writes `{{{name}}}` and panics at startup on `:{name}`"
            ));
        } else if let Some(name) = segment.strip_prefix('*') {
            problems.push(format!(
                "`{segment}` is how axum 0.7 wrote a catch-all parameter: axum 0.8 writes `{{*{name}}}` and panics at startup on `*{name}`"
            ));
        } else if segment.starts_with("{*") && index + 1 < segments.len() {
            problems.push(format!(
                "`{segment}` captures the rest of the path: it must be the last segment"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_as_axum_0_8_reads_them() {
        assert!(path_problems("/items/{id}/files/{*rest}").is_empty());
        assert!(path_problems("/").is_empty());
        assert_eq!(
            path_problems("items"),
            ["the path `items` must start with `/`, like `path = \"/items\"`"]
        );
        assert_eq!(
            path_problems("/items/:id/*rest"),
            [
                "`:id` is how axum 0.7 wrote a path parameter: axum 0.8 writes `{id}` and panics at startup on `:id`",
                "`*rest` is how axum 0.7 wrote a catch-all parameter: axum 0.8 writes `{*rest}` and panics at startup on `*rest`",
            ]
        );
        assert_eq!(
            path_problems("/{*rest}/more"),
            ["`{*rest}` captures the rest of the path: it must be the last segment"]
        );
    }
}
