//! How long the README's complete driver takes to build: cold (every
//! dependency compiled, as in a fresh project) and after a one-line change.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cold and incremental `cargo build` (debug) times.
pub(crate) struct BuildTimes {
    pub(crate) cold: Duration,
    pub(crate) incremental: Duration,
}

/// Builds the README's driver as a project of its own under `dir`.
pub(crate) fn measure(cargo: &Path, workspace: &Path, dir: &Path) -> Result<BuildTimes, String> {
    let readme = std::fs::read_to_string(workspace.join("README.md"))
        .map_err(|error| format!("cannot read README.md: {error}"))?;
    let source = complete_driver(&readme)?;
    let project = dir.join("readme-plugin");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(project.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"readme-plugin\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\ndknet = {{ path = {dknet:?} }}\n\
         tokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n\
         thiserror = \"2\"\ntracing = \"0.1\"\ntracing-subscriber = \"0.3\"\n\n[workspace]\n",
        dknet = workspace.join("dknet"),
    );
    write(&project.join("Cargo.toml"), &manifest)?;
    // The workspace's lock file: the same dependency versions, no resolution.
    std::fs::copy(workspace.join("Cargo.lock"), project.join("Cargo.lock"))
        .map_err(|e| e.to_string())?;
    let main = project.join("src/main.rs");
    write(&main, &source)?;
    let cold = build(cargo, &project)?;
    write(&main, &format!("{source}// changed\n"))?;
    let incremental = build(cargo, &project)?;
    let _ = std::fs::remove_dir_all(&project);
    Ok(BuildTimes { cold, incremental })
}

/// The first `rust,no_run` block after the README's "A complete driver".
fn complete_driver(readme: &str) -> Result<String, String> {
    let section = readme
        .split_once("## A complete driver")
        .map(|(_, rest)| rest)
        .ok_or("README.md has no `## A complete driver` section")?;
    let block = section
        .split_once("```rust,no_run\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(code, _)| code)
        .ok_or("README.md's complete driver has no rust,no_run block")?;
    Ok(format!("{block}\n"))
}

fn write(path: &PathBuf, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
}

fn build(cargo: &Path, project: &Path) -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new(cargo)
        .args(["build", "--quiet"])
        .current_dir(project)
        .env("CARGO_TARGET_DIR", project.join("target"))
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("building the README's driver failed:\n{stderr}"));
    }
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_holds_a_complete_driver() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let readme = std::fs::read_to_string(workspace.join("README.md")).unwrap();
        let source = complete_driver(&readme).unwrap();
        assert!(source.contains("#[dknet::network_driver"), "{source}");
        assert!(source.contains("async fn main()"), "{source}");
    }
}
