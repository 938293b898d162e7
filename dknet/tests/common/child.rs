//! A plugin in a child process: the test binary run again on one `#[test]`
//! that serves and prints `DKNET-READY`, so a test can signal it by pid.
//! Every wait on the child has a deadline.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long the child may take to get ready or to exit.
const DEADLINE: Duration = Duration::from_secs(60);

pub struct ChildPlugin {
    child: Child,
    lines: Receiver<String>,
}

impl ChildPlugin {
    /// Spawns `command` and waits until the child prints `DKNET-READY`.
    pub fn start(mut command: Command) -> Self {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut plugin = Self { child, lines };
        let deadline = Instant::now() + DEADLINE;
        loop {
            match plugin
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) if line.contains("DKNET-READY") => return plugin,
                Ok(_) => {}
                Err(error) => {
                    let _ = plugin.child.kill();
                    let _ = plugin.child.wait();
                    panic!("the child never got ready: {error}");
                }
            }
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to the child.
    pub fn signal(&self, signal: libc::c_int) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: sending a signal to our own child process, by its pid.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    /// Sends SIGTERM, then returns what the child printed afterwards and how
    /// it exited.
    pub fn terminate(self) -> (Vec<String>, ExitStatus) {
        self.signal(libc::SIGTERM);
        self.wait()
    }

    /// Waits for the child to exit (killing it and failing after the
    /// deadline); returns what it printed and how it exited.
    pub fn wait(mut self) -> (Vec<String>, ExitStatus) {
        let deadline = Instant::now() + DEADLINE;
        let mut rest = Vec::new();
        // Read to the end, so the child can print its test summary.
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => rest.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!("the child did not exit within {DEADLINE:?}; it printed {rest:?}");
                }
            }
        }
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (rest, status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("the child closed its output but did not exit within {DEADLINE:?}");
    }
}

/// The child's side: when the test binary was started as a child plugin
/// (`DKNET_CHILD_SOCKET` set), serves a plugin with no driver methods on that
/// socket, printing `DKNET-READY` once bound, until it is stopped; returns
/// whether it did (false in an ordinary test run).
pub fn serve_as_child() -> bool {
    let Some(socket) = std::env::var_os("DKNET_CHILD_SOCKET") else {
        return false;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let bound = dknet::Plugin::new()
            .network_driver(super::Empty)
            .bind_unix(&socket)
            .await
            .unwrap();
        println!("DKNET-READY");
        bound.run().await.unwrap();
    });
    true
}
