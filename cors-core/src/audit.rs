//! The audit of every annotated handler, as each adapter lists it: what a handler is
//! described by ([`Audited`]), the order of the list, and the table both adapters print.
//! Each adapter gathers its own handlers when the program is linked and hands them here, so
//! the same policies print the same table whichever framework serves them.

use std::fmt::Write as _;

use crate::{Named, Parts};

/// One annotated handler, described without its framework.
pub struct Audited<'a, D: 'static> {
    /// Its paths as the routing attributes give them, in the order written.
    pub paths: Vec<&'a str>,
    /// The handler function's name.
    pub handler: &'a str,
    /// The module it is defined in.
    pub module: &'a str,
    /// Its policy.
    pub parts: &'a Parts<D>,
}

impl<'a, D> Audited<'a, D> {
    /// Where it stands in the audit: by first path, then handler, then module.
    pub fn listing_key(&self) -> (&'a str, &'a str, &'a str) {
        (
            self.paths.first().copied().unwrap_or(""),
            self.handler,
            self.module,
        )
    }
}

impl<D: Named> Audited<'_, D> {
    /// Its row: path, methods, origins, headers, exposed headers, credentials, max-age,
    /// handler.
    fn row(&self) -> [String; 8] {
        let parts = self.parts;
        [
            self.paths.join(" "),
            parts.methods.join(", "),
            parts.origins.to_string(),
            parts.allow_headers.unwrap_or("-").to_owned(),
            parts.expose_headers.unwrap_or("-").to_owned(),
            if parts.credentials { "yes" } else { "no" }.to_owned(),
            max_age_cell(parts),
            self.handler.to_owned(),
        ]
    }
}

/// The audit of `audited`, in the order given, as a plain-text table: path, methods,
/// origins, headers, exposed headers, credentials, max-age, handler. Header names are
/// shown as they are sent, in lower case; `-` is an empty cell. The max-age cell says in
/// parentheses how long browsers keep the route's preflights when that is worth a look
/// ([`Parts::preflight_cache_note`]).
pub fn table<D: Named>(audited: &[Audited<'_, D>]) -> String {
    let rows: Vec<[String; 8]> = audited.iter().map(Audited::row).collect();
    let header = [
        "path",
        "methods",
        "origins",
        "headers",
        "exposed",
        "credentials",
        "max-age",
        "handler",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(widths) {
            let _ = write!(text, "{cell:<width$}  ");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    line(&rule.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// The max-age cell of `parts`: the value or `-`, and its note.
fn max_age_cell<D>(parts: &Parts<D>) -> String {
    let value = parts
        .max_age
        .map_or_else(|| "-".to_owned(), |seconds| seconds.to_string());
    match parts.preflight_cache_note() {
        Some(note) => format!("{value} ({note})"),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use cors_rules::judge::AllowedHeaders;

    use super::*;
    use crate::PolicyOrigins;

    /// No adapter's binding: these policies never decide origins.
    enum Undecided {}

    impl Named for Undecided {
        fn name(&self) -> &'static str {
            match *self {}
        }
    }

    fn parts(
        origins: &str,
        methods: &'static [&'static str],
        max_age: Option<u64>,
    ) -> Parts<Undecided> {
        Parts {
            origins: PolicyOrigins::Fixed(cors_rules::origin_list(origins, false).unwrap()),
            methods,
            headers: AllowedHeaders {
                any: false,
                names: &[],
            },
            allow_headers: None,
            expose_headers: None,
            max_age,
            credentials: false,
        }
    }

    #[test]
    fn the_table_pads_each_column_to_its_widest_cell() {
        let open = parts("*", &["GET"], None);
        let removal = parts("https://app.example.com", &["DELETE", "PUT"], Some(86400));
        let audited = [
            Audited {
                paths: vec!["/status"],
                handler: "status",
                module: "app",
                parts: &open,
            },
            Audited {
                paths: vec!["/items/{id}", "/things/{id}"],
                handler: "remove",
                module: "app",
                parts: &removal,
            },
        ];
        assert_eq!(
            table(&audited),
            concat!(
                "path                      methods      origins                  headers  exposed  credentials  max-age                        handler\n",
                "------------------------  -----------  -----------------------  -------  -------  -----------  -----------------------------  -------\n",
                "/status                   GET          *                        -        -        no           -                              status\n",
                "/items/{id} /things/{id}  DELETE, PUT  https://app.example.com  -        -        no           86400 (Chromium keeps 7200 s)  remove\n",
            )
        );
        assert_eq!(audited[1].listing_key(), ("/items/{id}", "remove", "app"));
    }
}
