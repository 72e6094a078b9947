//! What the tests need and how to get it: the tool table and the decisions made from it,
//! without touching the machine (main.rs looks and runs).

/// One program the end-to-end tests run.
pub struct Tool {
    /// The name the user reads.
    pub name: &'static str,
    /// The variable the tests read the tool's path from; xtask sets it to what it found, so
    /// the tests run what was checked.
    pub variable: &'static str,
    pub detect: Detect,
    pub install: Install,
}

pub enum Detect {
    /// A program on the `PATH`, or in one of `also_in` (Debian puts daemons in `/usr/sbin`,
    /// which is not on every user's `PATH`).
    Program {
        file: &'static str,
        also_in: &'static [&'static str],
    },
    /// A script pip installs into Python's scripts directory, found when `<script> -h` runs.
    PythonScript { file: &'static str },
    /// A program `cargo install` builds: on the `PATH`, or in cargo's own `bin` directory
    /// (`$CARGO_HOME/bin`, by default `~/.cargo/bin`).
    CargoBin { file: &'static str },
}

pub enum Install {
    /// A Debian package.
    Apt(&'static str),
    /// A pip requirement.
    Pip(&'static str),
    /// A crate that `cargo install --locked` builds, for the user who runs the tests (it goes
    /// into that user's cargo `bin` directory: no root needed).
    Cargo(&'static str),
}

pub const TOOLS: &[Tool] = &[
    // tests/browser.rs: headless Chromium through chromedriver.
    Tool {
        name: "Chromium",
        variable: "CHROMIUM",
        detect: Detect::Program {
            file: "chromium",
            also_in: &[],
        },
        install: Install::Apt("chromium"),
    },
    Tool {
        name: "chromedriver",
        variable: "CHROMEDRIVER",
        detect: Detect::Program {
            file: "chromedriver",
            also_in: &[],
        },
        install: Install::Apt("chromium-driver"),
    },
    // tests/browser.rs again: the same tests in headless Firefox through geckodriver, which
    // Debian does not package.
    Tool {
        name: "Firefox",
        variable: "FIREFOX",
        detect: Detect::Program {
            file: "firefox-esr",
            also_in: &[],
        },
        install: Install::Apt("firefox-esr"),
    },
    Tool {
        name: "geckodriver",
        variable: "GECKODRIVER",
        detect: Detect::CargoBin {
            file: "geckodriver",
        },
        install: Install::Cargo("geckodriver"),
    },
    // tests/nginx.rs: nginx's proxy_cache in front of the demo.
    Tool {
        name: "nginx",
        variable: "NGINX",
        detect: Detect::Program {
            file: "nginx",
            also_in: &["/usr/sbin"],
        },
        install: Install::Apt("nginx-light"),
    },
    // tests/scanner.rs: CORScanner against every route.
    Tool {
        name: "CORScanner",
        variable: "CORSCANNER",
        detect: Detect::PythonScript { file: "cors" },
        install: Install::Pip("cors==1.0.1"),
    },
];

/// One install command, for all the missing tools of one package client.
#[derive(Debug, PartialEq)]
pub enum Step {
    Apt(Vec<&'static str>),
    Pip(Vec<&'static str>),
    Cargo(Vec<&'static str>),
}

impl Step {
    /// The command xtask runs. (When an apt install fails, it fetches the package lists and
    /// tries once more: a fresh machine has none.)
    pub fn command(&self) -> Vec<&'static str> {
        let (head, items, tail): (&[&str], _, &[&str]) = match self {
            Step::Apt(packages) => (&["apt-get", "install", "-y"], packages, &[]),
            Step::Pip(requirements) => (&["python3", "-m", "pip", "install"], requirements, &[]),
            Step::Cargo(crates) => (&["cargo", "install"], crates, &["--locked"]),
        };
        head.iter().chain(items).chain(tail).copied().collect()
    }

    /// The command a user runs by hand, which works on a fresh machine too.
    pub fn by_hand(&self) -> String {
        let command = self.command().join(" ");
        match self {
            Step::Apt(_) => format!("apt-get update && {command}"),
            Step::Pip(_) | Step::Cargo(_) => command,
        }
    }

    /// Whether the step installs for the whole machine (a `cargo install` is the user's own).
    pub fn needs_root(&self) -> bool {
        !matches!(self, Step::Cargo(_))
    }
}

/// The install commands for `missing`: one per package client, apt first, cargo last.
pub fn steps(missing: &[&Tool]) -> Vec<Step> {
    let (mut apt, mut pip, mut cargo) = (Vec::new(), Vec::new(), Vec::new());
    for tool in missing {
        match tool.install {
            Install::Apt(package) => apt.push(package),
            Install::Pip(requirement) => pip.push(requirement),
            Install::Cargo(krate) => cargo.push(krate),
        }
    }
    [
        (apt, Step::Apt as fn(_) -> _),
        (pip, Step::Pip),
        (cargo, Step::Cargo),
    ]
    .into_iter()
    .filter(|(items, _)| !items.is_empty())
    .map(|(items, step)| step(items))
    .collect()
}

#[derive(Debug, PartialEq)]
pub enum Decision {
    /// Every tool is there: run the tests.
    Ready,
    Install(Vec<Step>),
    /// Stop before any test runs, with this message.
    Refuse(String),
}

/// What to do about `missing` tools: install them (as root, unless every step is a `cargo
/// install`), or stop and say what to run.
pub fn decide(missing: &[&Tool], root: bool) -> Decision {
    if missing.is_empty() {
        return Decision::Ready;
    }
    let steps = steps(missing);
    if root || !steps.iter().any(Step::needs_root) {
        return Decision::Install(steps);
    }
    let names: Vec<_> = missing.iter().map(|tool| tool.name).collect();
    Decision::Refuse(format!(
        "the tests need {}, which {} missing; installing needs root and network. \
         No test was run. To install them, {}then `cargo xtask test` again.",
        names.join(", "),
        if names.len() == 1 { "is" } else { "are" },
        listing(&steps),
    ))
}

/// Why xtask stops when `steps[failed]` failed: that command and those after it, to run by hand.
pub fn install_failed(steps: &[Step], failed: usize, why: &str) -> String {
    format!(
        "`{}` failed ({why}). No test was run. With network, {}then `cargo xtask test` again.",
        steps[failed].command().join(" "),
        listing(&steps[failed..]),
    )
}

/// The commands of `steps`, those for root first, then those of the user who runs the tests
/// (`cargo install` as root would install into root's cargo, not the user's).
fn listing(steps: &[Step]) -> String {
    let lines = |root: bool| -> String {
        steps
            .iter()
            .filter(|step| step.needs_root() == root)
            .map(|step| format!("    {}\n", step.by_hand()))
            .collect()
    };
    let (as_root, as_user) = (lines(true), lines(false));
    match (as_root.is_empty(), as_user.is_empty()) {
        (false, true) => format!("as root, run:\n{as_root}"),
        (true, _) => format!("run:\n{as_user}"),
        (false, false) => {
            format!("as root, run:\n{as_root}and as the user who runs the tests:\n{as_user}")
        }
    }
}

/// Whether `id -u` printed root's id.
pub fn is_root(id_output: &str) -> bool {
    id_output.trim() == "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str) -> &'static Tool {
        TOOLS.iter().find(|tool| tool.name == name).unwrap()
    }

    #[test]
    fn nothing_missing_runs_the_tests() {
        assert_eq!(decide(&[], false), Decision::Ready);
        assert_eq!(decide(&[], true), Decision::Ready);
    }

    #[test]
    fn root_installs_all_apt_packages_in_one_command_then_pip() {
        let all: Vec<&Tool> = TOOLS.iter().collect();
        let Decision::Install(steps) = decide(&all, true) else {
            panic!("root installs");
        };
        assert_eq!(
            steps,
            [
                Step::Apt(vec![
                    "chromium",
                    "chromium-driver",
                    "firefox-esr",
                    "nginx-light"
                ]),
                Step::Pip(vec!["cors==1.0.1"]),
                Step::Cargo(vec!["geckodriver"]),
            ]
        );
        assert_eq!(
            steps[0].command(),
            [
                "apt-get",
                "install",
                "-y",
                "chromium",
                "chromium-driver",
                "firefox-esr",
                "nginx-light"
            ]
        );
        assert_eq!(
            steps[1].command(),
            ["python3", "-m", "pip", "install", "cors==1.0.1"]
        );
        assert_eq!(
            steps[2].command(),
            ["cargo", "install", "geckodriver", "--locked"]
        );
    }

    #[test]
    fn only_what_is_missing_is_installed() {
        assert_eq!(
            decide(&[tool("CORScanner")], true),
            Decision::Install(vec![Step::Pip(vec!["cors==1.0.1"])])
        );
        assert_eq!(
            decide(&[tool("nginx")], true),
            Decision::Install(vec![Step::Apt(vec!["nginx-light"])])
        );
    }

    #[test]
    fn without_root_it_refuses_with_the_commands_to_run() {
        let Decision::Refuse(message) = decide(&[tool("Chromium"), tool("CORScanner")], false)
        else {
            panic!("a user that is not root cannot install");
        };
        assert_eq!(
            message,
            "the tests need Chromium, CORScanner, which are missing; installing needs root and \
             network. No test was run. To install them, as root, run:\n    \
             apt-get update && apt-get install -y chromium\n    \
             python3 -m pip install cors==1.0.1\n\
             then `cargo xtask test` again."
        );
        let Decision::Refuse(message) = decide(&[tool("nginx")], false) else {
            panic!("a user that is not root cannot install");
        };
        assert!(message.contains("nginx, which is missing"), "{message}");
        assert!(message.contains("install -y nginx-light\n"), "{message}");
        assert!(!message.contains("pip"), "{message}");
    }

    /// `cargo install` puts geckodriver in the cargo of whoever runs it: the user's own, no
    /// root needed; as root, it would land where the user's tests never look.
    #[test]
    fn geckodriver_is_installed_by_the_user_who_runs_the_tests() {
        assert_eq!(
            decide(&[tool("geckodriver")], false),
            Decision::Install(vec![Step::Cargo(vec!["geckodriver"])])
        );
        let Decision::Refuse(message) = decide(&[tool("Firefox"), tool("geckodriver")], false)
        else {
            panic!("a user that is not root cannot install Firefox");
        };
        assert_eq!(
            message,
            "the tests need Firefox, geckodriver, which are missing; installing needs root and \
             network. No test was run. To install them, as root, run:\n    \
             apt-get update && apt-get install -y firefox-esr\n\
             and as the user who runs the tests:\n    \
             cargo install geckodriver --locked\n\
             then `cargo xtask test` again."
        );
    }

    #[test]
    fn a_failed_install_shows_it_and_what_remains() {
        let steps = steps(&[tool("chromedriver"), tool("CORScanner")]);
        assert_eq!(
            install_failed(&steps, 0, "exit status: 100"),
            "`apt-get install -y chromium-driver` failed (exit status: 100). No test was run. \
             With network, as root, run:\n    \
             apt-get update && apt-get install -y chromium-driver\n    \
             python3 -m pip install cors==1.0.1\n\
             then `cargo xtask test` again."
        );
        let message = install_failed(&steps, 1, "exit status: 1");
        assert!(message.starts_with("`python3 -m pip install cors==1.0.1` failed"));
        assert!(!message.contains("apt-get"), "{message}");

        let cargo = super::steps(&[tool("geckodriver")]);
        assert_eq!(
            install_failed(&cargo, 0, "exit status: 101"),
            "`cargo install geckodriver --locked` failed (exit status: 101). No test was run. \
             With network, run:\n    \
             cargo install geckodriver --locked\n\
             then `cargo xtask test` again."
        );
    }

    #[test]
    fn root_is_user_id_zero() {
        assert!(is_root("0\n"));
        assert!(!is_root("1000\n"));
        assert!(!is_root("65534"));
        assert!(!is_root(""));
    }

    /// The tests read each tool's path from its variable, so a renamed variable in a test
    /// would leave xtask checking one program and the test running another.
    #[test]
    fn every_tool_variable_is_read_by_a_test() {
        let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
        let mut sources = String::new();
        // The test files and their modules (`tests/browsers/mod.rs`), one level down.
        let mut dirs = vec![tests];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && dir.ends_with("tests") {
                    dirs.push(path);
                } else if path.extension().is_some_and(|extension| extension == "rs") {
                    sources += &std::fs::read_to_string(path).unwrap();
                }
            }
        }
        for tool in TOOLS {
            assert!(
                sources.contains(&format!("\"{}\"", tool.variable)),
                "no test reads {}",
                tool.variable
            );
        }
    }
}
