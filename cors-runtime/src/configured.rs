//! Deploy-time origins: `#[cors(origins_from = "API_ORIGINS")]` takes its origin list from
//! configuration at startup, checked by exactly the rules (and words) the macro applies to
//! literal origins. Load them before binding the server; a bad value fails there, never
//! per request.

use std::fmt;
use std::sync::OnceLock;

use cors_rules::{Origins, RuleError};

use crate::audit;
use crate::policy::PolicyOrigins;

/// The origins of the policies that name one configuration value, filled at startup.
#[derive(Debug)]
pub struct ConfiguredOrigins {
    name: &'static str,
    credentials: bool,
    loaded: OnceLock<Origins>,
}

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
    pub fn get(&self) -> Option<&Origins> {
        self.loaded.get()
    }

    /// The origins in force: nobody until they are loaded.
    pub(crate) fn origins(&self) -> &Origins {
        self.loaded.get().unwrap_or(&Origins::NOBODY)
    }

    /// The loaded origins, for building a route's services at startup.
    ///
    /// # Panics
    /// When they were never loaded: a startup mistake, reported before any request.
    pub(crate) fn expect_loaded(&self) -> &Origins {
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
        let origins = cors_rules::origin_list(value, self.credentials).map_err(|errors| {
            ConfigError::Refused {
                name: self.name,
                errors,
            }
        })?;
        let _ = self.loaded.set(origins);
        Ok(())
    }
}

/// A configured origin list that breaks the rules, or is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No value was given for `name`.
    Missing {
        /// The configuration name.
        name: &'static str,
        /// The handler whose policy needs it.
        handler: &'static str,
    },
    /// The value breaks the rules that `#[cors]` applies to literal origins.
    Refused {
        /// The configuration name.
        name: &'static str,
        /// What is wrong, in the words of the compile-time errors.
        errors: Vec<RuleError>,
    },
}

impl ConfigError {
    /// The configuration name the error is about.
    pub fn name(&self) -> &'static str {
        match self {
            ConfigError::Missing { name, .. } | ConfigError::Refused { name, .. } => name,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing { name, handler } => write!(
                f,
                "CORS origins `{name}`: `{name}` is not set: give the comma-separated origins that may call {handler}, like `https://app.example.com`"
            ),
            ConfigError::Refused { name, errors } => {
                write!(f, "CORS origins `{name}`: ")?;
                let mut separator = "";
                for error in errors {
                    write!(f, "{separator}{error}")?;
                    separator = "; ";
                }
                Ok(())
            }
        }
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
        if let PolicyOrigins::Configured(slot) = entry.policy.parts.origins {
            let value = lookup(slot.name).ok_or(ConfigError::Missing {
                name: slot.name,
                handler: entry.handler,
            })?;
            slot.load_value(&value)?;
        }
    }
    Ok(())
}
