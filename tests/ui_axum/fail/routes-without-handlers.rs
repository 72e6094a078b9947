// Written with cors-macros' name until cors-axum re-exports it: `use cors_axum::routes;`.
use cors_macros::axum_routes as routes;

fn main() {
    let _router = routes!();
}
