//! The session and adapter settings the loading functions find.

use std::path::PathBuf;
use std::time::Duration;

use super::opt::Sourced;
use crate::adapter::AdapterBuilder;
use crate::catalog::Interface;
use crate::error::{Error, Result};
use crate::session::{Session, SessionBuilder};
use crate::token_cache::TokenCache;

/// The settings for a [`Session`] found by the loading functions, each with
/// its source; [`SessionOptions::builder`] turns them into a
/// [`SessionBuilder`] that callers can add to.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Skip server certificate verification (`insecure`, `--insecure`, `verify: false`).
    pub insecure: Option<Sourced<bool>>,
    /// The CA bundle (`cafile`, `--os-cacert`, `OS_CACERT`, `cacert`).
    pub ca_file: Option<Sourced<PathBuf>>,
    /// The client certificate (`certfile`, `--os-cert`, `OS_CERT`, `cert`).
    pub cert_file: Option<Sourced<PathBuf>>,
    /// The client certificate's key (`keyfile`, `--os-key`, `OS_KEY`, `key`).
    pub key_file: Option<Sourced<PathBuf>>,
    /// The request timeout (`timeout`, `--timeout`, `api_timeout`).
    pub timeout: Option<Sourced<Duration>>,
    /// Collect per-request timings (`collect_timing`, `--collect-timing`, `timing`).
    pub collect_timing: Option<Sourced<bool>>,
    /// Log requests, responses and response bodies under their own `tracing`
    /// targets (`split_loggers`, as keystoneauth1's): see
    /// [`SessionBuilder::split_loggers`].
    pub split_loggers: Option<Sourced<bool>>,
    /// A shared token store (`token_store`, `--token-store`,
    /// `OS_TOKEN_STORE`): `redis://host:6379/0`. See
    /// [`SessionOptions::token_cache`].
    pub token_store: Option<Sourced<String>>,
    /// The shared token store's keys (`token_store_key_file`,
    /// `--token-store-key-file`, `OS_TOKEN_STORE_KEY_FILE`).
    pub token_store_key_file: Option<Sourced<PathBuf>>,
}

impl SessionOptions {
    /// Applies the settings to `builder`.
    pub fn apply(&self, mut builder: SessionBuilder) -> Result<SessionBuilder> {
        if let Some(v) = &self.insecure {
            builder = builder.insecure(v.value);
        }
        if let Some(v) = &self.ca_file {
            if !self.insecure.as_ref().is_some_and(|i| i.value) {
                builder = builder.ca_file(v.value.clone());
            }
        }
        match (&self.cert_file, &self.key_file) {
            (Some(c), k) => builder = builder.client_cert(c.value.clone(), k.as_ref().map(|k| k.value.clone())),
            (None, Some(k)) => {
                return Err(Error::invalid_option_in(
                    "keyfile",
                    k.source.to_string(),
                    "a client key was given without a client certificate",
                ))
            }
            (None, None) => {}
        }
        if let Some(v) = &self.timeout {
            builder = builder.timeout(v.value);
        }
        if let Some(v) = &self.collect_timing {
            builder = builder.collect_timing(v.value);
        }
        if let Some(v) = &self.split_loggers {
            builder = builder.split_loggers(v.value);
        }
        if let Some(cache) = self.token_cache()? {
            builder = builder.token_cache(Some(cache));
        }
        Ok(builder)
    }

    /// A new [`SessionBuilder`] with the settings.
    pub fn builder(&self) -> Result<SessionBuilder> {
        self.apply(Session::builder())
    }

    /// The token cache of the `token_store` setting, if one is set: a
    /// [`RedisTokenStore`](crate::TokenCache) sealed with the keys of
    /// `token_store_key_file`. Put it in front of the auth plugin with
    /// [`TokenCache::wrap`] (or [`SessionBuilder::token_cache`]).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a store that is not `redis://`,
    /// `rediss://` or `redis+unix://`, or when the crate was built without
    /// the `redis` feature.
    pub fn token_cache(&self) -> Result<Option<TokenCache>> {
        let Some(url) = &self.token_store else {
            return Ok(None);
        };
        let invalid = |message: String| Error::invalid_option_in("token_store", url.source.to_string(), message);
        let scheme = url.value.split_once("://").map(|(s, _)| s).unwrap_or_default();
        if !matches!(scheme, "redis" | "rediss" | "redis+unix") {
            return Err(invalid(
                "a token store is a redis://, rediss:// or redis+unix:// URL".into(),
            ));
        }
        redis_cache(
            &url.value,
            self.token_store_key_file.as_ref().map(|k| k.value.as_path()),
        )
        .map(Some)
        .map_err(|e| invalid(e.to_string()))
    }
}

