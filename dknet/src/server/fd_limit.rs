//! Raising the open-file soft limit to the hard limit, as Go programs do at
//! start: every connection is a file, and the usual soft limit of 1024 is
//! low for a server.

/// Raises `RLIMIT_NOFILE`'s soft limit to its hard limit; returns the soft
/// limit now in force (`None` if it cannot be read).
pub(crate) fn raise_open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass, nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = limit.rlim_max;
        } else {
            let error = std::io::Error::last_os_error();
            tracing::debug!(%error, "cannot raise the open-file limit");
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::raise_open_file_limit;

    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct we pass.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        // Start below the hard limit, so that raising it shows.
        limit.rlim_cur = limit.rlim_max / 2;
        // SAFETY: setrlimit only reads the struct we pass.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
        let soft = raise_open_file_limit().unwrap();
        // SAFETY: getrlimit writes into the struct we pass.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(soft, limit.rlim_cur);
        assert_eq!(limit.rlim_cur, limit.rlim_max);
    }
}
