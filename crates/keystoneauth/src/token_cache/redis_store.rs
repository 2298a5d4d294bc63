//! A token store shared by a fleet: entries in Redis, sealed with
//! AES-256-GCM, fetched single-flight across hosts, degrading to direct
//! authentication while Redis is away. See `docs/fleet-tokens.md`.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::seal::Keys;
use super::store::{LockRelease, StoreLock, TokenStore};
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::LOG_TARGET;

/// How long one Redis command may take before Redis counts as away.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
/// The pause between two attempts at a taken lock.
const POLL: Duration = Duration::from_millis(25);
/// Releases the lock only when it is still the holder's.
const RELEASE: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// Tokens shared by every process of a fleet through Redis (cargo feature
/// `redis`). Use it with [`TokenCache::with_store`](crate::TokenCache::with_store).
///
/// - **Encrypted and authenticated.** Entries are sealed with AES-256-GCM
///   under a shared key, with the cache id as associated data. A missing or
///   wrong key, or a tampered entry, is a miss and a warning, never an
///   error. Redis keys are SHA-256 digests of the cache ids: nothing in
///   Redis shows a token, a password or a user name.
/// - **Single flight.** The fetcher holds `SET <lock> <random> NX PX ttl`;
///   the others poll, up to the cache's lock wait, then read the entry. The
///   lock of a holder that dies expires after its TTL.
/// - **Outages.** A command that fails or takes longer than the timeout
///   (500 ms by default) makes the store a miss, and the plugin
///   authenticates directly; one warning per outage, one note when Redis
///   is back.
///
/// ```no_run
/// # fn demo() -> keystoneauth::Result<()> {
/// use keystoneauth::{RedisTokenStore, TokenCache};
/// let store = RedisTokenStore::builder("redis://127.0.0.1:6379/0")
///     .key_file("/etc/keystoneauth/token-store.key")
///     .build()?;
/// let cache = TokenCache::with_store(std::sync::Arc::new(store));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTokenStore(Arc<Inner>);

struct Inner {
    url: MaskedUrl,
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    keys: Keys,
    timeout: Duration,
    /// Redis is away: warned once, until a command succeeds again.
    down: AtomicBool,
    /// Warned once that entries cannot be sealed or opened (no key).
    keyless_warned: AtomicBool,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("url", &self.0.url)
            .field("timeout", &self.0.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RedisTokenStore`].
pub struct RedisTokenStoreBuilder {
    url: MaskedUrl,
    keys: Option<std::result::Result<Keys, String>>,
    timeout: Duration,
}

impl fmt::Debug for RedisTokenStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStoreBuilder")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStoreBuilder {
    /// The sealing keys, 32 bytes each: the first seals, all open.
    pub fn keys(mut self, keys: &[[u8; 32]]) -> Self {
        self.keys = Some(Ok(Keys::new(keys)));
        self
    }

    /// Reads the keys from a file (one a line, 64 hex digits or base64;
    /// `#` comments; the first seals, all open). The file must not be open
    /// to others. A missing or bad file is not an error: the store then
    /// never holds an entry, and says why in one warning.
    pub fn key_file(mut self, path: impl AsRef<Path>) -> Self {
        self.keys = Some(Keys::from_file(path.as_ref()));
        self
    }

    /// How long a Redis command may take before Redis counts as away.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The store (connecting lazily, on first use).
    ///
    /// # Errors
    /// [`Error::TokenStore`] when the URL is not a Redis URL.
    pub fn build(self) -> Result<RedisTokenStore> {
        let client = redis::Client::open(self.url.expose())
            .map_err(|e| Error::token_store(self.url.to_string(), "not a valid redis:// URL").with_source(e))?;
        let keys = match self.keys {
            Some(Ok(keys)) => keys,
            Some(Err(why)) => {
                tracing::warn!(target: LOG_TARGET, store = %self.url, "token store: {why}; every lookup is a miss");
                Keys::new(&[])
            }
            None => Keys::new(&[]),
        };
        Ok(RedisTokenStore(Arc::new(Inner {
            url: self.url,
            client,
            conn: tokio::sync::Mutex::new(None),
            keyless_warned: AtomicBool::new(!keys.is_empty()),
            keys,
            timeout: self.timeout,
            down: AtomicBool::new(false),
        })))
    }
}

/// The Redis key of an entry or a lock: a digest of the cache id.
fn redis_key(kind: &str, cache_id: &str) -> String {
    let digest = Sha256::digest(format!("keystoneauth token store\0{cache_id}").as_bytes());
    format!("keystoneauth:{kind}:{}", hex::encode(digest))
}

impl RedisTokenStore {
    /// A builder for a store at `url` (`redis://[:password@]host:port/db`,
    /// `rediss://` for TLS, `redis+unix:///path`).
    pub fn builder(url: &str) -> RedisTokenStoreBuilder {
        RedisTokenStoreBuilder {
            url: MaskedUrl::new(url),
            keys: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Runs one command within the timeout, connecting first if needed.
    /// `None` when Redis is away (warned once per outage).
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Option<T> {
        let inner = &self.0;
        let attempt = async {
            let mut slot = inner.conn.lock().await;
            let mut conn = match slot.as_ref() {
                Some(c) => c.clone(),
                None => {
                    let c = inner.client.get_multiplexed_async_connection().await?;
                    *slot = Some(c.clone());
                    c
                }
            };
            drop(slot);
            cmd.query_async::<T>(&mut conn).await
        };
        let outcome = match tokio::time::timeout(inner.timeout, attempt).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {:?}", inner.timeout)),
        };
        match outcome {
            Ok(value) => {
                if inner.down.swap(false, Ordering::SeqCst) {
                    tracing::info!(target: LOG_TARGET, store = %inner.url, "token store: Redis answers again; sharing tokens");
                }
                Some(value)
            }
            Err(why) => {
                *inner.conn.lock().await = None;
                if !inner.down.swap(true, Ordering::SeqCst) {
                    tracing::warn!(target: LOG_TARGET, store = %inner.url, error = %why, "token store: Redis is unreachable; authenticating directly until it is back");
                }
                None
            }
        }
    }

    /// Whether entries can be sealed; warns once when they cannot.
    fn has_keys(&self) -> bool {
        if self.0.keys.is_empty() {
            if !self.0.keyless_warned.swap(true, Ordering::SeqCst) {
                tracing::warn!(target: LOG_TARGET, store = %self.0.url, "token store: no key (set token_store_key_file); tokens are not shared");
            }
            return false;
        }
        true
    }
}

/// A lock held in Redis, released only if still ours.
struct RedisLock {
    store: RedisTokenStore,
    key: String,
    token: String,
}

#[async_trait]
impl LockRelease for RedisLock {
    async fn release(self: Box<Self>) {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(RELEASE).arg(1).arg(&self.key).arg(&self.token);
        let _: Option<i64> = self.store.run(&cmd).await;
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    fn location(&self) -> String {
        self.0.url.to_string()
    }

    async fn get(&self, cache_id: &str) -> Result<Option<SecretString>> {
        if !self.has_keys() {
            return Ok(None);
        }
        let mut cmd = redis::cmd("GET");
        cmd.arg(redis_key("token", cache_id));
        let Some(Some(sealed)) = self.run::<Option<Vec<u8>>>(&cmd).await else {
            return Ok(None);
        };
        let plain = self.0.keys.open(&sealed, cache_id.as_bytes());
        if plain.is_none() {
            tracing::warn!(target: LOG_TARGET, store = %self.0.url, "token store: an entry did not open with the configured keys (another key, or tampered); ignored");
        }
        Ok(plain)
    }

    async fn put(&self, cache_id: &str, entry: &SecretString, ttl: Duration) -> Result<()> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        if ms == 0 || !self.has_keys() {
            return Ok(());
        }
        let Some(sealed) = self.0.keys.seal(entry.expose_secret().as_bytes(), cache_id.as_bytes()) else {
            return Ok(());
        };
        let mut cmd = redis::cmd("SET");
        cmd.arg(redis_key("token", cache_id)).arg(sealed).arg("PX").arg(ms);
        let _: Option<()> = self.run(&cmd).await;
        Ok(())
    }

