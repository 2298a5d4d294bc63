//! Keystone-to-Keystone against mocks speaking the real wire format
//! (keystoneauth1's `K2KAuthPluginTest`): a local Keystone (the identity
//! provider: password tokens listing a service provider, the ECP endpoint)
//! and a remote one behind its SAML service provider (the ECP consumer that
//! sets a session cookie and redirects, the federated auth URL that wants
//! the cookie, `/v3/auth/tokens` for the re-scope), both wiremock servers.
//! Shared by `k2k_mock.rs` and `loading_k2k.rs`.

use chrono::{TimeZone, Utc};
use keystoneauth::fixture::{V3Service, V3Token};
use keystoneauth::identity::v3::Password;
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::mock::received;
use super::tokens::{compute_service, TokenResponder};

/// The local user's password.
pub const PASSWORD: &str = "K2K-PASSWORD-CANARY-31c7";
/// The local Keystone's token: must never reach the service provider.
pub const LOCAL_TOKEN: &str = "LOCAL-TOKEN-CANARY-7d1e";
/// The service provider's session cookie value: must never reach the
/// local Keystone.
pub const SP_COOKIE: &str = "SP-COOKIE-CANARY-5a0c";
/// The service provider's session cookie name (mod_shib's shape).
pub const SP_COOKIE_NAME: &str = "_shibsession_64656661756c74";
/// The service provider's id in the local Keystone.
pub const SP_ID: &str = "sp1";
/// The remote Keystone's identity provider and protocol for the local one.
pub const FEDERATION_PATH: &str = "/v3/OS-FEDERATION/identity_providers/testidp/protocols/saml2/auth";
/// Where the envelope is posted at the service provider.
pub const ECP_CONSUMER_PATH: &str = "/Shibboleth.sso/SAML2/ECP";
/// The local Keystone's ECP endpoint.
pub const ECP_PATH: &str = "/v3/auth/OS-FEDERATION/saml2/ecp";
/// The remote project the tests scope to.
pub const REMOTE_PROJECT: &str = "k2k-project";
/// keystoneauth1's ECP envelope (tests/data/k2k/README.md).
pub const ENVELOPE: &str = include_str!("../data/k2k/ecp_envelope.xml");

/// The two clouds. A test overrides a route with a mock of priority 1.
pub struct K2kMock {
    /// The local Keystone (identity provider).
    pub idp: MockServer,
    /// The remote Keystone behind its SAML service provider.
    pub sp: MockServer,
    /// The body of the local Keystone's token (listing the service providers).
    pub local_token: Value,
}

