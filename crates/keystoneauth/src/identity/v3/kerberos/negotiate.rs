//! HTTP Negotiate (SPNEGO, RFC 4559) with the system's GSSAPI, as
//! requests-kerberos does it for keystoneauth1: a token for
//! `HTTP@<host of the URL>` in `Authorization: Negotiate <token>`, one
//! more try with a new token when the server answers 401 with a bare
//! `WWW-Authenticate: Negotiate` challenge, and the server's mutual
//! authentication token checked as `mutual-auth` says.
//!
//! GSSAPI calls block (they read the credential cache and may ask the KDC
//! for a service ticket), so they run on tokio's blocking pool.

use base64::Engine;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::StatusCode;
use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::error::MajorFlags;
use libgssapi::name::Name;
use libgssapi::oid::{OidSet, GSS_MECH_KRB5, GSS_MECH_SPNEGO, GSS_NT_HOSTBASED_SERVICE};
use secrecy::SecretString;

use super::error::{KerberosError, KerberosErrorKind};
use super::MutualAuth;
use crate::error::{Error, Result};
use crate::identity::base::send_token_request;
use crate::transport::{HttpRequest, Response, Transport};

/// The longest `WWW-Authenticate: Negotiate` token accepted from a server
/// (base64 characters). A Kerberos AP-REP in SPNEGO is a few hundred bytes.
pub(crate) const MAX_SERVER_TOKEN: usize = 64 * 1024;

/// Minor statuses of MIT Kerberos that mean "no usable ticket" (krb5.h).
const NO_TICKET_MINORS: [i64; 4] = [
    -1_765_328_189, // KRB5_FCC_NOFILE: no credentials cache found
    -1_765_328_243, // KRB5_CC_NOTFOUND: matching credential not found
    -1_765_328_242, // KRB5_CC_END: end of credential cache reached
    -1_765_328_352, // KRB5KRB_AP_ERR_TKT_EXPIRED: ticket expired
];

/// The Negotiate side of a Kerberos plugin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Negotiate {
    pub(crate) mutual: MutualAuth,
}

impl Negotiate {
    /// Sends `request` as a token request with a Negotiate token; returns
    /// the response once the server's mutual authentication token is
    /// checked, failing on error statuses with the server's message.
    pub(crate) async fn send(&self, transport: &Transport, request: HttpRequest) -> Result<Response> {
        let service = service_name(request.url())?;
        let mut retried = false;
        loop {
            let (context, token) = self.initiate(&service).await?;
            let value = SecretString::from(format!("Negotiate {}", base64_engine().encode(token)));
            let attempt = request.clone().header(
                AUTHORIZATION,
                crate::auth::secret_header_value("negotiate token", &value)?,
            );
            let response = send_token_request(transport, attempt).await?;
            let bare_challenge = server_token(response.headers()).is_some_and(str::is_empty);
            if response.status() == StatusCode::UNAUTHORIZED && !retried && bare_challenge {
                // The server refused this token (a replay cache hit, a clock
                // skew): one more with a new context, as requests-kerberos
                // does. A 401 with the server's own token answers a token it
                // accepted (Keystone refused the user): trying again would
                // only repeat it, so that one is the answer.
                tracing::debug!(
                    target: crate::transport::LOG_TARGET,
                    service = %service,
                    "the server answered 401 Negotiate; trying once more with a new token"
                );
                retried = true;
                continue;
            }
            self.check_mutual(context, &service, &response).await?;
            return response.error_for_status();
        }
    }

    /// A new security context for `service` and its first token.
    async fn initiate(&self, service: &str) -> Result<(ClientCtx, Vec<u8>)> {
        let flags = match self.mutual {
            MutualAuth::Disabled => CtxFlags::GSS_C_SEQUENCE_FLAG,
            MutualAuth::Required | MutualAuth::Optional => CtxFlags::GSS_C_MUTUAL_FLAG | CtxFlags::GSS_C_SEQUENCE_FLAG,
        };
        let owned = service.to_owned();
        blocking(service, move || {
            let gss = |e: libgssapi::error::Error| initiate_error(&owned, e);
            let name = Name::new(owned.as_bytes(), Some(GSS_NT_HOSTBASED_SERVICE)).map_err(gss)?;
            let mut context = ClientCtx::new(None, name, flags, Some(GSS_MECH_SPNEGO));
            let token = context.step(None, None).map_err(gss)?.ok_or_else(|| {
                KerberosError::new(KerberosErrorKind::Gssapi, &owned, "GSSAPI gave no initial token").into_error()
            })?;
            Ok((context, token.to_vec()))
        })
        .await
    }

