//! The socket's owner group: by name (looked up with `getgrnam_r`, so NSS
//! sources such as LDAP work too) or by number.

use std::ffi::CString;
use std::io;

use crate::Error;

/// The group [`Plugin::socket_group`](crate::Plugin::socket_group) or
/// [`Plugin::socket_gid`](crate::Plugin::socket_gid) chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SocketGroup {
    Name(String),
    Gid(u32),
}

impl SocketGroup {
    /// The numeric group id.
    pub(crate) fn gid(&self) -> Result<u32, Error> {
        match self {
            Self::Gid(gid) => Ok(*gid),
            Self::Name(name) => match lookup(name) {
                Ok(Some(gid)) => Ok(gid),
                Ok(None) => Err(Error::UnknownGroup(name.clone())),
                Err(error) => Err(Error::io(format!("cannot look up group `{name}`"), error)),
            },
        }
    }
}

/// The id of group `name`, `None` when there is no such group.
fn lookup(name: &str) -> io::Result<Option<u32>> {
    let Ok(c_name) = CString::new(name) else {
        return Ok(None);
    };
    let mut buffer = vec![0_u8; 1024];
    loop {
        // SAFETY: `group` is plain old data that getgrnam_r fills in; every
        // pointer passed is valid for the length given, and `group`'s string
        // pointers (into `buffer`) are not used after this block.
        let (code, found, gid) = unsafe {
            let mut group: libc::group = std::mem::zeroed();
            let mut result: *mut libc::group = std::ptr::null_mut();
            let code = libc::getgrnam_r(
                c_name.as_ptr(),
                &mut group,
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut result,
            );
            (code, !result.is_null(), group.gr_gid)
        };
        match code {
            0 if found => return Ok(Some(gid)),
            libc::ERANGE if buffer.len() < 1 << 20 => buffer.resize(buffer.len() * 2, 0),
            // "Not found" is reported in several ways (see getgrnam_r(3)).
            0 | libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM => {
                return Ok(name.parse().ok())
            }
            code => return Err(io::Error::from_raw_os_error(code)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_group_zero() {
        assert_eq!(SocketGroup::Name("root".into()).gid().unwrap(), 0);
        assert_eq!(SocketGroup::Gid(42).gid().unwrap(), 42);
    }

    #[test]
    fn unknown_group_says_so() {
        let error = SocketGroup::Name("dknet-no-such-group".into())
            .gid()
            .unwrap_err();
        assert!(matches!(error, Error::UnknownGroup(_)));
        assert!(
            error.to_string().contains("Plugin::socket_group"),
            "{error}"
        );
    }
}
