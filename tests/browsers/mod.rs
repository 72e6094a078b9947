//! The two browser engines the end-to-end tests run in, each headless behind its WebDriver
//! server: Chromium through `chromedriver`, Firefox through `geckodriver`. Each session gets
//! a fresh profile and a browser that reaches no host beyond loopback.
//!
//! - Chromium: `--host-resolver-rules` maps every name but loopback to "not found".
//! - Firefox has no such switch. Its profile sends every request to a host other than
//!   `localhost`, `127.0.0.1` and `[::1]` through an HTTP proxy on loopback: a [`Sink`] of the
//!   test that records the request line and closes the connection, so the call fails at once
//!   and the test sees what the browser tried to reach. Preferences turn off what Firefox
//!   fetches by itself (updates, remote settings, telemetry, captive portal and connectivity
//!   checks, safe browsing, push, …).

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{Map, Value, json};

use crate::support::TempDir;

/// Upper bounds for starting a WebDriver server and a browser session.
const DRIVER_START: Duration = Duration::from_secs(20);
const SESSION_START: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
        }
    }

    /// What `fetch()` rejects with when the browser blocks a call. The Fetch standard only
    /// says "a TypeError"; the message is each engine's own: Chromium's is "Failed to fetch"
    /// (Blink, `third_party/blink/renderer/core/fetch/fetch_manager.cc`), Firefox's is
    /// `MSG_FETCH_FAILED` (`dom/bindings/Errors.msg`).
    pub fn blocked_error(self) -> &'static str {
        match self {
            Engine::Chromium => "TypeError: Failed to fetch",
            Engine::Firefox => "TypeError: NetworkError when attempting to fetch resource.",
        }
    }

    /// The README's picture of the demo page in this engine, under `docs/`.
    pub fn screenshot_file(self) -> &'static str {
        match self {
            Engine::Chromium => "demo.png",
            Engine::Firefox => "demo-firefox.png",
        }
    }
}

/// The Chromium flags the project uses everywhere: the last one keeps every lookup on this
/// machine.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE ::1",
];

/// The loopback names Firefox connects to directly; everything else goes to the [`Sink`].
const FIREFOX_DIRECT: &str = "localhost, 127.0.0.1, [::1]";

