//! Keystone's OAuth 2.0 client credentials: `v3oauth2clientcredential`
//! (an application credential used as an OAuth 2.0 client, with a secret)
//! and `v3oauth2mtlsclientcredential` (a client authenticated by its TLS
//! certificate).

use std::fmt;
use std::future::Future;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderName, Method};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::application_credential::{AppCredRef, ApplicationCredentialMethod};
use super::oidc::provider::{self, post_form, secret_field, ClientAuth};
use super::{client_identity_setter, reauth_margin_setter, required, scope_setters, V3Auth, V3Options};
use crate::access::AccessInfo;
use crate::auth::{secret_header_value, ConnectionParams, AUTH_TOKEN_HEADER};
use crate::catalog::EndpointFilter;
use crate::error::{Error, Result};
use crate::identity::base::{identity_plugin, post_token_request, versioned_url, Lifecycle, TokenFetcher};
use crate::masked_url::MaskedUrl;
use crate::transport::{ClientIdentity, HttpRequest, Transport};

/// The bearer value of a token.
fn bearer(token: &SecretString) -> SecretString {
    SecretString::from(format!("Bearer {}", token.expose_secret()))
}

/// Parses an endpoint option as a URL.
fn endpoint_option(plugin: &str, value: Option<MaskedUrl>) -> Result<Url> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::missing_option_in("oauth2-endpoint", plugin.to_owned()))?;
    Url::parse(value.expose()).map_err(|e| {
        Error::invalid_option_in(
            "oauth2-endpoint",
            plugin.to_owned(),
            format!("{value:?} is not an absolute URL ({e})"),
        )
    })
}

/// Implements [`AuthPlugin`] for `$ty` with the methods given, and the
/// others (endpoints, ids, state) delegated to the field `$base`, itself a
/// plugin.
macro_rules! plugin_with_base {
    ($ty:ty, $base:ident, { $($own:tt)* }) => {
        crate::auth::forwarding_plugin!($ty, $base, {
            $($own)*

            async fn endpoint(&self, transport: &Transport, filter: &EndpointFilter) -> Result<Option<String>> {
                self.$base.endpoint(transport, filter).await
            }

            fn set_auth_state(&self, state: &str) -> Result<bool> {
                self.$base.set_auth_state(state)
            }
        });
    };
}

// ---------------------------------------------------------------------------
// v3oauth2clientcredential
// ---------------------------------------------------------------------------

/// An OAuth 2.0 access token and when it expires.
struct Bearer {
    token: SecretString,
    fetched: Instant,
    lifetime: Option<Duration>,
}

impl Bearer {
    fn usable(&self, margin: Duration) -> bool {
        self.usable_at_age(self.fetched.elapsed(), margin)
    }

    /// Whether the token is still good `age` after it was fetched.
    fn usable_at_age(&self, age: Duration, margin: Duration) -> bool {
        match self.lifetime {
            None => true,
            Some(lifetime) => age + margin.min(lifetime / 4) < lifetime,
        }
    }
}

/// The cached OAuth 2.0 access token, fetched by one caller at a time.
struct BearerCache {
    current: RwLock<Option<Bearer>>,
    refresh: tokio::sync::Mutex<()>,
    margin: Duration,
}

impl BearerCache {
    fn new(margin: Option<Duration>) -> Self {
        BearerCache {
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            margin: margin.unwrap_or(crate::identity::DEFAULT_REAUTH_MARGIN),
        }
    }

    fn valid(&self) -> Option<SecretString> {
        let guard = self.current.read().ok()?;
        guard
            .as_ref()
            .filter(|b| b.usable(self.margin))
            .map(|b| b.token.clone())
    }

    async fn get<F, Fut>(&self, fetch: F) -> Result<SecretString>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bearer>>,
    {
        if let Some(token) = self.valid() {
            return Ok(token);
        }
        let _guard = self.refresh.lock().await;
        if let Some(token) = self.valid() {
            return Ok(token);
        }
        let fresh = fetch().await?;
        let token = fresh.token.clone();
        if let Ok(mut current) = self.current.write() {
            *current = Some(fresh);
        }
        Ok(token)
    }

    fn invalidate(&self) -> bool {
        self.current.write().map(|mut c| c.take().is_some()).unwrap_or(false)
    }

