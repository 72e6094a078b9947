//! Parsing `#[cors(key = value, ...)]` into [`RawArgs`]: keys, duplicates and literal types.
//! What the values mean is checked later, in `model`.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitBool, LitInt, LitStr, UnOp};

use crate::errors::Errors;
use crate::framework::Framework;

/// The keys `#[cors]` accepts.
const KEYS: &[&str] = &[
    "origins",
    "methods",
    "headers",
    "expose_headers",
    "max_age",
    "credentials",
    "origins_from",
    "policy",
    "header_guards",
    "decide_origin",
];

/// The keys axum's `#[cors]` reads besides [`KEYS`] (some of which it then refuses).
const AXUM_EXTRA_KEYS: &[&str] = &["path"];

/// The keys axum's `#[cors]` offers, for "expected one of" and "did you mean".
const AXUM_KEYS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "path",
    "origins",
    "headers",
    "expose_headers",
    "max_age",
    "credentials",
    "origins_from",
    "decide_origin",
    "policy",
];

/// The words axum's `#[cors]` reads as its method key when written alone: those it serves
/// and those it refuses with a reason (`options`, `head`, `trace`, `connect`).
pub const METHOD_WORDS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "options", "head", "trace", "connect",
];

/// The attribute's values, still as the user's literals so errors can point at them.
#[derive(Default)]
pub struct RawArgs {
    pub origins: Option<LitStr>,
    pub methods: Option<LitStr>,
    pub headers: Option<LitStr>,
    pub expose_headers: Option<LitStr>,
    pub max_age: Option<LitInt>,
    pub credentials: Option<LitBool>,
    /// The configuration name deploy-time origins are read from.
    pub origins_from: Option<LitStr>,
    /// A shared policy defined with `cors_runtime::policy!`.
    pub policy: Option<syn::Path>,
    /// The routing attribute's guards that read what only the actual request carries.
    pub header_guards: Option<LitStr>,
    /// The application's function deciding each origin within `origins`.
    pub decide_origin: Option<LitStr>,
    /// Where each valid key was written, to point at keys a shared policy already sets.
    pub key_spans: Vec<(&'static str, Span)>,
    /// axum: the method words written alone (`get`), in order; one is expected.
    pub method_keys: Vec<syn::Ident>,
    /// axum: the route's path, `path = "/items/{id}"`.
    pub path: Option<LitStr>,
    /// Every key the user wrote or evidently meant (a misspelling with a suggestion), valid
    /// value or not, so a key reported once is not also reported as missing.
    pub written: Vec<&'static str>,
}

/// Parses the attribute's arguments, recording every problem in `errors`.
pub fn parse(tokens: TokenStream, framework: Framework, errors: &mut Errors) -> RawArgs {
    let mut args = RawArgs::default();
    let parser = syn::meta::parser(|meta| {
        args.parse_key(&meta, framework, errors);
        Ok(())
    });
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
    }
    args
}

impl RawArgs {
    fn parse_key(&mut self, meta: &ParseNestedMeta<'_>, framework: Framework, errors: &mut Errors) {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let span = path_span(&meta.path);
        if framework == Framework::Axum
            && let Some(word) = METHOD_WORDS.iter().find(|word| **word == key)
        {
            self.method_key(meta, word, errors);
            return;
        }
        let extra = match framework {
            Framework::Actix => &[][..],
            Framework::Axum => AXUM_EXTRA_KEYS,
        };
        let Some(known) = KEYS
            .iter()
            .chain(extra)
            .copied()
            .find(|known| *known == key)
        else {
            let offered = match framework {
                Framework::Actix => KEYS,
                Framework::Axum => AXUM_KEYS,
            };
            let written = written_key(&key, &meta.path);
            let suggested = suggestion(&written, offered);
            self.written.extend(suggested);
            errors.at(span, unknown_key(&written, suggested, offered));
            // Skip the value so the next keys are still read.
            if let Ok(value) = meta.value() {
                let _ = value.parse::<Expr>();
            }
            return;
        };
        self.written.push(known);
        self.key_spans.push((known, span));
        let value = match meta.value().and_then(|value| value.parse::<Expr>()) {
            Ok(value) => value,
            Err(_) => {
                errors.at(
                    span,
                    format!("`{key}` needs a value, like {}", example(&key)),
                );
                // `key(...)`: skip the parentheses so the next keys are still read.
                if meta.input.peek(syn::token::Paren) {
                    let _ = meta.input.parse::<proc_macro2::Group>();
                }
                return;
            }
        };
        let already_set = match key.as_str() {
            "origins" => set(&mut self.origins, string(&key, value, errors)),
            "methods" => set(&mut self.methods, string(&key, value, errors)),
            "headers" => set(&mut self.headers, string(&key, value, errors)),
            "expose_headers" => set(&mut self.expose_headers, string(&key, value, errors)),
            "max_age" => set(&mut self.max_age, integer(value, errors)),
            "origins_from" => set(&mut self.origins_from, string(&key, value, errors)),
            "policy" => set(&mut self.policy, policy_path(value, framework, errors)),
            "path" => set(&mut self.path, string(&key, value, errors)),
            "header_guards" => set(&mut self.header_guards, string(&key, value, errors)),
            "decide_origin" => set(&mut self.decide_origin, string(&key, value, errors)),
            _ => set(&mut self.credentials, boolean(value, errors)),
        };
        if already_set {
            errors.at(span, format!("duplicate key `{key}`: give each key once"));
        }
    }

