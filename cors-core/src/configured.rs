//! Origins from configuration, live: `#[cors(origins_from = "NAME")]`.
//!
//! Staging and production trust different origins; a multi-tenant service adds customer
//! origins every day. A policy with `origins_from` takes its origin list from
//! configuration instead of a literal. Load every such list before the server binds, with
//! [`load_from_env`] (the environment variable `NAME`) or [`load_with`] (values your
//! application passes in: a config file, a secret store), and replace them whenever you
//! like, with the same calls or with [`reload`] for one name: from a file watcher, an admin
//! endpoint, a signal handler, a database poll.
//!
//! Every value is the list `origins` would hold, checked by exactly the same rules
//! (`credentials` included: no `*`, no plain-`http` host but localhost and loopback, no
//! pattern over a public suffix) and refused in the same words, never per request:
//!
//! - a refused value changes nothing and is the error; a load of several names is all or
//!   nothing;
//! - an accepted one is in force for the next request of every worker, and each request
//!   is judged by the old set or the new one, never a mix of the two;
//! - reading the set in force takes no lock a load can block and allocates nothing, and
//!   matching costs what it costs for literal origins, 1 or 10,000 of them.
//!
//! An application that serves such a route before its list is loaded panics when it is
//! built (as each worker starts), before it answers any request: a server started without
//! its origins is a deployment mistake.
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
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use cors_rules::{OriginMatcher, Origins, RuleError};

/// The origins of the policies that name one configuration value: empty until loaded, then
/// replaced whole by each load.
///
/// `#[cors(origins_from = "NAME")]` makes one of these for its policy; [`load_from_env`],
/// [`load_with`] and [`reload`] fill them all:
///
/// ```
/// use cors_core::ConfiguredOrigins;
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
/// let loaded = ORIGINS.get().unwrap();
/// assert_eq!(loaded.origins().to_string(), "https://app.example.com, https://*.example.org");
/// assert!(loaded.origins().matcher().find(b"https://a.example.org").is_some());
/// assert!(loaded.origins().matcher().find(b"https://evil.example.net").is_none());
///
/// // Loading again replaces the set; a refused value changes nothing.
/// ORIGINS.load_value("https://admin.example.com").unwrap();
/// assert!(ORIGINS.load_value("https://*.com").is_err());
/// assert_eq!(ORIGINS.get().unwrap().origins().to_string(), "https://admin.example.com");
/// ```
#[derive(Debug)]
pub struct ConfiguredOrigins {
    name: &'static str,
    credentials: bool,
    /// The set in force. Requests read it without a lock (`load` borrows it through a
    /// per-thread slot, no allocation); a load swaps in a whole new set.
    current: ArcSwapOption<LoadedOrigins>,
}

/// One loaded value of a configured name: the checked origins, ready for requests, and
/// where they came from.
#[derive(Debug)]
pub struct LoadedOrigins {
    matcher: OriginMatcher,
    source: Source,
}

impl LoadedOrigins {
    /// The origins, as checked.
    pub fn origins(&self) -> &Origins {
        self.matcher.origins()
    }

    /// Which call loaded them.
    pub fn source(&self) -> Source {
        self.source
    }
}

/// Which call loaded a configured value, as the audit shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// [`load_from_env`]: the environment variable of the name.
    Environment,
    /// [`load_with`]: a value the application looked up.
    LoadWith,
    /// [`reload`] or [`ConfiguredOrigins::load_value`]: a value the application passed in.
    Reload,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Environment => "the environment",
            Source::LoadWith => "load_with",
            Source::Reload => "reload",
        })
    }
}

/// Loads happen one at a time, so two of them never leave their names half one, half the
/// other. Requests never take it.
static LOADING: Mutex<()> = Mutex::new(());

