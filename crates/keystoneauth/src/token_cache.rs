//! An on-disk token cache, so short-lived programs (like `ksa`) reuse a
//! valid token across runs instead of authenticating every time.
//!
//! Entries are keyed by the plugin's [`cache_id`](crate::AuthPlugin::cache_id)
//! (a digest of auth URL, user and scope: different users, projects or
//! clouds never share an entry). The directory is created `0700`, files are
//! `0600`, written to a temporary file and renamed under an exclusive lock,
//! so concurrent programs never see half an entry. A corrupt, foreign or
//! wrong-version file is ignored (and replaced on the next save).
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

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::access::AccessInfo;
use crate::auth::AuthPlugin;
use crate::error::{Error, Result};

/// The format version of cache files.
const FORMAT: u64 = 1;

/// The least remaining lifetime for a cached token to be used: like the
/// plugins' re-authentication margin (120 s, or a quarter of the lifetime).
const DEFAULT_MARGIN: Duration = Duration::from_secs(120);

/// A directory of cached tokens.
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

fn io_error(what: &'static str, path: &Path, source: std::io::Error) -> Error {
    Error::File {
        what,
        path: path.to_path_buf(),
        source,
    }
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
        self.dir.join(format!("{cache_id}.json"))
    }

    fn ensure_dir(&self) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(|e| io_error("token cache directory", &self.dir, e))?;
        set_mode(&self.dir, 0o700).map_err(|e| io_error("token cache directory", &self.dir, e))
    }

    fn lock(&self) -> Result<File> {
        self.ensure_dir()?;
        let path = self.dir.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("token cache lock", &path, e))?;
        set_mode(&path, 0o600).map_err(|e| io_error("token cache lock", &path, e))?;
        file.lock().map_err(|e| io_error("token cache lock", &path, e))?;
        Ok(file)
    }

    /// Reads the cached state of `cache_id`, if there is a usable one: a
    /// missing, corrupt, foreign or wrong-version file gives `None`.
    pub fn read(&self, cache_id: &str) -> Option<SecretString> {
        let path = self.path_for(cache_id);
        let mut text = String::new();
        File::open(&path).ok()?.read_to_string(&mut text).ok()?;
        let state = Self::parse_entry(&text, cache_id);
        if state.is_none() {
            tracing::debug!(target: crate::transport::LOG_TARGET, path = %path.display(), "ignoring a token cache file that is corrupt or of another format or identity");
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
    pub fn load(&self, plugin: &dyn AuthPlugin) -> Result<bool> {
        let Some(cache_id) = plugin.cache_id() else {
            return Ok(false);
        };
        let Some(state) = self.read(&cache_id) else {
            return Ok(false);
        };
        let Ok(access) = AccessInfo::from_state(state.expose_secret()) else {
            return Ok(false);
        };
        let margin = access.lifetime().map_or(DEFAULT_MARGIN, |l| DEFAULT_MARGIN.min(l / 4));
        if access.will_expire_soon(margin) {
            return Ok(false);
        }
        Ok(plugin.set_auth_state(state.expose_secret()).unwrap_or(false))
    }

    /// Stores the plugin's current token (atomically, under the lock).
    /// Does nothing for plugins without a cache id or a token.
    pub fn save(&self, plugin: &dyn AuthPlugin) -> Result<bool> {
        let (Some(cache_id), Some(state)) = (plugin.cache_id(), plugin.auth_state()) else {
            return Ok(false);
        };
        let state: Value = serde_json::from_str(state.expose_secret()).map_err(|_| Error::InvalidResponse {
            url: "auth state".into(),
            message: "the plugin's auth state is not JSON".into(),
            source: None,
        })?;
        let doc = SecretString::from(json!({"format": FORMAT, "cache_id": cache_id, "state": state}).to_string());
        let _lock = self.lock()?;
        let path = self.path_for(&cache_id);
        let tmp = self.dir.join(format!(".{cache_id}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = OpenOptions::new().create(true).truncate(true).write(true).open(&tmp)?;
            set_mode(&tmp, 0o600)?;
            f.write_all(doc.expose_secret().as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_error("token cache file", &path, e)
        })?;
        Ok(true)
    }

    /// Drops the entry of `cache_id`; true if there was one.
    pub fn remove(&self, cache_id: &str) -> Result<bool> {
        let path = self.path_for(cache_id);
        if !path.exists() {
            return Ok(false);
        }
        let _lock = self.lock()?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error("token cache file", &path, e)),
        }
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::v3;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ksa-cache-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn plugin() -> v3::Password {
        v3::Password::builder("http://127.0.0.1:1/v3")
            .user_id("u")
            .password("CANARY-PASSWORD")
            .project_id("p")
            .build()
            .unwrap()
    }

    fn state(expires: &str) -> String {
        json!({"auth_token": "CANARY-TOKEN", "body": {"token": {
            "expires_at": expires, "issued_at": "2026-01-01T00:00:00Z", "user": {"id": "u"}, "methods": ["password"],
            "project": {"id": "p", "name": "p"}}}})
        .to_string()
    }

    #[test]
    fn round_trip_with_modes() {
        let dir = temp_dir("round");
        let cache = TokenCache::new(&dir);
        let p = plugin();
        assert!(!cache.load(&p).unwrap(), "nothing cached yet");
        assert!(!cache.save(&p).unwrap(), "no token yet");
        p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
        assert!(cache.save(&p).unwrap());
        let file = cache.path_for(&p.cache_id().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
            assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let fresh = plugin();
        assert!(cache.load(&fresh).unwrap());
        assert!(fresh.auth_state().unwrap().expose_secret().contains("CANARY-TOKEN"));
        assert!(!fs::read_to_string(&file).unwrap().contains("CANARY-PASSWORD"));
        assert!(cache.remove(&p.cache_id().unwrap()).unwrap());
        assert!(!cache.load(&plugin()).unwrap());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn expiring_corrupt_and_foreign_entries_are_ignored() {
        let dir = temp_dir("bad");
        let cache = TokenCache::new(&dir);
        let p = plugin();
        let id = p.cache_id().unwrap();
        p.set_auth_state(&state("2000-01-01T00:00:00Z")).unwrap();
        cache.save(&p).unwrap();
        assert!(!cache.load(&plugin()).unwrap(), "expired");
        fs::write(cache.path_for(&id), "{not json").unwrap();
        assert!(!cache.load(&plugin()).unwrap(), "corrupt");
        fs::write(
            cache.path_for(&id),
            json!({"format": 99, "cache_id": id, "state": {}}).to_string(),
        )
        .unwrap();
        assert!(!cache.load(&plugin()).unwrap(), "other format");
        fs::write(
            cache.path_for(&id),
            json!({"format": 1, "cache_id": "someone-else", "state": {}}).to_string(),
        )
        .unwrap();
        assert!(!cache.load(&plugin()).unwrap(), "foreign");
        // And a save replaces it.
        p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
        cache.save(&p).unwrap();
        assert!(cache.load(&plugin()).unwrap());
        let _ = fs::remove_dir_all(&dir);
    }
}
