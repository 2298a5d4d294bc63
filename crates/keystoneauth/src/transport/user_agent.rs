//! The `User-Agent` header, composed like keystoneauth1's.

/// This library's own user-agent item.
pub const LIBRARY_USER_AGENT: &str = concat!("keystoneauth-rs/", env!("CARGO_PKG_VERSION"));

/// A `name/version` item of a user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgentItem {
    /// The product name.
    pub name: String,
    /// The product version, if known.
    pub version: Option<String>,
}

impl UserAgentItem {
    /// An item with a name and an optional version.
    pub fn new(name: impl Into<String>, version: Option<impl Into<String>>) -> Self {
        UserAgentItem {
            name: name.into(),
            version: version.map(Into::into),
        }
    }

    fn push_to(&self, out: &mut String) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&self.name);
        if let Some(v) = &self.version {
            out.push('/');
            out.push_str(v);
        }
    }
}

/// Composes `app/ver client/ver extra/ver... keystoneauth-rs/ver`.
pub(crate) fn compose(app: Option<&UserAgentItem>, client: Option<&UserAgentItem>, extra: &[UserAgentItem]) -> String {
    let mut out = String::new();
    for item in app.into_iter().chain(client).chain(extra) {
        item.push_to(&mut out);
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(LIBRARY_USER_AGENT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_in_keystoneauth1_order() {
        let app = UserAgentItem::new("nova", Some("27.0"));
        let client = UserAgentItem::new("python-novaclient", Some("18.0"));
        let extra = [
            UserAgentItem::new("shade", Some("1.0")),
            UserAgentItem::new("plain", None::<String>),
        ];
        assert_eq!(
            compose(Some(&app), Some(&client), &extra),
            format!("nova/27.0 python-novaclient/18.0 shade/1.0 plain {LIBRARY_USER_AGENT}")
        );
        assert_eq!(compose(None, None, &[]), LIBRARY_USER_AGENT);
    }
}