    /// Checks the server's mutual authentication token as `mutual-auth`
    /// says (requests-kerberos' rules): a token that is present must verify
    /// (`required` and `optional`); a successful answer without one is
    /// refused under `required`; an error answer without one is left to
    /// fail with its status.
    async fn check_mutual(&self, mut context: ClientCtx, service: &str, response: &Response) -> Result<()> {
        if self.mutual == MutualAuth::Disabled {
            return Ok(());
        }
        let failed = |detail: String| KerberosError::new(KerberosErrorKind::MutualAuthFailed, service, detail);
        let Some(encoded) = server_token(response.headers()).filter(|t| !t.is_empty()) else {
            if self.mutual == MutualAuth::Required && response.status().as_u16() < 400 {
                return Err(KerberosError::new(
                    KerberosErrorKind::MutualAuthMissing,
                    service,
                    format!(
                        "{} {} has no WWW-Authenticate: Negotiate token",
                        response.status().as_u16(),
                        crate::redact::url(response.url())
                    ),
                )
                .into_error());
            }
            return Ok(());
        };
        if encoded.len() > MAX_SERVER_TOKEN {
            return Err(failed(format!("the token is longer than {MAX_SERVER_TOKEN} characters")).into_error());
        }
        let token = base64_engine()
            .decode(encoded)
            .map_err(|e| failed(format!("the token is not base64 ({e})")).into_error())?;
        let owned = service.to_owned();
        blocking(service, move || {
            let failed = |detail: String| KerberosError::new(KerberosErrorKind::MutualAuthFailed, &owned, detail);
            match context.step(Some(&token), None) {
                Ok(_) if context.is_complete() => Ok(()),
                Ok(_) => Err(failed("the token does not complete the security context".into()).into_error()),
                Err(e) => Err(failed(e.to_string()).into_error()),
            }
        })
        .await
    }
}

/// The GSSAPI host-based service name for a URL: `HTTP@<host>`.
fn service_name(url: &url::Url) -> Result<String> {
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => {
            return Err(Error::invalid_option(
                "auth-url",
                format!("{} has no host to ask a Kerberos ticket for", crate::redact::url(url)),
            ))
        }
    };
    Ok(format!("HTTP@{host}"))
}

/// The token of the server's `WWW-Authenticate: Negotiate [token]`
/// challenge (empty for a bare challenge), if it sent one.
fn server_token(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|challenge| {
            let challenge = challenge.trim();
            let (scheme, rest) = challenge.split_once(' ').unwrap_or((challenge, ""));
            scheme.eq_ignore_ascii_case("negotiate").then(|| rest.trim())
        })
}

/// The principal of the default initiator credentials
/// (`alice@EXAMPLE.ORG`), if there are any: it tells apart the tokens of
/// two users of one auth URL in a token cache.
pub(crate) fn default_principal() -> Option<String> {
    let cred = Cred::acquire(None, None, CredUsage::Initiate, None).ok()?;
    Some(cred.name().ok()?.to_string())
}

fn base64_engine() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

/// The error for a failed `gss_init_sec_context` (or name import).
fn initiate_error(service: &str, e: libgssapi::error::Error) -> Error {
    // The routine error is a number in bits 16-23, not a set of flags.
    let routine = e.major.bits() & (0xff << 16);
    let no_ticket = [MajorFlags::GSS_S_NO_CRED, MajorFlags::GSS_S_CREDENTIALS_EXPIRED]
        .iter()
        .any(|m| m.bits() == routine)
        || NO_TICKET_MINORS.contains(&i64::from(e.minor as i32));
    if !no_ticket {
        return KerberosError::new(KerberosErrorKind::Gssapi, service, e.to_string()).into_error();
    }
    // SPNEGO only says it has no mechanism; the Kerberos mechanism says why
    // (which credential cache it read, and what was wrong with it).
    let detail = match OidSet::singleton(GSS_MECH_KRB5)
        .and_then(|mechs| Cred::acquire(None, None, CredUsage::Initiate, Some(&mechs)))
    {
        Err(krb5) => krb5.to_string(),
        Ok(_) => e.to_string(),
    };
    KerberosError::new(KerberosErrorKind::NoCredentials, service, detail).into_error()
}

/// Runs GSSAPI calls on the blocking pool.
async fn blocking<T: Send + 'static>(service: &str, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        KerberosError::new(
            KerberosErrorKind::Gssapi,
            service,
            format!("the GSSAPI call did not finish ({e})"),
        )
        .into_error()
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response_with(values: &[&str]) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        for v in values {
            headers.append(WWW_AUTHENTICATE, http::HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn finds_the_negotiate_challenge_among_others() {
        assert_eq!(server_token(&response_with(&["Negotiate YWJj"])), Some("YWJj"));
        assert_eq!(server_token(&response_with(&["negotiate   YWJj  "])), Some("YWJj"));
        assert_eq!(server_token(&response_with(&["Negotiate"])), Some(""));
        assert_eq!(
            server_token(&response_with(&[
                "Keystone uri=\"http://h/v3\"",
                "Basic realm=x, Negotiate dG9r"
            ])),
            Some("dG9r")
        );
        assert_eq!(server_token(&response_with(&["Keystone uri=\"http://h/v3\""])), None);
        assert_eq!(server_token(&response_with(&["NegotiateX abc"])), None);
        assert_eq!(server_token(&response_with(&[])), None);
    }

    #[test]
    fn service_names_are_http_at_the_host() {
        let name = |u: &str| service_name(&url::Url::parse(u).unwrap()).unwrap();
        assert_eq!(name("http://localhost:5000/v3"), "HTTP@localhost");
        assert_eq!(
            name("https://Keystone.Example.org/identity/v3"),
            "HTTP@keystone.example.org"
        );
        assert_eq!(name("http://[::1]:5000/v3"), "HTTP@::1");
        assert!(service_name(&url::Url::parse("unix:/run/x").unwrap()).is_err());
    }
}
