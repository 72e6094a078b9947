//! Deploy-time origins: `#[cors(origins_from = "API_ORIGINS")]` takes its origin list from
//! configuration at startup, checked by exactly the rules (and words) the macro applies to
//! literal origins. Load them before binding the server; a bad value fails there, never
//! per request.

use std::fmt;
use std::sync::OnceLock;

use crate::audit;
use crate::policy::{AllowedOrigins, OriginPattern, PortPattern};

/// The origins of the policies that name one configuration value, filled at startup.
#[derive(Debug)]
pub struct ConfiguredOrigins {
    name: &'static str,
    credentials: bool,
    loaded: OnceLock<AllowedOrigins>,
}

/// Trusts nobody: what a configured policy answers before its origins are loaded.
static NOBODY: AllowedOrigins = AllowedOrigins::Listed {
    exact: &[],
    patterns: &[],
};

impl ConfiguredOrigins {
    /// A slot for the origins configured under `name`, for a policy with `credentials`.
    pub const fn new(name: &'static str, credentials: bool) -> Self {
        ConfiguredOrigins {
            name,
            credentials,
            loaded: OnceLock::new(),
        }
    }

    /// The configuration name (also the environment variable read by [`load_from_env`]).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The loaded origins, or `None` before [`load_from_env`] / [`load_with`] ran.
    pub fn get(&self) -> Option<&AllowedOrigins> {
        self.loaded.get()
    }

    /// The origins in force: nobody until they are loaded.
    pub(crate) fn origins(&self) -> &AllowedOrigins {
        self.loaded.get().unwrap_or(&NOBODY)
    }

    /// The loaded origins, for building a route's services at startup.
    ///
    /// # Panics
    /// When they were never loaded: a startup mistake, reported before any request.
    pub(crate) fn expect_loaded(&self) -> &AllowedOrigins {
        self.loaded.get().unwrap_or_else(|| {
            panic!(
                "the CORS origins configured as `{}` were never loaded: call `cors_runtime::configured::load_from_env()` (or `load_with`) before binding the server",
                self.name
            )
        })
    }

    /// Checks `value` by the compile-time rules and, when it passes, keeps it. Loading the
    /// same slot twice keeps the first value.
    pub fn load_value(&self, value: &str) -> Result<(), ConfigError> {
        let rules =
            cors_rules::origin_list(value, self.credentials).map_err(|messages| ConfigError {
                name: self.name,
                messages,
            })?;
        let _ = self.loaded.set(to_runtime(rules));
        Ok(())
    }
}

/// Converts checked rules into the runtime's form, leaked once at startup so matching is
/// as cheap as for literal origins.
fn to_runtime(rules: Vec<cors_rules::OriginRule>) -> AllowedOrigins {
    let mut exact: Vec<&'static str> = Vec::new();
    let mut patterns: Vec<OriginPattern> = Vec::new();
    for rule in rules {
        match rule {
            cors_rules::OriginRule::Any => return AllowedOrigins::Any,
            cors_rules::OriginRule::Exact(origin) => exact.push(String::leak(origin)),
            cors_rules::OriginRule::Pattern(pattern) => patterns.push(OriginPattern {
                scheme: String::leak(pattern.scheme),
                host: String::leak(pattern.host),
                subdomains: pattern.subdomains,
                port: match pattern.port {
                    cors_rules::PortRule::Default => PortPattern::Default,
                    cors_rules::PortRule::Exact(port) => {
                        PortPattern::Exact(String::leak(port.to_string()))
                    }
                    cors_rules::PortRule::Any => PortPattern::Any,
                },
            }),
        }
    }
    exact.sort_unstable();
    AllowedOrigins::Listed {
        exact: Vec::leak(exact),
        patterns: Vec::leak(patterns),
    }
}

/// A configured origin list that breaks the rules, or is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration name.
    pub name: &'static str,
    /// What is wrong, in the words of the compile-time errors.
    pub messages: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CORS origins `{}`: {}",
            self.name,
            self.messages.join("; ")
        )
    }
}

impl std::error::Error for ConfigError {}

/// Loads every configured origin list from the environment variable of its name.
pub fn load_from_env() -> Result<(), ConfigError> {
    load_with(|name| std::env::var(name).ok())
}

/// Loads every configured origin list from `lookup(name)`: a value the application
/// passes in (a config file, a secret store). Every policy of the program that uses
/// `origins_from` is loaded; the first bad or missing value is the error.
pub fn load_with(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    for entry in audit::entries() {
        if let AllowedOrigins::Configured(slot) = entry.policy.origins {
            let value = lookup(slot.name).ok_or_else(|| ConfigError {
                name: slot.name,
                messages: vec![format!(
                    "`{}` is not set: give the comma-separated origins that may call {}, like `https://app.example.com`",
                    slot.name, entry.handler
                )],
            })?;
            slot.load_value(&value)?;
        }
    }
    Ok(())
}
