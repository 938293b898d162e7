//! The servers under test as child processes: starting one and timing how
//! long it takes to accept, reading its memory, stopping it.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a server may take to accept its first connection.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A program the benchmark measures, and how to start it on a socket.
#[derive(Clone)]
pub(crate) struct Program {
    /// The name in the tables.
    pub(crate) name: &'static str,
    /// The executable.
    pub(crate) path: PathBuf,
    /// The arguments before the socket path.
    pub(crate) args: Vec<OsString>,
    /// The flag that comes before the socket path, if any.
    pub(crate) socket_flag: Option<&'static str>,
}

/// A running server.
pub(crate) struct Server {
    pub(crate) program: Program,
    pub(crate) socket: PathBuf,
    /// From just before `exec` to the first accepted connection.
    pub(crate) start_time: Duration,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts `program` on `socket` (in `dir`) and waits until it accepts.
    pub(crate) fn start(program: &Program, dir: &Path) -> io::Result<Self> {
        let socket = dir.join(format!("{}.sock", program.name));
        let log = dir.join(format!("{}.log", program.name));
        let _ = std::fs::remove_file(&socket);
        let mut command = Command::new(&program.path);
        command.args(&program.args);
        if let Some(flag) = program.socket_flag {
            command.arg(flag);
        }
        let output = File::create(&log)?;
        command
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output);
        let started = Instant::now();
        let child = command.spawn()?;
        let mut server = Self {
            program: program.clone(),
            socket,
            start_time: Duration::ZERO,
            child,
            log,
        };
        loop {
            if UnixStream::connect(&server.socket).is_ok() {
                server.start_time = started.elapsed();
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                return Err(server.failure(&format!("exited ({status})")));
            }
            if started.elapsed() > START_DEADLINE {
                return Err(server.failure("did not accept within 10 s"));
            }
            sleep(Duration::from_micros(50));
        }
    }

    /// `(VmRSS, VmHWM)`: resident memory now and at its peak, in KiB.
    pub(crate) fn memory(&self) -> io::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .ok_or_else(|| io::Error::other(format!("no {name} in /proc/PID/status")))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// The CPU time all its threads have used so far (from
    /// `/proc/PID/task/*/schedstat`, in nanoseconds).
    pub(crate) fn cpu_time(&self) -> io::Result<Duration> {
        let mut total = 0;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.child.id()))? {
            let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
            let on_cpu = stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok());
            total += on_cpu.ok_or_else(|| io::Error::other("unreadable schedstat"))?;
        }
        Ok(Duration::from_nanos(total))
    }

    /// Fails with the program's log if it has exited.
    pub(crate) fn check_alive(&mut self) -> io::Result<()> {
        match self.child.try_wait()? {
            Some(status) => Err(self.failure(&format!("exited ({status})"))),
            None => Ok(()),
        }
    }

    fn failure(&self, what: &str) -> io::Error {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let name = self.program.name;
        io::Error::other(format!("{name} {what}; its output:\n{log}"))
    }
}

impl Drop for Server {
    /// SIGTERM, then SIGKILL if it has not exited within 2 s.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) with a child's pid that has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
