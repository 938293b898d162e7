//! Running the `docker` CLI (and other commands) with a deadline, and polling.
//!
//! `docker` is whatever is first on `PATH` and talks to `DOCKER_HOST`, both inherited:
//! scripts/docker-tests points them at the client and the private daemon of one version.

use std::fmt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long any one docker command may take. dockerd retries an absent plugin for about
/// 15 s, so commands that wait for a plugin stay well inside this.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// What a finished command did.
#[derive(Debug)]
pub(crate) struct Output {
    /// The command line, for messages.
    pub(crate) command: String,
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.status,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Runs `program args...` with no input, collecting its output; an error when it cannot be
/// started or does not finish within `timeout` (it is killed then). Never panics, so that
/// clean-up code can use it while a test is already failing.
pub(crate) fn run(program: &str, args: &[&str], timeout: Duration) -> Result<Output, String> {
    let command = shell_words(program, args);
    let child = spawn(program, args, &command)?;
    wait_output(child, command, timeout)
}

/// Starts `program args...` (`command` is its command line, for the message) with no input
/// and its output piped.
fn spawn(program: &str, args: &[&str], command: &str) -> Result<Child, String> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{command}`: {e}"))
}

/// Waits for `child` (started with piped output) for at most `timeout`, killing it then.
fn wait_output(child: Child, command: String, timeout: Duration) -> Result<Output, String> {
    let pid = child.id();
    let (sender, receiver) = mpsc::channel();
    // `wait_with_output` reads both pipes while waiting, so a chatty command cannot block.
    thread::spawn(move || sender.send(child.wait_with_output()));
    match receiver.recv_timeout(timeout) {
        Ok(Ok(output)) => Ok(Output {
            command,
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }),
        Ok(Err(e)) => Err(format!("waiting for `{command}`: {e}")),
        Err(_) => {
            signal(pid, libc::SIGKILL);
            Err(format!(
                "`{command}` did not finish within {} s (killed)",
                timeout.as_secs()
            ))
        }
    }
}

/// `docker args...`, whatever its outcome (panics only if it cannot run or hangs).
pub(crate) fn docker(args: &[&str]) -> Output {
    run("docker", args, COMMAND_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}

/// `docker args...`, which must succeed; its standard output, trimmed.
#[track_caller]
pub(crate) fn docker_ok(args: &[&str]) -> String {
    let output = docker(args);
    assert!(output.success(), "expected success: {output}");
    output.stdout.trim().to_owned()
}

/// `docker args...`, which must fail; its standard error.
#[track_caller]
pub(crate) fn docker_fails(args: &[&str]) -> String {
    let output = docker(args);
    assert!(!output.success(), "expected a failure: {output}");
    output.stderr
}

/// A docker command running in the background; killed if still running when dropped.
pub(crate) struct Background {
    child: Option<Child>,
    command: String,
}

impl Background {
    /// Starts `docker ARGS` (`args` split at whitespace).
    pub(crate) fn docker(args: &str) -> Self {
        let command = format!("docker {args}");
        let args: Vec<&str> = args.split_whitespace().collect();
        let child = spawn("docker", &args, &command).unwrap_or_else(|e| panic!("{e}"));
        Self {
            child: Some(child),
            command,
        }
    }

    /// Whether the command is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        let child = self.child.as_mut().expect("not waited for yet");
        matches!(child.try_wait(), Ok(None))
    }

    /// Waits for the command to finish (at most `timeout`).
    pub(crate) fn wait(mut self, timeout: Duration) -> Output {
        let child = self.child.take().expect("waited for once");
        wait_output(child, self.command.clone(), timeout).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `probe` every 100 ms until it returns `Ok`, for at most `timeout`; panics saying
/// what was awaited and what the last probe said.
#[track_caller]
pub(crate) fn wait_for<T>(
    what: &str,
    timeout: Duration,
    probe: impl FnMut() -> Result<T, String>,
) -> T {
    poll(what, timeout, probe).unwrap_or_else(|e| panic!("{e}"))
}

/// [`wait_for`] that reports a timeout instead of panicking (for clean-up code).
pub(crate) fn poll<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(value) => return Ok(value),
            Err(last) if Instant::now() >= deadline => {
                return Err(format!(
                    "{what}: not within {} s; last: {last}",
                    timeout.as_secs()
                ))
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Sends `signal` to the process `pid`.
pub(crate) fn signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("a pid fits in pid_t");
    // SAFETY: kill has no memory-safety preconditions; `pid` is a child of this process
    // that has not been reaped yet, so it cannot name another process.
    unsafe { libc::kill(pid, signal) };
}

/// The last `lines` lines of the file at `path`, or why they cannot be read.
pub(crate) fn tail(path: &str, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read {path}: {e})"),
    }
}

fn shell_words(program: &str, args: &[&str]) -> String {
    std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}
