//! Both adapters' audits describe and print handlers alike: the same policies, written once
//! for actix-web and once for axum in one program, are listed in the same order and print
//! the same table, cell for cell (`cors_core::audit` words both).

mod actix_app {
    use actix_web::{HttpResponse, delete, get, post};
    use cors_runtime::cors;

    pub async fn is_tenant(origin: String) -> bool {
        origin.ends_with(".tenant.example")
    }

    #[cors(
        origins = "https://app.example.com",
        headers = "Content-Type",
        expose_headers = "X-Total",
        credentials = true,
        max_age = 600
    )]
    #[get("/items")]
    async fn list_items() -> &'static str {
        "[]"
    }

    #[cors(origins = "https://app.example.com", headers = "Content-Type")]
    #[post("/items")]
    async fn create_item(body: String) -> HttpResponse {
        HttpResponse::Created().body(body)
    }

    #[cors(origins = "https://*.example.com", max_age = 86400)]
    #[delete("/items/{id}")]
    async fn delete_item() -> &'static str {
        "deleted"
    }

    #[cors(origins = "https://*", decide_origin = "is_tenant", credentials = true)]
    #[get("/me")]
    async fn me() -> &'static str {
        "me"
    }

    #[cors(origins_from = "AUDIT_TABLES_ORIGINS")]
    #[get("/configured")]
    async fn configured() -> &'static str {
        "configured"
    }
}

mod axum_app {
    use axum::http::StatusCode;
    use cors_axum::cors;

    pub async fn is_tenant(origin: String) -> bool {
        origin.ends_with(".tenant.example")
    }

    #[cors(
        get,
        path = "/items",
        origins = "https://app.example.com",
        headers = "Content-Type",
        expose_headers = "X-Total",
        credentials = true,
        max_age = 600
    )]
    async fn list_items() -> &'static str {
        "[]"
    }

    #[cors(
        post,
        path = "/items",
        origins = "https://app.example.com",
        headers = "Content-Type"
    )]
    async fn create_item(body: String) -> (StatusCode, String) {
        (StatusCode::CREATED, body)
    }

    #[cors(
        delete,
        path = "/items/{id}",
        origins = "https://*.example.com",
        max_age = 86400
    )]
    async fn delete_item() -> &'static str {
        "deleted"
    }

    #[cors(
        get,
        path = "/me",
        origins = "https://*",
        decide_origin = "is_tenant",
        credentials = true
    )]
    async fn me() -> &'static str {
        "me"
    }

    #[cors(get, path = "/configured", origins_from = "AUDIT_TABLES_ORIGINS")]
    async fn configured() -> &'static str {
        "configured"
    }
}

#[test]
fn both_adapters_print_the_same_table_for_the_same_policies() {
    let actix = cors_runtime::audit::table();
    let axum = cors_axum::audit::table();
    assert_eq!(actix, axum);
    assert_eq!(
        actix,
        concat!(
            "path         methods  origins                                             headers       exposed  credentials  max-age                           handler\n",
            "-----------  -------  --------------------------------------------------  ------------  -------  -----------  --------------------------------  -----------\n",
            "/configured  GET      nobody yet (from AUDIT_TABLES_ORIGINS, not loaded)  -             -        no           -                                 configured\n",
            "/items       POST     https://app.example.com                             content-type  -        no           - (browsers keep preflights 5 s)  create_item\n",
            "/items       GET      https://app.example.com                             content-type  x-total  yes          600                               list_items\n",
            "/items/{id}  DELETE   https://*.example.com                               -             -        no           86400 (Chromium keeps 7200 s)     delete_item\n",
            "/me          GET      decided by is_tenant within https://*               -             -        yes          -                                 me\n",
        )
    );
}

#[test]
fn both_adapters_list_handlers_in_the_same_order() {
    let actix: Vec<(&str, &str)> = cors_runtime::audit::entries()
        .into_iter()
        .map(|entry| (entry.paths().next().unwrap_or(""), entry.handler))
        .collect();
    let axum: Vec<(&str, &str)> = cors_axum::audit::routes()
        .into_iter()
        .map(|route| (route.path, route.handler))
        .collect();
    assert_eq!(actix, axum);
    assert_eq!(
        actix,
        [
            ("/configured", "configured"),
            ("/items", "create_item"),
            ("/items", "list_items"),
            ("/items/{id}", "delete_item"),
            ("/me", "me"),
        ]
    );
}
