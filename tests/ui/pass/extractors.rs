#![deny(warnings, unused_qualifications)]

use actix_web::{HttpResponse, patch, post, web};
use cors_runtime::cors;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[derive(Serialize)]
struct Item {
    id: u32,
    name: String,
}

#[cors(origins = "https://app.example.com", headers = "Content-Type")]
#[post("/api/items")]
async fn create_item(item: web::Json<NewItem>) -> HttpResponse {
    HttpResponse::Created().json(Item {
        id: 1,
        name: item.into_inner().name,
    })
}

#[cors(origins = "https://app.example.com", headers = "Content-Type")]
#[patch("/api/items/{id}")]
async fn rename_item(id: web::Path<u32>, item: web::Json<NewItem>) -> web::Json<Item> {
    web::Json(Item {
        id: id.into_inner(),
        name: item.into_inner().name,
    })
}

fn main() {
    let _ = actix_web::App::new()
        .service(create_item)
        .service(rename_item);
}