fn loading() -> std::sync::MutexGuard<'static, ()> {
    // Nothing a load does can leave the guarded state broken: a panic in another load
    // changes nothing here.
    LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ConfiguredOrigins {
    /// A slot for the origins configured under `name`, for a policy with `credentials`.
    pub const fn new(name: &'static str, credentials: bool) -> Self {
        ConfiguredOrigins {
            name,
            credentials,
            current: ArcSwapOption::const_empty(),
        }
    }

    /// The configuration name (also the environment variable read by [`load_from_env`]).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The origins in force, or `None` before any load.
    pub fn get(&self) -> Option<Arc<LoadedOrigins>> {
        self.current.load_full()
    }

    /// `answer` of the origins in force; `None` (nobody) before any load. For adapters:
    /// each request reads the set in force without a lock.
    #[doc(hidden)]
    #[inline]
    pub fn in_force<R>(&self, answer: impl FnOnce(&OriginMatcher) -> Option<R>) -> Option<R> {
        answer(&self.current.load().as_ref()?.matcher)
    }

    /// Checks that the origins were loaded, for building a route's services at startup.
    ///
    /// # Panics
    /// When they were never loaded: a startup mistake, reported before any request.
    #[doc(hidden)]
    pub fn expect_loaded(&self) {
        if self.current.load().is_none() {
            panic!(
                "the CORS origins configured as `{}` were never loaded: call `configured::load_from_env()` (or `load_with`) of `cors_runtime` or `cors_axum` before building the app",
                self.name
            )
        }
    }

    /// Checks `value` by the compile-time rules and, when it passes, makes it the set in
    /// force for this one slot (a name's other slots keep theirs: [`reload`] loads them
    /// all). A refused value changes nothing.
    pub fn load_value(&self, value: &str) -> Result<(), ConfigError> {
        let loaded = self.check(value, Source::Reload)?;
        let _loading = loading();
        self.current.store(Some(loaded));
        Ok(())
    }

    /// `value` checked for this slot's policy.
    fn check(&self, value: &str, source: Source) -> Result<Arc<LoadedOrigins>, ConfigError> {
        let origins = cors_rules::origin_list(value, self.credentials).map_err(|errors| {
            ConfigError::Refused {
                name: self.name.to_owned(),
                errors,
            }
        })?;
        Ok(Arc::new(LoadedOrigins {
            matcher: OriginMatcher::new(origins),
            source,
        }))
    }
}

/// A configured origin list that breaks the rules, is missing, or names no policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No value was given for `name`.
    Missing {
        /// The configuration name.
        name: String,
        /// The handler whose policy needs it.
        handler: &'static str,
    },
    /// The value breaks the rules that `#[cors]` applies to literal origins.
    Refused {
        /// The configuration name.
        name: String,
        /// What is wrong, in the words of the compile-time errors.
        errors: Vec<RuleError>,
    },
    /// No policy of the program takes its origins from `name` (a typo?).
    Unknown {
        /// The name given.
        name: String,
    },
}

