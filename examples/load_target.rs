//! The demo's servers for `scripts/load.sh`: the demo's API (and its page) on loopback
//! ports given on the command line, without the console log of `examples/demo.rs` (printing
//! every request would be what the load run measures).
//!
//! ```sh
//! cargo run --release --example load_target -- [API_PORT [PAGE_PORT]]   # 0 = a free port
//! ```
//!
//! Prints `api: <url>`, `axum: <url>` (the same API served by axum, on a free port) and
//! `page: <url>` once the servers listen; SIGINT or SIGTERM stops them.

use cors_suite::{Config, Demo, Endpoint};

fn port(argument: Option<String>, what: &str) -> u16 {
    argument.map_or(0, |text| {
        text.parse()
            .unwrap_or_else(|_| panic!("{what} port must be a number 0..=65535, not {text:?}"))
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut arguments = std::env::args().skip(1);
    let api_port = port(arguments.next(), "the API");
    let page_port = port(arguments.next(), "the page");
    let demo = Demo::bind(Config {
        page: Endpoint::new("127.0.0.1", page_port),
        api: Endpoint::new("127.0.0.1", api_port),
        axum_api: Some(Endpoint::new("127.0.0.1", 0)),
        ..Config::default()
    })?;
    println!("api: {}", demo.api_url);
    if let Some(axum) = &demo.axum_api_url {
        println!("axum: {axum}");
    }
    println!("page: {}", demo.page_url);

    let stopper = demo.stopper();
    actix_web::rt::spawn(async move {
        let mut terminate = actix_web::rt::signal::unix::signal(
            actix_web::rt::signal::unix::SignalKind::terminate(),
        )
        .expect("cannot listen for SIGTERM");
        first_of(actix_web::rt::signal::ctrl_c(), terminate.recv()).await;
        stopper.stop().await;
    });
    demo.run().await
}

/// Waits for whichever of two futures finishes first.
async fn first_of<A: std::future::Future, B: std::future::Future>(a: A, b: B) {
    futures_util::future::select(std::pin::pin!(a), std::pin::pin!(b)).await;
}
