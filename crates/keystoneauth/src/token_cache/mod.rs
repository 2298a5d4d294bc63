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

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::access::AccessInfo;
use crate::auth::AuthPlugin;
use crate::error::{Error, Result};
use private_dir::PrivateDir;

/// The format version of cache files.
const FORMAT: u64 = 1;

/// The least remaining lifetime for a cached token to be used: like the
/// plugins' re-authentication margin (120 s, or a quarter of the lifetime).
const DEFAULT_MARGIN: Duration = Duration::from_secs(120);

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
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

impl TokenCache {
    /// A cache in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TokenCache { dir: dir.into() }
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
        Err(Error::MissingOption {
            option: "token cache directory".into(),
            location: Some("set XDG_RUNTIME_DIR, XDG_CACHE_HOME or HOME".into()),
        })
    }

    /// A cache in [`TokenCache::default_dir`].
    pub fn at_default_location() -> Result<Self> {
        Ok(Self::new(Self::default_dir()?))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a cache id.
    pub fn path_for(&self, cache_id: &str) -> PathBuf {
        self.dir.join(Self::entry_name(cache_id))
    }

    /// Checks that the directory, if it exists, can be trusted (see
    /// [`TokenCache`]), without creating it.
    pub fn check_dir(&self) -> Result<()> {
        PrivateDir::open(&self.dir, false).map(|_| ())
    }

    fn entry_name(cache_id: &str) -> String {
        format!("{cache_id}.json")
    }

    /// The text of the entry of `cache_id`: `None` when the directory or
    /// the entry does not exist; an error when either is not trusted.
    fn read_text(&self, cache_id: &str) -> Result<Option<String>> {
        match PrivateDir::open(&self.dir, false)? {
            Some(dir) => dir.read(&Self::entry_name(cache_id)),
            None => Ok(None),
        }
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
            tracing::debug!(target: crate::transport::LOG_TARGET, path = %self.path_for(cache_id).display(), "ignoring a token cache file that is corrupt or of another format or identity");
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
        if let Some(state) = plugin
            .unscoped_cache_id()
            .map(|id| self.valid_state(&id))
            .transpose()?
            .flatten()
        {
            let _ = plugin.set_unscoped_auth_state(state.expose_secret());
        }
        let Some(state) = plugin.cache_id().map(|id| self.valid_state(&id)).transpose()?.flatten() else {
            return Ok(false);
        };
        Ok(plugin.set_auth_state(state.expose_secret()).unwrap_or(false))
    }

    /// The cached state of `cache_id` when it holds a token valid for
    /// longer than the margin.
    fn valid_state(&self, cache_id: &str) -> Result<Option<SecretString>> {
        let Some(text) = self.read_text(cache_id)? else {
            return Ok(None);
        };
        let Some(state) = self.parse_logged(&text, cache_id) else {
            return Ok(None);
        };
        let Ok(access) = AccessInfo::from_state(state.expose_secret()) else {
            return Ok(None);
        };
        let margin = access.lifetime().map_or(DEFAULT_MARGIN, |l| DEFAULT_MARGIN.min(l / 4));
        Ok((!access.will_expire_soon(margin)).then_some(state))
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
        if let (Some(cache_id), Some(state)) = (plugin.unscoped_cache_id(), plugin.unscoped_auth_state()) {
            self.save_state(&cache_id, &state)?;
        }
        let (Some(cache_id), Some(state)) = (plugin.cache_id(), plugin.auth_state()) else {
            return Ok(false);
        };
        self.save_state(&cache_id, &state)
    }

    fn save_state(&self, cache_id: &str, state: &SecretString) -> Result<bool> {
        let state: Value = serde_json::from_str(state.expose_secret()).map_err(|_| Error::InvalidResponse {
            url: "auth state".into(),
            message: "the plugin's auth state is not JSON".into(),
            source: None,
        })?;
        let doc = SecretString::from(json!({"format": FORMAT, "cache_id": cache_id, "state": state}).to_string());
        let dir = PrivateDir::open(&self.dir, true)?.ok_or_else(|| Error::File {
            what: "token cache directory",
            path: self.dir.clone(),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        let _lock = dir.lock()?;
        let tmp = format!(".{cache_id}.{}.tmp", std::process::id());
        dir.write(&Self::entry_name(cache_id), &tmp, doc.expose_secret().as_bytes())?;
        Ok(true)
    }

    /// Drops the entry of `cache_id`; true if there was one.
    ///
    /// # Errors
    /// [`Error::UntrustedFile`] when the directory is not trusted.
    pub fn remove(&self, cache_id: &str) -> Result<bool> {
        let Some(dir) = PrivateDir::open(&self.dir, false)? else {
            return Ok(false);
        };
        let _lock = dir.lock()?;
        dir.remove(&Self::entry_name(cache_id))
    }
}

#[cfg(test)]
mod tests;
