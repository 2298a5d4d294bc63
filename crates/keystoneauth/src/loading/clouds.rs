//! clouds.yaml, secure.yaml and clouds-public.yaml, read as openstacksdk
//! reads them (`openstack.config.loader`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::env::Env;
use super::loader::{auth_aliases, AdapterKey, Found, Key, Rank, SessionKey, Source};
use super::opt::{parse_bool, Raw, ValueSource};
use crate::error::{Error, Result};

/// Where a value in a cloud's configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    File { path: Arc<PathBuf>, cloud: Arc<str> },
    Env(Arc<str>),
}

/// A cloud configuration tree; every leaf knows its origin.
#[derive(Clone)]
enum Node {
    Null,
    Scalar(String, Origin),
    List(Vec<Node>, Origin),
    Map(BTreeMap<String, Node>),
}

impl std::fmt::Debug for Node {
    /// Values under secret-looking keys are masked, URL passwords too.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Null => f.write_str("null"),
            Node::Scalar(s, _) => write!(f, "{:?}", crate::redact::url_str(s)),
            Node::List(items, _) => f.debug_list().entries(items).finish(),
            Node::Map(map) => {
                let mut d = f.debug_map();
                for (k, v) in map {
                    if crate::redact::is_secret_key(k) && !matches!(v, Node::Map(_)) {
                        d.entry(k, &crate::redact::MASK);
                    } else {
                        d.entry(k, v);
                    }
                }
                d.finish()
            }
        }
    }
}

impl Node {
    fn from_yaml(y: &yaml_rust2::Yaml, origin: &Origin, normalize: bool) -> Node {
        use yaml_rust2::Yaml;
        match y {
            Yaml::Real(s) | Yaml::String(s) => Node::Scalar(s.clone(), origin.clone()),
            Yaml::Integer(i) => Node::Scalar(i.to_string(), origin.clone()),
            Yaml::Boolean(b) => Node::Scalar(b.to_string(), origin.clone()),
            Yaml::Array(a) => Node::List(
                a.iter().map(|y| Node::from_yaml(y, origin, normalize)).collect(),
                origin.clone(),
            ),
            Yaml::Hash(h) => Node::Map(
                h.iter()
                    .filter_map(|(k, v)| {
                        let k = match k {
                            Yaml::String(s) | Yaml::Real(s) => s.clone(),
                            Yaml::Integer(i) => i.to_string(),
                            Yaml::Boolean(b) => b.to_string(),
                            _ => return None,
                        };
                        let k = if normalize { k.replace('-', "_") } else { k };
                        Some((k, Node::from_yaml(v, origin, normalize)))
                    })
                    .collect(),
            ),
            Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Node::Null,
        }
    }

    fn from_json(v: &serde_json::Value, origin: &Origin, normalize: bool) -> Node {
        use serde_json::Value;
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Scalar(b.to_string(), origin.clone()),
            Value::Number(n) => Node::Scalar(n.to_string(), origin.clone()),
            Value::String(s) => Node::Scalar(s.clone(), origin.clone()),
            Value::Array(a) => Node::List(
                a.iter().map(|v| Node::from_json(v, origin, normalize)).collect(),
                origin.clone(),
            ),
            Value::Object(m) => Node::Map(
                m.iter()
                    .map(|(k, v)| {
                        let k = if normalize { k.replace('-', "_") } else { k.clone() };
                        (k, Node::from_json(v, origin, normalize))
                    })
                    .collect(),
            ),
        }
    }

    /// Re-labels every leaf (a cloud's values get the cloud's name).
    fn relabel(self, origin: &dyn Fn(&Origin) -> Origin) -> Node {
        match self {
            Node::Null => Node::Null,
            Node::Scalar(s, o) => Node::Scalar(s, origin(&o)),
            Node::List(l, o) => Node::List(l.into_iter().map(|n| n.relabel(origin)).collect(), origin(&o)),
            Node::Map(m) => Node::Map(m.into_iter().map(|(k, v)| (k, v.relabel(origin))).collect()),
        }
    }

    /// Keys with dashes become underscores, recursively (openstacksdk's `normalize_keys`).
    fn normalized(self) -> Node {
        match self {
            Node::Map(m) => Node::Map(
                m.into_iter()
                    .map(|(k, v)| (k.replace('-', "_"), v.normalized()))
                    .collect(),
            ),
            Node::List(l, o) => Node::List(l.into_iter().map(Node::normalized).collect(), o),
            other => other,
        }
    }

    fn map(&self) -> Option<&BTreeMap<String, Node>> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    fn map_mut(&mut self) -> Option<&mut BTreeMap<String, Node>> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.map()?.get(key).filter(|n| !matches!(n, Node::Null))
    }

    fn scalar(&self) -> Option<(&str, &Origin)> {
        match self {
            Node::Scalar(s, o) if !s.is_empty() => Some((s, o)),
            _ => None,
        }
    }

    /// Deep merge: `over`'s values win; maps merge (openstacksdk's `merge_clouds`).
    fn merge(self, over: Node) -> Node {
        match (self, over) {
            (Node::Map(mut a), Node::Map(b)) => {
                for (k, v) in b {
                    let merged = match a.remove(&k) {
                        Some(old) => old.merge(v),
                        None => v,
                    };
                    a.insert(k, merged);
                }
                Node::Map(a)
            }
            (old, Node::Null) => old,
            (_, new) => new,
        }
    }

    /// openstacksdk's `_auth_update`: like a dict update, except that the
    /// `auth` maps are merged.
    fn auth_update(self, over: Node) -> Node {
        match (self, over) {
            (Node::Map(mut a), Node::Map(b)) => {
                for (k, v) in b {
                    if k == "auth" {
                        let merged = match a.remove(&k) {
                            Some(Node::Map(mut old)) => {
                                if let Node::Map(new) = v {
                                    old.extend(new);
                                }
                                Node::Map(old)
                            }
                            _ => v,
                        };
                        a.insert(k, merged);
                    } else {
                        a.insert(k, v);
                    }
                }
                Node::Map(a)
            }
            (_, new) => new,
        }
    }
}

