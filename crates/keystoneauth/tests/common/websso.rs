//! Browser single sign-on (v3websso) against the harness's Keystone: its
//! federation facts, and a plain HTTP client that does what a browser does
//! with Keystone's WebSSO page (fetch it, submit its form).

use std::time::Duration;

pub use testkit::{sso, Sso};

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
