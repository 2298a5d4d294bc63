//! oslo.config-style INI files: `[group]` sections of `key = value` lines.
//!
//! The syntax follows oslo.config's `iniparser`: `#` and `;` start comment
//! lines (not inline comments), `key = value` or `key: value`, surrounding
//! matching quotes are removed, lines starting with whitespace continue the
//! previous value (joined with a newline), a blank line ends a value.
//! Group names are case-insensitive except `DEFAULT`; keys may use dashes or
//! underscores. When a key is repeated, or several files are loaded, the
//! last value wins.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::opt::{self, ValueSource};
use super::source::{AdapterKey, Found, Key, Rank, Source};
use crate::error::{Error, Result};

#[derive(Clone)]
struct Entry {
    key: String,
    value: String,
    group: Arc<str>,
    path: Arc<PathBuf>,
    line: usize,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if crate::redact::is_secret_key(&self.key) {
            crate::redact::MASK.to_owned()
        } else {
            crate::redact::url_str(&self.value)
        };
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &value)
            .field("path", &self.path)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// One or more parsed INI files.
///
/// ```
/// use keystoneauth::loading::IniFile;
/// let ini = IniFile::parse("[keystone]\nauth_type = v3password\n# a comment\nauth-url: http://k:5000/v3\n", "/etc/app.conf").unwrap();
/// assert_eq!(ini.get("keystone", "auth_type"), Some("v3password"));
/// assert_eq!(ini.get("Keystone", "auth_url"), Some("http://k:5000/v3"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct IniFile {
    paths: Vec<PathBuf>,
    groups: BTreeMap<String, HashMap<String, Entry>>,
}

fn normalize_group(group: &str) -> String {
    if group == "DEFAULT" {
        group.to_owned()
    } else {
        group.to_ascii_lowercase()
    }
}

fn normalize_key(key: &str) -> String {
    key.replace('-', "_")
}

fn syntax_error(path: &Path, line: usize, message: &str) -> Error {
    Error::file(
        "INI file (invalid syntax)",
        path.to_owned(),
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("line {line}: {message}")),
    )
}

