//! OAuth 1.0 request signatures (RFC 5849) with HMAC-SHA1, as oauthlib's
//! client makes them for keystoneauth1's `v3oauth1` and Keystone's
//! OS-OAUTH1 API verifies them.

use std::fmt;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};

/// Random octets in a nonce. Keystone accepts only lower-case hex digits
/// in a nonce, so the octets are sent hex-encoded.
const NONCE_OCTETS: usize = 16;

/// Percent-encodes `value` as RFC 5849 §3.6 asks: every octet but the
/// unreserved characters, with upper-case hex digits.
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The base string URI of RFC 5849 §3.4.1.2: lower-case scheme and host,
/// the port only when it is not the scheme's default, the path; no query
/// or fragment.
fn base_string_uri(url: &Url) -> String {
    let mut uri = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    // `Url::port` is `None` for the scheme's default port.
    if let Some(port) = url.port() {
        let _ = write!(uri, ":{port}");
    }
    uri.push_str(url.path());
    uri
}

/// The signature base string of RFC 5849 §3.4.1: the method, the base
/// string URI and the normalized parameters, those of the URL's query plus
/// `params` (the protocol parameters, and a form body's if any;
/// `oauth_signature` is left out).
pub(crate) fn base_string(method: &str, url: &Url, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
        .chain(
            params
                .iter()
                .filter(|(k, _)| k != "oauth_signature")
                .map(|(k, v)| (percent_encode(k), percent_encode(v))),
        )
        .collect();
    pairs.sort();
    let normalized = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(&base_string_uri(url)),
        percent_encode(&normalized)
    )
}

/// The HMAC-SHA1 signature of RFC 5849 §3.4.2 (base64), keyed with the
/// encoded client secret and token secret joined by `&`.
pub(crate) fn hmac_sha1(base_string: &str, client_secret: &str, token_secret: &str) -> String {
    let key = SecretString::from(format!(
        "{}&{}",
        percent_encode(client_secret),
        percent_encode(token_secret)
    ));
    let key = ring::hmac::Key::new(
        ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        key.expose_secret().as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, base_string.as_bytes()).as_ref())
}

/// Signs requests with OAuth 1.0 HMAC-SHA1 (RFC 5849), in an
/// `Authorization: OAuth ...` header: a consumer (client) key and secret,
/// plus a token (request token or access token) key and secret when the
/// request carries one.
///
/// The [`OAuth1`](super::OAuth1) plugin signs its token request with this;
/// a program driving Keystone's OS-OAUTH1 delegation API (request token,
/// access token) can sign those requests with it too.
///
/// ```
/// use keystoneauth::identity::v3::OAuth1Signer;
/// let signer = OAuth1Signer::new("consumer-id", "consumer-secret");
/// let url = url::Url::parse("http://127.0.0.1:5000/v3/OS-OAUTH1/request_token").unwrap();
/// let header = signer.authorization(&http::Method::POST, &url, &[("oauth_callback", "oob")]).unwrap();
/// use secrecy::ExposeSecret;
/// assert!(header.expose_secret().starts_with("OAuth "));
/// assert!(!format!("{signer:?}").contains("consumer-secret"));
/// ```
#[derive(Clone)]
pub struct OAuth1Signer {
    consumer_key: String,
    consumer_secret: SecretString,
    token: Option<(String, SecretString)>,
}

impl fmt::Debug for OAuth1Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Signer")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &crate::redact::MASK)
            .field("token", &self.token.as_ref().map(|(key, _)| key))
            .field("token_secret", &self.token.as_ref().map(|_| crate::redact::MASK))
            .finish()
    }
}

impl OAuth1Signer {
    /// A signer for the consumer with this key (Keystone's consumer id) and secret.
    pub fn new(consumer_key: impl Into<String>, consumer_secret: impl Into<SecretString>) -> Self {
        OAuth1Signer {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            token: None,
        }
    }

