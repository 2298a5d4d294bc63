//! `v3totp`: a user and a time-based one-time passcode.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;

use super::{scope_setters, AuthMethod, ScopeOptions, UserSpec, V3Auth};
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// The `totp` auth method.
pub(crate) struct TotpMethod {
    pub(crate) user: UserSpec,
    pub(crate) passcode: SecretString,
}

impl fmt::Debug for TotpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpMethod")
            .field("user", &self.user)
            .field("passcode", &"***")
            .finish()
    }
}

impl AuthMethod for TotpMethod {
    fn name(&self) -> &'static str {
        "totp"
    }

    fn payload(&self) -> Value {
        self.user.payload_with("passcode", &self.passcode)
    }

    fn secrets(&self) -> Vec<&SecretString> {
        vec![&self.passcode]
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        // The passcode changes every 30 seconds: leaving it out lets a
        // cached token survive a new passcode (as keystoneauth1 does).
        parts.push(("method", "totp".into()));
        self.user.cache_parts(parts);
    }
}

/// Identity v3 TOTP authentication (keystoneauth1's `v3totp`): a user and
/// a passcode from their authenticator.
///
/// The passcode is good for one token only; once that token nears expiry
/// the plugin re-authenticates with the same passcode, which Keystone will
/// usually refuse, so long-running programs build a new plugin (with a new
/// passcode) when that happens. The passcode is not part of the
/// [cache id](crate::AuthPlugin::cache_id), so a token cached under it is
/// found again by a plugin with a new passcode.
///
/// For users whose rules need TOTP together with another method, see
/// [`MultiFactor`](super::MultiFactor) and [`TotpBuilder::receipt`].
///
/// ```
/// use keystoneauth::identity::v3::Totp;
/// let auth = Totp::builder("http://127.0.0.1:5000/v3")
///     .username("alice")
///     .user_domain_name("Default")
///     .passcode("123456")
///     .project_name("demo")
///     .project_domain_name("Default")
///     .build()
///     .unwrap();
/// assert!(!format!("{auth:?}").contains("123456"));
/// ```
#[derive(Debug)]
pub struct Totp {
    inner: V3Auth,
}

impl Totp {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> TotpBuilder {
        TotpBuilder {
            auth_url: auth_url.into(),
            user_id: None,
            username: None,
            user_domain_id: None,
            user_domain_name: None,
            passcode: None,
            receipt: None,
            scope: ScopeOptions::default(),
            include_catalog: true,
            reauth_margin: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.auth_url()
    }
}

identity_plugin!(Totp, inner);

/// Builds a [`Totp`] plugin.
#[must_use]
pub struct TotpBuilder {
    auth_url: MaskedUrl,
    user_id: Option<String>,
    username: Option<String>,
    user_domain_id: Option<String>,
    user_domain_name: Option<String>,
    passcode: Option<SecretString>,
    receipt: Option<SecretString>,
    pub(crate) scope: ScopeOptions,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
}

impl fmt::Debug for TotpBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpBuilder")
            .field("auth_url", &self.auth_url)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("passcode", &self.passcode.as_ref().map(|_| "***"))
            .field("receipt", &self.receipt.as_ref().map(|_| "***"))
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TotpBuilder {
    super::user_setters!();

    /// The TOTP passcode.
    pub fn passcode(mut self, passcode: impl Into<SecretString>) -> Self {
        self.passcode = Some(passcode.into());
        self
    }

    /// An auth receipt from an earlier attempt
    /// ([`MissingAuthMethods::receipt`](super::MissingAuthMethods::receipt)),
    /// sent as `Openstack-Auth-Receipt` so that the methods it proves count
    /// together with this passcode.
    pub fn receipt(mut self, receipt: impl Into<SecretString>) -> Self {
        self.receipt = Some(receipt.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Totp> {
        const NAME: &str = "v3totp";
        let user = UserSpec::resolve(
            NAME,
            self.user_id.as_ref(),
            self.username.as_ref(),
            self.user_domain_id.as_ref(),
            self.user_domain_name.as_ref(),
        )?;
        let passcode = self
            .passcode
            .ok_or_else(|| Error::missing_option_in("passcode", NAME))?;
        let scope = self.scope.resolve(NAME)?;
        Ok(Totp {
            inner: V3Auth::new(
                NAME,
                self.auth_url,
                vec![Box::new(TotpMethod { user, passcode })],
                scope,
                self.include_catalog,
                self.reauth_margin,
            )?
            .with_receipt(self.receipt),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthPlugin;
    use serde_json::json;

    fn totp(passcode: &str) -> Totp {
        Totp::builder("http://h/v3")
            .user_id("u1")
            .passcode(passcode.to_owned())
            .project_id("p1")
            .build()
            .unwrap()
    }

    #[test]
    fn payload_and_cache_id() {
        let a = totp("123456");
        assert_eq!(
            a.inner.body()["auth"]["identity"],
            json!({"methods": ["totp"], "totp": {"user": {"id": "u1", "passcode": "123456"}}})
        );
        // A new passcode keeps the cache id.
        assert_eq!(a.cache_id(), totp("654321").cache_id());
        let other = Totp::builder("http://h/v3")
            .user_id("u2")
            .passcode("123456")
            .project_id("p1")
            .build()
            .unwrap();
        assert_ne!(a.cache_id(), other.cache_id());
        assert!(!format!("{a:?}").contains("123456"));
    }

    #[test]
    fn options_are_validated() {
        let err = Totp::builder("http://h").user_id("u").build().unwrap_err().to_string();
        assert!(err.contains("passcode") && err.contains("v3totp"), "{err}");
        let err = Totp::builder("http://h")
            .username("u")
            .passcode("1")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("user-domain-id or user-domain-name"), "{err}");
    }
}
