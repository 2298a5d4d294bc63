//! Browser single sign-on (keystoneauth1's `v3websso`): Keystone's WebSSO
//! flow, for clouds whose users log in through an external identity
//! provider (SAML or OpenID Connect behind Horizon).
//!
//! 1. A listener starts on a loopback port, for this login only.
//! 2. The user's browser is sent to Keystone's WebSSO URL,
//!    `{auth_url}/auth/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/websso`
//!    (or `{auth_url}/auth/OS-FEDERATION/websso/{protocol}` without an
//!    identity provider), with `origin` set to the callback,
//!    `http://{redirect_host}:{redirect_port}/auth/websso/`. Keystone
//!    compares `origin` with its `[federation] trusted_dashboard` list
//!    verbatim, so the callback path and the default host and port
//!    (`localhost:9990`) are keystoneauth1's.
//! 3. After the identity provider's login, Keystone answers with a page
//!    whose form posts the unscoped token to the callback. The listener
//!    takes the first POST that has the shape of Keystone's form and whose
//!    token Keystone validates (`GET /v3/auth/tokens`), answers with a page
//!    telling the user to return to the terminal, and stops. It also stops
//!    at `login_timeout` ([`Error::LoginTimeout`]).
//! 4. The unscoped token is re-scoped as asked, and kept: later scopes
//!    re-scope it without a new login, and an application can store it
//!    ([`AuthPlugin::unscoped_auth_state`](crate::AuthPlugin::unscoped_auth_state);
//!    [`TokenCache`](crate::TokenCache) does).
//!
//! # Login CSRF
//!
//! As keystoneauth1 documents, the callback is open to login CSRF: while
//! the listener runs, any page open in the user's browser can post a form
//! to the callback port, and nothing in the request proves that Keystone
//! sent it (an auto-submitted form and a scripted one look alike, and
//! `origin` cannot carry a nonce because Keystone matches it verbatim). The
//! window is kept small: loopback only, only during a login, the first
//! accepted token ends it, and a timeout. Beyond keystoneauth1, a posted
//! token is accepted only when Keystone validates it and, when the plugin
//! names an identity provider, when it is a federated token of that
//! provider and protocol. A page can still post a valid token of its own
//! from the same identity provider; the user then acts as that account.

mod browser;
mod callback;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use http::{HeaderName, Method};
use secrecy::SecretString;
use url::Url;

use super::federation::Rescope;
use super::{scope_setters, Scope, V3Options};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::identity::base::{identity_plugin, versioned_url, Lifecycle, TokenFetcher};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, Transport};
use callback::{check_shape, origin_of, Incoming, Listener, CALLBACK_PATH};

pub use browser::{BrowserLauncher, SystemBrowser};

const NAME: &str = "v3websso";

/// keystoneauth1's default callback host.
pub const DEFAULT_REDIRECT_HOST: &str = "localhost";
/// keystoneauth1's default callback port (the Horizon and Keystone
/// federation guides' `trusted_dashboard` example).
pub const DEFAULT_REDIRECT_PORT: u16 = 9990;
/// keystoneauth1's default time for the login in the browser.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(60);

/// A kept unscoped token is re-scoped only while it is valid for longer
/// than this (keystoneauth1's `MIN_TOKEN_LIFE_SECONDS`).
const MIN_UNSCOPED_LIFE: Duration = Duration::from_secs(120);

/// Browser single sign-on through Keystone's WebSSO flow (keystoneauth1's
/// `v3websso`); see `docs/loading.md` ("Browser single sign-on (`v3websso`)") for the flow and its
/// login-CSRF limitation.
///
/// ```
/// use std::time::Duration;
/// use keystoneauth::identity::v3::WebSso;
/// let auth = WebSso::builder("https://keystone.example.org/v3", "saml2")
///     .identity_provider("myidp")
///     .project_name("demo")
///     .project_domain_id("default")
///     .login_timeout(Duration::from_secs(120))
///     .build()
///     .unwrap();
/// assert_eq!(auth.redirect_uri(), "http://localhost:9990/auth/websso/");
/// ```
#[derive(Debug)]
pub struct WebSso {
    inner: WebSsoAuth,
}

