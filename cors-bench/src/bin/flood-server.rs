//! The subject of `scripts/decide-flood.sh`: the asynchronous function that decides origins
//! (`ours-decided-async`, bound `https://*`), served on loopback, with its lookup counts.
//!
//! ```text
//! flood-server [PORT]   serve at 127.0.0.1:PORT (default 18090) until SIGINT
//!   GET /items          the subject
//!   GET /stats          `lookups N` and `tenant_lookups N`, one a line
//! ```
//!
//! Environment: `WORKERS` (default 1), `LOOKUP_DELAY_MS` (how long each lookup waits, as for
//! a store's round trip; default 1), `FRESH_FOR_SECS` (how long an answer is kept; the
//! runtime's default, 30, unless set). It prints `ready` once listening, and the counts again
//! when it stops.

use std::process::ExitCode;
use std::time::Duration;

use actix_web::{App, HttpServer, web};
use cors_bench::{Tenants, Variant};

fn main() -> ExitCode {
    let port = match std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("18090")
        .parse()
    {
        Ok(port) => port,
        Err(_) => {
            eprintln!("usage: flood-server [PORT]");
            return ExitCode::FAILURE;
        }
    };
    let (Some(workers), Some(delay_ms), fresh_for) = (
        setting("WORKERS", 1),
        setting("LOOKUP_DELAY_MS", 1),
        std::env::var("FRESH_FOR_SECS").ok(),
    ) else {
        return ExitCode::FAILURE;
    };
    if let Some(fresh_for) = fresh_for {
        let Ok(seconds) = fresh_for.parse() else {
            eprintln!("FRESH_FOR_SECS must be a number of seconds");
            return ExitCode::FAILURE;
        };
        cors_runtime::decide::set_fresh_for(Duration::from_secs(seconds));
    }
    let tenants = cors_bench::tenants();
    tenants.set_delay(Duration::from_millis(delay_ms));
    let served = actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| {
            App::new()
                .configure(|config| Variant::OursDecidedAsync.configure(config))
                .route("/stats", web::get().to(stats))
        })
        .workers(usize::try_from(workers).unwrap_or(1))
        .shutdown_timeout(1)
        .bind(("127.0.0.1", port))?
        .run();
        println!(
            "ready: {workers} worker(s), lookups wait {delay_ms} ms, answers kept {} s",
            cors_runtime::decide::fresh_for().as_secs_f64()
        );
        server.await
    });
    print!("{}", counts(&tenants));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("flood-server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The environment variable `name` as a number, `default` when unset; `None` (said) when
/// it is not a number.
fn setting(name: &str, default: u64) -> Option<u64> {
    match std::env::var(name) {
        Err(_) => Some(default),
        Ok(value) => value.parse().ok().or_else(|| {
            eprintln!("{name} must be a number, not {value:?}");
            None
        }),
    }
}

async fn stats(tenants: web::Data<Tenants>) -> String {
    counts(&tenants)
}

fn counts(tenants: &Tenants) -> String {
    format!(
        "lookups {}\ntenant_lookups {}\n",
        tenants.lookups(),
        tenants.tenant_lookups()
    )
}
