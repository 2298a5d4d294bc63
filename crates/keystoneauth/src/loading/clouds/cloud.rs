//! One cloud, ready to be a [`Loader`](crate::loading::Loader) source:
//! openstacksdk's fix-ups (`magic_fixes`) and the keys each option is read from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::node::{origin_source, Node};
use crate::error::{Error, Result};
use crate::loading::limits::MAX_FORMATTED_VALUE_BYTES;
use crate::loading::opt::{parse_bool, Raw, ValueSource};
use crate::loading::source::{auth_aliases, AdapterKey, Found, Key, Rank, SessionKey, Source};

/// openstacksdk's `_fix_backwards_auth` mappings: the key set in `auth`,
/// and the names it may be given under (later names win; at each name a
/// top-level value wins over the one in `auth`).
const AUTH_MAPPINGS: [(&str, &[&str]); 8] = [
    ("domain_id", &["domain_id"]),
    ("domain_name", &["domain_name"]),
    ("user_domain_id", &["user_domain_id"]),
    ("user_domain_name", &["user_domain_name"]),
    ("project_domain_id", &["project_domain_id"]),
    ("project_domain_name", &["project_domain_name"]),
    ("token", &["auth_token", "token"]),
    ("passcode", &["passcode"]),
];

/// openstacksdk's `magic_fixes` that matter for authentication and
/// endpoints, then its `{key}` placeholder substitution; `name` is the
/// cloud's, for errors.
pub(super) fn fix_up(config: &mut Node, name: &str) -> Result<()> {
    let Some(m) = config.map_mut() else {
        return Ok(());
    };
    // auth_plugin is the old name of auth_type, which wins.
    if let Some(p) = m.remove("auth_plugin") {
        m.entry("auth_type".into()).or_insert(p);
    }
    let mut auth = match m.remove("auth") {
        Some(Node::Map(a)) => a,
        _ => BTreeMap::new(),
    };
    // _fix_backwards_auth: top-level keys move into auth, and win.
    let v2 = m
        .get("auth_type")
        .and_then(Node::scalar)
        .is_some_and(|(t, _)| t == "v2password");
    type Mapping = (&'static str, &'static [&'static str]);
    let (project_id, project_name): (Mapping, Mapping) = if v2 {
        (
            ("tenant_id", &["project_id", "tenant_id"]),
            ("tenant_name", &["project_name", "tenant_name"]),
        )
    } else {
        (
            ("project_id", &["tenant_id", "project_id"]),
            ("project_name", &["tenant_name", "project_name"]),
        )
    };
    for (target, names) in AUTH_MAPPINGS.into_iter().chain([project_id, project_name]) {
        let mut winner = None;
        for key in names {
            if let Some(v) = auth.remove(*key) {
                winner = Some(if *key == target {
                    v
                } else {
                    v.written_as(&format!("auth.{key}"))
                });
            }
            if let Some(v) = m.remove(*key) {
                winner = Some(v.written_as(key));
            }
        }
        if let Some(v) = winner.filter(|v| v.scalar().is_some()) {
            auth.insert(target.into(), v);
        }
    }
    // *endpoint_type → *interface.
    let renamed: Vec<String> = m.keys().filter(|k| k.ends_with("endpoint_type")).cloned().collect();
    for k in renamed {
        if let Some(v) = m.remove(&k) {
            let new = k.replace("endpoint_type", "interface");
            m.entry(new).or_insert(v);
        }
    }
    // _handle_domain_id: with a project scope, domain_id/domain_name default
    // the user and project domains; without, they stay in auth.
    let project_scoped = ["project_id", "project_name", "tenant_id", "tenant_name"]
        .iter()
        .any(|k| auth.contains_key(*k) || m.contains_key(*k));
    for (target, defaults) in [
        ("domain_id", ["user_domain_id", "project_domain_id"]),
        ("domain_name", ["user_domain_name", "project_domain_name"]),
    ] {
        if project_scoped {
            if let Some(v) = auth.remove(target) {
                for d in defaults {
                    auth.entry(d.into()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    // {region_name} and other {key} placeholders: openstacksdk formats the
    // auth URL and every top-level string but the password with the
    // configuration. Here each value is formatted once, from the values as
    // written (never from text a substitution inserted), and may not grow
    // past a bound.
    let vars: BTreeMap<String, String> = m
        .iter()
        .filter_map(|(k, v)| v.scalar().map(|(s, _)| (k.clone(), s.to_owned())))
        .collect();
    let format = |key: &str, node: &mut Node| -> Result<()> {
        if let Node::Scalar(s, _) = node {
            if s.contains('{') {
                *s = format_once(s, &vars).ok_or_else(|| {
                    Error::invalid_option_in(
                        key.to_owned(),
                        format!("cloud {name}"),
                        format!(
                        "substituting its {{placeholders}} would make it longer than {MAX_FORMATTED_VALUE_BYTES} bytes"
                    ),
                    )
                })?;
            }
        }
        Ok(())
    };
    if let Some(url) = auth.get_mut("auth_url") {
        format("auth.auth_url", url)?;
    }
    for (k, v) in m.iter_mut() {
        if k != "password" {
            format(k, v)?;
        }
    }
    m.insert("auth".into(), Node::Map(auth));
    Ok(())
}

/// `text` with each `{name}` naming a key of `vars` replaced by its value,
/// in one left-to-right pass (unknown names stay as written); `None` when
/// the result would be longer than `max(text.len(), MAX_FORMATTED_VALUE_BYTES)`.
fn format_once(text: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let limit = text.len().max(MAX_FORMATTED_VALUE_BYTES);
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(['{', '}']) {
            Some(close) if after.as_bytes().get(close) == Some(&b'}') => {
                let key = &after[..close];
                match vars.get(key) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
        if out.len() > limit {
            return None;
        }
    }
    out.push_str(rest);
    (out.len() <= limit).then_some(out)
}

/// One cloud's settings in one region, ready to be a [`Loader`](crate::loading::Loader) source.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    pub(super) name: String,
    pub(super) region: Option<String>,
    pub(super) config: Node,
    pub(super) home: Option<PathBuf>,
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
                SessionKey::TokenStore => self.found("token_store"),
                SessionKey::TokenStoreKeyFile => self.path("token_store_key_file"),
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

impl crate::loading::Loader {
    /// Adds a clouds.yaml cloud.
    pub fn cloud(self, cloud: CloudConfig) -> Self {
        self.add_source(Arc::new(cloud))
    }
}