impl WebSso {
    /// A builder for a login at `auth_url` through the federation protocol
    /// registered in Keystone under `protocol`.
    pub fn builder(auth_url: impl Into<MaskedUrl>, protocol: impl Into<String>) -> WebSsoBuilder {
        WebSsoBuilder {
            options: V3Options::new(auth_url),
            protocol: protocol.into(),
            identity_provider: None,
            redirect_host: DEFAULT_REDIRECT_HOST.to_owned(),
            redirect_port: DEFAULT_REDIRECT_PORT,
            login_timeout: DEFAULT_LOGIN_TIMEOUT,
            username: None,
            browser: Arc::new(SystemBrowser),
        }
    }

    /// The callback URL sent as `origin`; it must be listed in Keystone's
    /// `[federation] trusted_dashboard`.
    pub fn redirect_uri(&self) -> &str {
        &self.inner.redirect_uri
    }

    /// The URL the browser is sent to (it holds no secret).
    pub fn websso_url(&self) -> &str {
        self.inner.websso_url.as_str()
    }
}

identity_plugin!(WebSso, inner, {
    fn unscoped_cache_id(&self) -> Option<String> {
        Some(crate::identity::base::cache_id(&self.inner.unscoped_cache_id_parts()))
    }

    fn unscoped_auth_state(&self) -> Option<SecretString> {
        self.inner.unscoped().and_then(|a| a.to_state().ok())
    }

    fn set_unscoped_auth_state(&self, state: &str) -> Result<bool> {
        let access = AccessInfo::from_state(state)?;
        if let Ok(mut g) = self.inner.unscoped.write() {
            *g = Some(Arc::new(access));
        }
        Ok(true)
    }
});

/// Builds a [`WebSso`] plugin.
#[must_use]
pub struct WebSsoBuilder {
    pub(crate) options: V3Options,
    protocol: String,
    identity_provider: Option<String>,
    redirect_host: String,
    redirect_port: u16,
    login_timeout: Duration,
    username: Option<String>,
    browser: Arc<dyn BrowserLauncher>,
}

impl fmt::Debug for WebSsoBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSsoBuilder")
            .field("options", &self.options)
            .field("protocol", &self.protocol)
            .field("identity_provider", &self.identity_provider)
            .field("redirect_host", &self.redirect_host)
            .field("redirect_port", &self.redirect_port)
            .field("login_timeout", &self.login_timeout)
            .finish_non_exhaustive()
    }
}

impl WebSsoBuilder {
    /// The identity provider's name in Keystone (keystoneauth1's
    /// `identity-provider`). Without it, the protocol-only WebSSO URL is
    /// used and Keystone finds the provider from the login's attributes.
    pub fn identity_provider(mut self, idp: impl Into<String>) -> Self {
        self.identity_provider = Some(idp.into()).filter(|s: &String| !s.is_empty());
        self
    }

    /// The callback's host (default `localhost`); it must resolve to
    /// loopback addresses only.
    pub fn redirect_host(mut self, host: impl Into<String>) -> Self {
        self.redirect_host = host.into();
        self
    }

    /// The callback's port (default 9990).
    pub fn redirect_port(mut self, port: u16) -> Self {
        self.redirect_port = port;
        self
    }

    /// How long to wait for the login in the browser (default 60 s).
    pub fn login_timeout(mut self, timeout: Duration) -> Self {
        self.login_timeout = timeout;
        self
    }