impl K2kMock {
    /// Both clouds, the service provider answering the envelope with
    /// `redirect` (302 or 303).
    pub async fn start(redirect: u16) -> Self {
        let (idp, sp) = (MockServer::start().await, MockServer::start().await);
        let mut mock = K2kMock {
            idp,
            sp,
            local_token: Value::Null,
        };
        let local = V3Token::new()
            .user("alice-id", "alice")
            .project_scope("local-project", "demo")
            .role("r1", "member")
            .expires_at(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap())
            .service(V3Service::new("identity", "keystone").endpoint("public", "RegionOne", mock.idp_auth_url()))
            .service_provider(SP_ID, &mock.sp_auth_url(), &mock.sp_url())
            .service_provider("other-sp", "http://127.0.0.1:9/v3", "http://127.0.0.1:9/ECP");
        mock.local_token = local.json();
        Mock::given(method("POST"))
            .and(path("/v3/auth/tokens"))
            .respond_with(TokenResponder::in_turn(&[LOCAL_TOKEN], local.json()))
            .mount(&mock.idp)
            .await;
        Mock::given(method("POST"))
            .and(path(ECP_PATH))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/xml")
                    .set_body_string(ENVELOPE),
            )
            .mount(&mock.idp)
            .await;
        Mock::given(method("POST"))
            .and(path(ECP_CONSUMER_PATH))
            .respond_with(
                ResponseTemplate::new(redirect)
                    .insert_header(
                        "set-cookie",
                        format!("{SP_COOKIE_NAME}={SP_COOKIE}; path=/; HttpOnly").as_str(),
                    )
                    .insert_header("location", mock.sp_auth_url().as_str()),
            )
            .mount(&mock.sp)
            .await;
        let unscoped = V3Token::new()
            .user("fed-user-id", "alice")
            .federated("testidp", "saml2", Vec::<String>::new())
            .methods(["saml2"])
            .expires_at(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap());
        Mock::given(method("GET"))
            .and(path(FEDERATION_PATH))
            .and(header("cookie", format!("{SP_COOKIE_NAME}={SP_COOKIE}").as_str()))
            .respond_with(TokenResponder::numbered("SP-UNSCOPED", unscoped))
            .with_priority(2)
            .mount(&mock.sp)
            .await;
        Mock::given(method("GET"))
            .and(path(FEDERATION_PATH))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"error": {"code": 401, "message": "no SAML session", "title": "Unauthorized"}}),
            ))
            .with_priority(3)
            .mount(&mock.sp)
            .await;
        let scoped = V3Token::new()
            .user("fed-user-id", "alice")
            .methods(["token", "saml2"])
            .project_scope("k2k-project-id", REMOTE_PROJECT)
            .role("r1", "member")
            .expires_at(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap())
            .service(compute_service(&format!("{}/compute", mock.sp.uri())));
        Mock::given(method("POST"))
            .and(path("/v3/auth/tokens"))
            .respond_with(TokenResponder::numbered("SP-SCOPED", scoped))
            .mount(&mock.sp)
            .await;
        mock
    }

    /// The local Keystone's auth URL.
    pub fn idp_auth_url(&self) -> String {
        format!("{}/v3", self.idp.uri())
    }

    /// The service provider's federated auth URL.
    pub fn sp_auth_url(&self) -> String {
        format!("{}{FEDERATION_PATH}", self.sp.uri())
    }

    /// The service provider's ECP consumer URL.
    pub fn sp_url(&self) -> String {
        format!("{}{ECP_CONSUMER_PATH}", self.sp.uri())
    }

    /// The local user's password plugin.
    pub fn local_plugin(&self) -> Password {
        Password::builder(self.idp_auth_url())
            .username("alice")
            .user_domain_id("default")
            .password(PASSWORD)
            .project_name("demo")
            .project_domain_id("default")
            .build()
            .unwrap()
    }

    /// Makes `server` answer `response` to `method` `path` from now on,
    /// in place of the route `start` mounted.
    pub async fn answer(server: &MockServer, method_: &str, path_: &str, response: impl Respond + 'static) {
        Mock::given(method(method_))
            .and(path(path_))
            .respond_with(response)
            .with_priority(1)
            .mount(server)
            .await;
    }

    /// How many requests `server` got with this method and path.
    pub async fn count(server: &MockServer, method: &str, path: &str) -> usize {
        super::mock::received_with(server, method, path).await.len()
    }

    /// Panics when a request to the service provider carries the local
    /// token or password, or one to the local Keystone the SP's cookie.
    pub async fn assert_no_leak(&self) {
        assert_nothing_carries(
            "the service provider",
            &received(&self.sp).await,
            &[LOCAL_TOKEN, PASSWORD],
        );
        assert_nothing_carries("the local Keystone", &received(&self.idp).await, &[SP_COOKIE]);
    }
}

/// Panics when any request of `requests` holds one of `secrets` in its
/// URL, headers or body.
pub fn assert_nothing_carries(to: &str, requests: &[Request], secrets: &[&str]) {
    for r in requests {
        let mut text = format!("{} {}\n", r.method, r.url);
        for (name, value) in &r.headers {
            text.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())));
        }
        text.push_str(&String::from_utf8_lossy(&r.body));
        super::assert_free_of(&format!("a request to {to}"), &text, secrets);
    }
}

/// The JSON body of a request.
pub fn json_body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}
