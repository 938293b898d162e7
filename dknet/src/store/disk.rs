//! The store's directory: one JSON file per entry, replaced atomically, and the lock that
//! keeps other processes out.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::Error;

/// What an entry's file name ends with.
const ENTRY_SUFFIX: &str = ".json";
/// What a temporary file's name ends with (it also starts with `.`, which no entry's does).
const TEMP_SUFFIX: &str = ".tmp";
/// The file locked while a process has the store open.
const LOCK_FILE: &str = ".lock";
/// The longest entry file name: under Linux's 255 bytes, with room for the temporary name.
const MAX_FILE_NAME: usize = 240;

/// One change to the directory.
#[derive(Debug)]
pub(super) enum Write {
    /// The entry's file replaced by (or created with) `bytes`.
    Replace {
        /// The entry's file name.
        file: String,
        /// Its new content.
        bytes: Vec<u8>,
    },
    /// The entry's file removed.
    Remove {
        /// The entry's file name.
        file: String,
    },
}

/// An open store directory, locked for this process while it lives.
#[derive(Debug)]
pub(super) struct Directory {
    path: PathBuf,
    /// Holds the `flock`; the kernel releases it when the file is closed or the process dies.
    _lock: File,
    /// How many steps are left before a simulated crash (see `crash_at_step`).
    #[cfg(test)]
    crash_in: std::sync::Mutex<Option<usize>>,
}

impl Directory {
    /// Creates `path` (mode 0700) if needed, locks it, deletes the temporary files a crash
    /// left and reads every entry.
    pub(super) fn open<V: DeserializeOwned>(
        path: &Path,
    ) -> Result<(Self, BTreeMap<String, V>), Error> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(io_error("creating", path))?;
        let lock = lock(path)?;
        let directory = Self {
            path: path.to_path_buf(),
            _lock: lock,
            #[cfg(test)]
            crash_in: std::sync::Mutex::new(None),
        };
        let entries = directory.read_entries()?;
        Ok((directory, entries))
    }

    /// The directory.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Applies `writes` in order; returns how many reached the directory (a write whose
    /// rename or removal happened counts even if flushing the directory then failed), and
    /// the error that stopped the others.
    pub(super) fn apply(&self, writes: &[Write]) -> (usize, Result<(), Error>) {
        for (done, write) in writes.iter().enumerate() {
            let applied = match write {
                Write::Replace { file, bytes } => self.replace(file, bytes),
                Write::Remove { file } => self.remove(file),
            };
            let visible = match applied {
                Ok(()) => continue,
                Err(Failure::Before(e)) => return (done, Err(e)),
                Err(Failure::After(e)) => (done + 1, Err(e)),
            };
            return visible;
        }
        (writes.len(), Ok(()))
    }

    /// Writes `bytes` to a temporary file, flushes it, renames it over `file` and flushes
    /// the directory.
    fn replace(&self, file: &str, bytes: &[u8]) -> Result<(), Failure> {
        let temp = self.path.join(format!(".{file}{TEMP_SUFFIX}"));
        self.step("creating", &temp)?;
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .map_err(io_error("creating", &temp))?;
        self.step("writing", &temp)?;
        out.write_all(bytes).map_err(io_error("writing", &temp))?;
        self.step("flushing", &temp)?;
        out.sync_all().map_err(io_error("flushing", &temp))?;
        let path = self.path.join(file);
        self.step("replacing", &path)?;
        fs::rename(&temp, &path).map_err(io_error("replacing", &path))?;
        // The rename is only durable once the directory entry is on disk too.
        self.sync().map_err(Failure::After)
    }

    /// Removes `file` (a missing file counts as removed) and flushes the directory.
    fn remove(&self, file: &str) -> Result<(), Failure> {
        let path = self.path.join(file);
        self.step("removing", &path)?;
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_error("removing", &path)(e).into())
            }
            _ => {}
        }
        self.sync().map_err(Failure::After)
    }

    /// Flushes the directory itself (renames and removals in it).
    fn sync(&self) -> Result<(), Error> {
        self.step("flushing", &self.path)?;
        File::open(&self.path)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error("flushing", &self.path))
    }

    /// Reads every entry; deletes temporary files (a crash's leftovers); refuses anything
    /// else, leaving it as it is.
    fn read_entries<V: DeserializeOwned>(&self) -> Result<BTreeMap<String, V>, Error> {
        let mut entries = BTreeMap::new();
        let mut removed_temp = false;
        let listing = fs::read_dir(&self.path).map_err(io_error("reading", &self.path))?;
        for item in listing {
            let item = item.map_err(io_error("reading", &self.path))?;
            let path = item.path();
            let unknown = || Error::UnknownFile { path: path.clone() };
            let Some(name) = item.file_name().to_str().map(str::to_owned) else {
                return Err(unknown());
            };
            if name == LOCK_FILE {
                continue;
            }
            let is_file = item
                .file_type()
                .map_err(io_error("reading", &path))?
                .is_file();
            if !is_file {
                return Err(unknown());
            }
            if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
                fs::remove_file(&path).map_err(io_error("removing", &path))?;
                removed_temp = true;
                continue;
            }
            let key = name
                .strip_suffix(ENTRY_SUFFIX)
                .and_then(decode)
                .ok_or_else(unknown)?;
            let bytes = fs::read(&path).map_err(io_error("reading", &path))?;
            let value =
                serde_json::from_slice(&bytes).map_err(|source| Error::Corrupt { path, source })?;
            entries.insert(key, value);
        }
        if removed_temp {
            self.sync()?;
        }
        Ok(entries)
    }

    /// Makes the `nth` step from now (0: the next) fail as if the process had died just
    /// before it.
    #[cfg(test)]
    pub(super) fn crash_at_step(&self, nth: usize) {
        *self.crash_in.lock().unwrap() = Some(nth);
    }

    /// The point before each file system step where a test may simulate a crash.
    #[cfg(test)]
    fn step(&self, action: &'static str, path: &Path) -> Result<(), Error> {
        let mut crash_in = self.crash_in.lock().unwrap();
        match *crash_in {
            Some(0) => {
                *crash_in = None;
                Err(io_error(action, path)(io::Error::other("simulated crash")))
            }
            Some(n) => {
                *crash_in = Some(n - 1);
                Ok(())
            }
            None => Ok(()),
        }
    }

    #[cfg(not(test))]
    fn step(&self, _action: &'static str, _path: &Path) -> Result<(), Error> {
        Ok(())
    }
}