/// The kinds of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Clouds,
    Secure,
    Public,
}

impl Kind {
    fn stem(self) -> &'static str {
        match self {
            Kind::Clouds => "clouds",
            Kind::Secure => "secure",
            Kind::Public => "clouds-public",
        }
    }
}

const SUFFIXES: [&str; 3] = [".yaml", ".yml", ".json"];

/// Which clouds.yaml files to read, and how.
///
/// By default, as openstacksdk: for each kind (clouds, secure, clouds-public)
/// the first of `clouds.yaml`, `clouds.yml`, `clouds.json` (and so on) found
/// in the current directory, `$XDG_CONFIG_HOME/openstack` (else
/// `~/.config/openstack`), `~/.config/openstack` and `/etc/openstack`; with
/// `OS_CLIENT_CONFIG_FILE` and `OS_CLIENT_SECURE_FILE` tried first.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CloudsConfigBuilder {
    config_files: Option<Vec<PathBuf>>,
    secure_files: Option<Vec<PathBuf>>,
    vendor_files: Option<Vec<PathBuf>>,
    search_dirs: Option<Vec<PathBuf>>,
    current_dir: Option<PathBuf>,
    no_envvars: bool,
}

impl CloudsConfigBuilder {
    /// Reads clouds from exactly these files (the first that exists);
    /// `OS_CLIENT_CONFIG_FILE` is still tried first.
    pub fn config_files<P: Into<PathBuf>>(mut self, files: impl IntoIterator<Item = P>) -> Self {
        self.config_files = Some(files.into_iter().map(Into::into).collect());
        self
    }

    /// Reads secrets from exactly these files (the first that exists).
    pub fn secure_files<P: Into<PathBuf>>(mut self, files: impl IntoIterator<Item = P>) -> Self {
        self.secure_files = Some(files.into_iter().map(Into::into).collect());
        self
    }

    /// Reads vendor profiles from exactly these files (the first that exists).
    pub fn vendor_files<P: Into<PathBuf>>(mut self, files: impl IntoIterator<Item = P>) -> Self {
        self.vendor_files = Some(files.into_iter().map(Into::into).collect());
        self
    }

    /// Looks in these directories instead of the default search path.
    pub fn search_dirs<P: Into<PathBuf>>(mut self, dirs: impl IntoIterator<Item = P>) -> Self {
        self.search_dirs = Some(dirs.into_iter().map(Into::into).collect());
        self
    }

    /// The directory standing for the current directory in the search path.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// Does not turn `OS_*` variables into the `envvars` cloud
    /// (openstacksdk's `load_envvars=False`).
    pub fn without_envvars(mut self) -> Self {
        self.no_envvars = true;
        self
    }

