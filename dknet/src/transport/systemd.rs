//! systemd socket activation: the listening socket systemd passes as file
//! descriptor 3 (`LISTEN_FDS`, `LISTEN_PID`; see `sd_listen_fds(3)`). The
//! socket file belongs to systemd and is left alone on shutdown.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use super::Listener;
use crate::Error;

/// The first passed descriptor (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

static TAKEN: AtomicBool = AtomicBool::new(false);

/// True when systemd passed this process a socket.
pub(crate) fn is_activated() -> bool {
    passed_fds().is_ok()
}

/// Takes the socket systemd passed (only once per process).
pub(crate) fn take_listener() -> Result<Listener, Error> {
    let count = passed_fds().map_err(Error::Systemd)?;
    if count > 1 {
        tracing::warn!(
            count,
            "systemd passed several sockets; serving on the first only"
        );
    }
    if TAKEN.swap(true, Ordering::SeqCst) {
        return Err(Error::Systemd(
            "the activated socket was already taken".into(),
        ));
    }
    let family = socket_family(FIRST_FD).map_err(|error| {
        Error::Systemd(format!(
            "file descriptor {FIRST_FD} is not a usable socket: {error}"
        ))
    })?;
    // SAFETY: by the activation protocol, descriptor 3 is a socket given to
    // this process (checked above: LISTEN_PID is ours and it is a socket),
    // and TAKEN guarantees it is wrapped only once.
    let fd = unsafe { OwnedFd::from_raw_fd(FIRST_FD) };
    let listener = match family {
        libc::AF_UNIX => {
            let listener = std::os::unix::net::UnixListener::from(fd);
            listener
                .set_nonblocking(true)
                .and_then(|()| tokio::net::UnixListener::from_std(listener))
                .map(Listener::Unix)
        }
        libc::AF_INET | libc::AF_INET6 => {
            let listener = std::net::TcpListener::from(fd);
            listener
                .set_nonblocking(true)
                .and_then(|()| tokio::net::TcpListener::from_std(listener))
                .map(Listener::Tcp)
        }
        other => return Err(Error::Systemd(format!("unsupported socket family {other}"))),
    };
    listener.map_err(|error| Error::io("cannot use the systemd socket", error))
}

/// How many sockets systemd passed, or why none.
fn passed_fds() -> Result<u32, String> {
    let pid = std::env::var("LISTEN_PID")
        .map_err(|_| "LISTEN_PID is not set: not started by systemd socket activation")?;
    if pid.trim().parse::<u32>().ok() != Some(std::process::id()) {
        return Err(format!("LISTEN_PID={pid} names another process"));
    }
    let count = std::env::var("LISTEN_FDS").unwrap_or_default();
    match count.trim().parse::<u32>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err(format!("LISTEN_FDS={count:?}: no socket was passed")),
    }
}

/// The address family of socket `fd`; also marks it close-on-exec.
fn socket_family(fd: RawFd) -> io::Result<libc::c_int> {
    // SAFETY: plain syscalls on a descriptor number with valid out-pointers
    // of the sizes given.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut stat) != 0 {
            return Err(io::Error::last_os_error());
        }
        if stat.st_mode & libc::S_IFMT != libc::S_IFSOCK {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a socket"));
        }
        let mut address: libc::sockaddr_storage = std::mem::zeroed();
        let mut length = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        if libc::getsockname(
            fd,
            (&mut address as *mut libc::sockaddr_storage).cast(),
            &mut length,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        if libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(libc::c_int::from(address.ss_family))
    }
}
