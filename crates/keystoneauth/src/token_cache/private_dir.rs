//! The token cache's file access, trusting only the current user: the
//! directory is opened once (`O_DIRECTORY|O_NOFOLLOW`) and checked with
//! `fstat` on that descriptor, and every file in it is reached relative to
//! it (`openat`, `renameat`, `unlinkat`), so nothing can be swapped between
//! the check and the use. Files are created `O_CREAT|O_EXCL|O_NOFOLLOW`
//! with mode 0600, modes are only ever changed on an open descriptor
//! (`fchmod`), and entries are read only when `fstat` of the opened file
//! shows a regular file owned by the user and closed to group and others.

use std::fs::{self, File, Permissions};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{openat, renameat, unlinkat, AtFlags, Mode, OFlags, CWD};
use rustix::io::Errno;

use crate::error::{Error, Result};

/// The largest entry read: a token body with a large catalog is a few
/// hundred KiB; anything bigger is not a cache entry.
const MAX_ENTRY: u64 = 4 << 20;

const DIR: &str = "token cache directory";
const FILE: &str = "token cache file";
const LOCK: &str = "token cache lock";

/// The open, checked cache directory.
#[derive(Debug)]
pub(super) struct PrivateDir {
    fd: OwnedFd,
    path: PathBuf,
}

fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn untrusted(what: &'static str, path: &Path, reason: impl Into<String>) -> Error {
    Error::untrusted_file(what, path.to_path_buf(), reason)
}

fn io_error(what: &'static str, path: &Path, source: io::Error) -> Error {
    Error::file(what, path.to_path_buf(), source)
}

/// Turns an `open(O_NOFOLLOW)` failure into an error: a symbolic link
/// (`ELOOP`, `EMLINK` on the BSDs) is refused, anything else is I/O.
fn open_error(what: &'static str, path: &Path, e: Errno) -> Error {
    if e == Errno::LOOP || e == Errno::MLINK {
        untrusted(what, path, "it is a symbolic link")
    } else {
        io_error(what, path, e.into())
    }
}

/// Checks the owner of an opened file (its `fstat`, not a path lookup).
fn check_owner(what: &'static str, path: &Path, meta: &fs::Metadata) -> Result<()> {
    let me = current_uid();
    if meta.uid() != me {
        return Err(untrusted(
            what,
            path,
            format!("it is owned by uid {}, not by the current user (uid {me})", meta.uid()),
        ));
    }
    Ok(())
}

fn mode_of(meta: &fs::Metadata) -> u32 {
    meta.mode() & 0o7777
}