    /// Drops the token if it is the one in the rejected headers.
    fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        let Some(sent) = rejected.get(AUTHORIZATION) else {
            return self.invalidate();
        };
        if let Ok(mut current) = self.current.write() {
            let same = current
                .as_ref()
                .is_some_and(|b| bearer(&b.token).expose_secret().as_bytes() == sent.as_bytes());
            if same {
                *current = None;
            }
        }
        true
    }
}

/// The Keystone token of [`OAuth2ClientCredential`]: application
/// credential authentication.
#[derive(Debug)]
struct AppCredToken {
    inner: V3Auth,
}

identity_plugin!(AppCredToken, inner);

/// Keystone OAuth 2.0 client credentials (keystoneauth1's
/// `v3oauth2clientcredential`).
///
/// The client is an application credential: its id and secret get a
/// Keystone token (sent as `X-Auth-Token`), and the same id and secret, as
/// HTTP Basic with `grant_type=client_credentials`, get an OAuth 2.0 access
/// token from `oauth2_endpoint` (Keystone's `/v3/OS-OAUTH2/token`), sent
/// with every request as `Authorization: Bearer`, for services protected by
/// keystonemiddleware's OAuth 2.0 filter. keystoneauth1 fetches a new
/// access token for every request; this plugin keeps it until shortly
/// before the `expires_in` the server announced, or until a request is
/// rejected with 401.
///
/// ```
/// use keystoneauth::identity::v3::OAuth2ClientCredential;
/// let auth = OAuth2ClientCredential::builder("https://keystone.example.org/v3")
///     .oauth2_endpoint("https://keystone.example.org/v3/OS-OAUTH2/token")
///     .oauth2_client_id("a5b4...")
///     .oauth2_client_secret("client-s3cret")
///     .build()
///     .unwrap();
/// assert!(!format!("{auth:?}").contains("s3cret"));
/// ```
pub struct OAuth2ClientCredential {
    base: AppCredToken,
    oauth2_endpoint: Url,
    client: ClientAuth,
    bearer: BearerCache,
}

impl fmt::Debug for OAuth2ClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2ClientCredential")
            .field("auth_url", self.base.inner.auth_url())
            .field("oauth2_endpoint", &crate::redact::url(&self.oauth2_endpoint))
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl OAuth2ClientCredential {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> OAuth2ClientCredentialBuilder {
        OAuth2ClientCredentialBuilder {
            options: V3Options::new(auth_url),
            client: OAuth2Client::default(),
            oauth2_client_secret: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.base.inner.auth_url()
    }

    /// The OAuth 2.0 token endpoint.
    pub fn oauth2_endpoint(&self) -> &str {
        self.oauth2_endpoint.as_str()
    }

    /// Gets a new OAuth 2.0 access token.
    async fn fetch_bearer(&self, transport: &Transport) -> Result<Bearer> {
        const WHAT: &str = "OAuth 2.0 client credentials";
        let form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        let answer = post_form(transport, &self.client, &self.oauth2_endpoint, form, WHAT, &[]).await?;
        let token = secret_field(&answer, "access_token", &self.oauth2_endpoint, WHAT)?;
        let lifetime = provider::expires_in(&answer);
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            endpoint = %crate::redact::url(&self.oauth2_endpoint),
            expires_in = lifetime.map(|d| d.as_secs()),
            "got an OAuth 2.0 access token"
        );
        Ok(Bearer {
            token,
            fetched: Instant::now(),
            lifetime,
        })
    }
}

plugin_with_base!(OAuth2ClientCredential, base, {
    async fn headers(&self, transport: &Transport) -> Result<HeaderMap> {
        let mut headers = self.base.headers(transport).await?;
        let token = self.bearer.get(|| self.fetch_bearer(transport)).await?;
        headers.insert(
            AUTHORIZATION,
            secret_header_value("oauth2 access token", &bearer(&token))?,
        );
        Ok(headers)
    }

    fn invalidate(&self) -> bool {
        let keystone = self.base.invalidate();
        let oauth2 = self.bearer.invalidate();
        keystone || oauth2
    }

    fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        let keystone = self.base.invalidate_rejected(rejected);
        let oauth2 = self.bearer.invalidate_rejected(rejected);
        keystone || oauth2
    }
});

/// The OAuth 2.0 client options both plugins share.
#[derive(Debug, Default)]
struct OAuth2Client {
    endpoint: Option<MaskedUrl>,
    client_id: Option<String>,
}

