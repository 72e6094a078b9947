//! Every way a policy value can break the rules, and the one place their words live.

use std::fmt;

/// Why a value of a CORS policy is refused.
///
/// The macro shows `to_string()` as a compile error and the runtime returns it for
/// deploy-time origins, so both say the same thing; code that needs to branch on the kind
/// matches the variant. Messages are lower case, name the offending value and end without
/// a period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleError {
    /// `null` listed as an origin.
    NullOrigin(String),
    /// An origin written as a regular expression.
    Regex(String),
    /// A host that is not ASCII (browsers send Punycode).
    NonAscii(String),
    /// Whitespace inside an origin.
    Whitespace(String),
    /// No `scheme://` at all.
    NoScheme(String),
    /// `file:`, `data:` and the like: such pages have the origin `null`.
    OpaqueScheme {
        /// The entry as written.
        entry: String,
        /// Its scheme.
        scheme: String,
    },
    /// A scheme other than `http` and `https`.
    UnsupportedScheme {
        /// The entry as written.
        entry: String,
        /// Its scheme.
        scheme: String,
    },
    /// Upper case letters, which a browser never sends.
    UpperCase(String),
    /// A path, query, fragment or trailing slash after the host.
    NotAnOrigin {
        /// The entry as written.
        entry: String,
        /// What follows the host: "a path", "a query", ...
        part: &'static str,
        /// The entry without it.
        origin: String,
    },
    /// `user@` before the host.
    UserInfo(String),
    /// Nothing between `://` and the port.
    NoHost(String),
    /// A `*` anywhere but the whole first label or the whole port.
    MalformedPattern(String),
    /// An IPv6 host not written as browsers serialize it.
    MalformedIpv6(String),
    /// A host that is not dot-separated DNS labels.
    MalformedHost(String),
    /// A port that is not 1 to 65535 without leading zeros.
    BadPort {
        /// The entry as written.
        entry: String,
        /// The port as written.
        port: String,
    },
    /// The scheme's default port, which browsers leave out.
    DefaultPort {
        /// The entry as written.
        entry: String,
        /// The entry without the port.
        origin: String,
    },
    /// A key with nothing in it.
    EmptyList(&'static str),
    /// Two commas in a row.
    EmptyElement(&'static str),
    /// One value listed twice.
    Duplicate {
        /// The key.
        key: &'static str,
        /// The second occurrence.
        value: String,
    },
    /// `*` beside other origins.
    WildcardMixed,
    /// `https://*` without a function that decides which of those origins to trust.
    AnyHttpsWithoutDecision,
    /// `http://*`: every plain-`http` origin, which is never a bound.
    AnyPlainHttp,
    /// `*` as the bound of a function that decides origins.
    WildcardBound,
    /// `origins = "*"` with credentials.
    WildcardOriginWithCredentials,
    /// `headers = "*"` or `expose_headers = "*"` with credentials.
    WildcardHeadersWithCredentials(&'static str),
    /// A plain-`http` origin other than loopback, with credentials.
    PlainHttpWithCredentials(String),
    /// A subdomain pattern whose base is itself a public suffix, with credentials.
    PublicSuffix {
        /// The pattern as written.
        pattern: String,
        /// Its base.
        suffix: String,
    },
    /// A subdomain pattern with public-suffix rules below its base, with credentials.
    PublicSuffixesBelow {
        /// The pattern as written.
        pattern: String,
        /// Its base.
        base: String,
    },
    /// A method that is not an HTTP token.
    NotAMethod(String),
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod(String),
    /// A header name that is not an HTTP token.
    NotAHeaderName {
        /// The name as written.
        name: String,
        /// An example for the key it was written in.
        example: &'static str,
    },
    /// An `Access-Control-*` response header listed among request headers.
    ResponseHeaderRequested(String),
    /// A request header that pages can never set.
    ForbiddenRequestHeader(String),
    /// `Set-Cookie` listed for exposure.
    CookieExposed(String),
    /// A request-only header listed for exposure.
    RequestHeaderExposed(String),
    /// A `max_age` above what browsers honour.
    MaxAgeTooLong(String),
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RuleError::*;
        const MALFORMED_PATTERN: &str = "is a malformed pattern: `*` may only stand as the whole first label (`https://*.example.com`) or as the whole port (`http://localhost:*`)";
        match self {
            NullOrigin(entry) => write!(
                f,
                "`{entry}` cannot be listed as an origin: sandboxed frames, `file:` pages and redirects all send `null`, so trusting it trusts anyone; use `*` if any page may call"
            ),
            Regex(entry) => write!(
                f,
                "`{entry}` looks like a regular expression: origins are exact strings, `https://*.example.com` subdomain patterns or `http://localhost:*` port patterns"
            ),
            NonAscii(entry) => write!(
                f,
                "`{entry}` has a non-ASCII host: browsers send the Punycode form, so write the host as `xn--...`"
            ),
            Whitespace(entry) => write!(
                f,
                "`{entry}` contains whitespace: separate origins with commas"
            ),
            NoScheme(entry) => write!(
                f,
                "`{entry}` has no scheme: write the origin the browser sends, like `https://{entry}`"
            ),
            OpaqueScheme { entry, scheme } => write!(
                f,
                "`{entry}` has an opaque scheme: `{scheme}:` pages have the origin `null` and cannot be listed; origins look like `https://app.example.com`"
            ),
            UnsupportedScheme { entry, scheme } => write!(
                f,
                "`{entry}` has the scheme `{scheme}`: only `http` and `https` pages make CORS requests"
            ),
            UpperCase(entry) => write!(
                f,
                "`{entry}` has upper case letters: browsers send origins in lower case, so it would never match; write `{}`",
                entry.to_ascii_lowercase()
            ),
            NotAnOrigin {
                entry,
                part,
                origin,
            } => write!(
                f,
                "`{entry}` has {part}: an origin is only scheme, host and port, like `{origin}`"
            ),
            UserInfo(entry) => write!(
                f,
                "`{entry}` has user info: browsers never send it in `Origin`; remove the part before `@`"
            ),
            NoHost(entry) => write!(f, "`{entry}` has no host"),
            MalformedPattern(entry) => write!(f, "`{entry}` {MALFORMED_PATTERN}"),
            MalformedIpv6(entry) => write!(
                f,
                "`{entry}` has a malformed IPv6 host: write it as browsers do, compressed and in brackets, like `http://[::1]:8080`"
            ),
            MalformedHost(entry) => write!(
                f,
                "`{entry}` has a malformed host: labels are letters, digits and inner hyphens, separated by single dots"
            ),
            BadPort { entry, port } => write!(
                f,
                "`{entry}` has a bad port `{port}`: a port is a number from 1 to 65535 without leading zeros"
            ),
            DefaultPort { entry, origin } => write!(
                f,
                "`{entry}` names the default port: browsers leave it out of `Origin`, so write `{origin}`"
            ),
            EmptyList(key) => write!(
                f,
                "`{key}` is empty: list at least one value, or leave the key out"
            ),
            EmptyElement(key) => write!(
                f,
                "`{key}` has an empty element: remove the extra comma"
            ),
            Duplicate { key, value } => write!(f, "`{value}` is listed twice in `{key}`"),
            WildcardMixed => f.write_str(
                "`*` cannot be mixed with other origins: `*` already allows every origin; keep `*` alone or list the origins",
            ),
            AnyHttpsWithoutDecision => f.write_str(
                "`https://*` trusts every HTTPS origin: it is accepted only as the bound of `decide_origin`, which names your function that decides each origin; list the origins, or add `decide_origin`",
            ),
            AnyPlainHttp => f.write_str(
                "`http://*` would trust every plain-`http` origin, which anyone on the network can impersonate: list the `http` origins you need, or bound by `https://*`",
            ),
            WildcardBound => f.write_str(
                "`*` cannot bound `decide_origin`: it covers plain-`http` and opaque origins too; write `https://*` for every HTTPS origin, or list the origins your function may choose from",
            ),
            WildcardOriginWithCredentials => f.write_str(
                "`credentials = true` cannot be combined with `origins = \"*\"`: browsers reject a wildcard origin on credentialed requests; list the allowed origins",
            ),
            WildcardHeadersWithCredentials(key) => write!(
                f,
                "`credentials = true` cannot be combined with `{key} = \"*\"`: on credentialed requests browsers read `*` as a header literally named `*`; list the header names"
            ),
            PlainHttpWithCredentials(origin) => write!(
                f,
                "`{origin}` is plain `http` and cannot be trusted with `credentials = true`: anyone on the network can impersonate it; use `https` (only localhost and loopback may stay `http`)"
            ),
            PublicSuffix { pattern, suffix } => write!(
                f,
                "`{pattern}` covers a public suffix and cannot be trusted with `credentials = true`: anyone can register a site under `{suffix}`; list your own domain"
            ),
            PublicSuffixesBelow { pattern, base } => write!(
                f,
                "`{pattern}` covers public suffixes and cannot be trusted with `credentials = true`: the public suffix list has rules under `{base}`, so anyone can register sites below it; list your own domain"
            ),
            NotAMethod(method) => write!(
                f,
                "`{method}` is not an HTTP method: a method is a token like `GET`"
            ),
            ForbiddenMethod(method) => write!(
                f,
                "`{method}` is a forbidden method: browsers never send it from `fetch()`, so it cannot be allowed"
            ),
            NotAHeaderName { name, example } => write!(
                f,
                "`{name}` is not a header name: a header name is a token like `{example}`"
            ),
            ResponseHeaderRequested(name) => write!(
                f,
                "`{name}` is a response header: `headers` lists request headers the page may send"
            ),
            ForbiddenRequestHeader(name) => write!(
                f,
                "`{name}` is a forbidden request header: browsers set it themselves and never let a page send it, so allowing it has no effect"
            ),
            CookieExposed(name) => write!(
                f,
                "`{name}` can never be exposed: browsers hide cookies from scripts whatever the server says"
            ),
            RequestHeaderExposed(name) => write!(
                f,
                "`{name}` is a request header: `expose_headers` lists response headers the page may read"
            ),
            MaxAgeTooLong(seconds) => write!(
                f,
                "`max_age = {seconds}` is above {} (one day): browsers cap the preflight cache there, so a larger value only misleads",
                crate::MAX_AGE_LIMIT
            ),
        }
    }
}

impl std::error::Error for RuleError {}
