//! Identity plugins: get a token from Keystone on demand and keep it fresh.
//!
//! - [`v3`]: `Password` and `Token` against the v3 API (users by id or by
//!   name and domain; project, domain, system, trust scope or unscoped),
//!   `ApplicationCredential`, `Totp`, `MultiFactor` (with auth receipts),
//!   `TokenlessAuth`, the OpenID Connect flows (`OidcPassword`,
//!   `OidcClientCredentials`, `OidcAuthorizationCode`, `OidcAccessToken`,
//!   `OidcDeviceAuthorization`), OAuth2 (`OAuth2ClientCredential`,
//!   `OAuth2MtlsClientCredential`), OAuth1 delegation (`OAuth1`), browser
//!   single sign-on (`WebSso`), Keystone-to-Keystone federation
//!   (`Keystone2Keystone`) and, with the cargo feature `kerberos`, Kerberos
//!   (`Kerberos`, `MappedKerberos`).
//! - [`v2`]: `Password` and `Token` against the v2.0 API, for old clouds.
//! - [`generic`]: `Password` and `Token` that discover which of the two the
//!   service speaks.
//!
//! Every plugin here authenticates lazily on the first request that needs
//! a token, shares that token between all the sessions and adapters that
//! hold it (`Arc`), lets exactly one caller fetch a new token while the
//! others wait, re-authenticates before expiry (by default when less than
//! 120 s remain, but never more than a quarter of the token's lifetime
//! early), and fetches a new token once when a request gets a 401.

pub(crate) mod base;
pub mod generic;
pub mod v2;
pub mod v3;

pub use base::DEFAULT_REAUTH_MARGIN;

/// A cache-id part for a password or token: its digest, never the secret.
pub(crate) fn secret_part(key: &'static str, secret: &secrecy::SecretString) -> (&'static str, String) {
    use secrecy::ExposeSecret;
    (key, crate::redact::hash_secret(secret.expose_secret().as_bytes()))
}
