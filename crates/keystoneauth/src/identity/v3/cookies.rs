//! The session cookies of one federated login (SAML2 ECP, ADFS,
//! Keystone-to-Keystone), each kept for the exact origin that set it.
//!
//! keystoneauth1 keeps them in its `requests` session's cookie jar, which
//! scopes cookies by domain only: a service provider and an identity
//! provider on one host (different ports) would then see each other's
//! cookies. Here a cookie goes back only to the scheme, host and port it came
//! from, its value is a secret (masked in `Debug`, marked sensitive on the
//! wire), and the jar is bounded, so a hostile server cannot grow it.

use std::fmt;

use http::header::SET_COOKIE;
use http::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::transport::same_origin;

/// At most this many cookies are kept; later ones are dropped.
pub(crate) const MAX_COOKIES: usize = 32;
/// A `name=value` pair longer than this is dropped (browsers keep 4 KiB).
pub(crate) const MAX_COOKIE_LEN: usize = 4096;

/// Cookies set during one login, each sent back only to its own origin.
#[derive(Default)]
pub(crate) struct OriginCookies {
    cookies: Vec<Cookie>,
}

struct Cookie {
    origin: Url,
    name: String,
    value: SecretString,
}

impl OriginCookies {
    /// Keeps the cookies of every `Set-Cookie` header of a response from
    /// `url`. A cookie of the same name and origin is replaced; one with an
    /// empty value or `Max-Age=0` is removed (a logout).
    pub(crate) fn store(&mut self, url: &Url, headers: &HeaderMap) {
        for header in headers.get_all(SET_COOKIE) {
            let Ok(line) = header.to_str() else { continue };
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() || name.len() + value.len() + 1 > MAX_COOKIE_LEN {
                continue;
            }
            let expired = parts.any(|attr| {
                attr.split_once('=')
                    .is_some_and(|(k, v)| k.trim().eq_ignore_ascii_case("max-age") && v.trim().starts_with(['0', '-']))
            });
            self.cookies
                .retain(|c| !(c.name == name && same_origin(&c.origin, url)));
            if value.is_empty() || expired || self.cookies.len() >= MAX_COOKIES {
                continue;
            }
            self.cookies.push(Cookie {
                origin: url.clone(),
                name: name.to_owned(),
                value: SecretString::from(value.to_owned()),
            });
        }
    }

    /// The `Cookie` header for a request to `url` (marked sensitive), or
    /// none when no cookie was set by its origin.
    pub(crate) fn header_for(&self, url: &Url) -> Option<HeaderValue> {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .filter(|c| same_origin(&c.origin, url))
            .map(|c| format!("{}={}", c.name, c.value.expose_secret()))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let mut value = HeaderValue::from_str(&pairs.join("; ")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// The cookie values, for scrubbing them out of error text.
    pub(crate) fn secrets(&self) -> Vec<&SecretString> {
        self.cookies.iter().map(|c| &c.value).collect()
    }
}

impl fmt::Debug for OriginCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.cookies.iter().map(|c| {
                format!(
                    "{}://{}:{} {}=***",
                    c.origin.scheme(),
                    c.origin.host_str().unwrap_or(""),
                    c.origin.port_or_known_default().unwrap_or(0),
                    c.name
                )
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append(SET_COOKIE, HeaderValue::from_str(l).unwrap());
        }
        h
    }

    #[test]
    fn cookies_go_back_only_to_their_origin() {
        let sp = Url::parse("http://127.0.0.1:5002/Shibboleth.sso/SAML2/ECP").unwrap();
        let mut jar = OriginCookies::default();
        jar.store(&sp, &set(&["_shibsession_1=canary-cookie; Path=/; HttpOnly", "b=2"]));
        let same = Url::parse("http://127.0.0.1:5002/v3/OS-FEDERATION/x").unwrap();
        let header = jar.header_for(&same).unwrap();
        assert_eq!(header.to_str().unwrap(), "_shibsession_1=canary-cookie; b=2");
        assert!(header.is_sensitive());
        for other in [
            "http://127.0.0.1:5000/v3",
            "https://127.0.0.1:5002/v3",
            "http://127.0.0.2:5002/v3",
            "http://localhost:5002/v3",
        ] {
            assert!(jar.header_for(&Url::parse(other).unwrap()).is_none(), "{other}");
        }
        let debug = format!("{jar:?}");
        assert!(
            !debug.contains("canary-cookie") && debug.contains("_shibsession_1=***"),
            "{debug}"
        );
        assert_eq!(jar.secrets().len(), 2);
    }

    #[test]
    fn replaced_removed_and_bounded() {
        let u = Url::parse("http://h:1/").unwrap();
        let mut jar = OriginCookies::default();
        jar.store(&u, &set(&["a=1", "a=2", "gone=x"]));
        jar.store(&u, &set(&["gone=; Max-Age=0", "junk", "=novalue"]));
        assert_eq!(jar.header_for(&u).unwrap().to_str().unwrap(), "a=2");
        let many: Vec<String> = (0..100).map(|i| format!("c{i}=v")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        jar.store(&u, &set(&refs));
        assert_eq!(jar.cookies.len(), MAX_COOKIES);
        let long = format!("big={}", "x".repeat(MAX_COOKIE_LEN));
        let mut fresh = OriginCookies::default();
        fresh.store(&u, &set(&[&long]));
        assert!(fresh.cookies.is_empty());
    }
}
