//! clouds.yaml, secure.yaml and clouds-public.yaml, read as openstacksdk
//! reads them (`openstack.config.loader`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod cloud;
mod node;
mod parse;
mod remote;

use cloud::fix_up;
pub use cloud::CloudConfig;
pub use remote::REMOTE_PROFILE_TIMEOUT;

use super::env::Env;
use super::limits::read_config_file;
use crate::error::{Error, Result};
use node::{origin_source, Node, Origin};

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

    fn what(self) -> &'static str {
        match self {
            Kind::Clouds => "clouds file",
            Kind::Secure => "secure file",
            Kind::Public => "clouds-public file",
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
        for var in [
            "OS_CLIENT_CONFIG_FILE",
            "OS_CLIENT_SECURE_FILE",
            "OS_CLOUD",
            "OS_CLOUD_NAME",
            "OS_REGION_NAME",
        ] {
            env.try_get(var)?;
        }
        let dirs = self.search_dirs.clone().unwrap_or_else(|| self.default_dirs(env));
        let mut files_read = Vec::new();
        let mut read_kind = |kind: Kind,
                             explicit: &Option<Vec<PathBuf>>,
                             env_var: Option<&str>|
         -> Result<Option<(PathBuf, Node)>> {
            if let Some((var, file)) = env_var.and_then(|v| env.get(v).map(|f| (v, f))) {
                let path = PathBuf::from(file);
                // Named explicitly: a missing or unreadable file is an error.
                let doc = read_doc(&path, kind).map_err(|e| match e {
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
                match read_doc(&path, kind) {
                    Ok(doc) => {
                        files_read.push(path.clone());
                        return Ok(Some((path, doc)));
                    }
                    Err(Error::File { source, .. })
                        if source.downcast_ref::<std::io::Error>().map(std::io::Error::kind)
                            == Some(std::io::ErrorKind::PermissionDenied) =>
                    {
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

        let mut merged: BTreeMap<String, Node> = BTreeMap::new();
        let mut clouds_file = None;
        for (path, doc) in [clouds, secure].into_iter().flatten() {
            let map = clouds_map(&path, doc, "clouds")?;
            for (name, node) in map {
                let node = match merged.remove(&name) {
                    Some(old) => old.merge(node),
                    None => node,
                };
                merged.insert(name, node);
            }
            clouds_file.get_or_insert(path);
        }
        let env_cloud_name = env.get("OS_CLOUD_NAME").unwrap_or("envvars").to_owned();
        let env_cloud = if self.no_envvars { None } else { env_cloud(env)? };
        // clouds-public.yaml only matters to a cloud that names a vendor
        // profile: without one it is neither searched for nor parsed.
        let names_profile = |n: &Node| n.get("profile").or_else(|| n.get("cloud")).is_some();
        let vendor = if merged.values().chain(env_cloud.iter()).any(names_profile) {
            read_kind(Kind::Public, &self.vendor_files, None)?
        } else {
            None
        };
        let (profiles, vendor_file) = match vendor {
            Some((path, doc)) => (clouds_map(&path, doc, "public-clouds")?, Some(path)),
            None => (BTreeMap::new(), None),
        };
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
            vendor_file,
            env_cloud: env_cloud.map(|c| (env_cloud_name, c)),
            os_cloud: env.get("OS_CLOUD").map(str::to_owned),
            home: env.get("HOME").map(PathBuf::from),
        })
    }
}

fn read_doc(path: &Path, kind: Kind) -> Result<Node> {
    let what = kind.what();
    let text = read_config_file(path, what)?;
    parse::parse_doc(&text, path, what)
}

/// The `clouds` (or `public-clouds`) map of a document, each cloud's values
/// labelled with the file and cloud.
fn clouds_map(path: &Path, root: Node, key: &str) -> Result<BTreeMap<String, Node>> {
    let Node::Map(mut root) = root else {
        return Err(Error::invalid_option_in(
            key,
            path.display().to_string(),
            "the file is empty or not a mapping",
        ));
    };
    let clouds = match root.remove(key) {
        None | Some(Node::Null) => {
            tracing::warn!(target: crate::transport::LOG_TARGET, path = %path.display(), "the file has no {key:?} key");
            return Ok(BTreeMap::new());
        }
        Some(Node::Map(m)) => m,
        Some(_) => {
            return Err(Error::invalid_option_in(
                key,
                path.display().to_string(),
                format!("{key:?} must be a mapping of names to settings"),
            ))
        }
    };
    let mut out = BTreeMap::new();
    for (name, node) in clouds {
        let node = match node {
            Node::Map(_) => node,
            Node::Null => Node::Map(BTreeMap::new()),
            _ => {
                return Err(Error::invalid_option_in(
                    format!("{key}.{name}"),
                    path.display().to_string(),
                    "a cloud's settings must be a mapping",
                ))
            }
        };
        let node = node.into_cloud(&name);
        out.insert(name, node);
    }
    Ok(out)
}

/// openstacksdk's cloud made from `OS_*` variables, if any variable other
/// than the selectors is set.
fn env_cloud(env: &Env) -> Result<Option<Node>> {
    const SELECTORS: [&str; 5] = [
        "OS_CLOUD",
        "OS_REGION_NAME",
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLIENT_SECURE_FILE",
        "OS_CLOUD_NAME",
    ];
    let read = |k: &str| {
        k.starts_with("OS_") && !k.starts_with("OS_TEST") && !k.starts_with("OS_STD") && !k.starts_with("OS_LOG")
    };
    // Every OS_* variable goes into the cloud: one that is not UTF-8 is an
    // error, not a silently missing option.
    if let Some(var) = env.not_utf8().find(|k| read(k)) {
        return Err(Error::env_not_utf8(var.to_owned()));
    }
    let vars: Vec<(&str, &str)> = env.iter().filter(|(k, _)| read(k)).collect();
    if vars.iter().all(|(k, _)| SELECTORS.contains(k)) {
        return Ok(None);
    }
    let map = vars
        .into_iter()
        .filter(|(k, _)| *k == "OS_REGION_NAME" || !SELECTORS.contains(k))
        .map(|(k, v)| {
            let key = k["OS_".len()..].to_ascii_lowercase();
            (key, Node::Scalar(v.to_owned(), Origin::Env(Arc::from(k))))
        })
        .collect();
    Ok(Some(Node::Map(map)))
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
        let clouds = clouds_map(&path, parse::parse_doc(text, &path, "clouds file")?, "clouds")?;
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
            (Some((env_name, node)), _) if env_name == name => node,
            (_, Some(node)) => node,
            _ => {
                let found = self.cloud_names();
                let files: Vec<String> = self.files_read.iter().map(|p| p.display().to_string()).collect();
                return Err(Error::invalid_option_in(
                    "cloud",
                    named_by,
                    format!(
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
                ));
            }
        };
        // One copy of the cloud's tree (a file may hold 100,000 nodes).
        let mut config = self.expand_profile(name, base.clone())?;
        let region = self.select_region(name, base, &mut config, region)?;
        fix_up(&mut config, name)?;
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
            if let Some(url) = remote::well_known_url(&profile) {
                return Err(Error::invalid_option_in(
                    "profile",
                    origin_source(&origin, "profile").to_string(),
                    match url {
                        Ok(url) => format!(
                            "cloud {name:?} uses the remote vendor profile {url}, which was not fetched \
                             (CloudsConfig::fetch_remote_profile fetches it)"
                        ),
                        Err(e) => e.to_string(),
                    },
                ));
            }
            return Err(Error::invalid_option_in("profile", origin_source(&origin, "profile").to_string(), format!(
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
                )));
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
                        return Err(Error::invalid_option_in(
                            "region-name",
                            format!("cloud {name}"),
                            format!(
                                "region {r:?} is not a valid region name for cloud {name:?}; valid choices are {} \
                                 (region names are case sensitive)",
                                names.join(", ")
                            ),
                        ))
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
                            return Err(Error::invalid_option_in(
                                "regions",
                                origin_source(origin, "regions").to_string(),
                                "each region must be a name or a mapping with name and values only",
                            ))
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

/// The cloud `name` (else `OS_CLOUD`, else the `OS_*` variables' cloud, else
/// the only cloud), read from the default locations; `None` when no cloud is
/// chosen.
pub fn load_cloud(env: &Env, name: Option<&str>) -> Result<Option<CloudConfig>> {
    CloudsConfig::load(env)?.cloud(name, None)
}
