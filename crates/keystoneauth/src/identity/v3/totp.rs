//! `v3totp`: a user and a time-based one-time passcode.

use secrecy::SecretString;

use super::password::UserSecretMethod;
use super::{receipt_setter, required, scope_setters, V3Auth, V3Options};
use crate::error::Result;
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

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
            options: V3Options::new(auth_url),
            passcode: None,
            receipt: None,
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
#[derive(Debug)]
pub struct TotpBuilder {
    pub(crate) options: V3Options,
    passcode: Option<SecretString>,
    receipt: Option<SecretString>,
}

impl TotpBuilder {
    super::user_setters!();

    /// The TOTP passcode.
    pub fn passcode(mut self, passcode: impl Into<SecretString>) -> Self {
        self.passcode = Some(passcode.into());
        self
    }

    receipt_setter!();

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Totp> {
        const NAME: &str = "v3totp";
        let user = self.options.user(NAME)?;
        let passcode = required(self.passcode, "passcode", NAME)?;
        let method = UserSecretMethod::totp(user, passcode);
        Ok(Totp {
            inner: self
                .options
                .into_auth(NAME, vec![Box::new(method)])?
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
