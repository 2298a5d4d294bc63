//! Kerberos (cargo feature `kerberos`): keystoneauth1's `v3kerberos`
//! (Keystone's `kerberos` auth method) and `v3fedkerb` (federation through
//! an identity provider whose web server checks Kerberos), with the
//! Negotiate token from the system's GSSAPI through `libgssapi`.
//!
//! The ticket comes from the user's credential cache (`kinit`,
//! `KRB5CCNAME`); the plugins hold no secret. Tokens are SPNEGO
//! (RFC 4559, as curl and browsers send them) for the service
//! `HTTP@<host of the auth URL>`, sent with the first request (requests-
//! kerberos waits for a 401 first, which costs a round trip and sends the
//! body twice); a 401 with a bare `WWW-Authenticate: Negotiate` challenge
//! gets one more try with a new token (docs/loading.md has the details).

mod error;
mod negotiate;

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use http::Method;
use secrecy::SecretString;
use serde_json::Value;

pub use error::{KerberosError, KerberosErrorKind};
use negotiate::Negotiate;

use super::federation::Federation;
use super::{scope_setters, AuthMethod, V3Auth, V3Options};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::identity::base::{identity_plugin, Lifecycle, TokenFetcher};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, Transport};

/// Whether the server must prove its identity with a mutual
/// authentication token (`WWW-Authenticate: Negotiate <token>` in its
/// answer), keystoneauth1's `mutual_auth` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MutualAuth {
    /// The answer must carry a token that verifies; an answer without one,
    /// or with one that does not verify, is refused
    /// ([`KerberosErrorKind::MutualAuthMissing`],
    /// [`KerberosErrorKind::MutualAuthFailed`]).
    Required,
    /// A token in the answer must verify; an answer without one is used
    /// (keystoneauth1's default).
    #[default]
    Optional,
    /// The server's token is ignored, and none is asked for.
    Disabled,
}

impl MutualAuth {
    /// `required`, `optional` or `disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            MutualAuth::Required => "required",
            MutualAuth::Optional => "optional",
            MutualAuth::Disabled => "disabled",
        }
    }
}

impl fmt::Display for MutualAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MutualAuth {
    type Err = Error;

    /// Parses `required`, `optional` or `disabled`, in any case (as
    /// keystoneauth1 does). keystoneauth1's plugin quietly takes any other
    /// value as `optional`; here it is an error.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "required" => Ok(MutualAuth::Required),
            "optional" => Ok(MutualAuth::Optional),
            "disabled" => Ok(MutualAuth::Disabled),
            _ => Err(Error::invalid_option(
                "mutual-auth",
                format!("{s:?} is not a mutual authentication mode; use one of required, optional, disabled"),
            )),
        }
    }
}

/// The `kerberos` auth method: an empty payload; the identity is in the
/// request's `Authorization: Negotiate` header.
#[derive(Debug)]
struct KerberosMethod;

impl AuthMethod for KerberosMethod {
    fn name(&self) -> &'static str {
        "kerberos"
    }

    fn payload(&self) -> Value {
        Value::Object(serde_json::Map::new())
    }

    fn cache_id_parts(&self, _parts: &mut Vec<(&'static str, String)>) {}

    fn secrets(&self) -> Vec<&SecretString> {
        Vec::new()
    }
}

/// The cache-id part naming whose ticket authenticates: two users of one
/// auth URL (two credential caches) never share a cached token
/// (keystoneauth1's cache id has no user for Kerberos).
fn principal_part(parts: &mut Vec<(&'static str, String)>) {
    parts.push(("kerberos_principal", negotiate::default_principal().unwrap_or_default()));
}

/// The core of [`Kerberos`]: the v3 token request, sent with Negotiate.
#[derive(Debug)]
struct KerberosAuth {
    v3: V3Auth,
    negotiate: Negotiate,
}

#[async_trait]
impl TokenFetcher for KerberosAuth {
    fn lifecycle(&self) -> &Lifecycle {
        self.v3.lifecycle()
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        let response = self.negotiate.send(transport, self.v3.token_request()?).await?;
        self.v3.access_from(response)
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = self.v3.cache_id_parts();
        principal_part(&mut parts);
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        Vec::new()
    }
}

/// The core of [`MappedKerberos`]: the federated auth URL with Negotiate,
/// then the re-scope.
#[derive(Debug)]
struct MappedKerberosAuth {
    federation: Federation,
    negotiate: Negotiate,
    lifecycle: Lifecycle,
}

#[async_trait]
impl TokenFetcher for MappedKerberosAuth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        // keystoneauth1 GETs the federated auth URL.
        let request = HttpRequest::new(Method::GET, self.federation.federated_url.clone());
        let response = self.negotiate.send(transport, request).await?;
        let unscoped = self.federation.unscoped_token(response)?;
        self.federation.target.rescope(transport, unscoped).await
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = Vec::new();
        self.federation.cache_id_parts(&mut parts);
        principal_part(&mut parts);
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        Vec::new()
    }
}

