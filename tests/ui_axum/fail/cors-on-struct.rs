use cors_axum::cors;

#[cors(get, path = "/items", origins = "https://app.example.com")]
struct Items;

fn main() {
    let _ = Items;
}