#[cfg(feature = "redis")]
fn redis_cache(url: &str, key_file: Option<&std::path::Path>) -> Result<TokenCache> {
    let mut builder = crate::RedisTokenStore::builder(url);
    if let Some(path) = key_file {
        builder = builder.key_file(path);
    }
    Ok(TokenCache::with_store(std::sync::Arc::new(builder.build()?)))
}

#[cfg(not(feature = "redis"))]
fn redis_cache(_url: &str, _key_file: Option<&std::path::Path>) -> Result<TokenCache> {
    Err(Error::token_store(
        "redis",
        "keystoneauth was built without the `redis` feature",
    ))
}

/// The settings for an [`Adapter`](crate::Adapter) found by the loading
/// functions, each with its source.
///
/// [`AdapterOptions::apply`] sets them on an [`AdapterBuilder`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AdapterOptions {
    /// The service type.
    pub service_type: Option<Sourced<String>>,
    /// The service name.
    pub service_name: Option<Sourced<String>>,
    /// Acceptable interfaces, most preferred first.
    pub interfaces: Option<Sourced<Vec<Interface>>>,
    /// The region.
    pub region_name: Option<Sourced<String>>,
    /// An endpoint to use instead of the catalog's.
    pub endpoint_override: Option<Sourced<String>>,
    /// The API version (`version`, `--os-api-version`, `<service>_api_version`).
    pub version: Option<Sourced<String>>,
    /// The lowest acceptable API version (exclusive with `version`).
    pub min_version: Option<Sourced<String>>,
    /// The highest acceptable API version (exclusive with `version`).
    pub max_version: Option<Sourced<String>>,
    /// Connection retries.
    pub connect_retries: Option<Sourced<u32>>,
    /// Fixed delay between connection retries.
    pub connect_retry_delay: Option<Sourced<Duration>>,
    /// Retries of retriable statuses.
    pub status_code_retries: Option<Sourced<u32>>,
    /// Fixed delay between status retries.
    pub status_code_retry_delay: Option<Sourced<Duration>>,
    /// The statuses retried.
    pub retriable_status_codes: Option<Sourced<Vec<u16>>>,
}

impl AdapterOptions {
    /// Applies the settings to `builder`.
    pub fn apply(&self, mut b: AdapterBuilder) -> AdapterBuilder {
        if let Some(v) = &self.service_type {
            b = b.service_type(v.value.clone());
        }
        if let Some(v) = &self.service_name {
            b = b.service_name(v.value.clone());
        }
        if let Some(v) = &self.interfaces {
            b = b.interfaces(v.value.iter().copied());
        }
        if let Some(v) = &self.region_name {
            b = b.region_name(v.value.clone());
        }
        if let Some(v) = &self.endpoint_override {
            b = b.endpoint_override(v.value.clone());
        }
        if let Some(v) = &self.version {
            b = b.version(v.value.clone());
        }
        if let Some(v) = &self.min_version {
            b = b.min_version(v.value.clone());
        }
        if let Some(v) = &self.max_version {
            b = b.max_version(v.value.clone());
        }
        if let Some(v) = &self.connect_retries {
            b = b.connect_retries(v.value);
        }
        if let Some(v) = &self.connect_retry_delay {
            b = b.connect_retry_delay(v.value);
        }
        if let Some(v) = &self.status_code_retries {
            b = b.status_code_retries(v.value);
        }
        if let Some(v) = &self.status_code_retry_delay {
            b = b.status_code_retry_delay(v.value);
        }
        if let Some(v) = &self.retriable_status_codes {
            b = b.retriable_status_codes(v.value.iter().copied());
        }
        b
    }

    /// A new [`AdapterBuilder`] over `session` with the settings.
    pub fn builder(&self, session: Session) -> AdapterBuilder {
        self.apply(crate::Adapter::builder(session))
    }
}
