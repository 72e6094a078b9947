//! The demo: `cargo run --example demo`, then open the page it prints.
//!
//! The page server (`http://localhost:8080/`) serves a page whose script calls the API
//! server (`http://127.0.0.1:8081`, another origin) and shows, row by row, what the browser
//! allowed and blocked. The same API served by axum listens on `http://127.0.0.1:8082`; the
//! page calls it at `http://localhost:8080/?setup=axum`. The console shows every request the API answered; with
//! `RUST_LOG=cors=debug` it also says why a preflight was refused (the default here), and a
//! development build also tells the browser, in an `X-Cors-Refused` header.
//! At start it prints the audit of every CORS policy. Ctrl-C stops the servers.

use cors_suite::{Config, Demo, axum_api_endpoint};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("cors=debug"))
        .init();

    // Which routes can be called cross-origin, from where, with cookies: every `#[cors]`
    // handler linked into this program.
    println!(
        "CORS policies, actix-web API:\n{}",
        cors_runtime::audit::table()
    );
    println!("CORS policies, axum API:\n{}", cors_axum::audit::table());

    let demo = Demo::bind(Config {
        print_requests: true,
        // Refused preflights explain themselves in development builds only: the reason
        // tells any caller what the policies allow.
        explain_refusals: cfg!(debug_assertions),
        axum_api: Some(axum_api_endpoint()),
        ..Config::default()
    })?;
    println!("page: {}   (open this in a browser)", demo.page_url);
    println!("api:  {}   (actix-web)", demo.api_url);
    if let Some(axum_api_url) = &demo.axum_api_url {
        println!(
            "page: {}?setup=axum   (the same page, calling:)",
            demo.page_url
        );
        println!("api:  {axum_api_url}   (axum)");
    }
    println!("Ctrl-C stops the servers.");

    let stopper = demo.stopper();
    actix_web::rt::spawn(async move {
        match actix_web::rt::signal::ctrl_c().await {
            Ok(()) => println!("\nstopping…"),
            Err(error) => eprintln!("cannot listen for Ctrl-C ({error}); stopping"),
        }
        stopper.stop().await;
    });

    demo.run().await?;
    println!("stopped");
    Ok(())
}
