//! Origins configured when the program starts: `#[cors(origins_from = "NAME")]`.
//!
//! Staging and production trust different origins. A policy with `origins_from` takes its
//! origin list from configuration instead of a literal. Load every such list once, before
//! the server binds, with [`load_from_env`] (the environment variable `NAME`) or
//! [`load_with`] (values your application passes in: a config file, a secret store).
//!
//! The value is the list `origins` would hold, checked by exactly the same rules
//! (`credentials` included: no `*`, no plain-`http` host but localhost and loopback, no
//! pattern over a public suffix) and refused in the same words, so a bad value fails at
//! start, never per request. Matching then costs what it costs for literal origins.
//! An application that serves such a route before its list is loaded panics when it is
//! built (as each worker starts), before it answers any request.
//!
//! ```standalone_crate
//! use actix_web::{get, App};
//! use cors_runtime::{configured, cors};
//!
//! #[cors(origins_from = "API_ORIGINS", credentials = true, headers = "Content-Type")]
//! #[get("/me")]
//! async fn me() -> &'static str {
//!     "{}"
//! }
//!
//! // A value the application read from its own configuration.
//! let value = "https://app.example.com, https://*.staging.example.com";
//! configured::load_with(|name| (name == "API_ORIGINS").then(|| value.to_owned()))?;
//!
//! let app = App::new().service(me);
//! # drop(app);
//! # Ok::<(), configured::ConfigError>(())
//! ```

use std::fmt;
use std::sync::OnceLock;

use cors_rules::{Origins, RuleError};

use crate::audit;
use crate::policy::PolicyOrigins;

/// The origins of the policies that name one configuration value, filled at startup.
///
/// `#[cors(origins_from = "NAME")]` makes one of these for its policy; [`load_from_env`]
/// and [`load_with`] fill them all:
///
/// ```
/// use cors_runtime::ConfiguredOrigins;
///
/// static ORIGINS: ConfiguredOrigins = ConfiguredOrigins::new("API_ORIGINS", true);
///
/// assert_eq!(ORIGINS.name(), "API_ORIGINS");
/// assert!(ORIGINS.get().is_none()); // trusts nobody yet
///
/// // A credentialed policy refuses a plain-`http` host, as `#[cors]` would.
/// let refused = ORIGINS.load_value("http://app.example.com").unwrap_err();
/// assert!(refused.to_string().contains("is plain `http`"));
///
/// ORIGINS.load_value("https://app.example.com, https://*.example.org").unwrap();
/// let origins = ORIGINS.get().unwrap();
/// assert_eq!(origins.to_string(), "https://app.example.com, https://*.example.org");
/// assert!(origins.matcher().find(b"https://a.example.org").is_some());
/// assert!(origins.matcher().find(b"https://evil.example.net").is_none());
/// ```
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
///
/// Call it at start, before binding the server; the first bad or missing value is the
/// error, and nothing is served until it is fixed:
///
/// ```no_run
/// use actix_web::{get, App, HttpServer};
/// use cors_runtime::cors;
///
/// #[cors(origins_from = "API_ORIGINS", credentials = true)]
/// #[get("/me")]
/// async fn me() -> &'static str {
///     "{}"
/// }
///
/// #[actix_web::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // API_ORIGINS="https://app.example.com, https://*.staging.example.com"
///     cors_runtime::configured::load_from_env()?;
///     HttpServer::new(|| App::new().service(me))
///         .bind(("127.0.0.1", 8081))?
///         .run()
///         .await?;
///     Ok(())
/// }
/// ```
pub fn load_from_env() -> Result<(), ConfigError> {
    load_with(|name| std::env::var(name).ok())
}

/// Loads every configured origin list from `lookup(name)`: a value the application
/// passes in (a config file, a secret store). Every policy of the program that uses
/// `origins_from` is loaded; the first bad or missing value is the error. A list that
/// loaded keeps its value: loading again changes nothing.
///
/// ```standalone_crate
/// use actix_web::get;
/// use cors_runtime::{configured, cors};
///
/// #[cors(origins_from = "API_ORIGINS", credentials = true)]
/// #[get("/me")]
/// async fn me() -> &'static str {
///     "{}"
/// }
///
/// // Missing, or breaking a rule: refused in the words of the compile-time errors.
/// let missing = configured::load_with(|_| None).unwrap_err();
/// assert_eq!(
///     missing.to_string(),
///     "CORS origins `API_ORIGINS`: `API_ORIGINS` is not set: give the comma-separated \
///      origins that may call me, like `https://app.example.com`"
/// );
/// let bad = configured::load_with(|_| Some("https://app.example.com/".to_owned())).unwrap_err();
/// assert_eq!(
///     bad.to_string(),
///     "CORS origins `API_ORIGINS`: `https://app.example.com/` has a trailing slash: \
///      an origin is only scheme, host and port, like `https://app.example.com`"
/// );
///
/// configured::load_with(|_| Some("https://app.example.com".to_owned())).unwrap();
/// ```
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