impl OAuth2Client {
    /// The token endpoint and the client id, checked.
    fn resolve(self, plugin: &str) -> Result<(Url, String)> {
        let endpoint = endpoint_option(plugin, self.endpoint)?;
        let client_id = self.client_id.filter(|v| !v.is_empty());
        Ok((endpoint, required(client_id, "oauth2-client-id", plugin)?))
    }
}

/// The setters of [`OAuth2Client`], onto the builder's `client`.
macro_rules! oauth2_client_setters {
    () => {
        /// The OAuth 2.0 token endpoint, Keystone's
        /// `https://keystone.example.org/v3/OS-OAUTH2/token`.
        pub fn oauth2_endpoint(mut self, url: impl Into<MaskedUrl>) -> Self {
            self.client.endpoint = Some(url.into());
            self
        }

        /// The client id: the application credential's id.
        pub fn oauth2_client_id(mut self, id: impl Into<String>) -> Self {
            self.client.client_id = Some(id.into());
            self
        }
    };
}

/// Builds an [`OAuth2ClientCredential`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OAuth2ClientCredentialBuilder {
    pub(crate) options: V3Options,
    client: OAuth2Client,
    oauth2_client_secret: Option<SecretString>,
}

impl OAuth2ClientCredentialBuilder {
    oauth2_client_setters!();

    /// The client secret: the application credential's secret.
    pub fn oauth2_client_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.oauth2_client_secret = Some(secret.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OAuth2ClientCredential> {
        const NAME: &str = "v3oauth2clientcredential";
        let (oauth2_endpoint, client_id) = self.client.resolve(NAME)?;
        let secret = self.oauth2_client_secret.filter(|v| !v.expose_secret().is_empty());
        let secret = required(secret, "oauth2-client-secret", NAME)?;
        let method = ApplicationCredentialMethod {
            credential: AppCredRef::Id(client_id.clone()),
            secret: secret.clone(),
        };
        let margin = self.options.reauth_margin;
        let inner = self.options.into_auth(NAME, vec![Box::new(method)])?;
        Ok(OAuth2ClientCredential {
            base: AppCredToken { inner },
            oauth2_endpoint,
            client: ClientAuth {
                client_id,
                client_secret: Some(secret),
            },
            bearer: BearerCache::new(margin),
        })
    }
}

// ---------------------------------------------------------------------------
// v3oauth2mtlsclientcredential
// ---------------------------------------------------------------------------

/// Gets the OAuth 2.0 access token over mutual TLS and the token's data
/// from Keystone.
struct MtlsFetcher {
    auth_url: MaskedUrl,
    token_url: Url,
    oauth2_endpoint: Url,
    client: ClientAuth,
    lifecycle: Lifecycle,
}

impl fmt::Debug for MtlsFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MtlsFetcher")
            .field("auth_url", &self.auth_url)
            .field("oauth2_endpoint", &crate::redact::url(&self.oauth2_endpoint))
            .field("client_id", &self.client.client_id)
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

#[async_trait]
impl TokenFetcher for MtlsFetcher {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        const WHAT: &str = "OAuth 2.0 mutual-TLS client credentials";
        // The client id goes in the form (there is no secret): the TLS
        // client certificate authenticates the client.
        let form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        let answer = post_form(transport, &self.client, &self.oauth2_endpoint, form, WHAT, &[]).await?;
        let token = secret_field(&answer, "access_token", &self.oauth2_endpoint, WHAT)?;
        // The access token is a Keystone token: validate it to get its data.
        let request = HttpRequest::new(Method::GET, self.token_url.clone())
            .header(
                HeaderName::from_static(AUTH_TOKEN_HEADER),
                secret_header_value("oauth2 access token", &token)?,
            )
            .header(
                HeaderName::from_static("x-subject-token"),
                secret_header_value("oauth2 access token", &token)?,
            );
        let response = post_token_request(transport, request)
            .await
            .map_err(|e| crate::redact::scrub_error(e, &[&token]))?;
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            plugin = "v3oauth2mtlsclientcredential",
            "authenticated with an OAuth 2.0 mutual-TLS client credential"
        );
        AccessInfo::from_v3(token, response.into_bytes())
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("plugin", "v3oauth2mtlsclientcredential".to_owned()),
            ("auth_url", self.auth_url.expose().trim_end_matches('/').to_owned()),
            ("oauth2_endpoint", self.oauth2_endpoint.as_str().to_owned()),
            ("oauth2_client_id", self.client.client_id.clone()),
        ]
    }

    fn secrets(&self) -> Vec<&SecretString> {
        self.client.client_secret.iter().collect()
    }
}