    fn default_dirs(&self, env: &Env) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(cwd) = self.current_dir.clone().or_else(|| std::env::current_dir().ok()) {
            dirs.push(cwd);
        }
        let home = env.get("HOME").map(PathBuf::from);
        match (env.get("XDG_CONFIG_HOME"), &home) {
            (Some(x), _) => dirs.push(Path::new(x).join("openstack")),
            (None, Some(h)) => dirs.push(h.join(".config").join("openstack")),
            (None, None) => {}
        }
        if let Some(h) = &home {
            dirs.push(h.join(".config").join("openstack"));
        }
        dirs.push(PathBuf::from("/etc/openstack"));
        let mut seen = Vec::new();
        dirs.retain(|d| {
            let new = !seen.contains(d);
            seen.push(d.clone());
            new
        });
        dirs
    }

    fn candidates(&self, kind: Kind, explicit: &Option<Vec<PathBuf>>, dirs: &[PathBuf]) -> Vec<PathBuf> {
        match explicit {
            Some(files) => files.clone(),
            None => dirs
                .iter()
                .flat_map(|d| SUFFIXES.iter().map(move |s| d.join(format!("{}{s}", kind.stem()))))
                .collect(),
        }
    }

    /// Reads the files and the environment.
    pub fn load(self, env: &Env) -> Result<CloudsConfig> {
        let dirs = self.search_dirs.clone().unwrap_or_else(|| self.default_dirs(env));
        let mut files_read = Vec::new();
        let mut read_kind = |kind: Kind,
                             explicit: &Option<Vec<PathBuf>>,
                             env_var: Option<&str>|
         -> Result<Option<(PathBuf, Doc)>> {
            if let Some((var, file)) = env_var.and_then(|v| env.get(v).map(|f| (v, f))) {
                let path = PathBuf::from(file);
                // Named explicitly: a missing or unreadable file is an error.
                let doc = read_doc(&path).map_err(|e| match e {
                    Error::File { path, source, .. } => Error::File {
                        what: if var == "OS_CLIENT_CONFIG_FILE" {
                            "the clouds file named by OS_CLIENT_CONFIG_FILE"
                        } else {
                            "the secure file named by OS_CLIENT_SECURE_FILE"
                        },
                        path,
                        source,
                    },
                    other => other,
                })?;
                files_read.push(path.clone());
                return Ok(Some((path, doc)));
            }
            for path in self.candidates(kind, explicit, &dirs) {
                if !path.exists() {
                    continue;
                }
                match read_doc(&path) {
                    Ok(doc) => {
                        files_read.push(path.clone());
                        return Ok(Some((path, doc)));
                    }
                    Err(Error::File { source, .. }) if source.kind() == std::io::ErrorKind::PermissionDenied => {
                        tracing::warn!(target: crate::transport::LOG_TARGET, path = %path.display(), "skipping unreadable clouds file");
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(None)
        };
        let clouds = read_kind(Kind::Clouds, &self.config_files, Some("OS_CLIENT_CONFIG_FILE"))?;
        let secure = read_kind(Kind::Secure, &self.secure_files, Some("OS_CLIENT_SECURE_FILE"))?;
        let vendor = read_kind(Kind::Public, &self.vendor_files, None)?;

        let mut merged: BTreeMap<String, Node> = BTreeMap::new();
        let mut clouds_file = None;
        for (path, doc) in [clouds, secure].into_iter().flatten() {
            let map = clouds_map(&path, &doc, "clouds")?;
            for (name, node) in map {
                let node = match merged.remove(&name) {
                    Some(old) => old.merge(node),
                    None => node,
                };
                merged.insert(name, node);
            }
            clouds_file.get_or_insert(path);
        }
        let profiles = match &vendor {
            Some((path, doc)) => clouds_map(path, doc, "public-clouds")?,
            None => BTreeMap::new(),
        };

        let env_cloud_name = env.get("OS_CLOUD_NAME").unwrap_or("envvars").to_owned();
        let env_cloud = if self.no_envvars { None } else { env_cloud(env) };
        if env_cloud.is_some() && merged.contains_key(&env_cloud_name) {
            return Err(Error::InvalidOption {
                option: "cloud".into(),
                location: clouds_file.as_ref().map(|p| p.display().to_string()),
                message: format!(
                    "a cloud named {env_cloud_name:?} is defined in the file, but that name is also the cloud \
                     made from the OS_* environment variables (OS_CLOUD_NAME); rename one of them"
                ),
            });
        }
        Ok(CloudsConfig {
            files_read,
            clouds: merged,
            profiles,
            vendor_file: vendor.map(|(p, _)| p),
            env_cloud: env_cloud.map(|c| (env_cloud_name, c)),
            os_cloud: env.get("OS_CLOUD").map(str::to_owned),
            home: env.get("HOME").map(PathBuf::from),
        })
    }
}

/// A parsed file.
enum Doc {
    Yaml(yaml_rust2::Yaml),
    Json(serde_json::Value),
}

fn read_doc(path: &Path) -> Result<Doc> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::File {
        what: "clouds file",
        path: path.to_owned(),
        source: e,
    })?;
    parse_doc(&text, path)
}

