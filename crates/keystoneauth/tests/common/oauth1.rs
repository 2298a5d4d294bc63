//! Keystone's OS-OAUTH1 delegation, the consumer's side (what the
//! `v3oauth1` plugin does not do): an admin creates a consumer and a role,
//! the consumer gets a request token, the admin user authorizes it with
//! that role on a project, and the consumer exchanges it for an access
//! token. Every step signed with the library's [`OAuth1Signer`].
//!
//! Independent of the rest of `common` so that ksa's tests include it too
//! (`#[path]` in crates/ksa/tests/common/mod.rs).

use std::time::{SystemTime, UNIX_EPOCH};

use keystoneauth::identity::v3::OAuth1Signer;
use keystoneauth::Session;
use secrecy::ExposeSecret;
use serde_json::{json, Value};

/// A delegated access token, with what made it.
#[derive(Debug, Clone)]
pub struct Delegation {
    pub consumer_id: String,
    pub consumer_secret: String,
    pub access_key: String,
    pub access_secret: String,
    /// The role delegated (created for this delegation).
    pub role_id: String,
    pub role_name: String,
    /// The project the access token is for.
    pub project_id: String,
}

/// An admin's JSON request; the JSON answer (`Null` for none). Panics
/// on an error status.
async fn admin_call(admin: &Session, method: http::Method, url: String, body: Option<Value>) -> Value {
    let request = match body {
        Some(body) => admin.request(method.clone(), url.clone()).json(&body),
        None => admin.request(method.clone(), url.clone()),
    };
    match request.send().await {
        Ok(r) if r.bytes().is_empty() => Value::Null,
        Ok(r) => r.json().unwrap(),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

/// A consumer's signed POST (no Keystone token), answered with a form
/// body: its `oauth_token` and `oauth_token_secret`.
async fn signed_post(
    url: &str,
    signer: &OAuth1Signer,
    extra: &[(&str, &str)],
    project: Option<&str>,
) -> (String, String) {
    let parsed = url::Url::parse(url).unwrap();
    let authorization = signer.authorization(&http::Method::POST, &parsed, extra).unwrap();
    let mut request = Session::new()
        .unwrap()
        .request(http::Method::POST, url)
        .authenticated(false)
        .header(http::header::AUTHORIZATION, authorization.expose_secret());
    if let Some(project) = project {
        request = request.header("Requested-Project-Id", project);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(response.bytes()).into_owned().collect();
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in the answer to POST {url}: {}", response.text()))
    };
    (get("oauth_token"), get("oauth_token_secret"))
}

/// Delegates a new role, granted to the admin user (`admin`, a session
/// with an admin's project token, and `admin_user_id`) on `project_id`, to
/// a new consumer: the whole OS-OAUTH1 dance up to the access token.
pub async fn delegate(auth_url: &str, admin: &Session, admin_user_id: &str, project_id: &str) -> Delegation {
    let base = auth_url.trim_end_matches('/');
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let role_name = format!("ksa-oauth1-{}-{nanos}", std::process::id());
    let role = admin_call(
        admin,
        http::Method::POST,
        format!("{base}/roles"),
        Some(json!({"role": {"name": role_name}})),
    )
    .await;
    let role_id = role["role"]["id"].as_str().unwrap().to_owned();
    admin_call(
        admin,
        http::Method::PUT,
        format!("{base}/projects/{project_id}/users/{admin_user_id}/roles/{role_id}"),
        None,
    )
    .await;
    let consumer = admin_call(
        admin,
        http::Method::POST,
        format!("{base}/OS-OAUTH1/consumers"),
        Some(json!({"consumer": {"description": role_name}})),
    )
    .await;
    let consumer_id = consumer["consumer"]["id"].as_str().unwrap().to_owned();
    let consumer_secret = consumer["consumer"]["secret"].as_str().unwrap().to_owned();

    let signer = OAuth1Signer::new(consumer_id.clone(), consumer_secret.clone());
    let (request_key, request_secret) = signed_post(
        &format!("{base}/OS-OAUTH1/request_token"),
        &signer,
        &[("oauth_callback", "oob")],
        Some(project_id),
    )
    .await;
    let authorized = admin_call(
        admin,
        http::Method::PUT,
        format!("{base}/OS-OAUTH1/authorize/{request_key}"),
        Some(json!({"roles": [{"id": role_id}]})),
    )
    .await;
    let verifier = authorized["token"]["oauth_verifier"].as_str().unwrap().to_owned();
    let (access_key, access_secret) = signed_post(
        &format!("{base}/OS-OAUTH1/access_token"),
        &signer.with_token(request_key, request_secret),
        &[("oauth_verifier", &verifier)],
        None,
    )
    .await;
    Delegation {
        consumer_id,
        consumer_secret,
        access_key,
        access_secret,
        role_id,
        role_name,
        project_id: project_id.to_owned(),
    }
}

/// Removes the consumer (and with it its tokens) and the role.
pub async fn remove(auth_url: &str, admin: &Session, d: &Delegation) {
    let base = auth_url.trim_end_matches('/');
    admin_call(
        admin,
        http::Method::DELETE,
        format!("{base}/OS-OAUTH1/consumers/{}", d.consumer_id),
        None,
    )
    .await;
    admin_call(admin, http::Method::DELETE, format!("{base}/roles/{}", d.role_id), None).await;
}