/// A Firefox preference's value.
#[derive(Clone, Copy)]
enum Pref {
    Bool(bool),
    Int(i64),
    Text(&'static str),
}
use Pref::{Bool, Int, Text};

/// Firefox preferences beyond the proxy: nothing fetched in the background, no first-run
/// pages, plain HTTP to loopback left alone.
const FIREFOX_PREFS: &[(&str, Pref)] = &[
    // Updates of the browser, its add-ons, search engines and media plugins.
    ("app.update.disabledForTesting", Bool(true)),
    ("app.update.auto", Bool(false)),
    ("extensions.update.enabled", Bool(false)),
    ("extensions.getAddons.cache.enabled", Bool(false)),
    ("extensions.blocklist.enabled", Bool(false)),
    ("browser.search.update", Bool(false)),
    ("media.gmp-manager.updateEnabled", Bool(false)),
    // Remote settings (and what is fetched through them), studies and experiments.
    ("app.normandy.enabled", Bool(false)),
    ("app.shield.optoutstudies.enabled", Bool(false)),
    ("messaging-system.rsexperimentloader.enabled", Bool(false)),
    (
        "security.remote_settings.crlite_filters.enabled",
        Bool(false),
    ),
    (
        "security.remote_settings.intermediates.enabled",
        Bool(false),
    ),
    ("browser.region.network.url", Text("")),
    ("browser.region.update.enabled", Bool(false)),
    // Telemetry and data reporting.
    ("toolkit.telemetry.enabled", Bool(false)),
    ("toolkit.telemetry.unified", Bool(false)),
    ("toolkit.telemetry.archive.enabled", Bool(false)),
    ("toolkit.telemetry.server", Text("")),
    ("datareporting.policy.dataSubmissionEnabled", Bool(false)),
    ("datareporting.healthreport.uploadEnabled", Bool(false)),
    ("browser.ping-centre.telemetry", Bool(false)),
    // Checks of the network itself.
    ("network.captive-portal-service.enabled", Bool(false)),
    ("network.connectivity-service.enabled", Bool(false)),
    // Safe browsing and tracking-protection lists.
    ("browser.safebrowsing.malware.enabled", Bool(false)),
    ("browser.safebrowsing.phishing.enabled", Bool(false)),
    ("browser.safebrowsing.downloads.enabled", Bool(false)),
    ("browser.safebrowsing.downloads.remote.enabled", Bool(false)),
    ("browser.safebrowsing.blockedURIs.enabled", Bool(false)),
    ("privacy.trackingprotection.enabled", Bool(false)),
    // Push, accounts, translations, new-tab content.
    ("dom.push.connection.enabled", Bool(false)),
    ("identity.fxaccounts.enabled", Bool(false)),
    ("browser.translations.enable", Bool(false)),
    ("browser.newtabpage.enabled", Bool(false)),
    (
        "browser.newtabpage.activity-stream.feeds.system.topstories",
        Bool(false),
    ),
    ("browser.topsites.contile.enabled", Bool(false)),
    // No connection made ahead of need, no DNS over HTTPS, no HTTP/3 (as `--disable-quic`).
    ("network.dns.disablePrefetch", Bool(true)),
    ("network.prefetch-next", Bool(false)),
    ("network.http.speculative-parallel-limit", Int(0)),
    ("network.trr.mode", Int(5)),
    ("network.http.http3.enable", Bool(false)),
    // First-run and start pages.
    ("browser.startup.page", Int(0)),
    ("browser.startup.homepage", Text("about:blank")),
    ("browser.shell.checkDefaultBrowser", Bool(false)),
    ("datareporting.policy.firstRunURL", Text("")),
    ("browser.aboutwelcome.enabled", Bool(false)),
    // The demo page is plain HTTP on loopback: never upgraded to HTTPS.
    ("dom.security.https_first", Bool(false)),
    ("dom.security.https_only_mode", Bool(false)),
];

/// [`FIREFOX_PREFS`], the proxy (every name but [`FIREFOX_DIRECT`] goes to the sink on
/// `proxy`) and the remote settings server (the sink on `settings`).
fn firefox_prefs(proxy: u16, settings: u16) -> Map<String, Value> {
    let port = Int(proxy.into());
    let settings = format!("http://127.0.0.1:{settings}/v1");
    let settings: &'static str = settings.leak();
    let proxy = [
        ("network.proxy.type", Int(1)),
        ("network.proxy.http", Text("127.0.0.1")),
        ("network.proxy.http_port", port),
        ("network.proxy.ssl", Text("127.0.0.1")),
        ("network.proxy.ssl_port", port),
        ("network.proxy.share_proxy_settings", Bool(false)),
        ("network.proxy.no_proxies_on", Text(FIREFOX_DIRECT)),
        // Since Firefox 67, `localhost` goes through a configured proxy unless this is false.
        ("network.proxy.allow_hijacking_localhost", Bool(false)),
        ("services.settings.server", Text(settings)),
    ];
    FIREFOX_PREFS
        .iter()
        .chain(&proxy)
        .map(|&(name, value)| {
            let value = match value {
                Bool(on) => json!(on),
                Int(number) => json!(number),
                Text(text) => json!(text),
            };
            (name.to_owned(), value)
        })
        .collect()
}

/// A WebDriver server of this test, with one headless browser session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The fresh profile (Chromium's `--user-data-dir`; for Firefox, the directory geckodriver
    /// creates its profile in), removed when this is dropped.
    _profile: TempDir,
    /// Firefox's proxy: what it tried to reach beyond loopback.
    proxy: Option<Sink>,
    /// Firefox's remote settings server.
    _settings: Option<Sink>,
    /// Whether the session ended normally (the driver then closed the browser itself).
    closed: bool,
}

fn tool(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// Fails (never skips) when a program is missing, saying what installs it.
fn require(path: &Path, what: &str, install: &str) {
    if path.is_file() {
        return;
    }
    let ci = std::env::var("CI").is_ok_and(|value| value == "true");
    panic!(
        "the browser tests need {what}, and {} does not exist. Install it: `{install}`{}",
        path.display(),
        if ci {
            " (CI=true: a missing browser fails the run)"
        } else {
            ""
        }
    );
}

impl Browser {
    pub async fn start(engine: Engine) -> Browser {
        let profile = TempDir::new(&engine.name().to_ascii_lowercase());
        let Launch {
            mut driver,
            capabilities,
            proxy,
            settings,
        } = match engine {
            Engine::Chromium => chromium(&profile),
            Engine::Firefox => firefox(&profile),
        };
        let port = match driver_port(&mut driver) {
            Ok(port) => port,
            Err(why) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "the {} WebDriver server did not start: {why}",
                    engine.name()
                );
            }
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(capabilities);
        let webdriver = format!("http://127.0.0.1:{port}");
        let session = builder.connect(&webdriver);
        let client = match tokio::time::timeout(SESSION_START, session).await {
            Ok(Ok(client)) => client,
            failure => {
                kill_browsers(&driver);
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "cannot start a headless {} session: {failure:?}",
                    engine.name()
                );
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
            proxy,
            _settings: settings,
            closed: false,
        }
    }

    /// Ends the session (the driver closes the browser); returns the request lines Firefox
    /// sent to its proxy, that is what it tried to reach beyond loopback (none for Chromium,
    /// which resolves no such name).
    pub async fn close(mut self) -> Vec<String> {
        let closing =
            tokio::time::timeout(Duration::from_secs(20), self.client.clone().close()).await;
        self.closed = matches!(closing, Ok(Ok(())));
        self.proxy.as_ref().map(Sink::seen).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            kill_browsers(&self.driver);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A browser outlives its killed driver: ends the browsers the driver started first.
fn kill_browsers(driver: &Child) {
    let children = format!("/proc/{0}/task/{0}/children", driver.id());
    for pid in std::fs::read_to_string(children)
        .unwrap_or_default()
        .split_whitespace()
    {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
}

fn capabilities(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("capabilities are an object"),
    }
}

/// `chromedriver --port=0` (it picks a free port and says which on stdout) and Chromium's
/// capabilities.
/// A started WebDriver server and what to ask it for.
struct Launch {
    driver: Child,
    capabilities: Map<String, Value>,
    proxy: Option<Sink>,
    settings: Option<Sink>,
}

fn chromium(profile: &TempDir) -> Launch {
    let chromium = tool("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
    require(&chromium, "Chromium", "apt-get install -y chromium");
    require(
        &chromedriver,
        "chromedriver",
        "apt-get install -y chromium-driver",
    );
    let driver = spawn(Command::new(&chromedriver).arg("--port=0"));
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| (*arg).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.0.display()));
    let capabilities = capabilities(json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    }));
    Launch {
        driver,
        capabilities,
        proxy: None,
        settings: None,
    }
}

