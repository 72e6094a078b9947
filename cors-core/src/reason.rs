//! Why a preflight was refused, in words, for the log and the debug header of every adapter.

use std::fmt;

use cors_rules::judge::Refusal;

use crate::{Named, Parts};

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
