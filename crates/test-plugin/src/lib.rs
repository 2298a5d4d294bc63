//! A third-party auth plugin, as another crate would write one: an API key
//! sent in a header to a fixed endpoint. Its loader is registered at run
//! time with [`register`], after which keystoneauth loads it by name
//! (`test-apikey`) from INI files, the command line and clouds.yaml,
//! with no change to keystoneauth.

use std::sync::Arc;

use keystoneauth::http::{HeaderMap, HeaderName, HeaderValue};
use keystoneauth::loading::{registry, LoadedOptions, Opt, OptKind, PluginLoader};
use keystoneauth::secrecy::{ExposeSecret, SecretString};
use keystoneauth::{async_trait, AuthPlugin, EndpointFilter, Error, Result, Transport};

/// The plugin's name.
pub const NAME: &str = "test-apikey";

/// Sends `<header>: <api key>` and resolves every endpoint to `endpoint`.
#[derive(Debug)]
pub struct ApiKey {
    /// The fixed endpoint.
    pub endpoint: String,
    /// The header name.
    pub header: String,
    /// Retries wanted (an integer option, to test typing).
    pub retries: Option<i64>,
    key: SecretString,
}

impl ApiKey {
    /// The key (for tests).
    pub fn key(&self) -> &str {
        self.key.expose_secret()
    }
}

#[async_trait]
impl AuthPlugin for ApiKey {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        let name = HeaderName::try_from(self.header.as_str())
            .map_err(|_| Error::invalid_option("header", "not a valid header name"))?;
        let mut value = HeaderValue::from_str(self.key.expose_secret())
            .map_err(|_| Error::invalid_option("api-key", "not a valid header value"))?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(name, value);
        Ok(headers)
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(Some(self.endpoint.clone()))
    }
}

/// The loader.
#[derive(Debug)]
pub struct ApiKeyLoader;

impl PluginLoader for ApiKeyLoader {
    fn name(&self) -> &str {
        NAME
    }

    fn description(&self) -> &str {
        "An API key in a header (test plugin)"
    }

    fn options(&self) -> Vec<Opt> {
        vec![
            Opt::new("endpoint").required().help("The service endpoint"),
            Opt::new("api-key")
                .secret()
                .required()
                .deprecated_name("apikey")
                .prompt("API key: ")
                .help("The API key"),
            Opt::new("header")
                .default_value("X-Api-Key")
                .help("The header carrying the key"),
            Opt::new("retries").kind(OptKind::Integer).help("Retries"),
        ]
    }

    fn load(&self, options: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        Ok(Arc::new(ApiKey {
            endpoint: options.require_string("endpoint")?.to_owned(),
            header: options.require_string("header")?.to_owned(),
            retries: options.integer("retries")?,
            key: options.require_secret("api-key")?,
        }))
    }
}

/// Registers the loader in keystoneauth's global registry.
pub fn register() {
    registry().register(Arc::new(ApiKeyLoader));
}