/// A write that failed: before its change reached the directory, or after (flushing it).
enum Failure {
    Before(Error),
    After(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Before(error)
    }
}

/// Opens and locks the lock file of the directory `dir`; another process holding it is
/// [`Error::Busy`].
fn lock(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io_error("opening", &path))?;
    match crate::file_lock::try_lock_exclusive(&file) {
        Ok(true) => Ok(file),
        Ok(false) => Err(Error::Busy {
            dir: dir.to_path_buf(),
        }),
        Err(error) => Err(io_error("locking", &path)(error)),
    }
}

/// The file name of the entry `key`: ASCII letters, digits and `-_.:@` as they are (but a
/// leading `.`), every other byte as `%XX`, then `.json`.
pub(super) fn file_name(key: &str) -> Result<String, Error> {
    let mut name = String::with_capacity(key.len() + ENTRY_SUFFIX.len());
    for (i, byte) in key.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b':' | b'@')
            || (byte == b'.' && i > 0);
        if plain {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name.push_str(ENTRY_SUFFIX);
    if key.is_empty() || name.len() > MAX_FILE_NAME {
        return Err(Error::InvalidKey(key.to_owned()));
    }
    Ok(name)
}

/// The key a file name's stem (without `.json`) encodes, or `None` when [`file_name`]
/// would not have written it.
fn decode(stem: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(stem.len());
    let mut rest = stem.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    let key = String::from_utf8(bytes).ok()?;
    // Only the one spelling file_name gives (no `%41` for `A`, no lower-case hex).
    (file_name(&key).ok()?.strip_suffix(ENTRY_SUFFIX)? == stem).then_some(key)
}

/// An [`Error::Io`] maker for `action` on `path`.
fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

/// [`decode`], for the store's tests.
#[cfg(test)]
pub(super) fn decode_for_tests(stem: &str) -> Option<String> {
    decode(stem)
}
