//! OpenID Connect refresh tokens (RFC 6749 §6): when the provider gives
//! one with an access token, the plugin keeps it and, when Keystone's token
//! must be renewed, asks the provider for a new access token with it
//! instead of running the grant again (which, for the device and
//! authorization code grants, needs the user).
//!
//! A refresh token the provider refuses (revoked, expired, for another
//! client) is dropped and the grant runs again, after a notice that says
//! why. Other failures (the provider unreachable) keep it for the next try.

use std::fmt;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use super::provider::OAuthError;
use super::{Grant, Provider};
use crate::error::{Error, Result};
use crate::transport::Transport;

/// The refresh grant type.
const GRANT_TYPE: &str = "refresh_token";

/// A provider's token answer: the token sent to Keystone and the refresh
/// token, when the provider gave one.
pub(crate) struct Tokens {
    pub(crate) token: SecretString,
    pub(crate) refresh: Option<SecretString>,
}

/// The refresh token a plugin holds. `Debug` shows only whether there is one.
#[derive(Default)]
pub(crate) struct RefreshSlot(Mutex<Option<SecretString>>);

impl fmt::Debug for RefreshSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.get().is_some();
        f.debug_struct("RefreshToken").field("held", &held).finish()
    }
}

impl RefreshSlot {
    /// The refresh token, if one is held.
    pub(crate) fn get(&self) -> Option<SecretString> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    /// Replaces the refresh token; whether it could.
    pub(crate) fn set(&self, refresh: Option<SecretString>) -> bool {
        match self.0.lock() {
            Ok(mut g) => {
                *g = refresh.filter(|r| !r.expose_secret().is_empty());
                true
            }
            Err(_) => false,
        }
    }

    /// An access token: from the refresh token when one is held and the
    /// provider accepts it, else from the grant. Keeps the refresh token the
    /// provider gives (a rotated one replaces the old).
    pub(crate) async fn access_token(
        &self,
        provider: &Provider,
        grant: &Grant,
        transport: &Transport,
    ) -> Result<SecretString> {
        let mut refused = None;
        if let Some(refresh) = self.get() {
            match provider.refresh(transport, &refresh).await {
                Ok(tokens) => {
                    // A provider that does not rotate keeps the old one valid.
                    self.set(Some(tokens.refresh.unwrap_or(refresh)));
                    return Ok(tokens.token);
                }
                Err(e) if is_refusal(&e) => {
                    self.set(None);
                    let message = format!(
                        "the saved OpenID Connect refresh token was refused ({}); signing in again with the {}",
                        reason(&e),
                        grant.describe()
                    );
                    tracing::warn!(target: crate::transport::LOG_TARGET, "{message}");
                    grant.notice(&message);
                    refused = Some(reason(&e));
                }
                Err(e) => return Err(e),
            }
        }
        let tokens = provider.obtain(transport, grant).await.map_err(|e| match &refused {
            Some(why) => Error::authorization(format!(
                "the saved refresh token was refused ({why}) and the {} failed too",
                grant.describe()
            ))
            .with_source(e),
            None => e,
        })?;
        self.set(tokens.refresh);
        Ok(tokens.token)
    }
}

/// Whether the provider refused the refresh token itself (an OAuth error
/// answer such as `invalid_grant`, or a client error status), as opposed to
/// a failure to reach it.
fn is_refusal(error: &Error) -> bool {
    OAuthError::find(error).is_some() || error.http().is_some_and(|h| h.status().is_client_error())
}

/// Why the provider refused, for the notice (the OAuth error code and
/// description; never the token, which `post_form` masks).
fn reason(error: &Error) -> String {
    match OAuthError::find(error) {
        Some(o) => match o.description() {
            Some(d) => format!("{}: {d}", o.error()),
            None => o.error().to_owned(),
        },
        None => error
            .http()
            .map_or_else(|| "refused".to_owned(), |h| format!("HTTP {}", h.status())),
    }
}

impl Provider {
    /// Asks the token endpoint for a new access token with a refresh token.
    async fn refresh(&self, transport: &Transport, refresh: &SecretString) -> Result<Tokens> {
        let form: Vec<(String, String)> = vec![
            ("grant_type".into(), GRANT_TYPE.into()),
            ("refresh_token".into(), refresh.expose_secret().to_owned()),
        ];
        self.request_token(transport, form, "refresh token grant", &[refresh])
            .await
    }
}

impl Grant {
    /// Tells the user why they are asked again, where the grant has a way
    /// to reach them (the device grant's prompt).
    fn notice(&self, message: &str) {
        if let Grant::Device(d) = self {
            d.notice(message);
        }
    }
}
