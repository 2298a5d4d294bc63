//! Talking to an OAuth 2.0 / OpenID Connect provider: the discovery
//! document, form requests to its endpoints with client authentication,
//! and the provider's error bodies (RFC 6749 §5.2).

use std::fmt;
use std::time::Duration;

use base64::Engine;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, HttpError, Result};
use crate::transport::{HttpRequest, Response, Transport};

/// The content type of OAuth 2.0 requests.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The most of a provider's `error_description` kept.
const MAX_DESCRIPTION: usize = 512;

/// An OAuth 2.0 error answer from an identity provider or authorization
/// server (RFC 6749 §5.2, RFC 8628 §3.5): `{"error": "invalid_grant",
/// "error_description": "..."}`.
///
/// It is the [source](std::error::Error::source) of the
/// [`Error::Authorization`] a plugin returns; find it with
/// [`OAuthError::find`]. The description is the provider's, with any
/// secret this library sent in the request masked.
///
/// ```no_run
/// # async fn demo(plugin: &keystoneauth::identity::v3::OidcPassword, t: &keystoneauth::Transport) {
/// use keystoneauth::AuthPlugin;
/// use keystoneauth::identity::v3::OAuthError;
/// if let Err(e) = plugin.token(t).await {
///     match OAuthError::find(&e).map(OAuthError::error) {
///         Some("invalid_grant") => eprintln!("wrong user name or password"),
///         _ => eprintln!("{e}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    status: StatusCode,
    endpoint: String,
    error: String,
    description: Option<String>,
    uri: Option<String>,
}

impl OAuthError {
    /// The OAuth 2.0 error code: `invalid_grant`, `invalid_client`,
    /// `access_denied`, `expired_token`...
    pub fn error(&self) -> &str {
        &self.error
    }

    /// The provider's `error_description`, if it gave one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The provider's `error_uri`, if it gave one.
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The endpoint that answered (secrets masked).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The OAuth 2.0 error in an error's source chain, if any.
    pub fn find(error: &Error) -> Option<&OAuthError> {
        error.find_source()
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}

/// How the client authenticates to the provider. The client id is sent
/// exactly once: as HTTP Basic with the secret when there is one, else in
/// the form (keystoneauth1 sends it in both, which Okta rejects).
#[derive(Clone)]
pub(crate) struct ClientAuth {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<SecretString>,
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| crate::redact::MASK),
            )
            .finish()
    }
}

impl ClientAuth {
    /// Adds the client's credentials to a request and its form.
    fn apply(&self, request: HttpRequest, form: &mut Vec<(String, String)>) -> Result<HttpRequest> {
        match &self.client_secret {
            Some(secret) => {
                // As requests' HTTPBasicAuth does (and so keystoneauth1): the
                // id and secret are not form-encoded first.
                let raw = format!("{}:{}", self.client_id, secret.expose_secret());
                let value = SecretString::from(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
                ));
                Ok(request.header(
                    AUTHORIZATION,
                    crate::auth::secret_header_value("client-secret", &value)?,
                ))
            }
            None => {
                if !self.client_id.is_empty() {
                    form.push(("client_id".into(), self.client_id.clone()));
                }
                Ok(request)
            }
        }
    }

    /// The secret, to mask in what the provider answers.
    pub(crate) fn secret(&self) -> Option<&SecretString> {
        self.client_secret.as_ref()
    }
}

/// The parts of an OpenID Connect discovery document this library uses.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiscoveryDocument {
    pub(crate) token_endpoint: Option<Url>,
    pub(crate) device_authorization_endpoint: Option<Url>,
    pub(crate) grant_types_supported: Option<Vec<String>>,
}

/// Fetches and parses an OpenID Connect discovery document.
pub(crate) async fn fetch_discovery(transport: &Transport, url: &Url) -> Result<DiscoveryDocument> {
    let request = HttpRequest::new(Method::GET, url.clone())
        .header(http::header::ACCEPT, HeaderValue::from_static("application/json"));
    let response = transport.send(request).await?.error_for_status()?;
    let invalid = |message: String| Error::invalid_response(crate::redact::url(response.url()), message);
    let value: Value = serde_json::from_slice(response.bytes())
        .map_err(|_| invalid("the OpenID Connect discovery document is not valid JSON".into()))?;
    let Value::Object(map) = value else {
        return Err(invalid(
            "the OpenID Connect discovery document is not a JSON object".into(),
        ));
    };
    if map.is_empty() {
        return Err(invalid("the OpenID Connect discovery document is empty".into()));
    }
    let endpoint = |key: &str| -> Result<Option<Url>> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Url::parse(s).map(Some).map_err(|e| {
                invalid(format!(
                    "{key} {:?} is not a valid URL ({e})",
                    crate::redact::url_str(s)
                ))
            }),
            Some(_) => Err(invalid(format!("{key} is not a string"))),
        }
    };
    let grant_types_supported = match map.get("grant_types_supported") {
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        _ => None,
    };
    Ok(DiscoveryDocument {
        token_endpoint: endpoint("token_endpoint")?,
        device_authorization_endpoint: endpoint("device_authorization_endpoint")?,
        grant_types_supported,
    })
}