    /// axum's method key: a method word written alone, like `get`.
    fn method_key(&mut self, meta: &ParseNestedMeta<'_>, key: &'static str, errors: &mut Errors) {
        if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
            if let Some(ident) = meta.path.get_ident() {
                self.method_keys.push(ident.clone());
            }
            return;
        }
        // Meant as the method: not reported as missing too.
        self.written.push(key);
        errors.at(
            path_span(&meta.path),
            format!("`{key}` is the method and takes no value: write it alone, like `#[cors({key}, path = \"/items\", ...)]`"),
        );
        // Skip the value so the next keys are still read.
        if let Ok(value) = meta.value() {
            let _ = value.parse::<Expr>();
        } else if meta.input.peek(syn::token::Paren) {
            let _ = meta.input.parse::<proc_macro2::Group>();
        }
    }
}

fn path_span(path: &syn::Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |segment| segment.ident.span())
}

/// Stores `value` unless the key was already set; returns whether it was.
fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    if slot.is_some() {
        return true;
    }
    *slot = value;
    false
}

fn example(key: &str) -> &'static str {
    match key {
        "origins" => "`origins = \"https://app.example.com\"`",
        "methods" => "`methods = \"GET, POST\"`",
        "headers" => "`headers = \"Content-Type\"`",
        "expose_headers" => "`expose_headers = \"X-Total-Count\"`",
        "max_age" => "`max_age = 600`",
        "origins_from" => "`origins_from = \"API_ORIGINS\"`",
        "policy" => "`policy = API`",
        "path" => "`path = \"/items/{id}\"`",
        "header_guards" => "`header_guards = \"is_json\"`",
        "decide_origin" => "`decide_origin = \"tenants::is_tenant\"`",
        _ => "`credentials = true`",
    }
}

fn string(key: &str, value: Expr, errors: &mut Errors) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                format!("`{key}` expects a string literal, like {}", example(key)),
            ));
            None
        }
    }
}

fn integer(value: Expr, errors: &mut Errors) -> Option<LitInt> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => Some(lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            ref expr,
            ..
        }) if matches!(
            **expr,
            Expr::Lit(ExprLit {
                lit: Lit::Int(_),
                ..
            })
        ) =>
        {
            errors.push(syn::Error::new_spanned(
                value,
                "`max_age` cannot be negative: it is the number of seconds a browser may cache the preflight, 0 to 86400",
            ));
            None
        }
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                "`max_age` expects a whole number of seconds, like `max_age = 600`",
            ));
            None
        }
    }
}

fn policy_path(value: Expr, framework: Framework, errors: &mut Errors) -> Option<syn::Path> {
    match value {
        Expr::Path(path) if path.qself.is_none() => Some(path.path),
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                format!(
                    "`policy` expects the name of a policy defined with `{}::policy!`, like `policy = API`",
                    framework.runtime_name()
                ),
            ));
            None
        }
    }
}

fn boolean(value: Expr, errors: &mut Errors) -> Option<LitBool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => Some(lit),
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                "`credentials` expects `true` or `false`, without quotes",
            ));
            None
        }
    }
}

/// The key as written, `a::b` included.
fn written_key(key: &str, path: &syn::Path) -> String {
    if key.is_empty() {
        crate::route::path_text(path)
    } else {
        key.to_owned()
    }
}

fn unknown_key(written: &str, suggested: Option<&str>, offered: &[&str]) -> String {
    match suggested {
        Some(known) => format!("unknown key `{written}` in `#[cors]`: did you mean `{known}`?"),
        None => format!(
            "unknown key `{written}` in `#[cors]`: expected one of `{}`",
            offered.join("`, `")
        ),
    }
}

/// The known key closest to `key`, if it is close enough to be a typo or a familiar alias
/// (`allowed_origins`, `allow_credentials`).
fn suggestion(key: &str, offered: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    let bare = ["access_control_", "allowed_", "allow_"]
        .iter()
        .fold(lower.as_str(), |bare, prefix| {
            bare.strip_prefix(prefix).unwrap_or(bare)
        });
    offered
        .iter()
        .map(|known| (edit_distance(bare, known), *known))
        .filter(|(distance, known)| *distance <= 2.max(known.len() / 3))
        .min()
        .map(|(_, known)| known)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_cover_typos_and_aliases() {
        assert_eq!(suggestion("origin", KEYS), Some("origins"));
        assert_eq!(suggestion("allowed_origins", KEYS), Some("origins"));
        assert_eq!(suggestion("allow_credentials", KEYS), Some("credentials"));
        assert_eq!(suggestion("maxage", KEYS), Some("max_age"));
        assert_eq!(suggestion("expose", KEYS), None);
        assert_eq!(suggestion("exposed_headers", KEYS), Some("expose_headers"));
        assert_eq!(suggestion("banana", KEYS), None);
    }
}