/// `geckodriver --port 0` (it picks a free port and logs which) and Firefox's capabilities.
/// geckodriver writes a fresh profile with these preferences into `profile`.
fn firefox(profile: &TempDir) -> Launch {
    let firefox = tool("FIREFOX", "/usr/bin/firefox-esr");
    let geckodriver = std::env::var_os("GECKODRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(installed_geckodriver);
    require(&firefox, "Firefox", "apt-get install -y firefox-esr");
    require(
        &geckodriver,
        "geckodriver",
        "cargo install geckodriver --locked",
    );
    let driver = spawn(
        Command::new(&geckodriver)
            .args(["--port", "0", "--profile-root"])
            .arg(&profile.0)
            // Release builds ignore `services.settings.server` without it (Firefox's
            // `services/settings/Utils.sys.mjs`, `allowServerURL`). Firefox inherits it.
            .env("MOZ_REMOTE_SETTINGS_DEVTOOLS", "1"),
    );
    let (proxy, settings) = (Sink::start(), Sink::start());
    let capabilities = capabilities(json!({
        "browserName": "firefox",
        "moz:firefoxOptions": {
            "binary": firefox,
            "args": ["-headless"],
            "prefs": firefox_prefs(proxy.port, settings.port),
        },
    }));
    Launch {
        driver,
        capabilities,
        proxy: Some(proxy),
        settings: Some(settings),
    }
}

/// `geckodriver` on the `PATH`, else where `cargo install` puts it (`$CARGO_HOME/bin`,
/// `~/.cargo/bin`).
fn installed_geckodriver() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_home.map(|home| home.join("bin")))
        .map(|dir| dir.join("geckodriver"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from("geckodriver"))
}

fn spawn(command: &mut Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"))
}

/// The port the driver says it listens on. Both pipes are read to the end, so the driver
/// never blocks on a full one; what is not the port line goes to the test's stderr.
fn driver_port(driver: &mut Child) -> Result<u16, String> {
    let (sender, receiver) = mpsc::channel();
    let stdout: ChildStdout = driver.stdout.take().expect("piped stdout");
    let stderr: ChildStderr = driver.stderr.take().expect("piped stderr");
    for output in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                match port_in(&line) {
                    Some(port) if sender.is_some() => {
                        let _ = sender.take().map(|sender| sender.send(port));
                    }
                    _ => eprintln!("{line}"),
                }
            }
        });
    }
    receiver
        .recv_timeout(DRIVER_START)
        .map_err(|_| format!("it did not report its port within {DRIVER_START:?}"))
}

/// The port in chromedriver's "ChromeDriver was started successfully on port 4444." or
/// geckodriver's "… INFO Listening on 127.0.0.1:4444".
fn port_in(line: &str) -> Option<u16> {
    let port = if let Some((_, rest)) = line.split_once("started successfully on port ") {
        rest.trim_end_matches('.')
    } else {
        let (_, address) = line.split_once("Listening on ")?;
        address.rsplit_once(':')?.1
    };
    port.trim().parse().ok()
}

/// Firefox's HTTP proxy: a listener on loopback that reads the first line of each request
/// (`GET http://host/ …` or `CONNECT host:443 …`), records it and closes the connection.
struct Sink {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Sink {
    fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for Firefox's proxy");
        let port = listener.local_addr().expect("the proxy's address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (record, stopped) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let line = first_line(stream);
                record.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        Sink { port, seen, stop }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn first_line(stream: TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    let _ = BufReader::new(stream).read_line(&mut line);
    line.trim_end().to_owned()
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the listener's thread so it sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
