//! Validating the raw arguments against the rules and the routes: the [`CorsSpec`] that
//! `expand` turns into a `'static` policy.

use cors_rules::{HeaderList, RuleError};
use proc_macro2::Span;

use crate::args::RawArgs;
use crate::errors::Errors;
use crate::route::Routes;

/// A policy that passed every check, normalised.
pub struct CorsSpec {
    pub origins: OriginSource,
    pub methods: Vec<String>,
    pub headers: HeaderList,
    pub expose_headers: HeaderList,
    pub max_age: Option<u64>,
    pub credentials: bool,
    /// The routing attribute's guards a preflight is not asked about (`header_guards`), as
    /// written without spaces.
    pub header_guards: Vec<String>,
}

/// Where the allowed origins come from.
pub enum OriginSource {
    /// Literal origins, checked now.
    Literal(cors_rules::Origins),
    /// Origins read from configuration at startup under this name, checked then by the
    /// same rules.
    Configured(String),
    /// Origins the application's function decides, within literal origins checked now.
    Decided {
        bound: cors_rules::Origins,
        /// The function's path, spanned on the `decide_origin` literal.
        function: syn::Path,
    },
}

/// Checks every value, recording each problem in `errors`; `None` when any failed.
/// `routes` is `None` for a shared policy, which leaves methods to each handler.
pub fn validate(args: &RawArgs, routes: Option<&Routes>, errors: &mut Errors) -> Option<CorsSpec> {
    let credentials = args.credentials.as_ref().is_some_and(|lit| lit.value);
    let origins = match &args.decide_origin {
        Some(function) => decided_origins(args, function, credentials, errors),
        None => literal_or_configured_origins(args, credentials, errors),
    };
    let methods = match (&args.methods, routes) {
        (Some(lit), Some(routes)) => keep(
            errors,
            lit.span(),
            cors_rules::method_list(&lit.value())
                .map_err(|errors| errors.iter().map(RuleError::to_string).collect())
                .and_then(|methods| served_only(methods, &routes.methods())),
        ),
        (None, Some(routes)) => Some(routes.methods()),
        (Some(lit), None) => {
            errors.at(
                lit.span(),
                "`methods` belong to each handler, not to a shared policy: give them as `#[cors(policy = ..., methods = \"GET\")]`, or let the routing attribute decide",
            );
            None
        }
        (None, None) => Some(Vec::new()),
    };
    let headers = match &args.headers {
        Some(lit) => keep(
            errors,
            lit.span(),
            cors_rules::request_header_list(&lit.value(), credentials),
        ),
        None => Some(HeaderList::default()),
    };
    let expose_headers = match &args.expose_headers {
        Some(lit) => keep(
            errors,
            lit.span(),
            cors_rules::expose_header_list(&lit.value(), credentials),
        ),
        None => Some(HeaderList::default()),
    };
    let max_age = match &args.max_age {
        Some(lit) => keep(errors, lit.span(), max_age(lit)).map(Some),
        None => Some(None),
    };
    let header_guards = match (&args.header_guards, routes) {
        (Some(lit), Some(routes)) => keep(
            errors,
            lit.span(),
            header_guards(&lit.value(), &routes.guard_names()),
        ),
        (Some(lit), None) => {
            errors.at(
                lit.span(),
                "`header_guards` belong to each handler, not to a shared policy: give them as `#[cors(policy = ..., header_guards = \"is_json\")]`",
            );
            None
        }
        (None, _) => Some(Vec::new()),
    };
    Some(CorsSpec {
        origins: origins?,
        methods: methods?,
        headers: headers?,
        expose_headers: expose_headers?,
        max_age: max_age?,
        credentials,
        header_guards: header_guards?,
    })
}

/// Checks `origins` or `origins_from`, for a policy without `decide_origin`.
fn literal_or_configured_origins(
    args: &RawArgs,
    credentials: bool,
    errors: &mut Errors,
) -> Option<OriginSource> {
    match (&args.origins, &args.origins_from) {
        (Some(_), Some(from)) => {
            errors.at(
                from.span(),
                "give either `origins` or `origins_from`, not both: `origins_from` names a configuration value that replaces the literal list",
            );
            None
        }
        (Some(lit), None) => keep(
            errors,
            lit.span(),
            cors_rules::origin_list(&lit.value(), credentials),
        )
        .map(OriginSource::Literal),
        (None, Some(from)) => keep(errors, from.span(), configuration_name(&from.value()))
            .map(OriginSource::Configured),
        // A key written with a bad value or misspelled has been reported already.
        (None, None)
            if ["origins", "origins_from", "policy", "decide_origin"]
                .iter()
                .any(|key| args.written.contains(key)) =>
        {
            None
        }
        (None, None) => {
            errors.at(
                Span::call_site(),
                "missing `origins`: list the origins that may call this handler, like `origins = \"https://app.example.com\"`",
            );
            None
        }
    }
}

