//! `cargo xtask test`: finds the programs the end-to-end tests run (plan::TOOLS), installs the
//! missing ones (as root, but for `cargo install`), then runs `cargo test --workspace` with
//! their paths set. It stops before any test runs when it cannot install, so a run is never
//! half a suite.

mod plan;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use plan::{Decision, Detect, Step, TOOLS, Tool};

const USAGE: &str = "usage: cargo xtask test [cargo test arguments]

  test  finds Chromium, chromedriver, Firefox, geckodriver, nginx and CORScanner, installs
        the missing ones (with network: apt-get and pip as root, cargo install), then runs
        `cargo test --workspace` with any further arguments";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.split_first() {
        Some((command, rest)) if command == "test" => test(rest),
        other => {
            if let Some((command, _)) = other {
                eprintln!("xtask: unknown command `{}`", command.to_string_lossy());
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn test(cargo_args: &[OsString]) -> ExitCode {
    let found = match find_all() {
        Ok(found) => found,
        Err(problems) => return stop(&problems.join("\n")),
    };
    let missing: Vec<&Tool> = TOOLS
        .iter()
        .zip(&found)
        .filter(|(_, path)| path.is_none())
        .map(|(tool, _)| tool)
        .collect();
    let found = match plan::decide(&missing, is_root()) {
        Decision::Ready => found,
        Decision::Refuse(message) => return stop(&message),
        Decision::Install(steps) => {
            for (index, step) in steps.iter().enumerate() {
                if let Err(why) = install(step) {
                    return stop(&plan::install_failed(&steps, index, &why));
                }
            }
            match find_all() {
                Ok(found) => found,
                Err(problems) => return stop(&problems.join("\n")),
            }
        }
    };

    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(workspace())
        .args(["test", "--workspace"])
        .args(cargo_args);
    for (tool, path) in TOOLS.iter().zip(found) {
        let Some(path) = path else {
            let message = format!("{} is still missing after installing it", tool.name);
            return stop(&message);
        };
        eprintln!("xtask: {} = {}", tool.variable, path.display());
        cargo.env(tool.variable, path);
    }
    match cargo.status() {
        Ok(status) => ExitCode::from(
            status
                .code()
                .and_then(|code| u8::try_from(code).ok())
                .unwrap_or(1),
        ),
        Err(error) => stop(&format!("cannot run cargo: {error}")),
    }
}

fn stop(message: &str) -> ExitCode {
    eprintln!("xtask: {message}");
    ExitCode::FAILURE
}

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| plan::is_root(&String::from_utf8_lossy(&output.stdout)))
}

/// Each tool's path, or `None` when it is missing. A tool's variable set to something that
/// does not work is an error, not a reason to install: the tests would still run that.
fn find_all() -> Result<Vec<Option<PathBuf>>, Vec<String>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for tool in TOOLS {
        match std::env::var_os(tool.variable).filter(|value| !value.is_empty()) {
            Some(value) => {
                let path = PathBuf::from(value);
                if works(&tool.detect, &path) {
                    found.push(Some(path));
                } else {
                    problems.push(format!(
                        "{} is set to {}, which is not a working {}: fix or unset it",
                        tool.variable,
                        path.display(),
                        tool.name
                    ));
                }
            }
            None => found.push(find(&tool.detect)),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

fn find(detect: &Detect) -> Option<PathBuf> {
    match detect {
        Detect::Program { file, also_in } => find_program(file, std::env::var_os("PATH"), also_in),
        Detect::PythonScript { file } => {
            let output = Command::new("python3")
                .args([
                    "-c",
                    "import sysconfig; print(sysconfig.get_path('scripts'))",
                ])
                .stderr(Stdio::null())
                .output()
                .ok()
                .filter(|output| output.status.success())?;
            let scripts = String::from_utf8_lossy(&output.stdout);
            let path = Path::new(scripts.trim()).join(file);
            works(detect, &path).then_some(path)
        }
        Detect::CargoBin { file } => {
            let cargo_bin = cargo_home()?.join("bin");
            find_program(file, std::env::var_os("PATH"), &[cargo_bin.to_str()?])
        }
    }
}

/// Where `cargo install` puts programs, under `bin`: `$CARGO_HOME`, by default `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
}

/// The first `file` in the directories of `path` (a `PATH` value), then in `also_in`.
fn find_program(file: &str, path: Option<OsString>, also_in: &[&str]) -> Option<PathBuf> {
    let on_path: Vec<PathBuf> = path
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(also_in.iter().map(PathBuf::from))
        .map(|dir| dir.join(file))
        .find(|candidate| candidate.is_file())
}

fn works(detect: &Detect, path: &Path) -> bool {
    match detect {
        Detect::Program { .. } | Detect::CargoBin { .. } => path.is_file(),
        Detect::PythonScript { .. } => Command::new(path)
            .arg("-h")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success()),
    }
}

/// Runs `step`; an apt install that fails is tried again once after `apt-get update`.
fn install(step: &Step) -> Result<(), String> {
    let command = step.command();
    match run(&command) {
        Err(why) if matches!(step, Step::Apt(_)) => {
            eprintln!("xtask: it failed ({why}); fetching the package lists and trying again");
            run(&["apt-get", "update"])
                .map_err(|why| format!("`apt-get update` failed too: {why}"))?;
            run(&command).map_err(|why| format!("{why}, after `apt-get update`"))
        }
        result => result,
    }
}

/// Runs `command` in the open (the user sees apt's and pip's output); `Err` says why it failed.
fn run(command: &[&str]) -> Result<(), String> {
    eprintln!("xtask: running `{}`", command.join(" "));
    let status = Command::new(command[0])
        .args(&command[1..])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .map_err(|error| format!("cannot start {}: {error}", command[0]))?;
    if status.success() {
        Ok(())
    } else {
        Err(status.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_the_path_first_then_in_the_extra_directories() {
        let root = std::env::temp_dir().join(format!("xtask-find-{}", std::process::id()));
        let (first, second, extra) = (root.join("a"), root.join("b"), root.join("sbin"));
        for dir in [&first, &second, &extra] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(second.join("tool"), "").unwrap();
        std::fs::write(extra.join("tool"), "").unwrap();
        std::fs::write(extra.join("daemon"), "").unwrap();
        let path = std::env::join_paths([&first, &second]).unwrap();
        let extra_dir = extra.to_str().unwrap();

        let found = |file| find_program(file, Some(path.clone()), &[extra_dir]);
        assert_eq!(found("tool"), Some(second.join("tool")));
        assert_eq!(found("daemon"), Some(extra.join("daemon")));
        assert_eq!(found("absent"), None);
        assert_eq!(find_program("tool", None, &[]), None);
        std::fs::remove_dir_all(root).unwrap();
    }
}
