//! What a source of configuration is: the keys looked up and the values found.

use super::opt::{self, Opt, OptKind, Raw, ValueSource};
use crate::error::Result;

/// A value found by a source.
pub(crate) struct Found {
    pub(crate) raw: Raw,
    pub(crate) source: ValueSource,
}

impl Found {
    pub(crate) fn new(raw: Raw, source: ValueSource) -> Self {
        Found { raw, source }
    }

    pub(crate) fn str(value: impl Into<String>, source: ValueSource) -> Self {
        Found {
            raw: Raw::Str(value.into()),
            source,
        }
    }
}

/// The precedence of a source: lower wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    CommandLine = 0,
    Environment = 1,
    File = 2,
}

/// A session setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionKey {
    Insecure,
    CaFile,
    CertFile,
    KeyFile,
    Timeout,
    CollectTiming,
    SplitLoggers,
    /// Where cached tokens live (`redis://...`).
    TokenStore,
    /// The sealing keys of a shared token store.
    TokenStoreKeyFile,
}

impl SessionKey {
    pub(crate) const ALL: [SessionKey; 9] = [
        SessionKey::Insecure,
        SessionKey::CaFile,
        SessionKey::CertFile,
        SessionKey::KeyFile,
        SessionKey::Timeout,
        SessionKey::CollectTiming,
        SessionKey::SplitLoggers,
        SessionKey::TokenStore,
        SessionKey::TokenStoreKeyFile,
    ];

    /// keystoneauth1's INI name.
    pub(crate) fn ini_name(self) -> &'static str {
        match self {
            SessionKey::Insecure => "insecure",
            SessionKey::CaFile => "cafile",
            SessionKey::CertFile => "certfile",
            SessionKey::KeyFile => "keyfile",
            SessionKey::Timeout => "timeout",
            SessionKey::CollectTiming => "collect_timing",
            SessionKey::SplitLoggers => "split_loggers",
            SessionKey::TokenStore => "token_store",
            SessionKey::TokenStoreKeyFile => "token_store_key_file",
        }
    }

    pub(crate) fn kind(self) -> OptKind {
        match self {
            SessionKey::Insecure | SessionKey::CollectTiming | SessionKey::SplitLoggers => OptKind::Boolean,
            SessionKey::Timeout => OptKind::Float,
            _ => OptKind::String,
        }
    }
}

/// An adapter setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdapterKey {
    ServiceType,
    ServiceName,
    /// `valid_interfaces`, or the deprecated single `interface`.
    Interfaces,
    RegionName,
    EndpointOverride,
    Version,
    MinVersion,
    MaxVersion,
    ConnectRetries,
    ConnectRetryDelay,
    StatusCodeRetries,
    StatusCodeRetryDelay,
    RetriableStatusCodes,
}

impl AdapterKey {
    pub(crate) const ALL: [AdapterKey; 13] = [
        AdapterKey::ServiceType,
        AdapterKey::ServiceName,
        AdapterKey::Interfaces,
        AdapterKey::RegionName,
        AdapterKey::EndpointOverride,
        AdapterKey::Version,
        AdapterKey::MinVersion,
        AdapterKey::MaxVersion,
        AdapterKey::ConnectRetries,
        AdapterKey::ConnectRetryDelay,
        AdapterKey::StatusCodeRetries,
        AdapterKey::StatusCodeRetryDelay,
        AdapterKey::RetriableStatusCodes,
    ];

    /// keystoneauth1's INI name.
    pub(crate) fn ini_name(self) -> &'static str {
        match self {
            AdapterKey::ServiceType => "service_type",
            AdapterKey::ServiceName => "service_name",
            AdapterKey::Interfaces => "valid_interfaces",
            AdapterKey::RegionName => "region_name",
            AdapterKey::EndpointOverride => "endpoint_override",
            AdapterKey::Version => "version",
            AdapterKey::MinVersion => "min_version",
            AdapterKey::MaxVersion => "max_version",
            AdapterKey::ConnectRetries => "connect_retries",
            AdapterKey::ConnectRetryDelay => "connect_retry_delay",
            AdapterKey::StatusCodeRetries => "status_code_retries",
            AdapterKey::StatusCodeRetryDelay => "status_code_retry_delay",
            AdapterKey::RetriableStatusCodes => "retriable_status_codes",
        }
    }
}

/// What is looked up.
pub(crate) enum Key<'a> {
    AuthType,
    IdentityApiVersion,
    Auth(&'a Opt),
    Session(SessionKey),
    /// An adapter setting, for one service (`Some`) or for all.
    Adapter(AdapterKey, Option<&'a str>),
}

/// A place values come from.
pub(crate) trait Source: Send + Sync {
    fn rank(&self) -> Rank;
    /// The value of `key`, if this source has one.
    fn lookup(&self, key: &Key<'_>) -> Result<Option<Found>>;
    /// A default this source was configured with (command-line defaults),
    /// used only when no source has a value.
    fn default_for(&self, _key: &Key<'_>) -> Option<Found> {
        None
    }
    /// Where a value for `key` could be given in this source.
    fn hint(&self, key: &Key<'_>) -> Option<String>;
    /// True for a selected clouds.yaml cloud (which defaults the plugin to `password`).
    fn is_cloud(&self) -> bool {
        false
    }
}

/// Names under which an auth option is also accepted from the environment
/// and clouds.yaml (openstacksdk's and osc-lib's aliases): v2 plugins take
/// `project_*` for `tenant_*`, others `tenant_*` for `project_*`, and
/// `auth_token` is `token`.
pub(crate) fn auth_aliases(opt: &Opt) -> Vec<String> {
    let mut names: Vec<String> = opt.all_names().map(opt::dest).collect();
    let extra: &[&str] = match opt.name() {
        "tenant-id" => &["project_id"],
        "tenant-name" => &["project_name"],
        "project-id" => &["tenant_id"],
        "project-name" => &["tenant_name"],
        "token" => &["auth_token"],
        _ => &[],
    };
    for e in extra {
        if !names.iter().any(|n| n == e) {
            names.push((*e).to_owned());
        }
    }
    names
}