/// Parses a file's text: JSON when `path` ends in `.json`, else YAML.
fn parse_doc(text: &str, path: &Path) -> Result<Doc> {
    let syntax = |what: &'static str, msg: String| Error::File {
        what,
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, msg),
    };
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(text)
            .map(Doc::Json)
            .map_err(|e| syntax("JSON file (invalid syntax)", e.to_string()))
    } else {
        let mut docs = yaml_rust2::YamlLoader::load_from_str(text)
            .map_err(|e| syntax("YAML file (invalid syntax)", e.to_string()))?;
        Ok(Doc::Yaml(if docs.is_empty() {
            yaml_rust2::Yaml::Null
        } else {
            docs.swap_remove(0)
        }))
    }
}

/// The `clouds` (or `public-clouds`) map of a document, each cloud's values
/// labelled with the file and cloud.
fn clouds_map(path: &Path, doc: &Doc, key: &str) -> Result<BTreeMap<String, Node>> {
    let file = Arc::new(path.to_owned());
    let origin = Origin::File {
        path: file.clone(),
        cloud: Arc::from(""),
    };
    let root = match doc {
        Doc::Yaml(y) => Node::from_yaml(y, &origin, false),
        Doc::Json(v) => Node::from_json(v, &origin, false),
    };
    let Node::Map(mut root) = root else {
        return Err(Error::InvalidOption {
            option: key.into(),
            location: Some(path.display().to_string()),
            message: "the file is empty or not a mapping".into(),
        });
    };
    let clouds = match root.remove(key) {
        None | Some(Node::Null) => {
            tracing::warn!(target: crate::transport::LOG_TARGET, path = %path.display(), "the file has no {key:?} key");
            return Ok(BTreeMap::new());
        }
        Some(Node::Map(m)) => m,
        Some(_) => {
            return Err(Error::InvalidOption {
                option: key.into(),
                location: Some(path.display().to_string()),
                message: format!("{key:?} must be a mapping of names to settings"),
            })
        }
    };
    let mut out = BTreeMap::new();
    for (name, node) in clouds {
        let label: Arc<str> = Arc::from(name.as_str());
        let node = match node {
            Node::Map(_) => node,
            Node::Null => Node::Map(BTreeMap::new()),
            _ => {
                return Err(Error::InvalidOption {
                    option: format!("{key}.{name}"),
                    location: Some(path.display().to_string()),
                    message: "a cloud's settings must be a mapping".into(),
                })
            }
        };
        let node = node.normalized().relabel(&|o| match o {
            Origin::File { path, .. } => Origin::File {
                path: path.clone(),
                cloud: label.clone(),
            },
            other => other.clone(),
        });
        out.insert(name, node);
    }
    Ok(out)
}

/// openstacksdk's cloud made from `OS_*` variables, if any variable other
/// than the selectors is set.
fn env_cloud(env: &Env) -> Option<Node> {
    const SELECTORS: [&str; 5] = [
        "OS_CLOUD",
        "OS_REGION_NAME",
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLIENT_SECURE_FILE",
        "OS_CLOUD_NAME",
    ];
    let vars: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| {
            k.starts_with("OS_") && !k.starts_with("OS_TEST") && !k.starts_with("OS_STD") && !k.starts_with("OS_LOG")
        })
        .collect();
    if vars.iter().all(|(k, _)| SELECTORS.contains(k)) {
        return None;
    }
    let map = vars
        .into_iter()
        .filter(|(k, _)| *k == "OS_REGION_NAME" || !SELECTORS.contains(k))
        .map(|(k, v)| {
            let key = k["OS_".len()..].to_ascii_lowercase();
            (key, Node::Scalar(v.to_owned(), Origin::Env(Arc::from(k))))
        })
        .collect();
    Some(Node::Map(map))
}

/// Every cloud found in clouds.yaml, secure.yaml and the environment.
#[derive(Debug, Clone)]
pub struct CloudsConfig {
    files_read: Vec<PathBuf>,
    clouds: BTreeMap<String, Node>,
    profiles: BTreeMap<String, Node>,
    vendor_file: Option<PathBuf>,
    env_cloud: Option<(String, Node)>,
    os_cloud: Option<String>,
    home: Option<PathBuf>,
}

impl CloudsConfig {
    /// Files and search path to read from (see [`CloudsConfigBuilder`]).
    pub fn builder() -> CloudsConfigBuilder {
        CloudsConfigBuilder::default()
    }