impl PrivateDir {
    /// Opens the directory at `path` and checks that the current user owns
    /// it and that neither group nor others may write to it. With `create`,
    /// makes it (0700) when missing and narrows an existing one to 0700
    /// through its descriptor; without, a missing directory is `None`.
    pub(super) fn open(path: &Path, create: bool) -> Result<Option<Self>> {
        if create {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent).map_err(|e| io_error(DIR, path, e))?;
            }
            match fs::DirBuilder::new().mode(0o700).create(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_error(DIR, path, e)),
            }
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(CWD, path, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) if !create => return Ok(None),
            // O_DIRECTORY|O_NOFOLLOW on a link may also say "not a directory".
            Err(Errno::NOTDIR) if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
                return Err(untrusted(DIR, path, "it is a symbolic link"))
            }
            Err(e) => return Err(open_error(DIR, path, e)),
        };
        let dir = File::from(fd);
        let meta = dir.metadata().map_err(|e| io_error(DIR, path, e))?;
        check_owner(DIR, path, &meta)?;
        let mode = mode_of(&meta);
        if mode & 0o022 != 0 {
            return Err(untrusted(
                DIR,
                path,
                format!("it is writable by group or others (mode {mode:04o}); `chmod 700` it or remove it"),
            ));
        }
        if create && mode & 0o077 != 0 {
            dir.set_permissions(Permissions::from_mode(0o700))
                .map_err(|e| io_error(DIR, path, e))?;
        }
        Ok(Some(PrivateDir {
            fd: dir.into(),
            path: path.to_path_buf(),
        }))
    }

    fn child(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Creates `name` with `O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600 (set
    /// again on the descriptor, whatever the umask).
    fn create_new(&self, name: &str, what: &'static str) -> Result<std::result::Result<File, Errno>> {
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match openat(&self.fd, name, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => {
                let file = File::from(fd);
                file.set_permissions(Permissions::from_mode(0o600))
                    .map_err(|e| io_error(what, &self.child(name), e))?;
                Ok(Ok(file))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    /// Opens an existing file in the directory without following a link
    /// (and without blocking on a FIFO), and checks with `fstat` that it is
    /// a regular file owned by the user.
    fn open_existing(&self, name: &str, what: &'static str, access: OFlags) -> Result<Option<(File, fs::Metadata)>> {
        let path = self.child(name);
        let flags = access | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(open_error(what, &path, e)),
        };
        let file = File::from(fd);
        let meta = file.metadata().map_err(|e| io_error(what, &path, e))?;
        if !meta.file_type().is_file() {
            return Err(untrusted(what, &path, "it is not a regular file"));
        }
        check_owner(what, &path, &meta)?;
        Ok(Some((file, meta)))
    }

    /// Takes the directory's exclusive lock (`.lock`, created 0600 if
    /// missing; an existing one must be the user's regular file).
    pub(super) fn lock(&self) -> Result<File> {
        let name = ".lock";
        let file = self.lock_file(name)?;
        file.lock().map_err(|e| io_error(LOCK, &self.child(name), e))?;
        Ok(file)
    }

    /// Opens the lock file `name`, created 0600 if missing (an existing one
    /// must be the user's regular file), without locking it.
    pub(super) fn lock_file(&self, name: &str) -> Result<File> {
        let path = self.child(name);
        let file = match self.create_new(name, LOCK)? {
            Ok(file) => file,
            Err(Errno::EXIST) => {
                let Some((file, meta)) = self.open_existing(name, LOCK, OFlags::RDWR)? else {
                    return Err(io_error(LOCK, &path, io::ErrorKind::NotFound.into()));
                };
                if mode_of(&meta) & 0o077 != 0 {
                    file.set_permissions(Permissions::from_mode(0o600))
                        .map_err(|e| io_error(LOCK, &path, e))?;
                }
                file
            }
            Err(e) => return Err(open_error(LOCK, &path, e)),
        };
        Ok(file)
    }

    /// The text of entry `name`, if there is one: refused when it is a
    /// link, not a regular file, not the user's, or open to group or others.
    pub(super) fn read(&self, name: &str) -> Result<Option<String>> {
        let path = self.child(name);
        let Some((file, meta)) = self.open_existing(name, FILE, OFlags::RDONLY)? else {
            return Ok(None);
        };
        let mode = mode_of(&meta);
        if mode & 0o077 != 0 {
            return Err(untrusted(
                FILE,
                &path,
                format!("its mode is {mode:04o}, not 0600 (readable or writable by group or others)"),
            ));
        }
        if meta.len() > MAX_ENTRY {
            return Err(untrusted(FILE, &path, format!("it is larger than {MAX_ENTRY} bytes")));
        }
        let mut text = String::new();
        file.take(MAX_ENTRY)
            .read_to_string(&mut text)
            .map_err(|e| io_error(FILE, &path, e))?;
        Ok(Some(text))
    }

    /// Writes entry `name` atomically: a new temporary file (`tmp`, made
    /// with `O_EXCL|O_NOFOLLOW`; a stale one, or a link planted there, is
    /// unlinked first), synced, then renamed over the entry. Call it under
    /// [`PrivateDir::lock`].
    pub(super) fn write(&self, name: &str, tmp: &str, bytes: &[u8]) -> Result<()> {
        let path = self.child(name);
        let mut file = match self.create_new(tmp, FILE)? {
            Ok(f) => f,
            Err(Errno::EXIST) => {
                // Ours from a crashed run of the same pid, or planted: the
                // name (never what it points to) goes, under the lock.
                unlinkat(&self.fd, tmp, AtFlags::empty()).map_err(|e| io_error(FILE, &self.child(tmp), e.into()))?;
                match self.create_new(tmp, FILE)? {
                    Ok(f) => f,
                    Err(e) => return Err(open_error(FILE, &self.child(tmp), e)),
                }
            }
            Err(e) => return Err(open_error(FILE, &self.child(tmp), e)),
        };
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| renameat(&self.fd, tmp, &self.fd, name).map_err(io::Error::from));
        if let Err(e) = written {
            let _ = unlinkat(&self.fd, tmp, AtFlags::empty());
            return Err(io_error(FILE, &path, e));
        }
        Ok(())
    }

    /// Unlinks entry `name` (the name, never a link's target); true if it
    /// was there.
    pub(super) fn remove(&self, name: &str) -> Result<bool> {
        match unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(io_error(FILE, &self.child(name), e.into())),
        }
    }
}