/// POSTs a form to a provider endpoint with the client's credentials and
/// returns the JSON object it answers. Bodies are never logged.
///
/// `what` names the request in error messages ("password grant"); the
/// `secrets` sent are masked in anything kept from an error answer.
pub(crate) async fn post_form(
    transport: &Transport,
    client: &ClientAuth,
    endpoint: &Url,
    mut form: Vec<(String, String)>,
    what: &str,
    secrets: &[&SecretString],
) -> Result<Map<String, Value>> {
    let request = HttpRequest::new(Method::POST, endpoint.clone());
    let request = client.apply(request, &mut form)?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    drop(form);
    let request = request
        .header(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE))
        .header(http::header::ACCEPT, HeaderValue::from_static("application/json"))
        .body(body)
        .redirect_policy(crate::transport::RedirectPolicy::SameOriginOnly)
        .log(false);
    let response = transport.send(request).await?;
    let mut all_secrets: Vec<&SecretString> = secrets.to_vec();
    if let Some(s) = client.secret() {
        all_secrets.push(s);
    }
    if response.status().as_u16() >= 400 {
        return Err(provider_error(&response, what, &all_secrets));
    }
    match serde_json::from_slice::<Value>(response.bytes()) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::invalid_response(
            crate::redact::url(response.url()),
            format!("the answer to the {what} request is not a JSON object"),
        )),
    }
}

/// A string field of a provider's answer, as a secret.
pub(crate) fn secret_field(map: &Map<String, Value>, key: &str, endpoint: &Url, what: &str) -> Result<SecretString> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(SecretString::from(s.clone())),
        _ => Err(Error::invalid_response(
            crate::redact::url(endpoint),
            format!("the answer to the {what} request has no {key}"),
        )),
    }
}

/// `expires_in` of a provider's answer (a number, or a string holding one).
pub(crate) fn expires_in(map: &Map<String, Value>) -> Option<Duration> {
    seconds(map.get("expires_in"))
}

/// A number of seconds given as a JSON number or string.
pub(crate) fn seconds(value: Option<&Value>) -> Option<Duration> {
    match value? {
        Value::Number(n) => n.as_u64().map(Duration::from_secs),
        Value::String(s) => s.trim().parse::<u64>().ok().map(Duration::from_secs),
        _ => None,
    }
}

/// The error for an answer with an error status: an [`OAuthError`] when the
/// body is one, else the HTTP error (with the secrets sent masked).
fn provider_error(response: &Response, what: &str, secrets: &[&SecretString]) -> Error {
    let endpoint = crate::redact::url(response.url());
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(response.bytes()) {
        if let Some(Value::String(code)) = map.get("error") {
            let text = |key: &str| match map.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => {
                    Some(truncate(&crate::redact::scrub(s.trim(), secrets)))
                }
                _ => None,
            };
            let oauth = OAuthError {
                status: response.status(),
                endpoint: endpoint.clone(),
                error: truncate(&crate::redact::scrub(code, secrets)),
                description: text("error_description"),
                uri: text("error_uri"),
            };
            return Error::authorization(format!("the {what} request to {endpoint} was refused: {oauth}"))
                .with_source(oauth);
        }
    }
    let error = Error::from(HttpError::new(
        response.status(),
        response.method().clone(),
        endpoint,
        response.headers().clone(),
        response.bytes().clone(),
    ));
    crate::redact::scrub_error(error, secrets)
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_DESCRIPTION {
        return s.to_owned();
    }
    format!("{}…", &s[..crate::redact::char_floor(s, MAX_DESCRIPTION)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_from_numbers_and_strings() {
        assert_eq!(seconds(Some(&serde_json::json!(5))), Some(Duration::from_secs(5)));
        assert_eq!(seconds(Some(&serde_json::json!("7"))), Some(Duration::from_secs(7)));
        assert_eq!(seconds(Some(&serde_json::json!(-1))), None);
        assert_eq!(seconds(None), None);
    }

    #[test]
    fn oauth_errors_are_found_in_the_chain() {
        let oauth = OAuthError {
            status: StatusCode::BAD_REQUEST,
            endpoint: "https://idp/token".into(),
            error: "invalid_grant".into(),
            description: Some("Invalid user credentials".into()),
            uri: None,
        };
        assert_eq!(oauth.to_string(), "invalid_grant: Invalid user credentials");
        let err = Error::authorization("x").with_source(oauth.clone());
        assert_eq!(OAuthError::find(&err), Some(&oauth));
        assert_eq!(OAuthError::find(&Error::EmptyCatalog), None);
    }
}
