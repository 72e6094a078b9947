//! Why a preflight was refused, in words, for the log and the debug header of every adapter:
//! each adapter finds what failed and hands it here as a [`Refused`], which words it
//! ([`Refused::log`], [`Refused::explanation`]), so both frameworks say the same thing for the
//! same refusal.

use std::fmt;
use std::sync::Once;

use cors_rules::judge::Refusal;

use cors_rules::Origins;

use crate::{Named, Parts, PolicyOrigins};

/// What failed in a judged preflight and what the policy allows: `origin "https://evil.example"
/// is not allowed; the policy allows https://app.example.com`. Request bytes are quoted and
/// escaped to printable ASCII, so a hostile value can forge neither a log line nor a header.
pub struct Reason<'a, D: 'static> {
    /// The policy that judged.
    pub parts: &'a Parts<D>,
    /// The methods it grants on the path.
    pub methods: &'a [&'a str],
    /// What failed.
    pub refusal: &'a Refusal<'a>,
}

impl<D: Named> fmt::Display for Reason<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.refusal {
            Refusal::Origin { lines, .. } if *lines != 1 => {
                write!(f, "{lines} `Origin` headers, expected exactly one")
            }
            Refusal::Origin { origin, .. } => write!(
                f,
                "origin {} is not allowed; the policy allows {}",
                Shown(*origin),
                self.parts.origins
            ),
            Refusal::Method(None) => {
                f.write_str("`Access-Control-Request-Method` must be sent exactly once")
            }
            Refusal::Method(Some(method)) => write!(
                f,
                "method {} is not allowed; the policy allows {}",
                Shown(Some(method)),
                self.methods.join(", ")
            ),
            Refusal::Header(name) => write!(
                f,
                "request header {} is not allowed; the policy allows {}",
                Shown(Some(name)),
                self.parts.allow_headers.unwrap_or("no request headers")
            ),
        }
    }
}

/// Why the application's function did not grant a preflight's origin: it refused it
/// (`failure` is `None`), or it failed. `origin refused by `is_tenant`, which decides
/// within https://*`.
pub struct DecidedRefusal<'a> {
    /// The function's path as written.
    pub name: &'a str,
    /// What it decides within, when the policy says.
    pub bound: Option<&'a Origins>,
    /// Why it failed, if it failed rather than refused.
    pub failure: Option<&'a str>,
}

impl<'a> DecidedRefusal<'a> {
    /// The refusal of the function `name` of the policy `parts`, with why it `failure`d.
    pub fn of<D: 'static>(name: &'a str, parts: &'a Parts<D>, failure: Option<&'a str>) -> Self {
        let bound = match &parts.origins {
            PolicyOrigins::Decided { bound, .. } => Some(bound),
            _ => None,
        };
        DecidedRefusal {
            name,
            bound,
            failure,
        }
    }
}

impl fmt::Display for DecidedRefusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name;
        if let Some(why) = self.failure {
            return write!(f, "origin refused: `{name}` failed: {why}");
        }
        write!(f, "origin refused by `{name}`")?;
        if let Some(bound) = self.bound {
            write!(f, ", which decides within {bound}")?;
        }
        Ok(())
    }
}

/// The header that carries the explanation of a refused preflight, where the application
/// turned explanations on: `X-Cors-Refused`, in lower case as the adapters send it.
pub const EXPLANATION_HEADER: &str = "x-cors-refused";

/// Why a preflight was refused, whichever check refused it.
pub enum Refused<'a, D: 'static> {
    /// The policy's judgement of the origin, method and request headers the request sent.
    Judged(Reason<'a, D>),
    /// The application's function did not grant the origin.
    Decided(DecidedRefusal<'a>),
    /// The router would bring the actual request to another route, registered before.
    RoutedElsewhere,
}

impl<D: Named> fmt::Display for Refused<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Judged(reason) => reason.fmt(f),
            Refused::Decided(refusal) => refusal.fmt(f),
            Refused::RoutedElsewhere => f.write_str(
                "the actual request would go to another resource, registered before this route",
            ),
        }
    }
}