    /// Reads the files at the default locations and the environment.
    pub fn load(env: &Env) -> Result<Self> {
        Self::builder().load(env)
    }

    /// Parses the text of one clouds.yaml file, without reading any file or
    /// the environment: no secure.yaml or clouds-public.yaml (so a cloud
    /// naming a vendor `profile` fails to resolve), no `OS_*` cloud.
    /// `path` names the file in values' sources and errors; the text is
    /// JSON when it ends in `.json`, as for files.
    ///
    /// ```
    /// use keystoneauth::loading::CloudsConfig;
    /// let text = "clouds:\n  dev:\n    auth:\n      auth_url: http://k:5000/v3\n    region_name: RegionOne\n";
    /// let clouds = CloudsConfig::from_yaml_str(text, "clouds.yaml").unwrap();
    /// let dev = clouds.cloud(Some("dev"), None).unwrap().unwrap();
    /// assert_eq!(dev.region_name(), Some("RegionOne"));
    /// ```
    pub fn from_yaml_str(text: &str, path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let clouds = clouds_map(&path, &parse_doc(text, &path)?, "clouds")?;
        Ok(CloudsConfig {
            files_read: vec![path],
            clouds,
            profiles: BTreeMap::new(),
            vendor_file: None,
            env_cloud: None,
            os_cloud: None,
            home: None,
        })
    }

    /// The files read (clouds, secure, clouds-public), in that order.
    pub fn files_read(&self) -> &[PathBuf] {
        &self.files_read
    }

    /// The names of the clouds found, the environment's included, sorted.
    pub fn cloud_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.clouds.keys().cloned().collect();
        if let Some((n, _)) = &self.env_cloud {
            names.push(n.clone());
            names.sort();
        }
        names
    }

    /// The name of the cloud used when none is given: `OS_CLOUD`, else the
    /// cloud made from `OS_*` variables, else the only cloud in the files.
    pub fn default_cloud(&self) -> Option<&str> {
        if let Some(c) = &self.os_cloud {
            return Some(c);
        }
        if let Some((n, _)) = &self.env_cloud {
            return Some(n);
        }
        if self.clouds.len() == 1 {
            return self.clouds.keys().next().map(String::as_str);
        }
        None
    }

    /// The cloud `name` (or the default cloud) in region `region` (or its
    /// first region), with its vendor profile, region values and
    /// openstacksdk's fix-ups applied; `None` when no cloud is named and
    /// there is no default.
    pub fn cloud(&self, name: Option<&str>, region: Option<&str>) -> Result<Option<CloudConfig>> {
        let (name, named_by) = match name {
            Some(n) => (n, "the cloud name given"),
            None => match self.default_cloud() {
                Some(n) if self.os_cloud.as_deref() == Some(n) => (n, "environment variable OS_CLOUD"),
                Some(n) => (n, "the default cloud"),
                None => return Ok(None),
            },
        };
        let base = match (&self.env_cloud, self.clouds.get(name)) {
            (Some((env_name, node)), _) if env_name == name => node.clone(),
            (_, Some(node)) => node.clone(),
            _ => {
                let found = self.cloud_names();
                let files: Vec<String> = self.files_read.iter().map(|p| p.display().to_string()).collect();
                return Err(Error::InvalidOption {
                    option: "cloud".into(),
                    location: Some(named_by.into()),
                    message: format!(
                        "cloud {name:?} was not found; clouds found: {}; files read: {}",
                        if found.is_empty() {
                            "none".into()
                        } else {
                            found.join(", ")
                        },
                        if files.is_empty() {
                            "none".into()
                        } else {
                            files.join(", ")
                        },
                    ),
                });
            }
        };
        let mut config = self.expand_profile(name, base.clone())?;
        let region = self.select_region(name, &base, &mut config, region)?;
        fix_up(&mut config);
        Ok(Some(CloudConfig {
            name: name.to_owned(),
            region,
            config,
            home: self.home.clone(),
        }))
    }

    fn expand_profile(&self, name: &str, base: Node) -> Result<Node> {
        let profile = base
            .get("profile")
            .or_else(|| base.get("cloud"))
            .and_then(|n| n.scalar())
            .map(|(s, o)| (s.to_owned(), o.clone()));
        let Some((profile, origin)) = profile else {
            return Ok(base);
        };
        if self.env_cloud.as_ref().is_some_and(|(n, _)| *n == profile) {
            return Ok(base);
        }
        let Some(p) = self.profiles.get(&profile) else {
            return Err(Error::InvalidOption {
                option: "profile".into(),
                location: Some(origin_source(&origin, "profile").to_string()),
                message: format!(
                    "cloud {name:?} uses the vendor profile {profile:?}, which was not found in {} (profiles found: {})",
                    self.vendor_file
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "any clouds-public file (none was found)".into()),
                    if self.profiles.is_empty() {
                        "none".to_owned()
                    } else {
                        self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                ),
            });
        };
        Ok(p.clone().auth_update(base))
    }

    fn select_region(
        &self,
        name: &str,
        own: &Node,
        config: &mut Node,
        requested: Option<&str>,
    ) -> Result<Option<String>> {
        // As openstacksdk: the cloud's own regions or region_name, else the profile's.
        let mut regions = region_list(own)?;
        if regions.is_empty() {
            regions = region_list(config)?;
        }
        if let Some(m) = config.map_mut() {
            m.remove("regions");
            m.remove("region_name");
        }
        let chosen = match requested {
            None => regions.into_iter().next(),
            Some(r) if regions.is_empty() => return Ok(Some(r.to_owned())),
            Some(r) => {
                let names: Vec<String> = regions.iter().map(|(n, _, _)| n.clone()).collect();
                match regions.into_iter().find(|(n, _, _)| n == r) {
                    Some(c) => Some(c),
                    None => {
                        return Err(Error::InvalidOption {
                            option: "region-name".into(),
                            location: Some(format!("cloud {name}")),
                            message: format!(
                                "region {r:?} is not a valid region name for cloud {name:?}; valid choices are {} \
                                 (region names are case sensitive)",
                                names.join(", ")
                            ),
                        })
                    }
                }
            }
        };
        let Some((region, values, origin)) = chosen else {
            return Ok(None);
        };
        let values = values.normalized();
        let taken = std::mem::replace(config, Node::Null);
        *config = taken.auth_update(values);
        if let Some(m) = config.map_mut() {
            m.insert("region_name".into(), Node::Scalar(region.clone(), origin));
        }
        Ok(Some(region))
    }
}

