//! The core of every OpenID Connect plugin: where the access token comes
//! from (given, or from the provider with a grant or a refresh token), and
//! its exchange at Keystone.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use super::refresh::RefreshSlot;
use super::{Federation, Grant, Provider};
use crate::access::AccessInfo;
use crate::error::Result;
use crate::identity::base::{Lifecycle, TokenFetcher};
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;

/// Where the access token comes from.
#[derive(Debug)]
pub(crate) enum TokenSource {
    /// Given by the application.
    Given(GivenToken),
    /// Obtained from the provider with a grant.
    Provider { provider: Box<Provider>, grant: Grant },
}

impl TokenSource {
    /// A token obtained from the provider with a grant.
    pub(crate) fn provider(provider: Provider, grant: Grant) -> Self {
        TokenSource::Provider {
            provider: Box::new(provider),
            grant,
        }
    }
}

/// An access token given directly.
pub(crate) struct GivenToken(pub(crate) SecretString);

impl fmt::Debug for GivenToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::redact::MASK)
    }
}

/// The core of every OpenID Connect plugin.
#[derive(Debug)]
pub(crate) struct OidcAuth {
    federation: Federation,
    source: TokenSource,
    lifecycle: Lifecycle,
    refresh: RefreshSlot,
}

impl OidcAuth {
    pub(crate) fn new(federation: Federation, source: TokenSource, reauth_margin: Option<Duration>) -> Self {
        OidcAuth {
            federation,
            source,
            lifecycle: Lifecycle::new(reauth_margin),
            refresh: RefreshSlot::default(),
        }
    }

    pub(crate) fn auth_url(&self) -> &MaskedUrl {
        &self.federation.target.auth_url
    }

    pub(crate) fn identity_provider(&self) -> &str {
        &self.federation.identity_provider
    }

    pub(crate) fn protocol(&self) -> &str {
        &self.federation.protocol
    }
}

#[async_trait]
impl TokenFetcher for OidcAuth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        let unscoped = match &self.source {
            TokenSource::Given(token) => self.federation.unscoped(transport, &token.0).await?,
            TokenSource::Provider { provider, grant } => {
                let access_token = self.refresh.access_token(provider, grant, transport).await?;
                self.federation.unscoped(transport, &access_token).await?
            }
        };
        self.federation.target.rescope(transport, unscoped).await
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = Vec::new();
        self.federation.cache_id_parts(&mut parts);
        match &self.source {
            TokenSource::Given(token) => parts.push((
                "access_token",
                crate::redact::hash_secret(token.0.expose_secret().as_bytes()),
            )),
            TokenSource::Provider { provider, grant } => {
                provider.cache_id_parts(&mut parts);
                grant.cache_id_parts(&mut parts);
            }
        }
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        match &self.source {
            TokenSource::Given(token) => vec![&token.0],
            TokenSource::Provider { provider, grant } => {
                let mut secrets: Vec<&SecretString> = provider.client.client_secret.iter().collect();
                match grant {
                    Grant::Password { password, otp, .. } => {
                        secrets.push(password);
                        secrets.extend(otp.as_ref().map(|(_, v)| v));
                    }
                    Grant::AuthorizationCode {
                        code, code_verifier, ..
                    } => {
                        secrets.push(code);
                        secrets.extend(code_verifier.as_ref());
                    }
                    Grant::ClientCredentials | Grant::Device(_) => {}
                }
                secrets
            }
        }
    }

    fn refresh_credential(&self) -> Option<SecretString> {
        match self.source {
            TokenSource::Provider { .. } => self.refresh.get(),
            TokenSource::Given(_) => None,
        }
    }

    fn set_refresh_credential(&self, credential: SecretString) -> bool {
        match self.source {
            TokenSource::Provider { .. } => self.refresh.set(Some(credential)),
            TokenSource::Given(_) => false,
        }
    }
}
