//! Why a preflight was refused, in words, for the log and the debug header of every adapter.

use std::fmt;

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