/// The token part of [`OAuth2MtlsClientCredential`].
#[derive(Debug)]
struct MtlsToken {
    inner: MtlsFetcher,
}

identity_plugin!(MtlsToken, inner);

/// Keystone OAuth 2.0 mutual-TLS client credentials (keystoneauth1's
/// `v3oauth2mtlsclientcredential`).
///
/// The client presents its TLS certificate to `oauth2_endpoint` (Keystone's
/// `/v3/OS-OAUTH2/token`) and sends only its id
/// (`grant_type=client_credentials`, no secret). The access token it gets
/// is a Keystone token bound to the certificate: the plugin validates it at
/// `/v3/auth/tokens` for its catalog and sends it with every request both
/// as `X-Auth-Token` and as `Authorization: Bearer`. Requests must keep
/// presenting the same certificate.
///
/// Give the certificate with
/// [`client_identity`](OAuth2MtlsClientCredentialBuilder::client_identity)
/// (the plugin asks the session to present it through
/// [`AuthPlugin::connection_params`](crate::AuthPlugin::connection_params)),
/// or configure it on the session.
/// As in keystoneauth1, the token's scope is the one the server gives;
/// the plugin takes no scope options.
///
/// ```
/// use keystoneauth::identity::v3::OAuth2MtlsClientCredential;
/// let auth = OAuth2MtlsClientCredential::builder("https://keystone.example.org/v3")
///     .oauth2_endpoint("https://keystone.example.org/v3/OS-OAUTH2/token")
///     .oauth2_client_id("a-user-id")
///     .build()
///     .unwrap();
/// ```
pub struct OAuth2MtlsClientCredential {
    base: MtlsToken,
    client_identity: Option<ClientIdentity>,
}

impl fmt::Debug for OAuth2MtlsClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2MtlsClientCredential")
            .field("base", &self.base)
            .field("client_identity", &self.client_identity)
            .finish()
    }
}

impl OAuth2MtlsClientCredential {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> OAuth2MtlsClientCredentialBuilder {
        OAuth2MtlsClientCredentialBuilder {
            options: V3Options::new(auth_url),
            client: OAuth2Client::default(),
            client_identity: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        &self.base.inner.auth_url
    }

    /// The OAuth 2.0 token endpoint.
    pub fn oauth2_endpoint(&self) -> &str {
        self.base.inner.oauth2_endpoint.as_str()
    }
}

plugin_with_base!(OAuth2MtlsClientCredential, base, {
    async fn headers(&self, transport: &Transport) -> Result<HeaderMap> {
        let access = crate::identity::base::access(&self.base.inner, transport).await?;
        let mut headers = crate::auth::token_headers(access.token())?;
        headers.insert(
            AUTHORIZATION,
            secret_header_value("oauth2 access token", &bearer(access.token()))?,
        );
        Ok(headers)
    }

    fn invalidate(&self) -> bool {
        self.base.invalidate()
    }

    fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        self.base.invalidate_rejected(rejected)
    }

    fn connection_params(&self) -> ConnectionParams {
        ConnectionParams::from_identity(self.client_identity.as_ref())
    }
});

/// Builds an [`OAuth2MtlsClientCredential`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OAuth2MtlsClientCredentialBuilder {
    pub(crate) options: V3Options,
    client: OAuth2Client,
    client_identity: Option<ClientIdentity>,
}

impl OAuth2MtlsClientCredentialBuilder {
    oauth2_client_setters!();
    client_identity_setter!();
    reauth_margin_setter!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OAuth2MtlsClientCredential> {
        const NAME: &str = "v3oauth2mtlsclientcredential";
        let (oauth2_endpoint, client_id) = self.client.resolve(NAME)?;
        let token_url = versioned_url(&self.options.auth_url, "/v3", "auth/tokens")?;
        Ok(OAuth2MtlsClientCredential {
            base: MtlsToken {
                inner: MtlsFetcher {
                    auth_url: self.options.auth_url,
                    token_url,
                    oauth2_endpoint,
                    client: ClientAuth {
                        client_id,
                        client_secret: None,
                    },
                    lifecycle: Lifecycle::new(self.options.reauth_margin),
                },
            },
            client_identity: self.client_identity,
        })
    }
}

#[cfg(test)]
mod tests;
