//! An exclusive `flock`, taken without waiting: what keeps two instances of one plugin
//! from serving one socket (`transport::lock`) or writing one state directory (`store`).
//! The kernel releases it when the file is closed or the process dies.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// Locks `file` exclusively; `Ok(false)` when another open file holds the lock.
pub(crate) fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    // SAFETY: flock takes a file descriptor and flags and touches no memory; the
    // descriptor belongs to `file`, which is open for the whole call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    if error.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(error)
    }
}
