use cors_runtime::policy;

policy! {
    pub API {
        origins = "https://app.example.com",
    }
}

fn main() {}