/// The regions a cloud lists: `regions` (names or mappings of name and
/// values), else `region_name` (a name, a comma-separated list or a list).
fn region_list(config: &Node) -> Result<Vec<(String, Node, Origin)>> {
    let mut regions: Vec<(String, Node, Origin)> = Vec::new();
    if let Some(Node::List(list, origin)) = config.get("regions") {
        for r in list {
            match r {
                Node::Scalar(s, o) => regions.push((s.clone(), Node::Map(BTreeMap::new()), o.clone())),
                Node::Map(m) => {
                    let valid = m.keys().all(|k| k == "name" || k == "values");
                    match (m.get("name").and_then(Node::scalar), valid) {
                        (Some((n, o)), true) => regions.push((
                            n.to_owned(),
                            m.get("values").cloned().unwrap_or(Node::Map(BTreeMap::new())),
                            o.clone(),
                        )),
                        _ => {
                            return Err(Error::InvalidOption {
                                option: "regions".into(),
                                location: Some(origin_source(origin, "regions").to_string()),
                                message: "each region must be a name or a mapping with name and values only".into(),
                            })
                        }
                    }
                }
                _ => {}
            }
        }
    } else if let Some(node) = config.get("region_name") {
        match node {
            Node::Scalar(s, o) => {
                for r in s.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                    regions.push((r.to_owned(), Node::Map(BTreeMap::new()), o.clone()));
                }
            }
            Node::List(l, o) => {
                for r in l.iter().filter_map(Node::scalar) {
                    regions.push((r.0.to_owned(), Node::Map(BTreeMap::new()), o.clone()));
                }
            }
            _ => {}
        }
    }
    Ok(regions)
}

