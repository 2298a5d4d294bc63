//! An on-disk token cache, so short-lived programs (like `ksa`) reuse a
//! valid token across runs instead of authenticating every time.
//!
//! Entries are keyed by the plugin's [`cache_id`](crate::AuthPlugin::cache_id)
//! (a digest of auth URL, user and scope: different users, projects or
//! clouds never share an entry). Entries are written to a temporary file
//! and renamed under an exclusive lock, so concurrent programs never see
//! half an entry. A corrupt or wrong-version file, or another identity's,
//! is ignored (and replaced on the next save).
//!
//! The cache trusts only its owner; see [`TokenCache`] for the rules.
//!
//! ```no_run
//! # async fn demo(plugin: std::sync::Arc<dyn keystoneauth::AuthPlugin>, session: keystoneauth::Session) -> keystoneauth::Result<()> {
//! use keystoneauth::TokenCache;
//! let cache = TokenCache::at_default_location()?;
//! cache.load(plugin.as_ref())?;              // a valid cached token, if any
//! let r = session.get("/projects").send().await?;
//! cache.save(plugin.as_ref())?;              // the (possibly new) token for next time
//! # Ok(()) }
//! ```

#[cfg(unix)]
mod private_dir;
#[cfg(not(unix))]
#[path = "unsupported.rs"]
mod private_dir;
#[cfg(feature = "redis")]
mod redis_store;
mod refresh;
#[cfg(feature = "redis")]
mod seal;
mod shared;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::access::AccessInfo;
use crate::auth::AuthPlugin;
use crate::error::{Error, Result};
use private_dir::PrivateDir;
#[cfg(feature = "redis")]
pub use redis_store::{RedisTokenStore, RedisTokenStoreBuilder};
pub use store::{FileTokenStore, LockRelease, StoreLock, TokenStore};

/// The format version of cache files.
const FORMAT: u64 = 1;

/// The least remaining lifetime for a cached token to be used: like the
/// plugins' re-authentication margin (120 s, or a quarter of the lifetime).
const DEFAULT_MARGIN: Duration = Duration::from_secs(120);

/// How long a process waits for another one fetching the same token.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);

/// How long a fetch lock outlives a holder that died (stores with TTLs).
const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);

/// A directory of cached tokens, trusted only when it is the current
/// user's own, as OpenSSH treats `~/.ssh`.
///
/// - **The directory** is used only when the current (effective) user owns
///   it and neither group nor others can write to it, and it is not a
///   symbolic link. Otherwise [`load`](Self::load), [`save`](Self::save),
///   [`remove`](Self::remove) and [`check_dir`](Self::check_dir) fail with
///   [`Error::UntrustedFile`] and touch nothing in it. It is created `0700`;
///   an existing one that others may read (`0755`) is narrowed to `0700`
///   through its open descriptor.
/// - **An entry** is read only when it is a regular file (not a link,
///   opened with `O_NOFOLLOW`) owned by the user with no access for group
///   or others (`0600`), as `fstat` of the opened file shows. Otherwise
///   `load` fails with [`Error::UntrustedFile`] (and [`read`](Self::read)
///   gives `None`); the next `save` replaces it.
/// - **Temporary and lock files** are created with
///   `O_CREAT|O_EXCL|O_NOFOLLOW` and mode `0600`, and every file is reached
///   through the directory's descriptor (`openat`, `renameat`, `unlinkat`).
///   Nothing is ever `chmod`ed or `chown`ed by path.
///
/// What to do with an untrusted cache is the caller's choice: `ksa` prints
/// a warning and runs without the cache. On platforms other than Unix the
/// checks cannot be made, and the cache is refused.
///
/// **Single flight.** [`TokenCache::wrap`] puts the cache in front of a
/// plugin: a process that finds no valid entry takes the entry's fetch
/// lock ([`TokenStore::lock`]; an exclusive `flock` on disk), looks again,
/// and only then authenticates and stores the token, so many processes
/// starting at once make one token request. The others wait (30 s at
/// most, [`TokenCache::lock_wait`]) and read the entry.
///
/// **Other stores.** The entries can live elsewhere: [`TokenCache::with_store`]
/// takes any [`TokenStore`], such as the shared, encrypted Redis store of
/// the `redis` feature. The synchronous [`load`](Self::load),
/// [`save`](Self::save) and [`remove`](Self::remove) use the directory
/// only; [`restore`](Self::restore), [`store`](Self::store),
/// [`forget`](Self::forget) and [`wrap`](Self::wrap) work with every store.
#[derive(Debug, Clone)]
pub struct TokenCache {
    /// The directory of the on-disk store; `None` for another store.
    dir: Option<PathBuf>,
    store: Arc<dyn TokenStore>,
    lock_wait: Duration,
    lock_ttl: Duration,
}

