//! Request URLs: telling a relative URL from an absolute one, and joining a
//! path to an endpoint the way keystoneauth1 does (without parsing the
//! endpoint again when the token's prepared endpoint has it parsed), and
//! filling in an endpoint override's placeholders.

use std::sync::Arc;

use url::Url;

use crate::auth::{AuthPlugin, PreparedEndpoint};
use crate::error::{Error, Result};
use crate::transport::Transport;

/// True when `url` cannot be an absolute URL: it starts with `/` (a path)
/// or has no `:` before its first `/`, `?` or `#` (so no scheme). Such a
/// URL is joined to an endpoint without being parsed on its own first.
pub(super) fn is_relative(url: &str) -> bool {
    url.starts_with('/') || !url.split(['/', '?', '#']).next().unwrap_or("").contains(':')
}

/// `Url::parse(&join_url(endpoint, path))`, remembered per path (up to
/// [`MAX_JOINED_PATHS`](crate::auth::MAX_JOINED_PATHS) of them) for the
/// token's endpoint, and without parsing the endpoint's scheme and host
/// again when it was parsed already and `path` holds only characters a URL
/// path keeps as they are.
pub(super) fn join_endpoint(endpoint: &PreparedEndpoint, path: &str) -> Result<Url> {
    endpoint.joined(path, || join_endpoint_now(endpoint, path))
}

/// [`join_endpoint`] without the remembered paths.
fn join_endpoint_now(endpoint: &PreparedEndpoint, path: &str) -> Result<Url> {
    if let Some(base) = endpoint.parsed() {
        if path.bytes().all(is_plain_path_byte) {
            let mut url = base.clone();
            let mut joined = String::with_capacity(base.path().len() + path.len() + 1);
            joined.push_str(base.path().trim_end_matches('/'));
            joined.push('/');
            joined.push_str(path.trim_start_matches('/'));
            url.set_path(&joined);
            return Ok(url);
        }
    }
    let joined = join_url(endpoint.url(), path);
    Url::parse(&joined).map_err(|e| Error::invalid_url(&joined, e))
}

/// A byte a URL path keeps as it is (no query, fragment, space, backslash,
/// control or non-ASCII byte, which a full parse treats specially).
fn is_plain_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@%".contains(&b)
}

/// Joins a path to a base URL the way keystoneauth1 does:
/// `base.rstrip('/') + '/' + path.lstrip('/')`.
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// Fills `%(project_id)s` and `%(user_id)s` in an endpoint override.
pub(super) async fn substitute(
    endpoint: &str,
    plugin: Option<&Arc<dyn AuthPlugin>>,
    transport: &Transport,
) -> Result<String> {
    let mut out = endpoint.to_owned();
    for (placeholder, what) in [("%(project_id)s", "project_id"), ("%(user_id)s", "user_id")] {
        if !out.contains(placeholder) {
            continue;
        }
        let plugin = plugin.ok_or(Error::missing_auth_plugin("fill in the endpoint override"))?;
        let value = if what == "project_id" {
            plugin.project_id(transport).await?
        } else {
            plugin.user_id(transport).await?
        };
        let value = value.ok_or_else(|| {
            Error::invalid_option(
                "endpoint_override",
                format!("it contains {placeholder} but the auth plugin knows no {what}"),
            )
        })?;
        out = out.replace(placeholder, &value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_paths_are_remembered_bounded_and_the_same_as_joined_anew() {
        let endpoint = PreparedEndpoint::for_test("http://nova:8774/v2.1/p1");
        let extra = crate::auth::MAX_JOINED_PATHS + 4;
        for round in 0..3 {
            for i in 0..extra {
                let path = format!("/servers/{i}/a/../detail");
                let url = join_endpoint(&endpoint, &path).unwrap();
                assert_eq!(
                    url,
                    join_endpoint_now(&endpoint, &path).unwrap(),
                    "round {round}, {path}"
                );
                assert_eq!(url.as_str(), format!("http://nova:8774/v2.1/p1/servers/{i}/detail"));
            }
        }
        assert_eq!(endpoint.joined_paths(), crate::auth::MAX_JOINED_PATHS);
    }

    #[test]
    fn a_prepared_endpoint_joins_as_a_full_parse_would() {
        let bases = [
            "http://h/v3",
            "http://h/v3/",
            "http://h",
            "http://h/",
            "https://compute.example.com:8774/v2.1/abc",
            "http://10.0.0.1:8774/v2.1/%7Euser/",
            "http://[::1]:8080/a%20b",
            "HTTP://Example.COM/x",
            "http://h/v3?x=1",
            "http://h/v3#f",
        ];
        let paths = [
            "",
            "/",
            "servers",
            "/servers/detail",
            "//servers",
            "servers/",
            "servers/../../x",
            "./a/./b/..",
            "%2e%2e/x",
            "a%20b/c%2Fd",
            "a:b@c/d;e=f,g!$&'()*+",
            "~user/-._",
            "servers?limit=1",
            "servers#frag",
            "a b",
            "a\\b",
            "caf\u{e9}",
            "a\tb",
        ];
        for base in bases {
            let endpoint = PreparedEndpoint::for_test(base);
            for path in paths {
                let expected = Url::parse(&join_url(base, path)).unwrap();
                let got = join_endpoint(&endpoint, path).unwrap();
                assert_eq!(got.as_str(), expected.as_str(), "{base} + {path:?}");
                assert_eq!(got, expected, "{base} + {path:?}");
            }
        }
    }

    #[test]
    fn relative_urls_are_told_from_absolute_ones() {
        for url in [
            "/servers",
            "servers",
            "servers/a:b",
            "",
            "?x=1",
            "a/b?c=d:e",
            " /servers",
        ] {
            assert!(is_relative(url), "{url:?}");
        }
        for url in ["http://h/v3", "https:x", "localhost:8080/x", "mailto:x"] {
            assert!(!is_relative(url), "{url:?}");
        }
    }

    #[test]
    fn joins_like_keystoneauth1() {
        assert_eq!(join_url("http://h/v3/", "/users"), "http://h/v3/users");
        assert_eq!(join_url("http://h/v3", "users"), "http://h/v3/users");
        assert_eq!(join_url("http://h/v3", ""), "http://h/v3/");
        assert_eq!(
            join_url("http://h:8774/v2.1/abc", "servers/detail"),
            "http://h:8774/v2.1/abc/servers/detail"
        );
    }
}
