//! The end-to-end subject: one variant of `cors-bench` served on loopback by one worker.
//!
//! ```text
//! bench-server VARIANT [PORT]   serve VARIANT at 127.0.0.1:PORT (default 18080) until SIGINT
//! bench-server --cases          print the cases, one a line, for the scripts:
//!                               name, number, variant, method, status, headers (`|`-separated)
//! bench-server --in-process CASE N [build-only]
//!                               send CASE's request N times through the app's service in
//!                               process (no socket), as the in-process benches do, and exit;
//!                               with `build-only`, build and drop the requests, no more
//! ```
//!
//! It prints `ready` once listening, after sending itself the variant's warm-up requests
//! (`Variant::warm_up`: for the asynchronous function that decides origins, so that every
//! measured request finds its answer kept). Built with `--features count-allocs`, it prints
//! the process's heap allocations on stderr when it stops.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, Error, HttpServer};
use cors_bench::{CASES, Case, OnApp, Probe, Variant};

#[cfg(feature = "count-allocs")]
#[global_allocator]
static ALLOCATOR: cors_bench::counting::Counting = cors_bench::counting::Counting;

fn main() -> ExitCode {
    // As an application does before it binds; the workers then find the origins loaded.
    cors_bench::load_configured_origins();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--cases"] => {
            print_cases();
            ExitCode::SUCCESS
        }
        ["--in-process", name, count, rest @ ..] if rest.is_empty() || rest == ["build-only"] => {
            let (Some(case), Ok(count)) = (cors_bench::case_named(name), count.parse::<u64>())
            else {
                eprintln!("usage: bench-server --in-process CASE N [build-only]");
                return ExitCode::FAILURE;
            };
            cors_bench::with_app(
                case.variant,
                Repeat {
                    case,
                    count,
                    call: rest.is_empty(),
                },
            );
            ExitCode::SUCCESS
        }
        [variant, rest @ ..] if rest.len() <= 1 => {
            let Some(variant) = Variant::from_name(variant) else {
                eprintln!("unknown variant {variant:?}; one of {}", variant_names());
                return ExitCode::FAILURE;
            };
            let Ok(port) = rest.first().copied().unwrap_or("18080").parse::<u16>() else {
                eprintln!("the port must be a number");
                return ExitCode::FAILURE;
            };
            match serve(variant, port) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("bench-server: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: bench-server VARIANT [PORT] | bench-server --cases");
            eprintln!("variants: {}", variant_names());
            ExitCode::FAILURE
        }
    }
}

/// `bench-server --in-process`'s loop: build `case`'s request `count` times and, if `call`,
/// send each through the app and drop the response.
struct Repeat {
    case: &'static Case,
    count: u64,
    call: bool,
}

impl OnApp for Repeat {
    type Output = ();

    fn run<S, B>(self, app: S)
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
        B: MessageBody + 'static,
    {
        for _ in 0..self.count {
            let request = self.case.probe.request();
            if self.call {
                drop(cors_bench::call(&app, request));
            }
        }
    }
}

fn variant_names() -> String {
    let names: Vec<&str> = Variant::ALL.iter().map(|variant| variant.name()).collect();
    names.join(", ")
}

fn print_cases() {
    for case in CASES {
        let headers: Vec<String> = case
            .probe
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            case.name,
            case.number,
            case.variant.name(),
            case.probe.method,
            case.status,
            headers.join("|")
        );
    }
}

fn serve(variant: Variant, port: u16) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        // One worker, as `scripts/instructions.sh` assumes; the layered variant's app is the
        // same with `cors_runtime::Preflights` added last.
        let server = if variant.layered() {
            HttpServer::new(move || {
                App::new()
                    .configure(|config| variant.configure(config))
                    .wrap(cors_runtime::Preflights)
            })
            .workers(1)
            .shutdown_timeout(1)
            .bind(("127.0.0.1", port))?
            .run()
        } else {
            HttpServer::new(move || App::new().configure(|config| variant.configure(config)))
                .workers(1)
                .shutdown_timeout(1)
                .bind(("127.0.0.1", port))?
                .run()
        };
        if variant.warm_up().is_empty() {
            println!("ready");
        } else {
            cors_runtime::decide::set_fresh_for(cors_bench::MEASURED_FRESH_FOR);
            // The server answers once awaited below; its warm-up waits for it on a thread.
            std::thread::spawn(move || {
                for probe in variant.warm_up() {
                    if let Err(error) = warm_up(port, probe) {
                        eprintln!("bench-server: warm-up failed: {error}");
                        std::process::exit(1);
                    }
                }
                println!("ready");
            });
        }
        server.await
    })?;
    #[cfg(feature = "count-allocs")]
    {
        let total = cors_bench::counting::snapshot();
        eprintln!("allocations: {} bytes: {}", total.allocations, total.bytes);
    }
    Ok(())
}

/// Sends `probe` to the server on `port` over a connection of its own, and checks that it is
/// answered with a success.
fn warm_up(port: u16, probe: &Probe) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut request = format!(
        "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
        probe.method,
        cors_bench::PATH
    );
    for (name, value) in probe.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let status = response.get(9..10);
    if status == Some(b"2") {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "answered {:?}",
            String::from_utf8_lossy(&response)
        )))
    }
}
