//! A snapshot of environment variables, so that loading never reads the
//! process environment behind the caller's back (and tests need not touch it).

use std::collections::BTreeMap;
use std::fmt;

/// Environment variables, as the loading functions see them.
///
/// [`Env::os`] takes a snapshot of the process environment; tests and
/// programs that want control build one from pairs. Empty values count as
/// unset, as in keystoneauth1.
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

    /// A snapshot of the process environment (variables that are not valid
    /// UTF-8 are left out).
    pub fn os() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// Variables from pairs.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }

    /// Sets a variable.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// With a variable set.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Removes a variable.
    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
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
