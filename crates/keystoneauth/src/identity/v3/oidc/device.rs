//! `v3oidcdeviceauthz`: the OAuth 2.0 device authorization grant
//! (RFC 8628), for programs that cannot open a browser: the user approves
//! on another device while the program polls the token endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Map, Value};
use url::Url;

use super::pkce::{CodeChallengeMethod, Pkce};
use super::plugins::oidc_plugin;
use super::provider::{self, post_form, secret_field, OAuthError};
use super::{oidc_setters, Federation, Grant, OidcAuth, OidcOptions, Provider, TokenSource, Tokens};
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::identity::v3::{scope_setters, V3Options};
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;

/// The device code grant type.
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The polling interval when the provider announces none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// How much `slow_down` adds to the interval (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// How long the device code lives when the provider does not say.
const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(600);

/// The shortest polling interval used, whatever the provider says.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// What the user must do to approve a device authorization: open
/// [`verification_uri`](Self::verification_uri) and enter
/// [`user_code`](Self::user_code), or open
/// [`verification_uri_complete`](Self::verification_uri_complete), which
/// holds the code, when the provider gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceAuthorizationInfo {
    /// The page where the user enters the code.
    pub verification_uri: String,
    /// The same page with the code filled in, when the provider gives one.
    pub verification_uri_complete: Option<String>,
    /// The code the user enters.
    pub user_code: String,
    /// How long the user has to approve.
    pub expires_in: Duration,
    /// How often the token endpoint is polled (at first).
    pub interval: Duration,
}

impl DeviceAuthorizationInfo {
    /// The instruction for the user, in one line.
    pub fn message(&self) -> String {
        match &self.verification_uri_complete {
            Some(complete) => format!("To authenticate, go to {complete}"),
            None => format!(
                "To authenticate, go to {} and enter the code {}",
                self.verification_uri, self.user_code
            ),
        }
    }
}

/// Shows the user what to do to approve a device authorization.
///
/// The plugin calls it once per authorization, before it starts polling.
/// Closures taking a [`DeviceAuthorizationInfo`] implement it:
///
/// ```
/// use keystoneauth::identity::v3::{DeviceAuthorizationInfo, OidcDeviceAuthorization};
/// let auth = OidcDeviceAuthorization::builder("https://keystone.example.org/v3", "myidp", "openid")
///     .client_id("cli")
///     .discovery_endpoint("https://idp.example.org/.well-known/openid-configuration")
///     .prompt(|info: &DeviceAuthorizationInfo| eprintln!("{}", info.message()))
///     .build()
///     .unwrap();
/// ```
pub trait DeviceAuthorizationPrompt: Send + Sync {
    /// Shows the verification URI and user code.
    fn prompt(&self, info: &DeviceAuthorizationInfo);

    /// Tells the user something before a new authorization, such as why a
    /// saved refresh token could not be used. Does nothing by default.
    fn notice(&self, message: &str) {
        let _ = message;
    }
}

impl<F> DeviceAuthorizationPrompt for F
where
    F: Fn(&DeviceAuthorizationInfo) + Send + Sync,
{
    fn prompt(&self, info: &DeviceAuthorizationInfo) {
        self(info)
    }
}

/// The default prompt: logs the instruction at info level (target
/// `keystoneauth::session`) and prints nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogPrompt;

impl DeviceAuthorizationPrompt for LogPrompt {
    fn prompt(&self, info: &DeviceAuthorizationInfo) {
        tracing::info!(target: crate::transport::LOG_TARGET, "{}", info.message());
    }

    fn notice(&self, message: &str) {
        tracing::info!(target: crate::transport::LOG_TARGET, "{message}");
    }
}

/// A prompt for command-line programs: prints the instruction to standard
/// error.
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrPrompt;

impl DeviceAuthorizationPrompt for StderrPrompt {
    fn prompt(&self, info: &DeviceAuthorizationInfo) {
        eprintln!("{}", info.message());
    }

    fn notice(&self, message: &str) {
        eprintln!("{message}");
    }
}

/// The device grant's settings.
pub(crate) struct DeviceGrant {
    endpoint: Option<Url>,
    challenge: Option<CodeChallengeMethod>,
    prompt: Arc<dyn DeviceAuthorizationPrompt>,
}

impl fmt::Debug for DeviceGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field(
                "device_authorization_endpoint",
                &self.endpoint.as_ref().map(crate::redact::url),
            )
            .field("code_challenge_method", &self.challenge)
            .finish_non_exhaustive()
    }
}

/// A required string field of the device authorization answer.
fn string_field(map: &Map<String, Value>, keys: &[&str], endpoint: &Url) -> Result<String> {
    keys.iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::invalid_response(
                crate::redact::url(endpoint),
                format!("the device authorization answer has no {}", keys[0]),
            )
        })
}

/// The error with a hint in front of its message.
fn with_hint(error: Error, hint: &str) -> Error {
    match error {
        Error::Authorization { message, source } => Error::Authorization {
            message: format!("{hint} ({message})"),
            source,
        },
        other => other,
    }
}

