//! Where token cache entries live: the [`TokenStore`] trait, and the
//! on-disk store that is [`TokenCache`](crate::TokenCache)'s default.

use std::fmt;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use super::private_dir::PrivateDir;
use crate::error::{Error, Result};

/// Storage for [`TokenCache`](crate::TokenCache) entries, keyed by the
/// plugin's [`cache_id`](crate::AuthPlugin::cache_id). An entry is opaque
/// text (a secret: it holds a token); the cache writes and parses it.
///
/// The on-disk [`FileTokenStore`] is the default; with the `redis` feature
/// the crate adds a shared, encrypted `RedisTokenStore`,
/// and other crates can add their own:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use std::time::Duration;
/// use async_trait::async_trait;
/// use keystoneauth::{StoreLock, TokenStore};
/// use secrecy::SecretString;
///
/// /// Entries in memory, for one process (a lock is never contended here).
/// #[derive(Debug, Default)]
/// struct Memory(Mutex<HashMap<String, SecretString>>);
///
/// #[async_trait]
/// impl TokenStore for Memory {
///     fn location(&self) -> String {
///         "memory".into()
///     }
///     async fn get(&self, id: &str) -> keystoneauth::Result<Option<SecretString>> {
///         Ok(self.0.lock().unwrap().get(id).cloned())
///     }
///     async fn put(&self, id: &str, entry: &SecretString, _ttl: Duration) -> keystoneauth::Result<()> {
///         self.0.lock().unwrap().insert(id.to_owned(), entry.clone());
///         Ok(())
///     }
///     async fn delete(&self, id: &str) -> keystoneauth::Result<bool> {
///         Ok(self.0.lock().unwrap().remove(id).is_some())
///     }
///     async fn lock(&self, _id: &str, _ttl: Duration, _wait: Duration) -> keystoneauth::Result<Option<StoreLock>> {
///         Ok(Some(StoreLock::none()))
///     }
/// }
/// let cache = keystoneauth::TokenCache::with_store(std::sync::Arc::new(Memory::default()));
/// assert_eq!(cache.location(), "memory");
/// ```
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// Where the entries are (a directory, `redis://host:6379/0`), for
    /// messages: never a password or a key.
    fn location(&self) -> String;

    /// The entry of `cache_id`, if there is one. A store that cannot be
    /// reached may answer `Ok(None)` (a miss) after logging why.
    async fn get(&self, cache_id: &str) -> Result<Option<SecretString>>;

    /// Stores the entry of `cache_id`; the store may drop it after `ttl`
    /// (the token's remaining lifetime).
    async fn put(&self, cache_id: &str, entry: &SecretString, ttl: Duration) -> Result<()>;

    /// Drops the entry of `cache_id` (its token was revoked or rejected);
    /// true if there was one.
    async fn delete(&self, cache_id: &str) -> Result<bool>;

    /// Takes the fetch lock of `cache_id`, waiting at most `wait` for
    /// another holder: `None` when the wait ran out (or the store cannot
    /// lock now), and the caller fetches without it. A holder that dies
    /// loses the lock after at most `ttl`.
    async fn lock(&self, cache_id: &str, ttl: Duration, wait: Duration) -> Result<Option<StoreLock>>;
}

/// What a store does to give up a lock it granted.
#[async_trait]
pub trait LockRelease: Send + Sync {
    /// Releases the lock.
    async fn release(self: Box<Self>);
}

/// A fetch lock granted by [`TokenStore::lock`]. [`StoreLock::release`]
/// gives it up; a lock dropped without it is released by the store's own
/// means (closing the file of a `flock`, the TTL of a Redis key).
pub struct StoreLock(Option<Box<dyn LockRelease>>);

impl StoreLock {
    /// A lock released by `release`.
    pub fn new(release: impl LockRelease + 'static) -> Self {
        StoreLock(Some(Box::new(release)))
    }

    /// A lock with nothing to release (for stores that need no lock).
    pub fn none() -> Self {
        StoreLock(None)
    }

    /// Gives the lock up.
    pub async fn release(self) {
        if let Some(r) = self.0 {
            r.release().await;
        }
    }
}

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreLock")
    }
}

/// The on-disk store: one `0600` file per entry in a directory that only
/// its owner may use (see [`TokenCache`](crate::TokenCache) for the
/// rules). The fetch lock is an exclusive `flock` on the entry's own lock
/// file (`.<cache id>.lock`): the kernel releases it when its holder exits
/// or is killed, so `ttl` is not needed.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
}

/// The lock file's `flock`, held until released or dropped.
struct FileLock(File);

#[async_trait]
impl LockRelease for FileLock {
    async fn release(self: Box<Self>) {
        let _ = self.0.unlock();
    }
}

/// The longest pause between two attempts at a contended lock.
const MAX_POLL: Duration = Duration::from_millis(50);

impl FileTokenStore {
    /// A store in `dir` (created `0700` on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileTokenStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn entry_name(cache_id: &str) -> String {
        format!("{cache_id}.json")
    }

    /// The text of the entry of `cache_id` (see [`PrivateDir::read`]).
    pub(super) fn read_text(&self, cache_id: &str) -> Result<Option<String>> {
        match PrivateDir::open(&self.dir, false)? {
            Some(dir) => dir.read(&Self::entry_name(cache_id)),
            None => Ok(None),
        }
    }

    /// Writes the entry atomically under the directory's lock.
    pub(super) fn write_text(&self, cache_id: &str, text: &SecretString) -> Result<()> {
        let dir = self.open_created()?;
        let _lock = dir.lock()?;
        let tmp = format!(".{cache_id}.{}.tmp", std::process::id());
        dir.write(&Self::entry_name(cache_id), &tmp, text.expose_secret().as_bytes())
    }

    /// Unlinks the entry under the directory's lock.
    pub(super) fn remove_entry(&self, cache_id: &str) -> Result<bool> {
        let Some(dir) = PrivateDir::open(&self.dir, false)? else {
            return Ok(false);
        };
        let _lock = dir.lock()?;
        dir.remove(&Self::entry_name(cache_id))
    }

    fn open_created(&self) -> Result<PrivateDir> {
        PrivateDir::open(&self.dir, true)?.ok_or_else(|| {
            Error::file(
                "token cache directory",
                self.dir.clone(),
                std::io::ErrorKind::NotFound.into(),
            )
        })
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    async fn get(&self, cache_id: &str) -> Result<Option<SecretString>> {
        Ok(self.read_text(cache_id)?.map(SecretString::from))
    }

    async fn put(&self, cache_id: &str, entry: &SecretString, _ttl: Duration) -> Result<()> {
        self.write_text(cache_id, entry)
    }

    async fn delete(&self, cache_id: &str) -> Result<bool> {
        self.remove_entry(cache_id)
    }

    /// An exclusive `flock` on `.<cache id>.lock`, tried until it is free
    /// or `wait` has passed (pausing up to 50 ms between tries, so the
    /// runtime is never blocked).
    async fn lock(&self, cache_id: &str, _ttl: Duration, wait: Duration) -> Result<Option<StoreLock>> {
        let name = format!(".{cache_id}.lock");
        let file = self.open_created()?.lock_file(&name)?;
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(StoreLock::new(FileLock(file)))),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(Error::file("token cache lock", self.dir.join(&name), source))
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(MAX_POLL);
        }
    }
}
