use cors_axum::routes;

fn main() {
    let _router = routes!();
}