impl<D: Named> Refused<'_, D> {
    /// Logs the refusal of a preflight for `path` at `debug` level, target `cors`.
    pub fn log(&self, path: &str) {
        log::debug!(target: "cors", "preflight for {path} refused: {self}");
    }

    /// The value of [`EXPLANATION_HEADER`] for this refusal, or `None` when the words are
    /// no header value (an application's failure may say anything, a line break too; request
    /// bytes are escaped and never break one). The first explanation of the process warns that
    /// explanations are on: they tell any caller what the policy allows.
    pub fn explanation(&self) -> Option<String> {
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            log::warn!(target: "cors", "refused preflights explain themselves in `X-Cors-Refused`: for development only");
        });
        let words = self.to_string();
        words
            .bytes()
            // A field value's bytes (RFC 9110): tab, space, visible ASCII and obs-text.
            .all(|byte| byte == b'\t' || (byte >= b' ' && byte != 0x7f))
            .then_some(words)
    }
}

/// Request bytes in a log line: quoted, with anything unprintable escaped.
pub struct Shown<'a>(pub Option<&'a [u8]>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(bytes) = self.0 else {
            return f.write_str("(none)");
        };
        write!(f, "\"{}\"", bytes.escape_ascii())
    }
}

#[cfg(test)]
mod tests {
    use cors_rules::judge::AllowedHeaders;

    use super::*;

    /// A function that decides origins, as an adapter binds one.
    struct Function;

    impl Named for Function {
        fn name(&self) -> &'static str {
            "is_tenant"
        }
    }

    static FUNCTION: Function = Function;

    fn decided() -> Parts<Function> {
        Parts {
            origins: PolicyOrigins::Decided {
                bound: cors_rules::origin_list("https://*.example.com", false).unwrap(),
                decider: &FUNCTION,
            },
            methods: &["GET"],
            headers: AllowedHeaders {
                any: false,
                names: &["content-type"],
            },
            allow_headers: Some("content-type"),
            expose_headers: None,
            max_age: None,
            credentials: true,
        }
    }

    #[test]
    fn every_refusal_is_worded_and_explained() {
        let parts = decided();
        let header = Refusal::Header(b"x-secret\r\nset-cookie: a=b");
        let cases: [(Refused<'_, Function>, &str); 4] = [
            (
                Refused::Judged(Reason {
                    parts: &parts,
                    methods: &["GET", "PUT"],
                    refusal: &Refusal::Method(Some(b"DELETE")),
                }),
                "method \"DELETE\" is not allowed; the policy allows GET, PUT",
            ),
            (
                Refused::Judged(Reason {
                    parts: &parts,
                    methods: &["GET"],
                    refusal: &header,
                }),
                "request header \"x-secret\\r\\nset-cookie: a=b\" is not allowed; the policy allows content-type",
            ),
            (
                Refused::Decided(DecidedRefusal::of("is_tenant", &parts, None)),
                "origin refused by `is_tenant`, which decides within https://*.example.com",
            ),
            (
                Refused::RoutedElsewhere,
                "the actual request would go to another resource, registered before this route",
            ),
        ];
        for (refused, words) in cases {
            assert_eq!(refused.to_string(), words);
            assert_eq!(refused.explanation().as_deref(), Some(words));
        }
    }

    #[test]
    fn a_failure_that_breaks_a_line_is_logged_but_not_explained() {
        let parts = decided();
        let failed =
            |why| Refused::<Function>::Decided(DecidedRefusal::of("is_tenant", &parts, Some(why)));
        assert_eq!(
            failed("store down\r\nx-injected: 1").to_string(),
            "origin refused: `is_tenant` failed: store down\r\nx-injected: 1"
        );
        assert_eq!(failed("store down\r\nx-injected: 1").explanation(), None);
        // Tabs and text beyond ASCII are a header value's bytes.
        assert_eq!(
            failed("magasin fermé\tà 18 h").explanation().as_deref(),
            Some("origin refused: `is_tenant` failed: magasin fermé\tà 18 h")
        );
    }
}
