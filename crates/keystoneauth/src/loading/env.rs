//! A snapshot of environment variables, so that loading never reads the
//! process environment behind the caller's back (and tests need not touch it).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt;

use super::opt::ValueSource;
use super::source::{auth_aliases, AdapterKey, Found, Key, Rank, SessionKey, Source};
use crate::error::{Error, Result};

/// Environment variables, as the loading functions see them.
///
/// [`Env::os`] takes a snapshot of the process environment; tests and
/// programs that want control build one from pairs. Empty values count as
/// unset, as in keystoneauth1.
///
/// A variable whose value is not valid UTF-8 has no value here, but is
/// remembered: reading it where it matters ([`Env::try_get`], an `OS_*`
/// variable a [`Loader`](super::Loader) or the `envvars` cloud reads) is
/// an [`Error::EnvNotUtf8`] naming it, never a silent "missing option".
///
/// ```
/// use keystoneauth::loading::Env;
/// let env = Env::from_pairs([("OS_AUTH_URL", "http://keystone:5000/v3"), ("OS_PASSWORD", "")]);
/// assert_eq!(env.get("OS_AUTH_URL"), Some("http://keystone:5000/v3"));
/// assert_eq!(env.get("OS_PASSWORD"), None);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Names of variables whose values are not UTF-8.
    not_utf8: BTreeSet<String>,
}

impl fmt::Debug for Env {
    /// Lists the variable names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Env {
    /// No variables.
    pub fn empty() -> Self {
        Env::default()
    }

    /// A snapshot of the process environment (see [`Env::from_os_pairs`]).
    pub fn os() -> Self {
        Env::from_os_pairs(std::env::vars_os())
    }

    /// Variables from OS strings: a value that is not valid UTF-8 is kept
    /// as a name only (see [`Env::not_utf8`]); a name that is not valid
    /// UTF-8 is left out.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::unix::ffi::OsStringExt;
    /// use keystoneauth::loading::Env;
    /// let env = Env::from_os_pairs([("OS_PASSWORD".into(), std::ffi::OsString::from_vec(vec![0xff]))]);
    /// assert_eq!(env.get("OS_PASSWORD"), None);
    /// assert!(env.try_get("OS_PASSWORD").unwrap_err().to_string().contains("OS_PASSWORD is not valid UTF-8"));
    /// # }
    /// ```
    pub fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut env = Env::default();
        for (k, v) in pairs {
            let Ok(k) = k.into_string() else {
                continue;
            };
            match v.into_string() {
                Ok(v) => {
                    env.vars.insert(k, v);
                }
                Err(_) => {
                    env.not_utf8.insert(k);
                }
            }
        }
        env
    }

    /// The names of the variables whose values are not valid UTF-8.
    pub fn not_utf8(&self) -> impl Iterator<Item = &str> {
        self.not_utf8.iter().map(String::as_str)
    }

    /// Like [`Env::get`], but a variable whose value is not valid UTF-8 is
    /// an [`Error::EnvNotUtf8`] naming it (the value is never shown).
    pub fn try_get(&self, name: &str) -> Result<Option<&str>> {
        if self.not_utf8.contains(name) {
            return Err(Error::env_not_utf8(name.to_owned()));
        }
        Ok(self.get(name))
    }

    /// Variables from pairs.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            not_utf8: BTreeSet::new(),
        }
    }

    /// Sets a variable.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.not_utf8.remove(&name);
        self.vars.insert(name, value.into());
    }

    /// With a variable set.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Removes a variable.
    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
        self.not_utf8.remove(name);
    }

    /// A variable's value; `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The first of `names` that is set, with its name.
    pub fn first<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Option<(&'a str, &str)> {
        names.into_iter().find_map(|n| self.get(n).map(|v| (n, v)))
    }

    /// All variables that are set (non-empty), sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Env::from_pairs(iter)
    }
}

/// The environment as a source: `OS_*` variables.
pub(crate) struct EnvSource(pub(crate) Env);

impl EnvSource {
    fn session_vars(key: SessionKey) -> &'static [&'static str] {
        match key {
            SessionKey::CaFile => &["OS_CACERT"],
            SessionKey::CertFile => &["OS_CERT"],
            SessionKey::KeyFile => &["OS_KEY"],
            SessionKey::Insecure => &["OS_INSECURE"],
            SessionKey::Timeout => &["OS_API_TIMEOUT"],
            SessionKey::TokenStore => &["OS_TOKEN_STORE"],
            SessionKey::TokenStoreKeyFile => &["OS_TOKEN_STORE_KEY_FILE"],
            SessionKey::CollectTiming | SessionKey::SplitLoggers => &[],
        }
    }

    fn adapter_suffix(key: AdapterKey) -> Option<&'static str> {
        Some(match key {
            AdapterKey::ServiceType => "SERVICE_TYPE",
            AdapterKey::ServiceName => "SERVICE_NAME",
            AdapterKey::Interfaces => "INTERFACE",
            AdapterKey::RegionName => "REGION_NAME",
            AdapterKey::EndpointOverride => "ENDPOINT_OVERRIDE",
            AdapterKey::Version => "API_VERSION",
            _ => return None,
        })
    }

    fn vars(&self, key: &Key<'_>) -> Vec<String> {
        match key {
            Key::AuthType => vec!["OS_AUTH_TYPE".into(), "OS_AUTH_PLUGIN".into()],
            Key::IdentityApiVersion => vec!["OS_IDENTITY_API_VERSION".into()],
            Key::Auth(opt) => auth_aliases(opt)
                .iter()
                .map(|n| format!("OS_{}", n.to_ascii_uppercase()))
                .collect(),
            Key::Session(k) => Self::session_vars(*k).iter().map(|s| (*s).to_owned()).collect(),
            Key::Adapter(k, service) => {
                let Some(suffix) = Self::adapter_suffix(*k) else {
                    return Vec::new();
                };
                match service {
                    // Per-service region names are not a keystoneauth1 variable.
                    Some(_) if *k == AdapterKey::RegionName => Vec::new(),
                    Some(st) => vec![format!("OS_{}_{suffix}", st.replace('-', "_").to_ascii_uppercase())],
                    None => vec![format!("OS_{suffix}")],
                }
            }
        }
    }
}

impl Source for EnvSource {
    fn rank(&self) -> Rank {
        Rank::Environment
    }

    fn lookup(&self, key: &Key<'_>) -> Result<Option<Found>> {
        for var in self.vars(key) {
            if let Some(v) = self.0.try_get(&var)? {
                return Ok(Some(Found::str(v, ValueSource::Environment { var })));
            }
        }
        Ok(None)
    }

    fn hint(&self, key: &Key<'_>) -> Option<String> {
        self.vars(key).into_iter().next()
    }
}