impl DeviceGrant {
    /// Passes a notice to the prompt.
    pub(crate) fn notice(&self, message: &str) {
        self.prompt.notice(message);
    }

    /// The device authorization endpoint: the one given, else the
    /// discovered one.
    async fn endpoint(&self, provider: &Provider, transport: &Transport) -> Result<Url> {
        if let Some(url) = &self.endpoint {
            return Ok(url.clone());
        }
        provider
            .discovery(transport)
            .await?
            .and_then(|d| d.device_authorization_endpoint.clone())
            .ok_or_else(|| Error::invalid_response(provider
                    .discovery_endpoint
                    .as_ref()
                    .map(crate::redact::url)
                    .unwrap_or_default(), "the OpenID Connect discovery document has no device_authorization_endpoint; give device-authorization-endpoint"))
    }

    /// Asks for a device code, shows the user what to do, and polls the
    /// token endpoint until the user approves, denies or the code expires.
    pub(crate) async fn obtain(&self, provider: &Provider, transport: &Transport) -> Result<Tokens> {
        const WHAT: &str = "device authorization";
        let endpoint = self.endpoint(provider, transport).await?;
        let pkce = self.challenge.map(Pkce::new).transpose()?;
        let mut form: Vec<(String, String)> = vec![("scope".into(), provider.openid_scope.clone())];
        let mut secrets: Vec<&SecretString> = Vec::new();
        if let Some(p) = &pkce {
            form.push(("code_challenge_method".into(), p.method().as_str().into()));
            form.push(("code_challenge".into(), p.challenge().to_owned()));
            secrets.push(p.verifier());
        }
        let answer = post_form(transport, &provider.client, &endpoint, form, WHAT, &secrets).await?;
        let device_code = secret_field(&answer, "device_code", &endpoint, WHAT)?;
        let info = DeviceAuthorizationInfo {
            // Google says verification_url.
            verification_uri: string_field(&answer, &["verification_uri", "verification_url"], &endpoint)?,
            verification_uri_complete: answer
                .get("verification_uri_complete")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            user_code: string_field(&answer, &["user_code"], &endpoint)?,
            expires_in: provider::expires_in(&answer).unwrap_or(DEFAULT_EXPIRES_IN),
            interval: provider::seconds(answer.get("interval"))
                .unwrap_or(DEFAULT_INTERVAL)
                .max(MIN_INTERVAL),
        };
        self.prompt.prompt(&info);
        self.poll(provider, transport, &info, &device_code, pkce.as_ref()).await
    }

    async fn poll(
        &self,
        provider: &Provider,
        transport: &Transport,
        info: &DeviceAuthorizationInfo,
        device_code: &SecretString,
        pkce: Option<&Pkce>,
    ) -> Result<Tokens> {
        let deadline = tokio::time::Instant::now() + info.expires_in;
        let mut interval = info.interval;
        let mut secrets: Vec<&SecretString> = vec![device_code];
        if let Some(p) = pkce {
            secrets.push(p.verifier());
        }
        loop {
            if tokio::time::Instant::now() + interval > deadline {
                return Err(Error::authorization(format!(
                    "the device authorization expired after {} s without the user approving it",
                    info.expires_in.as_secs()
                )));
            }
            tokio::time::sleep(interval).await;
            let mut form: Vec<(String, String)> = vec![
                ("grant_type".into(), GRANT_TYPE.into()),
                (
                    "device_code".into(),
                    secrecy::ExposeSecret::expose_secret(device_code).to_owned(),
                ),
            ];
            if let Some(p) = pkce {
                form.push(("code_verifier".into(), p.verifier_str().to_owned()));
            }
            let result = provider
                .request_token(transport, form, "device code grant", &secrets)
                .await;
            let error = match result {
                Ok(token) => return Ok(token),
                Err(e) => e,
            };
            match OAuthError::find(&error).map(OAuthError::error) {
                Some("authorization_pending") => {
                    tracing::debug!(
                        target: crate::transport::LOG_TARGET,
                        interval_s = interval.as_secs(),
                        "device authorization pending; polling again"
                    );
                }
                Some("slow_down") => {
                    interval += SLOW_DOWN_STEP;
                    tracing::debug!(
                        target: crate::transport::LOG_TARGET,
                        interval_s = interval.as_secs(),
                        "the provider asked to slow down; polling less often"
                    );
                }
                Some("expired_token") => {
                    return Err(with_hint(
                        error,
                        "the device code expired before the user approved the authorization",
                    ))
                }
                Some("access_denied") => return Err(with_hint(error, "the user denied the device authorization")),
                _ => return Err(error),
            }
        }
    }
}