impl IniFile {
    /// Reads and parses a file; a file larger than
    /// [`MAX_CONFIG_FILE_BYTES`](super::MAX_CONFIG_FILE_BYTES) is refused.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = super::limits::read_config_file(path, "INI file")?;
        Self::parse(&text, path)
    }

    /// Reads several files; values in later files win (as oslo.config's
    /// repeated `--config-file`).
    pub fn load_all<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Self> {
        let mut ini = IniFile::default();
        for p in paths {
            ini.merge(IniFile::load(p)?);
        }
        Ok(ini)
    }

    /// Parses `text`, naming `path` in values' sources and in errors.
    pub fn parse(text: &str, path: impl Into<PathBuf>) -> Result<Self> {
        let path = Arc::new(path.into());
        let mut ini = IniFile {
            paths: vec![(*path).clone()],
            groups: BTreeMap::new(),
        };
        let mut group: Option<Arc<str>> = None;
        // The assignment being read: key, value lines, line number.
        let mut pending: Option<(String, Vec<String>, usize)> = None;
        // Assignments read: bounded, so that a 4 MiB file of `k1=` lines
        // cannot cost hundreds of MiB.
        let mut assignments = 0usize;
        let mut flush = |ini: &mut IniFile,
                         group: &Option<Arc<str>>,
                         pending: &mut Option<(String, Vec<String>, usize)>|
         -> Result<()> {
            if let Some((key, lines, line)) = pending.take() {
                assignments += 1;
                if assignments > super::MAX_INI_ASSIGNMENTS {
                    return Err(syntax_error(
                        &path,
                        line,
                        &format!("more than {} assignments in one file", super::MAX_INI_ASSIGNMENTS),
                    ));
                }
                let g = group.clone().unwrap_or_else(|| Arc::from("DEFAULT"));
                ini.groups.entry(normalize_group(&g)).or_default().insert(
                    normalize_key(&key),
                    Entry {
                        key,
                        value: lines.join("\n"),
                        group: g,
                        path: path.clone(),
                        line,
                    },
                );
            }
            Ok(())
        };
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = raw.trim_end();
            if line.is_empty() {
                flush(&mut ini, &group, &mut pending)?;
                continue;
            }
            if line.starts_with([' ', '\t']) {
                match &mut pending {
                    Some((_, lines, _)) => lines.push(line.trim_start().to_owned()),
                    None => {
                        // oslo.config rejects these; indented comments are harmless.
                        let t = line.trim_start();
                        if !t.starts_with(['#', ';']) {
                            return Err(syntax_error(&path, lineno, "unexpected continuation line"));
                        }
                    }
                }
                continue;
            }
            flush(&mut ini, &group, &mut pending)?;
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(syntax_error(&path, lineno, "invalid section (must end with ])"));
                };
                if name.is_empty() {
                    return Err(syntax_error(&path, lineno, "empty section name"));
                }
                group = Some(Arc::from(name));
                continue;
            }
            if line.starts_with(['#', ';']) {
                continue;
            }
            let colon = line.find(':');
            let equal = line.find('=');
            let split = match (colon, equal) {
                (None, None) => return Err(syntax_error(&path, lineno, "no ':' or '=' found in assignment")),
                (Some(c), Some(e)) => c.min(e),
                (Some(c), None) => c,
                (None, Some(e)) => e,
            };
            let key = line[..split].trim();
            if key.is_empty() {
                return Err(syntax_error(&path, lineno, "key cannot be empty"));
            }
            let mut value = line[split + 1..].trim();
            if value.len() >= 2
                && (value.starts_with('"') && value.ends_with('"') || value.starts_with('\'') && value.ends_with('\''))
            {
                value = &value[1..value.len() - 1];
            }
            pending = Some((key.to_owned(), vec![value.to_owned()], lineno));
        }
        flush(&mut ini, &group, &mut pending)?;
        Ok(ini)
    }

    /// Adds `other`'s values, which win over this file's.
    pub fn merge(&mut self, other: IniFile) {
        self.paths.extend(other.paths);
        for (g, entries) in other.groups {
            self.groups.entry(g).or_default().extend(entries);
        }
    }

    /// The files read.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The groups present (normalized: lower case except `DEFAULT`).
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    fn entry(&self, group: &str, key: &str) -> Option<&Entry> {
        self.groups.get(&normalize_group(group))?.get(&normalize_key(key))
    }

    /// A value (keys with dashes or underscores); empty values count as unset.
    pub fn get(&self, group: &str, key: &str) -> Option<&str> {
        self.entry(group, key)
            .map(|e| e.value.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// An INI group as a source of options, with keystoneauth1's semantics:
/// `auth_type` (deprecated `auth_plugin`) and the plugin's options come
/// from the group, or from the group named by its `auth_section`; session
/// and adapter options come from the group itself.
///
/// ```
/// use keystoneauth::loading::{IniFile, IniSource, Loader};
/// let ini = IniFile::parse(
///     "[nova]\nauth_section = keystone\nregion_name = RegionTwo\n\
///      [keystone]\nauth_type = none\nendpoint = http://nova:8774\n",
///     "/etc/app.conf",
/// ).unwrap();
/// let loader = Loader::new().ini(IniSource::new(ini, "nova"));
/// assert_eq!(loader.auth_type().unwrap().unwrap().value, "none");
/// assert_eq!(loader.adapter_options().unwrap().region_name.unwrap().value, "RegionTwo");
/// ```
#[derive(Debug, Clone)]
pub struct IniSource {
    file: Arc<IniFile>,
    group: String,
    renames: HashMap<String, String>,
    default_fallback: bool,
}

impl IniSource {
    /// Reads `group` of `file`.
    pub fn new(file: impl Into<Arc<IniFile>>, group: impl Into<String>) -> Self {
        IniSource {
            file: file.into(),
            group: group.into(),
            renames: HashMap::new(),
            default_fallback: false,
        }
    }

    /// Accepts the application's own older key `old` for the option `new`
    /// (keystoneauth1's `deprecated_opts`): `rename("ca_file", "cafile")`,
    /// `rename("admin_password", "password")`. The new key wins when both
    /// are present.
    pub fn rename(mut self, old: impl AsRef<str>, new: impl AsRef<str>) -> Self {
        self.renames
            .insert(normalize_key(old.as_ref()), normalize_key(new.as_ref()));
        self
    }

    /// Also looks in `[DEFAULT]` for keys missing from the group (off by
    /// default: oslo.config does not, so that a service's own `[DEFAULT]`
    /// options are not mistaken for these).
    pub fn default_fallback(mut self, fallback: bool) -> Self {
        self.default_fallback = fallback;
        self
    }

    /// The group.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The group the plugin's options are read from (`auth_section`, or the group).
    pub fn auth_group(&self) -> &str {
        self.lookup_in(&self.group, &["auth_section"])
            .map(|e| e.value.as_str())
            .filter(|v| !v.is_empty())
            .unwrap_or(&self.group)
    }

    /// The first of `keys` (then their application renames) in `group`, then `[DEFAULT]`.
    fn lookup_in(&self, group: &str, keys: &[&str]) -> Option<&Entry> {
        let mut names: Vec<String> = keys.iter().map(|k| normalize_key(k)).collect();
        for k in keys {
            let k = normalize_key(k);
            names.extend(
                self.renames
                    .iter()
                    .filter(|(_, new)| **new == k)
                    .map(|(old, _)| old.clone()),
            );
        }
        let mut groups = vec![group];
        if self.default_fallback {
            groups.push("DEFAULT");
        }
        for g in groups {
            for n in &names {
                if let Some(e) = self.file.entry(g, n).filter(|e| !e.value.is_empty()) {
                    if normalize_key(&e.key) != normalize_key(keys[0]) {
                        tracing::warn!(
                            target: crate::transport::LOG_TARGET,
                            "option {} in {} [{}] is deprecated; use {}",
                            e.key, e.path.display(), e.group, keys[0]
                        );
                    }
                    return Some(e);
                }
            }
        }
        None
    }

    fn found(e: &Entry) -> Found {
        Found::str(
            e.value.clone(),
            ValueSource::Ini {
                path: (*e.path).clone(),
                group: e.group.to_string(),
                key: e.key.clone(),
                line: e.line,
            },
        )
    }

    fn path_text(&self) -> String {
        self.file
            .paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Source for IniSource {
    fn rank(&self) -> Rank {
        Rank::File
    }

    fn lookup(&self, key: &Key<'_>) -> Result<Option<Found>> {
        let e = match key {
            Key::AuthType => self.lookup_in(self.auth_group(), &["auth_type", "auth_plugin"]),
            Key::IdentityApiVersion => None,
            Key::Auth(opt) => {
                let names: Vec<String> = opt.all_names().map(opt::dest).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                self.lookup_in(self.auth_group(), &names)
            }
            Key::Session(k) => self.lookup_in(&self.group, &[k.ini_name()]),
            Key::Adapter(_, Some(_)) => None,
            Key::Adapter(AdapterKey::Interfaces, None) => {
                let valid = self.lookup_in(&self.group, &["valid_interfaces"]);
                let single = self.lookup_in(&self.group, &["interface"]);
                if let (Some(v), Some(_)) = (valid, single) {
                    return Err(Error::invalid_option_in(
                        "valid_interfaces",
                        Self::found(v).source.to_string(),
                        "interface and valid_interfaces are mutually exclusive; use valid_interfaces",
                    ));
                }
                valid.or(single)
            }
            Key::Adapter(k, None) => self.lookup_in(&self.group, &[k.ini_name()]),
        };
        Ok(e.map(Self::found))
    }

    fn hint(&self, key: &Key<'_>) -> Option<String> {
        let (group, name) = match key {
            Key::AuthType => (self.auth_group(), "auth_type".to_owned()),
            Key::IdentityApiVersion | Key::Adapter(_, Some(_)) => return None,
            Key::Auth(opt) => (self.auth_group(), opt.dest()),
            Key::Session(k) => (self.group.as_str(), k.ini_name().to_owned()),
            Key::Adapter(k, None) => (self.group.as_str(), k.ini_name().to_owned()),
        };
        Some(format!("{name} in [{group}] of {}", self.path_text()))
    }
}

impl super::Loader {
    /// Adds an INI group.
    pub fn ini(self, source: IniSource) -> Self {
        self.add_source(Arc::new(source))
    }
}

/// Loads the plugin named by `auth_type` in `group` of `ini` (keystoneauth1's
/// `load_auth_from_conf_options`); `None` when the group names no plugin.
pub fn load_auth_from_ini(ini: &IniFile, group: &str) -> Result<Option<Arc<dyn crate::AuthPlugin>>> {
    super::Loader::new().ini(IniSource::new(ini.clone(), group)).load_auth()
}

/// A [`SessionBuilder`](crate::SessionBuilder) from `cafile`, `certfile`,
/// `keyfile`, `insecure`, `timeout` and `collect_timing` in `group` of `ini`
/// (keystoneauth1's `load_session_from_conf_options`).
pub fn load_session_from_ini(ini: &IniFile, group: &str) -> Result<crate::SessionBuilder> {
    super::Loader::new()
        .ini(IniSource::new(ini.clone(), group))
        .load_session()
}

/// An [`AdapterBuilder`](crate::AdapterBuilder) over `session` from the
/// adapter options in `group` of `ini` (keystoneauth1's
/// `load_adapter_from_conf_options`). Use [`super::Loader::adapter_options`]
/// for `min_version` and `max_version`.
pub fn load_adapter_from_ini(ini: &IniFile, group: &str, session: crate::Session) -> Result<crate::AdapterBuilder> {
    super::Loader::new()
        .ini(IniSource::new(ini.clone(), group))
        .load_adapter(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_oslo_config() {
        let text = "\
# comment
; also a comment
[DEFAULT]
debug = true

[Keystone_AuthToken]
auth_url = http://k:5000/v3   # not an inline comment
password = \"quoted secret\"
user-domain-name: Default
multi = first
  second line

key = one
key = two
empty =
";
        let ini = IniFile::parse(text, "/etc/x.conf").unwrap();
        assert_eq!(ini.get("DEFAULT", "debug"), Some("true"));
        assert_eq!(
            ini.get("keystone_authtoken", "auth_url"),
            Some("http://k:5000/v3   # not an inline comment")
        );
        assert_eq!(ini.get("keystone_authtoken", "password"), Some("quoted secret"));
        assert_eq!(ini.get("keystone_authtoken", "user_domain_name"), Some("Default"));
        assert_eq!(ini.get("keystone_authtoken", "multi"), Some("first\nsecond line"));
        assert_eq!(ini.get("keystone_authtoken", "key"), Some("two"));
        assert_eq!(ini.get("keystone_authtoken", "empty"), None);
        let e = ini.entry("keystone_authtoken", "key").unwrap();
        assert_eq!((e.line, &*e.group), (14, "Keystone_AuthToken"));
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        for (text, what) in [
            ("[a]\njust words\n", "line 2: no ':' or '=' found"),
            ("[a\n", "line 1: invalid section"),
            ("  indented = x\n", "line 1: unexpected continuation"),
            ("[]\n", "empty section name"),
            ("[a]\n = x\n", "line 2"),
        ] {
            let err = IniFile::parse(text, "/etc/bad.conf").unwrap_err();
            let source = std::error::Error::source(&err)
                .map(|s| s.to_string())
                .unwrap_or_default();
            assert!(err.to_string().contains("/etc/bad.conf"), "{err}");
            assert!(source.contains(what), "{text:?}: {source}");
        }
    }
}