/// Checks `decide_origin` and the literal `origins` that bound it.
fn decided_origins(
    args: &RawArgs,
    function: &syn::LitStr,
    credentials: bool,
    errors: &mut Errors,
) -> Option<OriginSource> {
    let path = match function.parse::<syn::Path>() {
        Ok(path) => Some(path),
        Err(_) => {
            errors.at(
                function.span(),
                format!(
                    "`{}` is not the path of a function: name it as you would call it, like `decide_origin = \"tenants::is_tenant\"`",
                    function.value()
                ),
            );
            None
        }
    };
    if let Some(from) = &args.origins_from {
        errors.at(
            from.span(),
            "`decide_origin` decides within literal `origins`, not `origins_from`: write the bound as `origins`, like `origins = \"https://*\"`",
        );
        return None;
    }
    let Some(lit) = &args.origins else {
        errors.at(
            function.span(),
            "`decide_origin` needs `origins` to bound what it may grant, like `origins = \"https://*\"` (every HTTPS origin) or `origins = \"https://*.tenants.example.com\"`",
        );
        return None;
    };
    let bound = keep(
        errors,
        lit.span(),
        cors_rules::bound_list(&lit.value(), credentials),
    )?;
    Some(OriginSource::Decided {
        bound,
        function: path?,
    })
}

/// Checks `header_guards`: some of the routing attribute's `guard = "..."` functions
/// (`guards`, written without spaces), each once.
fn header_guards(list: &str, guards: &[String]) -> Result<Vec<String>, Vec<String>> {
    let mut named: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for entry in list.split(',') {
        let entry: String = entry.split_whitespace().collect();
        if entry.is_empty() {
            problems.push("empty entry in `header_guards`: name the guard functions, like `header_guards = \"is_json\"`".to_owned());
        } else if named.contains(&entry) {
            problems.push(format!("`{entry}` is listed twice in `header_guards`"));
        } else if !guards.contains(&entry) {
            let known = if guards.is_empty() {
                "it has none".to_owned()
            } else {
                format!("its guards are `{}`", guards.join("`, `"))
            };
            problems.push(format!(
                "`{entry}` is not a `guard = \"...\"` of this handler's routing attribute ({known}): `header_guards` names those a preflight cannot satisfy"
            ));
        } else {
            named.push(entry);
        }
    }
    if problems.is_empty() {
        Ok(named)
    } else {
        Err(problems)
    }
}

/// Checks the name deploy-time origins are configured under: it doubles as the name of
/// an environment variable, so it must be one.
fn configuration_name(name: &str) -> Result<String, Vec<String>> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(vec![format!(
            "`{name}` cannot name a configuration value: use letters, digits and underscores, like `API_ORIGINS`"
        )])
    }
}

/// The value, or `None` after recording each of its problems at `span`.
fn keep<T, M: std::fmt::Display>(
    errors: &mut Errors,
    span: Span,
    result: Result<T, Vec<M>>,
) -> Option<T> {
    result
        .map_err(|messages| errors.all_at(span, messages))
        .ok()
}

/// Refuses methods the handler's routing attributes do not serve: a preflight for them
/// would never reach this handler.
fn served_only(methods: Vec<String>, served: &[String]) -> Result<Vec<String>, Vec<String>> {
    let unserved: Vec<String> = methods
        .iter()
        .filter(|method| !served.contains(method))
        .map(|method| {
            let serves = served.join(", ");
            match served.iter().find(|served| served.eq_ignore_ascii_case(method)) {
                Some(upper) => format!(
                    "`{method}` is not served by this handler: methods are case-sensitive and its routing attribute serves {serves}; write `{upper}`"
                ),
                None => format!(
                    "`{method}` is not served by this handler: its routing attribute serves {serves}; list only those, or leave `methods` out"
                ),
            }
        })
        .collect();
    if unserved.is_empty() {
        Ok(methods)
    } else {
        Err(unserved)
    }
}

fn max_age(lit: &syn::LitInt) -> Result<u64, Vec<String>> {
    if !lit.suffix().is_empty() {
        return Err(vec![format!(
            "`max_age` expects a plain number of seconds, without the `{}` suffix",
            lit.suffix()
        )]);
    }
    cors_rules::check_max_age(lit.base10_digits()).map_err(|error| vec![error.to_string()])
}
