//! Redirect rules: which redirects are followed, with which method, body
//! and headers.

use http::{Method, StatusCode};
use url::Url;

/// How a request follows redirects.
///
/// Whatever the policy, credential headers (`X-Auth-Token`,
/// `Authorization`...) are only ever sent to the origin (scheme, host and
/// port) the request started at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RedirectPolicy {
    /// Follow redirects (the default for application requests). On a
    /// `307`/`308` to another origin, the body is re-sent only when the
    /// session or request opted in with `redirect_body_cross_origin(true)`;
    /// otherwise the `307`/`308` response itself is returned.
    #[default]
    Follow,
    /// Follow redirects within the starting origin only; a redirect to
    /// another origin is an [`Error::CrossOriginRedirect`](crate::Error::CrossOriginRedirect).
    /// Every authentication request the library makes (token POSTs, OAuth
    /// 2.0 and OpenID Connect token endpoints) uses it, so a password,
    /// token or client secret never leaves the origin it was meant for.
    SameOriginOnly,
    /// Follow no redirect: the redirect response is returned.
    None,
}

/// True for the statuses that are followed as redirects.
pub(super) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 305 | 307 | 308)
}

/// The method and whether the body is kept after a redirect, as browsers
/// and requests do: 303 becomes GET; 301 and 302 turn a POST into a GET.
pub(super) fn redirect_method(status: StatusCode, method: &Method) -> (Method, bool) {
    match status.as_u16() {
        303 if *method != Method::HEAD => (Method::GET, false),
        301 | 302 if *method == Method::POST => (Method::GET, false),
        _ => (method.clone(), true),
    }
}

/// True when two http(s) URLs have the same origin (scheme, host and port,
/// the scheme's default port when none is given): what `Url::origin`
/// compares, without building the origins' strings.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_methods() {
        assert_eq!(
            redirect_method(StatusCode::SEE_OTHER, &Method::POST),
            (Method::GET, false)
        );
        assert_eq!(
            redirect_method(StatusCode::SEE_OTHER, &Method::HEAD),
            (Method::HEAD, true)
        );
        assert_eq!(redirect_method(StatusCode::FOUND, &Method::POST), (Method::GET, false));
        assert_eq!(redirect_method(StatusCode::FOUND, &Method::PUT), (Method::PUT, true));
        assert_eq!(
            redirect_method(StatusCode::TEMPORARY_REDIRECT, &Method::POST),
            (Method::POST, true)
        );
        assert_eq!(
            redirect_method(StatusCode::PERMANENT_REDIRECT, &Method::PATCH),
            (Method::PATCH, true)
        );
    }

    #[test]
    fn redirect_statuses() {
        for code in [301, 302, 303, 305, 307, 308] {
            assert!(is_redirect(StatusCode::from_u16(code).unwrap()));
        }
        for code in [200, 300, 304, 400] {
            assert!(!is_redirect(StatusCode::from_u16(code).unwrap()));
        }
    }

    #[test]
    fn same_origin_is_url_origin() {
        let urls = [
            "http://h/a",
            "http://h:80/b",
            "http://H/c?x",
            "https://h/a",
            "https://h:443/a",
            "http://h:8080/a",
            "http://g/a",
            "http://user:pw@h/a",
            "http://127.0.0.1/a",
            "http://[::1]/a",
            "http://[::1]:80/a",
        ];
        for a in urls {
            for b in urls {
                let (a, b) = (Url::parse(a).unwrap(), Url::parse(b).unwrap());
                assert_eq!(same_origin(&a, &b), a.origin() == b.origin(), "{a} {b}");
            }
        }
    }
}
