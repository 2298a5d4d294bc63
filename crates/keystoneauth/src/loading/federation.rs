//! Loaders for OpenID Connect and OAuth2: `v3oidcpassword`,
//! `v3oidcclientcredentials`, `v3oidcauthcode`, `v3oidcaccesstoken`,
//! `v3oidcdeviceauthz`, `v3oauth2clientcredential`,
//! `v3oauth2mtlsclientcredential`, and browser single sign-on
//! (`v3websso`), with keystoneauth1's option names.

use std::sync::Arc;

use super::base_opts::{opt_str, v3_scope, v3_scope_opts};
use super::loaded::LoadedOptions;
use super::opt::{Opt, OptKind};
use super::plugin_loader::PluginLoader;
use crate::auth::AuthPlugin;
use crate::error::Result;
use crate::identity::v3;

pub(crate) fn loaders() -> Vec<Arc<dyn PluginLoader>> {
    vec![
        Arc::new(Oidc(OidcKind::Password)),
        Arc::new(Oidc(OidcKind::ClientCredentials)),
        Arc::new(Oidc(OidcKind::AuthCode)),
        Arc::new(Oidc(OidcKind::AccessToken)),
        Arc::new(Oidc(OidcKind::Device)),
        Arc::new(OAuth2ClientCredential),
        Arc::new(OAuth2Mtls),
        Arc::new(WebSso),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OidcKind {
    Password,
    ClientCredentials,
    AuthCode,
    AccessToken,
    Device,
}

#[derive(Debug)]
struct Oidc(OidcKind);

/// The required `username` and secret `password` of the federated
/// password plugins (the user's at the identity provider).
pub(super) fn username_password_opts() -> [Opt; 2] {
    [
        Opt::new("username").required().help("Username"),
        Opt::new("password")
            .secret()
            .required()
            .prompt("Password: ")
            .help("Password"),
    ]
}

/// keystoneauth1's `BaseFederationLoader` options: the v3 scope, the
/// identity provider and the protocol.
pub(crate) fn federation_opts() -> Vec<Opt> {
    let mut o = v3_scope_opts();
    o.push(
        Opt::new("identity-provider")
            .required()
            .help("Identity Provider's name"),
    );
    o.push(Opt::new("protocol").required().help("Protocol for federated plugin"));
    o
}

fn oidc_client_opts() -> Vec<Opt> {
    vec![
        Opt::new("client-id").help("OAuth 2.0 Client ID"),
        Opt::new("client-secret").secret().help("OAuth 2.0 Client Secret"),
        Opt::new("openid-scope")
            .default_value(v3::DEFAULT_OPENID_SCOPE)
            .help("OpenID Connect scope that is requested from authorization server"),
        Opt::new("access-token-endpoint")
            .help("OpenID Connect Provider Token Endpoint (found through discovery-endpoint when not given)"),
        Opt::new("discovery-endpoint").help("OpenID Connect Discovery Document URL"),
        Opt::new("access-token-type")
            .help("OAuth 2.0 Authorization Server Introspection token type (access_token or id_token)"),
    ]
}

macro_rules! oidc_client {
    ($b:expr, $o:expr) => {{
        let mut b = v3_scope!($b, $o);
        b = opt_str(b, $o, "client-id", |b, v| b.client_id(v))?;
        if let Some(s) = $o.secret("client-secret")? {
            b = b.client_secret(s);
        }
        b = opt_str(b, $o, "openid-scope", |b, v| b.openid_scope(v))?;
        b = opt_str(b, $o, "access-token-endpoint", |b, v| b.access_token_endpoint(v))?;
        b = opt_str(b, $o, "discovery-endpoint", |b, v| b.discovery_endpoint(v))?;
        if let Some(t) = $o.string("access-token-type")? {
            b = b.access_token_type(t.parse()?);
        }
        b
    }};
}

impl PluginLoader for Oidc {
    fn name(&self) -> &str {
        match self.0 {
            OidcKind::Password => "v3oidcpassword",
            OidcKind::ClientCredentials => "v3oidcclientcredentials",
            OidcKind::AuthCode => "v3oidcauthcode",
            OidcKind::AccessToken => "v3oidcaccesstoken",
            OidcKind::Device => "v3oidcdeviceauthz",
        }
    }

    fn description(&self) -> &str {
        match self.0 {
            OidcKind::Password => "OpenID Connect, resource owner password grant",
            OidcKind::ClientCredentials => "OpenID Connect, client credentials grant",
            OidcKind::AuthCode => "OpenID Connect, authorization code grant",
            OidcKind::AccessToken => "OpenID Connect, with an access token already obtained",
            OidcKind::Device => "OpenID Connect, device authorization grant (with PKCE)",
        }
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = federation_opts();
        match self.0 {
            OidcKind::AccessToken => {
                o.push(
                    Opt::new("access-token")
                        .secret()
                        .required()
                        .help("OAuth 2.0 Access Token"),
                );
                return o;
            }
            _ => o.extend(oidc_client_opts()),
        }
        match self.0 {
            OidcKind::Password => {
                o.extend(username_password_opts());
                o.push(
                    Opt::new("idp_otp_key")
                        .help("A key to be used in the Identity Provider access token endpoint to pass the OTP value"),
                );
                o.push(
                    Opt::new("idp_otp")
                        .secret()
                        .prompt("One-time password: ")
                        .help("The one-time password for the identity provider, sent under idp_otp_key"),
                );
            }
            OidcKind::AuthCode => {
                o.push(Opt::new("redirect-uri").help("OpenID Connect Redirect URL"));
                o.push(
                    Opt::new("code")
                        .secret()
                        .required()
                        .deprecated_name("authorization-code")
                        .help("OAuth 2.0 Authorization Code"),
                );
                o.push(
                    Opt::new("code-verifier")
                        .secret()
                        .help("PKCE code verifier, when the code was issued with PKCE"),
                );
            }
            OidcKind::Device => {
                o.push(Opt::new("device-authorization-endpoint").help("OAuth 2.0 Device Authorization Endpoint"));
                o.push(Opt::new("code-challenge-method").help("PKCE challenge method (plain or S256)"));
            }
            _ => {}
        }
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let auth_url = o.require_string("auth-url")?;
        let idp = o.require_string("identity-provider")?;
        let protocol = o.require_string("protocol")?;
        Ok(match self.0 {
            OidcKind::Password => {
                let mut b = oidc_client!(v3::OidcPassword::builder(auth_url, idp, protocol), o)
                    .username(o.require_string("username")?)
                    .password(o.require_secret("password")?);
                b = opt_str(b, o, "idp_otp_key", |b, v| b.idp_otp_key(v))?;
                if let Some(otp) = o.secret("idp_otp")? {
                    b = b.idp_otp(otp);
                }
                Arc::new(b.build()?)
            }
            OidcKind::ClientCredentials => {
                Arc::new(oidc_client!(v3::OidcClientCredentials::builder(auth_url, idp, protocol), o).build()?)
            }
            OidcKind::AuthCode => {
                let mut b = oidc_client!(v3::OidcAuthorizationCode::builder(auth_url, idp, protocol), o)
                    .code(o.require_secret("code")?);
                b = opt_str(b, o, "redirect-uri", |b, v| b.redirect_uri(v))?;
                if let Some(v) = o.secret("code-verifier")? {
                    b = b.code_verifier(v);
                }
                Arc::new(b.build()?)
            }
            OidcKind::AccessToken => {
                let b = v3_scope!(v3::OidcAccessToken::builder(auth_url, idp, protocol), o)
                    .access_token(o.require_secret("access-token")?);
                Arc::new(b.build()?)
            }
            OidcKind::Device => {
                let mut b = oidc_client!(v3::OidcDeviceAuthorization::builder(auth_url, idp, protocol), o);
                b = opt_str(b, o, "device-authorization-endpoint", |b, v| {
                    b.device_authorization_endpoint(v)
                })?;
                if let Some(m) = o.string("code-challenge-method")? {
                    b = b.code_challenge_method(m.parse()?);
                }
                // Loaded plugins are for command-line programs: show the user
                // where to authorise the device.
                Arc::new(b.prompt(v3::StderrPrompt).build()?)
            }
        })
    }
}

/// `v3oauth2clientcredential` (keystoneauth1 spells its options with underscores).
#[derive(Debug)]
struct OAuth2ClientCredential;

impl PluginLoader for OAuth2ClientCredential {
    fn name(&self) -> &str {
        "v3oauth2clientcredential"
    }

    fn description(&self) -> &str {
        "OAuth 2.0 client credentials grant; the access token is used with Keystone"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.push(Opt::new("oauth2_endpoint").required().help("Endpoint for OAuth2.0"));
        o.push(Opt::new("oauth2_client_id").required().help("Client id for OAuth2.0"));
        o.push(
            Opt::new("oauth2_client_secret")
                .secret()
                .required()
                .help("Client secret for OAuth2.0"),
        );
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = v3::OAuth2ClientCredential::builder(o.require_string("auth-url")?)
            .oauth2_endpoint(o.require_string("oauth2_endpoint")?)
            .oauth2_client_id(o.require_string("oauth2_client_id")?)
            .oauth2_client_secret(o.require_secret("oauth2_client_secret")?);
        let b = v3_scope!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `v3oauth2mtlsclientcredential`: the client certificate is the session's
/// (`--os-cert`, `--os-key`); scope options are accepted and ignored, as in
/// keystoneauth1.
#[derive(Debug)]
struct OAuth2Mtls;

impl PluginLoader for OAuth2Mtls {
    fn name(&self) -> &str {
        "v3oauth2mtlsclientcredential"
    }

    fn description(&self) -> &str {
        "OAuth 2.0 mutual-TLS client credentials; the access token is used with Keystone"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.push(
            Opt::new("oauth2-endpoint")
                .required()
                .help("Endpoint for OAuth2.0 Mutual-TLS Authorization"),
        );
        o.push(
            Opt::new("oauth2-client-id")
                .required()
                .help("Client credential ID for OAuth2.0 Mutual-TLS Authorization"),
        );
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = v3::OAuth2MtlsClientCredential::builder(o.require_string("auth-url")?)
            .oauth2_endpoint(o.require_string("oauth2-endpoint")?)
            .oauth2_client_id(o.require_string("oauth2-client-id")?);
        Ok(Arc::new(b.build()?))
    }
}

/// `v3websso`: browser single sign-on through Keystone's WebSSO flow.
#[derive(Debug)]
struct WebSso;

impl PluginLoader for WebSso {
    fn name(&self) -> &str {
        "v3websso"
    }

    fn description(&self) -> &str {
        "Browser single sign-on: log in through the identity provider in a browser (Keystone WebSSO)"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = federation_opts();
        // keystoneauth1 requires it; without it the protocol-only WebSSO
        // URL is used, and Keystone finds the provider from the login.
        if let Some(idp) = o.iter_mut().find(|opt| opt.name() == "identity-provider") {
            *idp = Opt::new("identity-provider")
                .help("Identity Provider's name (without it, Keystone's protocol-only WebSSO URL is used)");
        }
        o.push(
            Opt::new("redirect-host")
                .default_value(v3::DEFAULT_REDIRECT_HOST)
                .help("Host the callback server listens on. This must be a loopback address."),
        );
        o.push(
            Opt::new("redirect-port")
                .kind(OptKind::Integer)
                .default_value(v3::DEFAULT_REDIRECT_PORT.to_string())
                .help("Port the callback server listens on. The resulting callback URL, http://<redirect-host>:<redirect-port>/auth/websso/, must be listed in the identity service's [federation] trusted_dashboard option."),
        );
        o.push(
            Opt::new("login-timeout")
                .kind(OptKind::Float)
                .default_value("60")
                .help("Seconds to wait for the user to finish authenticating in the browser before giving up."),
        );
        o.push(Opt::new("username").help(
            "Optional label used only to keep cached tokens for different SSO accounts apart. It is not used to authenticate; the identity is chosen in the browser.",
        ));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let invalid =
            |option: &str, message: String| crate::error::Error::invalid_option_in(option, "v3websso", message);
        let mut b = v3_scope!(
            v3::WebSso::builder(o.require_string("auth-url")?, o.require_string("protocol")?),
            o
        );
        b = opt_str(b, o, "identity-provider", |b, v| b.identity_provider(v))?;
        b = opt_str(b, o, "redirect-host", |b, v| b.redirect_host(v))?;
        b = opt_str(b, o, "username", |b, v| b.username(v))?;
        if let Some(port) = o.integer("redirect-port")? {
            let port = u16::try_from(port)
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| invalid("redirect-port", format!("{port} is not a TCP port (1-65535)")))?;
            b = b.redirect_port(port);
        }
        if let Some(secs) = o.float("login-timeout")? {
            let timeout = std::time::Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero() && d.as_secs() <= 86_400)
                .ok_or_else(|| {
                    invalid(
                        "login-timeout",
                        format!("{secs} is not a number of seconds from 0 to 86400"),
                    )
                })?;
            b = b.login_timeout(timeout);
        }
        Ok(Arc::new(b.build()?))
    }
}