/// openstacksdk's `magic_fixes` that matter for authentication and endpoints.
fn fix_up(config: &mut Node) {
    let Some(m) = config.map_mut() else {
        return;
    };
    // auth_plugin is the old name of auth_type, which wins.
    if let Some(p) = m.remove("auth_plugin") {
        m.entry("auth_type".into()).or_insert(p);
    }
    // *endpoint_type → *interface.
    let renamed: Vec<String> = m.keys().filter(|k| k.ends_with("endpoint_type")).cloned().collect();
    for k in renamed {
        if let Some(v) = m.remove(&k) {
            let new = k.replace("endpoint_type", "interface");
            m.entry(new).or_insert(v);
        }
    }
    // domain_id/domain_name: with a project scope they default the user and
    // project domains; without, a top-level one moves into auth.
    let auth = match m.remove("auth") {
        Some(Node::Map(a)) => a,
        _ => BTreeMap::new(),
    };
    let mut auth = auth;
    let project_scoped = ["project_id", "project_name", "tenant_id", "tenant_name"]
        .iter()
        .any(|k| auth.contains_key(*k) || m.contains_key(*k));
    for (target, defaults) in [
        ("domain_id", ["user_domain_id", "project_domain_id"]),
        ("domain_name", ["user_domain_name", "project_domain_name"]),
    ] {
        if project_scoped {
            if let Some(v) = auth.get(target).cloned() {
                for d in defaults {
                    auth.entry(d.into()).or_insert_with(|| v.clone());
                }
            }
            auth.remove(target);
            m.remove(target);
        } else if let Some(v) = m.remove(target) {
            auth.entry(target.into()).or_insert(v);
        }
    }
    // {region_name} and other {key} placeholders (openstacksdk formats
    // string values with the configuration), never in the password.
    let vars: BTreeMap<String, String> = m
        .iter()
        .filter_map(|(k, v)| v.scalar().map(|(s, _)| (k.clone(), s.to_owned())))
        .collect();
    let format = |s: &str| -> String {
        let mut out = s.to_owned();
        for (k, v) in &vars {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    };
    for (k, v) in auth.iter_mut() {
        if k != "password" {
            if let Node::Scalar(s, _) = v {
                *s = format(s);
            }
        }
    }
    for (k, v) in m.iter_mut() {
        if k != "password" {
            if let Node::Scalar(s, _) = v {
                *s = format(s);
            }
        }
    }
    m.insert("auth".into(), Node::Map(auth));
}

fn origin_source(origin: &Origin, key: &str) -> ValueSource {
    match origin {
        Origin::File { path, cloud } => ValueSource::CloudsYaml {
            path: (**path).clone(),
            cloud: cloud.to_string(),
            key: key.to_owned(),
        },
        Origin::Env(var) => ValueSource::Environment { var: var.to_string() },
    }
}

/// One cloud's settings in one region, ready to be a [`Loader`](super::Loader) source.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    name: String,
    region: Option<String>,
    config: Node,
    home: Option<PathBuf>,
}

impl CloudConfig {
    /// The cloud's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The region chosen.
    pub fn region_name(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// `auth_type` (or the older `auth_plugin`), if the cloud sets one.
    pub fn auth_type(&self) -> Option<&str> {
        self.get("auth_type")
    }

    /// A scalar value by key, dotted for nested keys (`auth.auth_url`).
    /// Careful: this returns secrets too.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.node(key).and_then(Node::scalar).map(|(s, _)| s)
    }

    /// Where the value of `key` came from.
    pub fn source(&self, key: &str) -> Option<ValueSource> {
        match self.node(key)? {
            Node::Scalar(_, o) | Node::List(_, o) => Some(origin_source(o, key)),
            _ => None,
        }
    }

    fn node(&self, key: &str) -> Option<&Node> {
        let mut node = &self.config;
        for part in key.split('.') {
            node = node.get(part)?;
        }
        Some(node)
    }

    fn found(&self, key: &str) -> Option<Found> {
        let node = self.node(key)?;
        match node {
            Node::Scalar(s, o) if !s.is_empty() => Some(Found::str(s.clone(), origin_source(o, key))),
            Node::List(l, o) => Some(Found::new(
                Raw::List(l.iter().filter_map(|n| n.scalar().map(|(s, _)| s.to_owned())).collect()),
                origin_source(o, key),
            )),
            _ => None,
        }
    }

    /// A file path, with `~/` expanded as openstacksdk does (with `HOME`
    /// from the [`Env`] the files were loaded with).
    fn path(&self, key: &str) -> Option<Found> {
        let mut f = self.found(key)?;
        if let (Raw::Str(s), Some(home)) = (&f.raw, &self.home) {
            if let Some(rest) = s.strip_prefix("~/") {
                f.raw = Raw::Str(home.join(rest).display().to_string());
            }
        }
        Some(f)
    }

    fn service_keys(service: &str, suffix: &str) -> Vec<String> {
        let family = crate::catalog::service_types::family(service);
        let mut keys: Vec<String> = family
            .iter()
            .map(|t| format!("{}_{suffix}", t.replace('-', "_")))
            .collect();
        let own = format!("{}_{suffix}", service.replace('-', "_"));
        if !keys.contains(&own) {
            keys.insert(0, own);
        }
        keys
    }