oidc_plugin!(
    /// OpenID Connect device authorization (keystoneauth1's
    /// `v3oidcdeviceauthz`, RFC 8628).
    ///
    /// On each authentication the plugin asks the provider's device
    /// authorization endpoint for a code, shows the user where to approve it
    /// through the [`DeviceAuthorizationPrompt`] (by default it only logs at
    /// info level: give a prompt that reaches the user), then polls the token
    /// endpoint at the interval the provider announces: `authorization_pending`
    /// keeps polling, `slow_down` adds 5 s to the interval, `expired_token` and
    /// `access_denied` end with an error whose [`OAuthError`] says which. With
    /// a [`code_challenge_method`](OidcDeviceAuthorizationBuilder::code_challenge_method),
    /// a fresh PKCE verifier protects each authorization.
    ///
    /// The token is then exchanged at Keystone as the other OpenID Connect
    /// plugins do. Authentication waits for the user, so the first request
    /// that needs a token may take minutes.
    ///
    /// When the provider returns a refresh token, the next authentications use
    /// it instead of asking the user again; one the provider refuses is dropped
    /// and the device flow runs again after a
    /// [`notice`](DeviceAuthorizationPrompt::notice) saying why. Keep it across
    /// runs with [`TokenCache`](crate::TokenCache) (encrypted at rest) or
    /// [`AuthPlugin::refresh_credential`](crate::AuthPlugin::refresh_credential).
    OidcDeviceAuthorization,
    OidcDeviceAuthorizationBuilder {
        oidc: OidcOptions::default(),
        device_authorization_endpoint: None,
        code_challenge_method: None,
        prompt: None,
    }
);

/// Builds an [`OidcDeviceAuthorization`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OidcDeviceAuthorizationBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    oidc: OidcOptions,
    device_authorization_endpoint: Option<MaskedUrl>,
    code_challenge_method: Option<CodeChallengeMethod>,
    prompt: Option<PromptHandle>,
}

/// The prompt a builder was given (prompts need not be `Debug`).
struct PromptHandle(Arc<dyn DeviceAuthorizationPrompt>);

impl fmt::Debug for PromptHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceAuthorizationPrompt")
    }
}

impl OidcDeviceAuthorizationBuilder {
    oidc_setters!();

    /// The provider's device authorization endpoint. It takes precedence
    /// over the one in the discovery document.
    pub fn device_authorization_endpoint(mut self, url: impl Into<MaskedUrl>) -> Self {
        self.device_authorization_endpoint = Some(url.into());
        self
    }

    /// Protects each authorization with PKCE (RFC 7636) by this method.
    pub fn code_challenge_method(mut self, method: CodeChallengeMethod) -> Self {
        self.code_challenge_method = Some(method);
        self
    }

    /// How the user is told where to approve (default [`LogPrompt`]).
    pub fn prompt(mut self, prompt: impl DeviceAuthorizationPrompt + 'static) -> Self {
        self.prompt = Some(PromptHandle(Arc::new(prompt)));
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OidcDeviceAuthorization> {
        const NAME: &str = "v3oidcdeviceauthz";
        if self.device_authorization_endpoint.is_none() && !self.oidc.has_discovery() {
            return Err(Error::missing_option_in(
                "device-authorization-endpoint or discovery-endpoint",
                NAME,
            ));
        }
        let endpoint = self
            .device_authorization_endpoint
            .as_ref()
            .map(|v| super::parse_endpoint("device-authorization-endpoint", NAME, v))
            .transpose()?;
        let provider = self.oidc.provider(NAME)?;
        let federation = Federation::new(NAME, &self.options, self.identity_provider, self.protocol)?;
        let grant = Grant::Device(DeviceGrant {
            endpoint,
            challenge: self.code_challenge_method,
            prompt: self
                .prompt
                .map_or_else(|| Arc::new(LogPrompt) as Arc<dyn DeviceAuthorizationPrompt>, |p| p.0),
        });
        Ok(OidcDeviceAuthorization {
            inner: OidcAuth::new(
                federation,
                TokenSource::provider(provider, grant),
                self.options.reauth_margin,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> OidcDeviceAuthorizationBuilder {
        OidcDeviceAuthorization::builder("http://h/v3", "idp", "openid").client_id("cli")
    }

    #[test]
    fn endpoints_are_required() {
        let err = builder()
            .access_token_endpoint("https://idp/token")
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("device-authorization-endpoint or discovery-endpoint"),
            "{err}"
        );
        let err = builder()
            .device_authorization_endpoint("https://idp/device")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("access-token-endpoint or discovery-endpoint"), "{err}");
        builder()
            .device_authorization_endpoint("https://idp/device")
            .access_token_endpoint("https://idp/token")
            .build()
            .unwrap();
        builder()
            .discovery_endpoint("https://idp/.well-known/openid-configuration")
            .build()
            .unwrap();
    }

    #[test]
    fn messages_prefer_the_complete_uri() {
        let mut info = DeviceAuthorizationInfo {
            verification_uri: "https://idp/device".into(),
            verification_uri_complete: None,
            user_code: "WDJB-MJHT".into(),
            expires_in: Duration::from_secs(600),
            interval: Duration::from_secs(5),
        };
        assert_eq!(
            info.message(),
            "To authenticate, go to https://idp/device and enter the code WDJB-MJHT"
        );
        info.verification_uri_complete = Some("https://idp/device?user_code=WDJB-MJHT".into());
        assert_eq!(
            info.message(),
            "To authenticate, go to https://idp/device?user_code=WDJB-MJHT"
        );
    }
}
