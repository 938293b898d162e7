//! A plugin in a child process: the test binary run again on one `#[test]`
//! that serves and prints `DKNET-READY`, so a test can signal it by pid.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};

pub struct ChildPlugin {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl ChildPlugin {
    /// Spawns `command` and waits until the child prints `DKNET-READY`.
    pub fn start(mut command: Command) -> Self {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines
            .by_ref()
            .map(Result::unwrap)
            .any(|line| line.contains("DKNET-READY"));
        assert!(ready, "the child never got ready");
        Self { child, lines }
    }

    /// Sends SIGTERM, then returns what the child printed afterwards and how
    /// it exited.
    pub fn terminate(mut self) -> (Vec<String>, ExitStatus) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: sending a signal to our own child process, by its pid.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        // Read to the end, so the child can print its test summary.
        let rest = self.lines.map(Result::unwrap).collect();
        (rest, self.child.wait().unwrap())
    }
}
