//! A URL that never shows the secrets it may carry.

use std::fmt;

/// A URL whose `Debug` and `Display` mask the secrets it may carry:
///
/// - the password of its user info: `http://bob:***@host/v3`;
/// - a user name given without a password, the usual place of an access
///   token (`https://<token>@host`): `https://***@host`. A user name next
///   to a password is kept, as it helps to tell accounts apart;
/// - the values of secret-looking query parameters (`password`, `token`,
///   `secret`, `code`, `key`, `passwd`, `api_key`...): `?token=***`.
///
/// Every plugin and builder keeps its URLs (auth URL, token and
/// discovery endpoints) in one, so a URL typed with credentials
/// (`http://user:pass@host/v3`) never leaks through `{:?}` or `{}`. The
/// real URL, which the library sends, is [`MaskedUrl::expose`].
///
/// ```
/// use keystoneauth::MaskedUrl;
/// let url = MaskedUrl::from("http://bob:s3cret@keystone:5000/v3?token=t0k3n&x=1");
/// assert_eq!(url.to_string(), "http://bob:***@keystone:5000/v3?token=***&x=1");
/// assert!(!format!("{url:?}").contains("s3cret"));
/// assert_eq!(url.expose(), "http://bob:s3cret@keystone:5000/v3?token=t0k3n&x=1");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct MaskedUrl(String);

impl MaskedUrl {
    /// Wraps a URL (absolute or not; it is validated where it is used).
    pub fn new(url: impl Into<String>) -> Self {
        MaskedUrl(url.into())
    }

    /// The real URL, secrets included: for sending, never for showing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL as it may be shown, with its secrets masked.
    pub fn masked(&self) -> String {
        crate::redact::url_str(&self.0)
    }

    /// True when the URL is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for MaskedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.masked())
    }
}

impl fmt::Display for MaskedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl From<String> for MaskedUrl {
    fn from(url: String) -> Self {
        MaskedUrl(url)
    }
}

impl From<&String> for MaskedUrl {
    fn from(url: &String) -> Self {
        MaskedUrl(url.clone())
    }
}

impl From<&str> for MaskedUrl {
    fn from(url: &str) -> Self {
        MaskedUrl(url.to_owned())
    }
}

impl From<url::Url> for MaskedUrl {
    fn from(url: url::Url) -> Self {
        MaskedUrl(url.into())
    }
}

impl From<&url::Url> for MaskedUrl {
    fn from(url: &url::Url) -> Self {
        MaskedUrl(url.as_str().to_owned())
    }
}

impl From<&MaskedUrl> for MaskedUrl {
    fn from(url: &MaskedUrl) -> Self {
        url.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_user_info_and_query_secrets() {
        for raw in [
            "http://alice:CANARY@h:5000/v3?secret=CANARY&x=1",
            "https://CANARY@h/v3",
            "http://h/v3?api_key=CANARY&passwd=CANARY",
            "not a url://alice:CANARY@h?token=CANARY",
        ] {
            let u = MaskedUrl::from(raw);
            for shown in [format!("{u}"), format!("{u:?}"), format!("{u:#?}"), u.masked()] {
                assert!(!shown.contains("CANARY"), "{shown}");
            }
            assert_eq!(u.expose(), raw);
        }
        assert_eq!(MaskedUrl::from("http://h:5000/v3").to_string(), "http://h:5000/v3");
        assert_eq!(
            MaskedUrl::from("http://alice:pw@h/v3").to_string(),
            "http://alice:***@h/v3"
        );
    }
}