    fn adapter_suffixes(key: AdapterKey) -> &'static [&'static str] {
        match key {
            AdapterKey::ServiceType => &["service_type"],
            AdapterKey::ServiceName => &["service_name"],
            AdapterKey::Interfaces => &["interface"],
            AdapterKey::RegionName => &["region_name"],
            AdapterKey::EndpointOverride => &["endpoint_override", "endpoint"],
            AdapterKey::Version => &["api_version"],
            AdapterKey::MinVersion | AdapterKey::MaxVersion => &[],
            AdapterKey::ConnectRetries => &["connect_retries"],
            AdapterKey::ConnectRetryDelay => &["connect_retry_delay"],
            AdapterKey::StatusCodeRetries => &["status_code_retries"],
            AdapterKey::StatusCodeRetryDelay => &["status_code_retry_delay"],
            AdapterKey::RetriableStatusCodes => &["retriable_status_codes"],
        }
    }
}

impl Source for CloudConfig {
    fn rank(&self) -> Rank {
        Rank::File
    }

    fn is_cloud(&self) -> bool {
        true
    }

    fn lookup(&self, key: &Key<'_>) -> Result<Option<Found>> {
        Ok(match key {
            Key::AuthType => self.found("auth_type"),
            Key::IdentityApiVersion => self.found("identity_api_version"),
            Key::Auth(opt) => {
                let names = auth_aliases(opt);
                names
                    .iter()
                    .find_map(|n| self.found(&format!("auth.{n}")))
                    .or_else(|| names.iter().find_map(|n| self.found(n)))
            }
            Key::Session(k) => match k {
                SessionKey::Insecure => {
                    let insecure = self.found("insecure");
                    let verify = self.found("verify");
                    match (insecure, verify) {
                        (Some(i), _) if parse_bool(&i.raw.text()) == Some(true) => Some(i),
                        (_, Some(v)) => match parse_bool(&v.raw.text()) {
                            Some(b) => Some(Found::str((!b).to_string(), v.source)),
                            None => Some(v),
                        },
                        (i, None) => i,
                    }
                }
                SessionKey::CaFile => self.path("cacert"),
                SessionKey::CertFile => self.path("cert"),
                SessionKey::KeyFile => self.path("key"),
                SessionKey::Timeout => self.found("api_timeout"),
                SessionKey::CollectTiming => self.found("timing"),
                SessionKey::SplitLoggers => self.found("split_loggers"),
            },
            Key::Adapter(k, Some(st)) => Self::adapter_suffixes(*k)
                .iter()
                .flat_map(|s| Self::service_keys(st, s))
                .find_map(|key| self.found(&key)),
            Key::Adapter(k, None) => match k {
                AdapterKey::RegionName
                | AdapterKey::Interfaces
                | AdapterKey::ConnectRetries
                | AdapterKey::ConnectRetryDelay
                | AdapterKey::StatusCodeRetries
                | AdapterKey::StatusCodeRetryDelay
                | AdapterKey::RetriableStatusCodes => Self::adapter_suffixes(*k).iter().find_map(|s| self.found(s)),
                _ => None,
            },
        })
    }

    fn hint(&self, key: &Key<'_>) -> Option<String> {
        if self.name == "envvars" {
            // The cloud made of OS_* variables: the environment's own hint says it.
            return None;
        }
        let name = match key {
            Key::AuthType => "auth_type".to_owned(),
            Key::IdentityApiVersion => "identity_api_version".to_owned(),
            Key::Auth(opt) => format!("auth.{}", opt.dest()),
            Key::Session(SessionKey::CaFile) => "cacert".to_owned(),
            Key::Session(SessionKey::CertFile) => "cert".to_owned(),
            Key::Session(SessionKey::KeyFile) => "key".to_owned(),
            Key::Session(SessionKey::Timeout) => "api_timeout".to_owned(),
            Key::Session(k) => k.ini_name().to_owned(),
            Key::Adapter(k, Some(st)) => format!("{}_{}", st.replace('-', "_"), Self::adapter_suffixes(*k).first()?),
            Key::Adapter(k, None) => (*Self::adapter_suffixes(*k).first()?).to_owned(),
        };
        Some(format!("{name} in cloud {}", self.name))
    }
}

impl super::Loader {
    /// Adds a clouds.yaml cloud.
    pub fn cloud(self, cloud: CloudConfig) -> Self {
        self.add_source(Arc::new(cloud))
    }
}

/// The cloud `name` (else `OS_CLOUD`, else the `OS_*` variables' cloud, else
/// the only cloud), read from the default locations; `None` when no cloud is
/// chosen.
pub fn load_cloud(env: &Env, name: Option<&str>) -> Result<Option<CloudConfig>> {
    CloudsConfig::load(env)?.cloud(name, None)
}