    /// A label that keeps the cached tokens of several SSO accounts apart;
    /// it plays no part in the login (the browser chooses the identity).
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.username = Some(name.into());
        self
    }

    /// What shows or opens the WebSSO URL (default [`SystemBrowser`]).
    pub fn browser(mut self, launcher: impl BrowserLauncher + 'static) -> Self {
        self.browser = Arc::new(launcher);
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<WebSso> {
        if self.protocol.is_empty() {
            return Err(Error::missing_option_in("protocol", NAME));
        }
        if self.redirect_host.is_empty() || self.redirect_host.contains(['/', '@', '?', '#']) {
            return Err(Error::invalid_option_in(
                "redirect-host",
                NAME,
                format!("{:?} is not a host name or address", self.redirect_host),
            ));
        }
        let target = Rescope::new(NAME, &self.options)?;
        let auth_url = &target.auth_url;
        let host = if self.redirect_host.contains(':') && !self.redirect_host.starts_with('[') {
            format!("[{}]", self.redirect_host)
        } else {
            self.redirect_host.clone()
        };
        let redirect_uri = format!("http://{host}:{}{CALLBACK_PATH}", self.redirect_port);
        let mut websso_url = versioned_url(auth_url, "/v3", "auth/OS-FEDERATION")?;
        {
            let mut segments = websso_url.path_segments_mut().map_err(|()| Error::InvalidOption {
                option: "auth-url".into(),
                location: Some(NAME.into()),
                message: format!("{:?} cannot have a path", auth_url),
            })?;
            match &self.identity_provider {
                Some(idp) => segments
                    .push("identity_providers")
                    .push(idp)
                    .push("protocols")
                    .push(&self.protocol)
                    .push("websso"),
                None => segments.push("websso").push(&self.protocol),
            };
        }
        // Printed and given to the browser: never the auth URL's
        // credentials or query.
        let _ = websso_url.set_username("");
        let _ = websso_url.set_password(None);
        websso_url.set_query(None);
        websso_url.query_pairs_mut().append_pair("origin", &redirect_uri);
        let keystone_origin = origin_of(auth_url.expose()).ok_or_else(|| Error::InvalidOption {
            option: "auth-url".into(),
            location: Some(NAME.into()),
            message: format!("{:?} is not an absolute URL", auth_url),
        })?;
        Ok(WebSso {
            inner: WebSsoAuth {
                target,
                protocol: self.protocol,
                identity_provider: self.identity_provider,
                redirect_host: self.redirect_host,
                redirect_port: self.redirect_port,
                redirect_uri,
                websso_url,
                keystone_origin,
                login_timeout: self.login_timeout,
                username: self.username,
                browser: self.browser,
                unscoped: RwLock::new(None),
                lifecycle: Lifecycle::new(self.options.reauth_margin),
            },
        })
    }
}

/// The plugin's state: settings, the kept unscoped token, the scoped one.
struct WebSsoAuth {
    /// The auth URL, the scope, and the re-scope to it.
    target: Rescope,
    protocol: String,
    identity_provider: Option<String>,
    redirect_host: String,
    redirect_port: u16,
    redirect_uri: String,
    websso_url: Url,
    keystone_origin: String,
    login_timeout: Duration,
    username: Option<String>,
    browser: Arc<dyn BrowserLauncher>,
    unscoped: RwLock<Option<Arc<AccessInfo>>>,
    lifecycle: Lifecycle,
}