impl TokenCache {
    /// A cache in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        TokenCache {
            store: Arc::new(FileTokenStore::new(dir.clone())),
            dir: Some(dir),
            lock_wait: DEFAULT_LOCK_WAIT,
            lock_ttl: DEFAULT_LOCK_TTL,
        }
    }

    /// A cache whose entries live in `store`.
    pub fn with_store(store: Arc<dyn TokenStore>) -> Self {
        TokenCache {
            dir: None,
            store,
            lock_wait: DEFAULT_LOCK_WAIT,
            lock_ttl: DEFAULT_LOCK_TTL,
        }
    }

    /// How long a process waits for another one that is fetching the same
    /// token before it fetches one itself (30 s by default).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// How long a fetch lock outlives a holder that died, in stores whose
    /// locks expire (30 s by default; a `flock` needs none).
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// The store.
    pub fn token_store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// Where the entries are, for messages (see [`TokenStore::location`]).
    pub fn location(&self) -> String {
        self.store.location()
    }

    /// The default directory: `$XDG_RUNTIME_DIR/keystoneauth` when set (a
    /// per-user tmpfs), else `$XDG_CACHE_HOME/keystoneauth`, else
    /// `~/.cache/keystoneauth`.
    pub fn default_dir() -> Result<PathBuf> {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(d) = var("XDG_RUNTIME_DIR") {
            return Ok(d.join("keystoneauth"));
        }
        if let Some(d) = var("XDG_CACHE_HOME") {
            return Ok(d.join("keystoneauth"));
        }
        if let Some(h) = var("HOME") {
            return Ok(h.join(".cache").join("keystoneauth"));
        }
        Err(Error::missing_option_in(
            "token cache directory",
            "set XDG_RUNTIME_DIR, XDG_CACHE_HOME or HOME",
        ))
    }

    /// A cache in [`TokenCache::default_dir`].
    pub fn at_default_location() -> Result<Self> {
        Ok(Self::new(Self::default_dir()?))
    }

    /// The directory of the on-disk store; `None` for another store.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The file of a cache id in the on-disk store.
    pub fn path_for(&self, cache_id: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join(FileTokenStore::entry_name(cache_id)))
    }

    /// Checks that the directory, if it exists, can be trusted (see
    /// [`TokenCache`]), without creating it. Nothing to check for another
    /// store.
    pub fn check_dir(&self) -> Result<()> {
        match &self.dir {
            Some(dir) => PrivateDir::open(dir, false).map(|_| ()),
            None => Ok(()),
        }
    }

    /// The on-disk store, or an error for the synchronous methods of a
    /// cache on another store.
    fn file_store(&self) -> Result<FileTokenStore> {
        match &self.dir {
            Some(dir) => Ok(FileTokenStore::new(dir.clone())),
            None => Err(Error::token_store(
                self.store.location(),
                "this store is used through the asynchronous methods (restore, store, forget, wrap)",
            )),
        }
    }

    /// The text of the entry of `cache_id`: `None` when the directory or
    /// the entry does not exist; an error when either is not trusted.
    fn read_text(&self, cache_id: &str) -> Result<Option<String>> {
        self.file_store()?.read_text(cache_id)
    }

    /// Reads the cached state of `cache_id`, if there is a usable one: a
    /// missing, corrupt, foreign or wrong-version file gives `None`, and so
    /// does an untrusted directory or entry (see [`TokenCache`]; use
    /// [`TokenCache::load`] to learn why).
    pub fn read(&self, cache_id: &str) -> Option<SecretString> {
        let text = match self.read_text(cache_id) {
            Ok(text) => text?,
            Err(e) => {
                tracing::warn!(target: crate::transport::LOG_TARGET, error = %e, "not using the token cache");
                return None;
            }
        };
        self.parse_logged(&text, cache_id)
    }

    fn parse_logged(&self, text: &str, cache_id: &str) -> Option<SecretString> {
        let state = Self::parse_entry(text, cache_id);
        if state.is_none() {
            tracing::debug!(target: crate::transport::LOG_TARGET, store = %self.store.location(), "ignoring a token cache entry that is corrupt or of another format or identity");
        }
        state
    }

    /// Parses the text of a cache file for `cache_id`: its saved auth state
    /// (as [`AccessInfo::from_state`] reads it), or `None` when the text is
    /// not JSON, is of another format version, or belongs to another cache
    /// id. [`TokenCache::read`] uses it; it reads no file.
    pub fn parse_entry(text: &str, cache_id: &str) -> Option<SecretString> {
        let doc: Value = serde_json::from_str(text).ok()?;
        if doc.get("format").and_then(Value::as_u64) != Some(FORMAT)
            || doc.get("cache_id").and_then(Value::as_str) != Some(cache_id)
        {
            return None;
        }
        let state = doc.get("state")?;
        Some(SecretString::from(state.to_string()))
    }

    /// Gives `plugin` its cached token when one exists that is valid for
    /// longer than the re-authentication margin. Returns whether it did.
    ///
    /// # Errors
    /// [`Error::UntrustedFile`] when the directory or the entry is not
    /// trusted (see [`TokenCache`]); the plugin is left as it was.
    ///
    /// A plugin that re-scopes an unscoped token (the browser login,
    /// `v3websso`) also gets its valid cached unscoped token, kept under
    /// [`AuthPlugin::unscoped_cache_id`], so that another scope needs no
    /// new login; the return value is about the scoped token only.
    pub fn load(&self, plugin: &dyn AuthPlugin) -> Result<bool> {
        if let Some(id) = plugin.unscoped_cache_id() {
            if let Some(text) = self.read_text(&id)? {
                self.apply_unscoped(plugin, &text, &id);
            }
        }
        let Some(cache_id) = plugin.cache_id() else {
            return Ok(false);
        };
        let Some(text) = self.read_text(&cache_id)? else {
            return Ok(false);
        };
        Ok(self.apply_entry(plugin, &text, &cache_id).is_some())
    }

    /// The state in entry `text` when it holds a token valid for longer
    /// than the re-authentication margin.
    fn valid_state(&self, text: &str, cache_id: &str) -> Option<(SecretString, AccessInfo)> {
        let state = self.parse_logged(text, cache_id)?;
        let access = AccessInfo::from_state(state.expose_secret()).ok()?;
        (!access.will_expire_soon(margin_for(&access))).then_some((state, access))
    }

    /// Gives `plugin` the state in entry `text` when it is usable and valid
    /// for longer than the re-authentication margin: the token it holds.
    fn apply_entry(&self, plugin: &dyn AuthPlugin, text: &str, cache_id: &str) -> Option<AccessInfo> {
        // Even when the token has expired: the refresh token renews it.
        refresh::restore(text, cache_id, plugin);
        let (state, access) = self.valid_state(text, cache_id)?;
        plugin
            .set_auth_state(state.expose_secret())
            .unwrap_or(false)
            .then_some(access)
    }

    /// Gives a re-scoping plugin (`v3websso`) its kept unscoped token from
    /// entry `text` when it is still valid.
    fn apply_unscoped(&self, plugin: &dyn AuthPlugin, text: &str, cache_id: &str) {
        if let Some((state, _)) = self.valid_state(text, cache_id) {
            let _ = plugin.set_unscoped_auth_state(state.expose_secret());
        }
    }

    /// The entry for the plugin's current token: its cache id, its text and
    /// how long it stays valid. `None` for plugins without a cache id or a
    /// token.
    fn entry_for(plugin: &dyn AuthPlugin) -> Result<Option<(String, SecretString, Duration)>> {
        let (Some(cache_id), Some(state)) = (plugin.cache_id(), plugin.auth_state()) else {
            return Ok(None);
        };
        Self::make_entry(cache_id, &state, Some(plugin)).map(Some)
    }

    /// The entry for a re-scoping plugin's unscoped token (`v3websso`).
    fn unscoped_entry_for(plugin: &dyn AuthPlugin) -> Result<Option<(String, SecretString, Duration)>> {
        let (Some(cache_id), Some(state)) = (plugin.unscoped_cache_id(), plugin.unscoped_auth_state()) else {
            return Ok(None);
        };
        Self::make_entry(cache_id, &state, None).map(Some)
    }

    /// An entry's text for a state, with `plugin`'s sealed refresh
    /// credential when given, and its time to live.
    fn make_entry(
        cache_id: String,
        state: &SecretString,
        plugin: Option<&dyn AuthPlugin>,
    ) -> Result<(String, SecretString, Duration)> {
        // The entry lives while it is usable: until the re-authentication margin.
        let ttl = AccessInfo::from_state(state.expose_secret())
            .ok()
            .and_then(|a| {
                let margin = chrono::Duration::from_std(margin_for(&a)).ok()?;
                (a.expires_at() - margin - chrono::Utc::now()).to_std().ok()
            })
            .unwrap_or(Duration::ZERO);
        let state: Value = serde_json::from_str(state.expose_secret())
            .map_err(|_| Error::invalid_response("auth state", "the plugin's auth state is not JSON"))?;
        let mut doc = json!({"format": FORMAT, "cache_id": cache_id, "state": state});
        if let Some(plugin) = plugin {
            if let Some(sealed) = refresh::seal(plugin, &cache_id)? {
                doc[refresh::FIELD] = sealed;
            }
        }
        let doc = SecretString::from(doc.to_string());
        Ok((cache_id, doc, ttl))
    }

    /// Stores the plugin's current token (atomically, under the lock),
    /// creating the directory if needed. Does nothing for plugins without a
    /// cache id or a token.
    ///
    /// # Errors
    /// [`Error::UntrustedFile`] when the directory, its lock or a file in
    /// the way is not trusted; [`Error::File`] when it cannot be written.
    ///
    /// A plugin's unscoped token ([`AuthPlugin::unscoped_auth_state`]) is
    /// stored too, under its own id.
    pub fn save(&self, plugin: &dyn AuthPlugin) -> Result<bool> {
        let files = self.file_store()?;
        if let Some((cache_id, doc, _ttl)) = Self::unscoped_entry_for(plugin)? {
            files.write_text(&cache_id, &doc)?;
        }
        let Some((cache_id, doc, _ttl)) = Self::entry_for(plugin)? else {
            return Ok(false);
        };
        files.write_text(&cache_id, &doc)?;
        Ok(true)
    }

    /// Drops the entry of `cache_id`; true if there was one.
    ///
    /// # Errors
    /// [`Error::UntrustedFile`] when the directory is not trusted.
    pub fn remove(&self, cache_id: &str) -> Result<bool> {
        self.file_store()?.remove_entry(cache_id)
    }

    /// [`load`](Self::load) for any store: gives `plugin` its cached token
    /// when one exists that is valid for longer than the re-authentication
    /// margin. Returns whether it did.
    ///
    /// # Errors
    /// What the store reports ([`Error::UntrustedFile`] on disk,
    /// [`Error::TokenStore`]).
    pub async fn restore(&self, plugin: &dyn AuthPlugin) -> Result<bool> {
        self.restore_unscoped(plugin).await?;
        let Some(cache_id) = plugin.cache_id() else {
            return Ok(false);
        };
        let Some(text) = self.store.get(&cache_id).await? else {
            return Ok(false);
        };
        Ok(self.apply_entry(plugin, text.expose_secret(), &cache_id).is_some())
    }

    /// [`save`](Self::save) for any store: stores the plugin's current
    /// token, to live as long as the token. Does nothing for plugins
    /// without a cache id or a token.
    ///
    /// # Errors
    /// What the store reports.
    pub async fn store(&self, plugin: &dyn AuthPlugin) -> Result<bool> {
        if let Some((cache_id, doc, ttl)) = Self::unscoped_entry_for(plugin)? {
            self.store.put(&cache_id, &doc, ttl).await?;
        }
        let Some((cache_id, doc, ttl)) = Self::entry_for(plugin)? else {
            return Ok(false);
        };
        self.store.put(&cache_id, &doc, ttl).await?;
        Ok(true)
    }

    /// Gives a re-scoping plugin (`v3websso`) its stored unscoped token
    /// when one is still valid, so another scope needs no new login.
    pub(crate) async fn restore_unscoped(&self, plugin: &dyn AuthPlugin) -> Result<()> {
        if let Some(id) = plugin.unscoped_cache_id() {
            if let Some(text) = self.store.get(&id).await? {
                self.apply_unscoped(plugin, text.expose_secret(), &id);
            }
        }
        Ok(())
    }

    /// [`remove`](Self::remove) for any store: drops the entry of
    /// `cache_id` (after a revocation); true if there was one.
    ///
    /// # Errors
    /// What the store reports.
    pub async fn forget(&self, cache_id: &str) -> Result<bool> {
        self.store.delete(cache_id).await
    }

    /// `plugin` behind this cache, single-flight: see [`TokenCache`]. The
    /// returned plugin looks for a cached token before authenticating,
    /// authenticates under the entry's fetch lock, stores what it fetched,
    /// and on a 401 drops the rejected entry so one process fetches anew
    /// for everyone. Store failures are logged and never fail a request.
    ///
    /// ```no_run
    /// # async fn demo(plugin: std::sync::Arc<dyn keystoneauth::AuthPlugin>) -> keystoneauth::Result<()> {
    /// let cache = keystoneauth::TokenCache::at_default_location()?;
    /// let session = keystoneauth::Session::builder().auth(cache.wrap(plugin)).build()?;
    /// let r = session.get("/projects").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn wrap(&self, plugin: Arc<dyn AuthPlugin>) -> Arc<dyn AuthPlugin> {
        Arc::new(shared::CachedAuth::new(self.clone(), plugin))
    }
}

/// The re-authentication margin of a token: 120 s, or a quarter of its
/// lifetime when that is shorter (as the plugins use).
fn margin_for(access: &AccessInfo) -> Duration {
    access.lifetime().map_or(DEFAULT_MARGIN, |l| DEFAULT_MARGIN.min(l / 4))
}

#[cfg(test)]
mod tests;