    async fn delete(&self, cache_id: &str) -> Result<bool> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(redis_key("token", cache_id));
        Ok(self.run::<i64>(&cmd).await.is_some_and(|n| n > 0))
    }

    /// `SET <lock> <random> NX PX ttl`, tried every 25 ms until taken or
    /// until the entry appears (then a lock with nothing to release: the
    /// caller reads the entry), for at most `wait`. `None` when the wait
    /// ran out or Redis is away.
    async fn lock(&self, cache_id: &str, ttl: Duration, wait: Duration) -> Result<Option<StoreLock>> {
        if !self.has_keys() {
            return Ok(None);
        }
        let key = redis_key("lock", cache_id);
        let token = super::seal::random_id();
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let deadline = Instant::now() + wait;
        loop {
            let mut set = redis::cmd("SET");
            set.arg(&key).arg(&token).arg("NX").arg("PX").arg(ms);
            match self.run::<Option<String>>(&set).await {
                None => return Ok(None),
                Some(Some(_)) => {
                    return Ok(Some(StoreLock::new(RedisLock {
                        store: self.clone(),
                        key,
                        token,
                    })))
                }
                Some(None) => {}
            }
            let mut exists = redis::cmd("EXISTS");
            exists.arg(redis_key("token", cache_id));
            if self.run::<i64>(&exists).await.is_some_and(|n| n > 0) {
                return Ok(Some(StoreLock::none()));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL.min(deadline - now)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_password_never_shows_and_keys_are_digests() {
        let store = RedisTokenStore::builder("redis://:canary-pw@127.0.0.1:1/0")
            .keys(&[[1; 32]])
            .build()
            .unwrap();
        for text in [format!("{store:?}"), store.location()] {
            assert!(!text.contains("canary-pw") && text.contains("127.0.0.1:1"), "{text}");
        }
        let key = redis_key("token", "my-cache-id");
        assert!(key.starts_with("keystoneauth:token:") && !key.contains("my-cache-id"));
        assert_ne!(key, redis_key("lock", "my-cache-id"));
        let err = RedisTokenStore::builder("http://:canary-pw@h/0").build().unwrap_err();
        assert!(!err.to_string().contains("canary-pw"), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_a_miss_not_an_error() {
        // Port 1 on loopback: nothing listens, the connection is refused.
        let store = RedisTokenStore::builder("redis://127.0.0.1:1/0")
            .keys(&[[1; 32]])
            .build()
            .unwrap();
        let entry = SecretString::from("entry");
        assert!(store.get("id").await.unwrap().is_none());
        store.put("id", &entry, Duration::from_secs(60)).await.unwrap();
        assert!(!store.delete("id").await.unwrap());
        let wait = Duration::from_secs(5);
        assert!(store.lock("id", wait, wait).await.unwrap().is_none());
    }
}