impl ConfigError {
    /// The configuration name the error is about.
    pub fn name(&self) -> &str {
        match self {
            ConfigError::Missing { name, .. }
            | ConfigError::Refused { name, .. }
            | ConfigError::Unknown { name } => name,
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
            ConfigError::Unknown { name } => write!(
                f,
                "CORS origins `{name}`: no `#[cors(origins_from = \"{name}\")]` policy in this program"
            ),
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
    load_all(|name| std::env::var(name).ok(), Source::Environment)
}

/// Loads every configured origin list from `lookup(name)`: a value the application
/// passes in (a config file, a secret store). Every policy of the program that uses
/// `origins_from` is loaded, or none is: the first bad or missing value is the error, and
/// then nothing changed. Call it again to reload: each request sees the old sets or the new
/// ones, from the next request on, in every worker.
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
/// // Later: a new value replaces the old one.
/// configured::load_with(|_| Some("https://admin.example.com".to_owned())).unwrap();
/// ```
pub fn load_with(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    load_all(lookup, Source::LoadWith)
}

/// Replaces the origins of every policy configured as `name` with `value`, checked by the
/// same rules as at startup: from an admin endpoint, a file watcher, a signal handler. A
/// refused value changes nothing and is the error; an accepted one is in force for the next
/// request of every worker.
///
/// ```standalone_crate
/// use actix_web::get;
/// use cors_runtime::{configured, cors};
///
/// #[cors(origins_from = "TENANT_ORIGINS")]
/// #[get("/catalog")]
/// async fn catalog() -> &'static str {
///     "[]"
/// }
///
/// configured::reload("TENANT_ORIGINS", "https://shop.example.com").unwrap();
/// // A tenant signed up.
/// configured::reload("TENANT_ORIGINS", "https://shop.example.com, https://books.example.org")
///     .unwrap();
/// // A bad value is refused and the set in force stays.
/// let error = configured::reload("TENANT_ORIGINS", "https://shop.example.com/").unwrap_err();
/// assert!(error.to_string().starts_with("CORS origins `TENANT_ORIGINS`: "), "{error}");
/// let unknown = configured::reload("TENANT_ORIGIN", "https://shop.example.com").unwrap_err();
/// assert!(matches!(unknown, configured::ConfigError::Unknown { .. }));
/// ```
pub fn reload(name: &str, value: &str) -> Result<(), ConfigError> {
    let slots = slots();
    if !slots.iter().any(|(slot, _)| slot.name == name) {
        return Err(ConfigError::Unknown {
            name: name.to_owned(),
        });
    }
    let staged = stage(
        &slots,
        |slot| slot.name == name,
        |_| Some(value.to_owned()),
        Source::Reload,
    )?;
    swap(staged);
    Ok(())
}

/// Where each adapter finds its configured slots: a function listing every slot its
/// annotated handlers name, each with the first handler that uses it. Not a public API.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static SLOT_SOURCES: [fn() -> Vec<(&'static ConfiguredOrigins, &'static str)>];

/// Every configured slot of the program, with the first handler that uses it.
fn slots() -> Vec<(&'static ConfiguredOrigins, &'static str)> {
    let mut slots: Vec<(&'static ConfiguredOrigins, &'static str)> = Vec::new();
    for source in SLOT_SOURCES {
        for (slot, handler) in source() {
            if !slots.iter().any(|(known, _)| std::ptr::eq(*known, slot)) {
                slots.push((slot, handler));
            }
        }
    }
    slots
}

/// Loads every slot from `lookup`, all or nothing.
fn load_all(lookup: impl Fn(&str) -> Option<String>, source: Source) -> Result<(), ConfigError> {
    let staged = stage(&slots(), |_| true, lookup, source)?;
    swap(staged);
    Ok(())
}

/// The new set of each chosen slot, every value checked before any is used. A name's value
/// is looked up and checked once for each `credentials` setting, and its slots share it.
fn stage(
    slots: &[(&'static ConfiguredOrigins, &'static str)],
    chosen: impl Fn(&ConfiguredOrigins) -> bool,
    lookup: impl Fn(&str) -> Option<String>,
    source: Source,
) -> Result<Vec<(&'static ConfiguredOrigins, Arc<LoadedOrigins>)>, ConfigError> {
    let mut staged: Vec<(&'static ConfiguredOrigins, Arc<LoadedOrigins>)> = Vec::new();
    for &(slot, handler) in slots.iter().filter(|(slot, _)| chosen(slot)) {
        let same = staged
            .iter()
            .find(|(other, _)| other.name == slot.name && other.credentials == slot.credentials);
        let loaded = match same {
            Some((_, loaded)) => Arc::clone(loaded),
            None => {
                let value = lookup(slot.name).ok_or_else(|| ConfigError::Missing {
                    name: slot.name.to_owned(),
                    handler,
                })?;
                slot.check(&value, source)?
            }
        };
        staged.push((slot, loaded));
    }
    Ok(staged)
}

/// Puts staged sets in force, one load at a time.
fn swap(staged: Vec<(&'static ConfiguredOrigins, Arc<LoadedOrigins>)>) {
    let _loading = loading();
    for (slot, loaded) in staged {
        slot.current.store(Some(loaded));
    }
}