impl fmt::Debug for WebSsoAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSso")
            .field("target", &self.target)
            .field("protocol", &self.protocol)
            .field("identity_provider", &self.identity_provider)
            .field("redirect_uri", &self.redirect_uri)
            .field("login_timeout", &self.login_timeout)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl WebSsoAuth {
    fn unscoped(&self) -> Option<Arc<AccessInfo>> {
        self.unscoped.read().ok().and_then(|g| g.clone())
    }

    fn set_unscoped(&self, access: Option<Arc<AccessInfo>>) {
        if let Ok(mut g) = self.unscoped.write() {
            *g = access;
        }
    }

    /// What identifies the unscoped token: everything but the scope.
    fn unscoped_cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![
            ("plugin", NAME.to_owned()),
            (
                "auth_url",
                self.target.auth_url.expose().trim_end_matches('/').to_owned(),
            ),
            ("protocol", self.protocol.clone()),
            ("scope", "unscoped-websso".to_owned()),
        ];
        if let Some(idp) = &self.identity_provider {
            parts.push(("identity_provider", idp.clone()));
        }
        if let Some(u) = &self.username {
            parts.push(("username", u.clone()));
        }
        parts
    }

    /// The browser login: listen, send the user to Keystone, take the
    /// first token Keystone vouches for.
    async fn login(&self, transport: &Transport) -> Result<AccessInfo> {
        let listener = Listener::bind(&self.redirect_host, self.redirect_port).await?;
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            plugin = NAME,
            callback = %self.redirect_uri,
            "WebSSO callback listening; sending the user to the browser"
        );
        // Only now that the port listens: Keystone may post at once.
        self.browser.open(self.websso_url.as_str());
        let deadline = tokio::time::Instant::now() + self.login_timeout;
        listener
            .serve(deadline, |request| self.judge(transport, request))
            .await
            .ok_or(Error::login_timeout(self.login_timeout, self.redirect_uri.clone()))
    }

    /// Accepts a request whose shape is Keystone's form and whose token
    /// Keystone validates; answers every request.
    async fn judge(&self, transport: &Transport, request: Incoming) -> Option<AccessInfo> {
        let token = match check_shape(&request, &self.keystone_origin) {
            Ok(token) => token,
            Err(status) => {
                tracing::debug!(target: crate::transport::LOG_TARGET, plugin = NAME, status, method = %request.method, "refused a request to the WebSSO callback");
                request.answer(Some(status));
                return None;
            }
        };
        match self.validate(transport, token).await {
            Ok(access) => {
                request.answer(None);
                Some(access)
            }
            Err(e) => {
                tracing::warn!(target: crate::transport::LOG_TARGET, plugin = NAME, error = %e, "refused a token posted to the WebSSO callback; still waiting");
                request.answer(Some(400));
                None
            }
        }
    }

    /// The posted token, validated by Keystone: an unscoped federated token
    /// of this plugin's protocol (and identity provider, when named).
    async fn validate(&self, transport: &Transport, token: SecretString) -> Result<AccessInfo> {
        let url = versioned_url(&self.target.auth_url, "/v3", "auth/tokens")?;
        let value = crate::auth::secret_header_value("token", &token)?;
        let request = HttpRequest::new(Method::GET, url)
            .header(HeaderName::from_static("x-auth-token"), value.clone())
            .header(HeaderName::from_static("x-subject-token"), value);
        let response = crate::identity::base::post_token_request(transport, request)
            .await
            .map_err(|e| crate::redact::scrub_error(e, &[&token]))?;
        let access = AccessInfo::from_v3(token, response.into_bytes())?;
        self.check_federation(&access)?;
        Ok(access)
    }

    fn check_federation(&self, access: &AccessInfo) -> Result<()> {
        let doc: serde_json::Value = serde_json::from_slice(access.raw_body()).unwrap_or_default();
        let fed = &doc["token"]["user"]["OS-FEDERATION"];
        let idp = fed["identity_provider"]["id"].as_str();
        let protocol = fed["protocol"]["id"].as_str();
        let wrong = |what: &str| Error::authorization(format!("the token posted to the WebSSO callback is {what}"));
        if !access.is_unscoped() {
            return Err(wrong("not an unscoped token"));
        }
        if protocol != Some(self.protocol.as_str()) {
            return Err(wrong("not a federated token of this protocol"));
        }
        if let Some(want) = &self.identity_provider {
            if idp != Some(want.as_str()) {
                return Err(wrong("not a federated token of this identity provider"));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl TokenFetcher for WebSsoAuth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        // A kept unscoped token serves every scope. Without a scope it
        // is the scoped token itself, which was just refused or expired.
        if self.target.scope != Scope::Unscoped {
            if let Some(kept) = self.unscoped().filter(|a| !a.will_expire_soon(MIN_UNSCOPED_LIFE)) {
                match self.target.rescope(transport, (*kept).clone()).await {
                    Ok(scoped) => return Ok(scoped),
                    // Revoked, or its user lost the role: log in again.
                    Err(e) if e.is_unauthorized() || e.is_not_found() => {
                        tracing::debug!(target: crate::transport::LOG_TARGET, plugin = NAME, "the kept unscoped token was refused; logging in again");
                        self.set_unscoped(None);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let unscoped = self.login(transport).await?;
        self.set_unscoped(Some(Arc::new(unscoped.clone())));
        self.target.rescope(transport, unscoped).await
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = self.unscoped_cache_id_parts();
        parts.retain(|(k, _)| *k != "scope");
        self.target.scope.cache_parts(&mut parts);
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests;