    /// Signs with this token (`oauth_token`) and its secret as well.
    #[must_use]
    pub fn with_token(mut self, key: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        self.token = Some((key.into(), secret.into()));
        self
    }

    /// The consumer key.
    pub fn consumer_key(&self) -> &str {
        &self.consumer_key
    }

    /// The token key, if the signer has a token.
    pub fn token_key(&self) -> Option<&str> {
        self.token.as_ref().map(|(key, _)| key.as_str())
    }

    /// The secrets the signer signs with: the consumer's, then the token's.
    pub(crate) fn secrets(&self) -> Vec<&SecretString> {
        std::iter::once(&self.consumer_secret)
            .chain(self.token.as_ref().map(|(_, secret)| secret))
            .collect()
    }

    /// The `Authorization` header value for a request (`method` to `url`,
    /// whose query parameters are signed), with a fresh nonce and the
    /// current time. `extra` are further protocol parameters to sign and
    /// send, such as `oauth_callback` or `oauth_verifier`. The value is a
    /// credential (it can be replayed while the timestamp is accepted).
    pub fn authorization(&self, method: &http::Method, url: &Url, extra: &[(&str, &str)]) -> Result<SecretString> {
        let mut octets = [0u8; NONCE_OCTETS];
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut octets)
            .map_err(|_| Error::Authorization {
                message: "no secure random numbers are available for an OAuth1 nonce".into(),
                source: None,
            })?;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Ok(self.authorization_with(
            method.as_str(),
            url,
            extra,
            &hex::encode(octets),
            &timestamp.to_string(),
        ))
    }

    /// [`Self::authorization`] with a given nonce and timestamp.
    pub(crate) fn authorization_with(
        &self,
        method: &str,
        url: &Url,
        extra: &[(&str, &str)],
        nonce: &str,
        timestamp: &str,
    ) -> SecretString {
        let mut params: Vec<(String, String)> = [
            ("oauth_nonce", nonce),
            ("oauth_timestamp", timestamp),
            ("oauth_version", "1.0"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_consumer_key", self.consumer_key.as_str()),
        ]
        .into_iter()
        .chain(self.token.as_ref().map(|(key, _)| ("oauth_token", key.as_str())))
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let token_secret = self.token.as_ref().map_or("", |(_, s)| s.expose_secret());
        let signature = hmac_sha1(
            &base_string(method, url, &params),
            self.consumer_secret.expose_secret(),
            token_secret,
        );
        params.push(("oauth_signature".into(), signature));
        let fields: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}=\"{}\"", percent_encode(k), percent_encode(v)))
            .collect();
        SecretString::from(format!("OAuth {}", fields.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn percent_encoding_follows_rfc5849_3_6() {
        assert_eq!(percent_encode("abcXYZ019-._~"), "abcXYZ019-._~");
        assert_eq!(percent_encode("a b+c/d=e&f%g*"), "a%20b%2Bc%2Fd%3De%26f%25g%2A");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    /// RFC 5849 §3.4.1.1: the example request (query, form body and
    /// protocol parameters) and its signature base string.
    #[test]
    fn base_string_of_rfc5849_3_4_1_1() {
        let url = Url::parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        // The form body `c2&a3=2+q`, and the protocol parameters (the
        // realm is not signed).
        let params = pairs(&[
            ("c2", ""),
            ("a3", "2 q"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
        ]);
        assert_eq!(
            base_string("post", &url, &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    /// RFC 5849 §3.4.1.2: the base string URI drops the default port and
    /// lower-cases scheme and host.
    #[test]
    fn base_string_uri_of_rfc5849_3_4_1_2() {
        let url = Url::parse("HTTP://EXAMPLE.COM:80/r%20v/X?id=123").unwrap();
        assert_eq!(base_string_uri(&url), "http://example.com/r%20v/X");
        let url = Url::parse("https://www.example.net:8080/?q=1").unwrap();
        assert_eq!(base_string_uri(&url), "https://www.example.net:8080/");
    }

    /// RFC 5849 §1.2: the three signed requests of the example, with the
    /// secrets it gives, produce its signatures.
    #[test]
    fn signatures_of_rfc5849_1_2() {
        let consumer_secret = "kd94hf93k423kf44";
        // Temporary credentials request.
        let url = Url::parse("https://photos.example.net/initiate").unwrap();
        let params = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131200"),
            ("oauth_nonce", "wIjqoS"),
            ("oauth_callback", "http://printer.example.com/ready"),
        ]);
        let base = base_string("POST", &url, &params);
        assert_eq!(
            base,
            "POST&https%3A%2F%2Fphotos.example.net%2Finitiate&oauth_callback%3Dhttp%253A%252F%252Fprinter.example.com\
             %252Fready%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DwIjqoS%26oauth_signature_method\
             %3DHMAC-SHA1%26oauth_timestamp%3D137131200"
        );
        assert_eq!(hmac_sha1(&base, consumer_secret, ""), "74KNZJeDHnMBp0EMJ9ZHt/XKycU=");

        // Token request, with the temporary credentials and the verifier.
        let url = Url::parse("https://photos.example.net/token").unwrap();
        let params = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "hh5s93j4hdidpola"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "walatlh"),
            ("oauth_verifier", "hfdp7dh39dks9884"),
        ]);
        let base = base_string("POST", &url, &params);
        assert_eq!(
            hmac_sha1(&base, consumer_secret, "hdhd0244k9j7ao03"),
            "gKgrFCywp7rO0OXSjdot/IHF7IU="
        );

        // The protected resource, with the token credentials.
        let url = Url::parse("http://photos.example.net/photos?file=vacation.jpg&size=original").unwrap();
        let params = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]);
        let base = base_string("GET", &url, &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03\
             %26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token\
             %3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        assert_eq!(
            hmac_sha1(&base, consumer_secret, "pfkkdhi9sl3r4s00"),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
    }

    #[test]
    fn the_header_carries_the_signed_parameters() {
        let signer = OAuth1Signer::new("ck", "cs").with_token("tk", "ts");
        let url = Url::parse("http://127.0.0.1:5000/v3/auth/tokens").unwrap();
        let header = signer.authorization_with("POST", &url, &[("oauth_verifier", "a b")], "0a1b", "1700000000");
        let header = header.expose_secret();
        let params = pairs(&[
            ("oauth_nonce", "0a1b"),
            ("oauth_timestamp", "1700000000"),
            ("oauth_version", "1.0"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_consumer_key", "ck"),
            ("oauth_token", "tk"),
            ("oauth_verifier", "a b"),
        ]);
        let signature = percent_encode(&hmac_sha1(&base_string("POST", &url, &params), "cs", "ts"));
        assert_eq!(
            header,
            format!(
                "OAuth oauth_nonce=\"0a1b\", oauth_timestamp=\"1700000000\", oauth_version=\"1.0\", \
                 oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"ck\", oauth_token=\"tk\", \
                 oauth_verifier=\"a%20b\", oauth_signature=\"{signature}\""
            )
        );
    }

    #[test]
    fn nonces_are_fresh_lower_case_hex() {
        let signer = OAuth1Signer::new("ck", "canary-consumer-secret").with_token("tk", "canary-token-secret");
        let url = Url::parse("http://h/v3/auth/tokens").unwrap();
        let nonce = |h: &SecretString| {
            let h = h.expose_secret();
            let start = h.find("oauth_nonce=\"").unwrap() + 13;
            h[start..start + 2 * NONCE_OCTETS].to_owned()
        };
        let a = nonce(&signer.authorization(&http::Method::POST, &url, &[]).unwrap());
        let b = nonce(&signer.authorization(&http::Method::POST, &url, &[]).unwrap());
        assert_ne!(a, b);
        assert!(
            a.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "{a}"
        );
        let shown = format!("{signer:?}");
        assert!(!shown.contains("canary"), "{shown}");
    }
}
