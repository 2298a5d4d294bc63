//! Browser single sign-on (v3websso) against the harness's Keystone: its
//! federation facts, and a plain HTTP client that does what a browser does
//! with Keystone's WebSSO page (fetch it, submit its form).

use std::time::Duration;

/// The federation the harness seeds (scripts/keystone, keystone_seed.py).
#[derive(Debug, Clone)]
pub struct Sso {
    pub idp: String,
    pub protocol: String,
    pub user: String,
    pub project_id: String,
    /// Callback ports listed in Keystone's `[federation] trusted_dashboard`.
    pub ports: Vec<u16>,
}

/// The harness's federation, or `None` (the test is skipped) when the
/// running Keystone was started without it.
pub fn sso() -> Option<Sso> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let Some(idp) = var("KSA_TEST_WEBSSO_IDP") else {
        super::skip("KSA_TEST_WEBSSO_IDP is not set: the Keystone harness predates its WebSSO federation (restart it with scripts/keystone start)");
        return None;
    };
    Some(Sso {
        idp,
        protocol: var("KSA_TEST_WEBSSO_PROTOCOL").unwrap_or_default(),
        user: var("KSA_TEST_WEBSSO_USER").unwrap_or_default(),
        project_id: var("KSA_TEST_WEBSSO_PROJECT_ID").unwrap_or_default(),
        ports: var("KSA_TEST_WEBSSO_CALLBACK_PORTS")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect(),
    })
}

/// Keystone's WebSSO page for `websso_url`: the form's action (the
/// callback) and its token, read from the HTML Keystone rendered.
pub async fn keystone_form(websso_url: &str) -> (String, String) {
    let page = reqwest::get(websso_url).await.unwrap();
    assert_eq!(page.status(), 200, "Keystone's WebSSO answer");
    let html = page.text().await.unwrap();
    let attr = |marker: &str| {
        let start = html.find(marker).unwrap_or_else(|| panic!("{marker} in {html}")) + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    };
    assert!(
        html.contains("document.forms['sso'].submit()"),
        "auto-submitting form: {html}"
    );
    (attr("action=\""), attr("id=\"token\" value=\""))
}

/// POSTs a form to the callback as a browser's form navigation does,
/// from `origin`; returns the status.
pub async fn post_form(action: &str, origin: &str, fields: &[(&str, &str)]) -> u16 {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let r = client
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", origin)
        .header("sec-fetch-mode", "navigate")
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-site", "cross-site")
        .body(body)
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

/// `scheme://host:port` of a URL.
pub fn origin(url: &str) -> String {
    url::Url::parse(url).unwrap().origin().ascii_serialization()
}