/// Identity v3 Kerberos authentication (keystoneauth1's `v3kerberos`):
/// Keystone's `kerberos` auth method, behind a web server that checks the
/// request's `Authorization: Negotiate` token (mod_auth_gssapi) and hands
/// Keystone the user as `REMOTE_USER`.
///
/// The Kerberos ticket comes from the user's credential cache (`kinit`);
/// the plugin holds no secret. Needs the cargo feature `kerberos` (and the
/// system's GSSAPI library at run time).
///
/// ```no_run
/// use keystoneauth::identity::v3::{Kerberos, MutualAuth};
/// let auth = Kerberos::builder("https://keystone.example.org:5000/v3")
///     .mutual_auth(MutualAuth::Required)
///     .project_name("demo")
///     .project_domain_name("Default")
///     .build()
///     .unwrap();
/// # let _ = auth;
/// ```
#[derive(Debug)]
pub struct Kerberos {
    inner: KerberosAuth,
}

impl Kerberos {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`); its host names the service principal
    /// (`HTTP/<host>`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> KerberosBuilder {
        KerberosBuilder {
            options: V3Options::new(auth_url),
            mutual_auth: MutualAuth::default(),
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.v3.auth_url()
    }

    /// How the server's mutual authentication token is checked.
    pub fn mutual_auth(&self) -> MutualAuth {
        self.inner.negotiate.mutual
    }
}

identity_plugin!(Kerberos, inner);

/// Builds a [`Kerberos`] plugin.
#[must_use]
#[derive(Debug)]
pub struct KerberosBuilder {
    pub(crate) options: V3Options,
    mutual_auth: MutualAuth,
}

/// The `mutual_auth` setter of both builders.
macro_rules! mutual_auth_setter {
    () => {
        /// How the server's mutual authentication token is checked (default
        /// [`MutualAuth::Optional`]).
        pub fn mutual_auth(mut self, mode: MutualAuth) -> Self {
            self.mutual_auth = mode;
            self
        }
    };
}

impl KerberosBuilder {
    mutual_auth_setter!();
    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Kerberos> {
        let v3 = self.options.into_auth("v3kerberos", vec![Box::new(KerberosMethod)])?;
        Ok(Kerberos {
            inner: KerberosAuth {
                v3,
                negotiate: Negotiate {
                    mutual: self.mutual_auth,
                },
            },
        })
    }
}

/// Kerberos through Keystone's federation (keystoneauth1's `v3fedkerb`,
/// `MappedKerberos`): a GET of
/// `/v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth`
/// with `Authorization: Negotiate`, where the web server checks the token
/// and Keystone maps the user; the unscoped token is then re-scoped when a
/// scope is given.
///
/// ```no_run
/// use keystoneauth::identity::v3::MappedKerberos;
/// let auth = MappedKerberos::builder("https://keystone.example.org:5000/v3", "kerberos", "mapped")
///     .project_id("9a8b...")
///     .build()
///     .unwrap();
/// # let _ = auth;
/// ```
#[derive(Debug)]
pub struct MappedKerberos {
    inner: MappedKerberosAuth,
}

impl MappedKerberos {
    /// A builder for a plugin authenticating at `auth_url` through the
    /// identity provider and protocol registered in Keystone under these
    /// names.
    pub fn builder(
        auth_url: impl Into<MaskedUrl>,
        identity_provider: impl Into<String>,
        protocol: impl Into<String>,
    ) -> MappedKerberosBuilder {
        MappedKerberosBuilder {
            options: V3Options::new(auth_url),
            identity_provider: identity_provider.into(),
            protocol: protocol.into(),
            mutual_auth: MutualAuth::default(),
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        &self.inner.federation.target.auth_url
    }

    /// The identity provider's name in Keystone.
    pub fn identity_provider(&self) -> &str {
        &self.inner.federation.identity_provider
    }

    /// The federation protocol's name in Keystone.
    pub fn protocol(&self) -> &str {
        &self.inner.federation.protocol
    }

    /// How the server's mutual authentication token is checked.
    pub fn mutual_auth(&self) -> MutualAuth {
        self.inner.negotiate.mutual
    }
}

identity_plugin!(MappedKerberos, inner);

/// Builds a [`MappedKerberos`] plugin.
#[must_use]
#[derive(Debug)]
pub struct MappedKerberosBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    mutual_auth: MutualAuth,
}

impl MappedKerberosBuilder {
    mutual_auth_setter!();
    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<MappedKerberos> {
        const NAME: &str = "v3fedkerb";
        let federation = Federation::new(NAME, &self.options, self.identity_provider, self.protocol)?;
        Ok(MappedKerberos {
            inner: MappedKerberosAuth {
                federation,
                negotiate: Negotiate {
                    mutual: self.mutual_auth,
                },
                lifecycle: Lifecycle::new(self.options.reauth_margin),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_auth_parses_like_keystoneauth1_but_refuses_other_values() {
        assert_eq!("required".parse::<MutualAuth>().unwrap(), MutualAuth::Required);
        assert_eq!("OPTIONAL".parse::<MutualAuth>().unwrap(), MutualAuth::Optional);
        assert_eq!("Disabled".parse::<MutualAuth>().unwrap(), MutualAuth::Disabled);
        assert_eq!(MutualAuth::default(), MutualAuth::Optional);
        let err = "sometimes".parse::<MutualAuth>().unwrap_err().to_string();
        assert!(
            err.contains("mutual-auth") && err.contains("required, optional, disabled"),
            "{err}"
        );
        for m in [MutualAuth::Required, MutualAuth::Optional, MutualAuth::Disabled] {
            assert_eq!(m.to_string().parse::<MutualAuth>().unwrap(), m);
        }
    }

    #[test]
    fn the_kerberos_method_sends_an_empty_payload() {
        let auth = Kerberos::builder("http://localhost:5000")
            .project_id("p")
            .build()
            .unwrap();
        assert_eq!(
            auth.inner.v3.body(),
            serde_json::json!({"auth": {
                "identity": {"methods": ["kerberos"], "kerberos": {}},
                "scope": {"project": {"id": "p"}},
            }})
        );
        let request = auth.inner.v3.token_request().unwrap();
        assert_eq!(request.url().as_str(), "http://localhost:5000/v3/auth/tokens");
        assert_eq!(auth.mutual_auth(), MutualAuth::Optional);
        assert_eq!(auth.auth_url().expose(), "http://localhost:5000");
    }

    #[test]
    fn the_federated_url_and_missing_options() {
        let auth = MappedKerberos::builder("http://localhost:5000/v3", "kerb", "mapped")
            .mutual_auth(MutualAuth::Required)
            .build()
            .unwrap();
        assert_eq!(
            auth.inner.federation.federated_url.as_str(),
            "http://localhost:5000/v3/OS-FEDERATION/identity_providers/kerb/protocols/mapped/auth"
        );
        assert_eq!((auth.identity_provider(), auth.protocol()), ("kerb", "mapped"));
        assert_eq!(auth.mutual_auth(), MutualAuth::Required);
        let err = MappedKerberos::builder("http://h/v3", "", "mapped")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("identity-provider"), "{err}");
        let err = Kerberos::builder("http://h/v3")
            .project_id("p")
            .domain_id("d")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("multiple targets"), "{err}");
    }
}
