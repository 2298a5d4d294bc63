#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `keystoneauth::fixture::MockCloud`: its Keystone (methods, scopes,
//! credentials, lifetime, revocation), its services (documents, routes,
//! tokens, microversions), the request record and the fault switches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keystoneauth::fixture::{MockCloud, MockResponse, MockService, MockUser};
use keystoneauth::identity::v3;
use keystoneauth::redact::hash_secret;
use keystoneauth::secrecy::ExposeSecret;
use keystoneauth::{Adapter, ApiVersion, AuthPlugin, EndpointFilter, Error, Session};
use serde_json::{json, Value};

const KEYSTONE_401: &str = "The request you have made requires authentication.";

fn servers() -> MockResponse {
    MockResponse::json(200, json!({"servers": [{"id": "s-1", "name": "web"}]}))
}

/// Nova with `GET /servers`.
fn nova_with_servers() -> MockService {
    MockService::compute().route("GET", "/servers", servers())
}

/// A cloud with only [`nova_with_servers`], as the default user.
async fn nova_cloud() -> MockCloud {
    MockCloud::builder().service(nova_with_servers()).start().await.unwrap()
}

fn session_for(plugin: impl AuthPlugin + 'static) -> Session {
    Session::builder().auth(Arc::new(plugin)).build().unwrap()
}

fn compute_adapter(session: &Session) -> Adapter {
    Adapter::builder(session.clone())
        .service_type("compute")
        .build()
        .unwrap()
}

/// What a client author writes: one cloud, one adapter, one call. Prints
/// its wall time (the fixture's budget is 100 ms; not asserted here).
#[tokio::test]
async fn a_client_test_is_a_handful_of_lines() {
    let started = Instant::now();
    let cloud = nova_cloud().await;
    let nova = cloud.adapter("compute").unwrap();
    let body: Value = nova.get("/servers").send().await.unwrap().json().unwrap();
    assert_eq!(body["servers"][0]["name"], "web");
    assert_eq!(cloud.token_posts(), 1);
    println!("client-author test took {:?}", started.elapsed());
}

#[tokio::test]
async fn every_method_authenticates_and_wrong_credentials_get_keystones_401() {
    let cloud = MockCloud::builder()
        .user(
            MockUser::new("alice", "alice-pw")
                .application_credential("ac-1", "ci", "ac-secret")
                .totp_passcode("123456"),
        )
        .service(nova_with_servers())
        .start()
        .await
        .unwrap();
    let auth = cloud.auth_url();

    let password = cloud.password("alice").unwrap();
    let s = session_for(password);
    compute_adapter(&s).get("/servers").send().await.unwrap();
    let token = s.token(None).await.unwrap().unwrap().expose_secret().to_owned();
    assert!(cloud.requests_to("GET", "/compute/v2.1/servers")[0].has_token(&token));

    let by_token = v3::Token::builder(auth.clone(), token.clone())
        .project_name("alice")
        .project_domain_id("default")
        .build()
        .unwrap();
    let s = session_for(by_token);
    compute_adapter(&s).get("/servers").send().await.unwrap();
    assert_ne!(
        s.token(None).await.unwrap().unwrap().expose_secret(),
        token,
        "a new token"
    );

    let app_cred = v3::ApplicationCredential::builder(auth.clone())
        .application_credential_id("ac-1")
        .application_credential_secret("ac-secret")
        .build()
        .unwrap();
    let s = session_for(app_cred);
    compute_adapter(&s).get("/servers").send().await.unwrap();
    assert_eq!(s.project_id(None).await.unwrap().as_deref(), Some("p-alice"));

    let by_name = v3::ApplicationCredential::builder(auth.clone())
        .application_credential_name("ci")
        .username("alice")
        .user_domain_id("default")
        .application_credential_secret("ac-secret")
        .build()
        .unwrap();
    compute_adapter(&session_for(by_name))
        .get("/servers")
        .send()
        .await
        .unwrap();

    let totp = v3::Totp::builder(auth.clone())
        .username("alice")
        .user_domain_name("Default")
        .passcode("123456")
        .project_id("p-alice")
        .build()
        .unwrap();
    compute_adapter(&session_for(totp))
        .get("/servers")
        .send()
        .await
        .unwrap();

    let wrong: Vec<Box<dyn AuthPlugin>> = vec![
        Box::new(
            v3::Password::builder(auth.clone())
                .username("alice")
                .user_domain_id("default")
                .password("WRONG-PW-CANARY")
                .build()
                .unwrap(),
        ),
        Box::new(
            v3::ApplicationCredential::builder(auth.clone())
                .application_credential_id("ac-1")
                .application_credential_secret("WRONG-SECRET-CANARY")
                .build()
                .unwrap(),
        ),
        Box::new(
            v3::Totp::builder(auth.clone())
                .username("alice")
                .user_domain_id("default")
                .passcode("000000")
                .build()
                .unwrap(),
        ),
        Box::new(v3::Token::builder(auth.clone(), "not-a-token").build().unwrap()),
        Box::new(
            v3::Password::builder(auth.clone())
                .username("nobody")
                .user_domain_id("default")
                .password("alice-pw")
                .build()
                .unwrap(),
        ),
    ];
    for plugin in wrong {
        let s = Session::builder().auth(Arc::from(plugin)).build().unwrap();
        let err = compute_adapter(&s).get("/servers").send().await.unwrap_err();
        assert!(err.is_unauthorized(), "{err}");
        assert!(err.to_string().contains(KEYSTONE_401), "{err}");
        assert!(!err.to_string().contains("CANARY"), "{err}");
    }
    let refused = cloud.requests().into_iter().filter(|r| r.is_token_post()).count();
    assert_eq!(refused, cloud.token_posts());
}

#[tokio::test]
async fn tokens_are_scoped_as_asked() {
    let cloud = MockCloud::builder()
        .user(MockUser::new("bob", "pw").project("p-ops", "ops"))
        .service(MockService::compute())
        .start()
        .await
        .unwrap();
    let base = || {
        v3::Password::builder(cloud.auth_url())
            .username("bob")
            .user_domain_id("default")
            .password("pw")
    };
    let access = |plugin: v3::Password| async move {
        let s = session_for(plugin);
        let plugin = s.auth().unwrap().clone();
        plugin.access_info(s.transport()).await
    };
    let a = access(
        base()
            .project_name("ops")
            .project_domain_name("Default")
            .build()
            .unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!((a.project_id(), a.project_name()), (Some("p-ops"), Some("ops")));
    assert_eq!(a.role_names(), ["member"]);
    assert!(a.catalog().endpoint(&EndpointFilter::new("compute")).is_ok());
    assert!(a.catalog().endpoint(&EndpointFilter::new("identity")).is_ok());

    let a = access(base().domain_id("default").build().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(a.is_domain_scoped());
    let a = access(base().system_scope("all").build().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(a.is_system_scoped());
    let a = access(base().build().unwrap()).await.unwrap().unwrap();
    assert!(a.is_unscoped() && a.catalog().is_empty());

    let err = access(base().project_id("p-someone-else").build().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
}

#[tokio::test]
async fn token_lifetime_revocation_and_forced_401s() {
    let cloud = MockCloud::builder()
        .service(nova_with_servers())
        .token_lifetime(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let session = cloud.session();
    let nova = cloud.adapter("compute").unwrap();
    nova.get("/servers").send().await.unwrap();
    let plugin = session.auth().unwrap().clone();
    let a = plugin.access_info(session.transport()).await.unwrap().unwrap();
    let lifetime = a.expires_at() - chrono::Utc::now();
    assert!(lifetime <= chrono::Duration::seconds(600) && lifetime > chrono::Duration::seconds(500));

    // A revoked token gets a 401; the session re-authenticates once and retries.
    let first = session.token(None).await.unwrap().unwrap().expose_secret().to_owned();
    cloud.revoke_token(&first);
    nova.get("/servers").send().await.unwrap();
    assert_eq!(cloud.token_posts(), 2);
    let second = session.token(None).await.unwrap().unwrap().expose_secret().to_owned();
    assert_ne!(first, second);
    let gets = cloud.requests_to("GET", "/compute/v2.1/servers");
    assert!(gets[1].has_token(&first) && gets[2].has_token(&second));

    cloud.revoke_all_tokens();
    nova.get("/servers").send().await.unwrap();
    assert_eq!(cloud.token_posts(), 3);

    // A forced 401 leaves the token valid but makes the client re-authenticate.
    cloud.unauthorized_next(1);
    nova.get("/servers").send().await.unwrap();
    assert_eq!(cloud.token_posts(), 4);

    // Two in a row: the retry with a fresh token is refused too.
    cloud.unauthorized_next(2);
    let err = nova.get("/servers").send().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    // Without a token, a service route is refused; documents are public.
    let r = session
        .get(format!("{}/compute/v2.1/servers", cloud.url()))
        .authenticated(false)
        .raise_error(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Keystone uri="));
    let r = session
        .get(format!("{}/compute/", cloud.url()))
        .authenticated(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["versions"][1]["version"], "2.96");

    // Keystone validates and revokes tokens too.
    let live = session.token(None).await.unwrap().unwrap();
    let validate = |m: http::Method| {
        session
            .request(m, format!("{}/auth/tokens", cloud.auth_url()))
            .header("X-Subject-Token", live.expose_secret())
            .raise_error(false)
    };
    assert_eq!(validate(http::Method::GET).send().await.unwrap().status(), 200);
    assert_eq!(validate(http::Method::DELETE).send().await.unwrap().status(), 204);
    cloud.set_token_lifetime(Duration::from_secs(60));
    nova.get("/servers").send().await.unwrap();
}

#[tokio::test]
async fn microversions_are_checked_against_the_declared_range() {
    let cloud = MockCloud::builder()
        .service(MockService::compute().route_with("GET", "/servers", |request| {
            let version = request.header("openstack-api-version").unwrap_or("none").to_owned();
            MockResponse::json(200, json!({"servers": [], "asked": version}))
        }))
        .start()
        .await
        .unwrap();
    let nova = cloud.adapter("compute").unwrap();

    let r = nova.get("/servers").microversion("2.60").send().await.unwrap();
    assert_eq!(r.headers()["openstack-api-version"], "compute 2.60");
    assert_eq!(r.headers()["x-openstack-nova-api-version"], "2.60");
    assert_eq!(r.json::<Value>().unwrap()["asked"], "compute 2.60");

    let r = nova.get("/servers").send().await.unwrap();
    assert_eq!(
        r.headers()["openstack-api-version"],
        "compute 2.1",
        "no header: the minimum"
    );

    let err = nova.get("/servers").microversion("2.200").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(406));
    assert!(
        err.to_string()
            .contains("Version 2.200 is not supported by the API. Minimum is 2.1 and maximum is 2.96."),
        "{err}"
    );
    let r = nova
        .get("/servers")
        .header("OpenStack-API-Version", "compute 2.x")
        .raise_error(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = nova
        .get("/servers")
        .header("OpenStack-API-Version", "compute latest")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["openstack-api-version"], "compute 2.96");

    // Negotiation from the discovered range.
    let data = nova.endpoint_data(true).await.unwrap();
    assert_eq!(data.max_microversion, Some(ApiVersion::new(2, 96)));
    let best = keystoneauth::discovery::negotiate_microversion(
        ApiVersion::new(2, 1),
        ApiVersion::new(2, 79),
        data.min_microversion,
        data.max_microversion,
    )
    .unwrap();
    assert_eq!(best, ApiVersion::new(2, 79));
}

#[tokio::test]
async fn every_named_service_is_discoverable() {
    let cloud = MockCloud::builder()
        .service(MockService::compute())
        .service(MockService::block_storage())
        .service(MockService::image())
        .service(MockService::baremetal())
        .service(MockService::placement())
        .service(MockService::network())
        .service(MockService::object_store())
        .start()
        .await
        .unwrap();
    let session = cloud.session();
    let expect = [
        ("compute", "2.1", Some("2.96")),
        ("block-storage", "3.0", Some("3.71")),
        ("image", "2.17", None),
        ("baremetal", "1.0", Some("1.87")),
        ("placement", "1.0", Some("1.39")),
        ("network", "2.0", None),
        ("identity", "3.14", None),
    ];
    for (service_type, version, max) in expect {
        let data = session
            .endpoint_data(&EndpointFilter::new(service_type), None, true)
            .await
            .unwrap();
        assert_eq!(
            data.api_version.map(|v| v.to_string()).as_deref(),
            Some(version),
            "{service_type}"
        );
        assert_eq!(
            data.max_microversion.map(|v| v.to_string()).as_deref(),
            max,
            "{service_type}"
        );
    }
    let swift = cloud.endpoint("object-store").unwrap();
    assert!(swift.ends_with("/object-store/v1/AUTH_demo"), "{swift}");
    let info = session
        .get(format!("{}/object-store/info", cloud.url()))
        .authenticated(false)
        .send()
        .await
        .unwrap();
    assert!(info.json::<Value>().unwrap()["swift"]["version"].is_string());
    assert!(cloud.endpoint("dns").is_none());
}

#[tokio::test]
async fn routes_can_be_mounted_while_running_and_unknown_ones_are_404() {
    let cloud = MockCloud::builder()
        .service(MockService::new("dns", "designate").version_path("/v2"))
        .start()
        .await
        .unwrap();
    let dns = cloud.adapter("dns").unwrap();
    let err = dns.get("/zones").send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    cloud
        .mount("dns", "GET", "/zones/*", MockResponse::json(200, json!({"zone": true})))
        .unwrap();
    cloud
        .mount(
            "dns",
            "POST",
            "/zones",
            MockResponse::json(202, json!({"id": "z-1"})).header("Location", "z-1"),
        )
        .unwrap();
    let r = dns.get("/zones/z-1/recordsets").send().await.unwrap();
    assert_eq!(r.json::<Value>().unwrap()["zone"], true);
    let r = dns
        .post("/zones")
        .json(&json!({"name": "example.org."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["location"], "z-1");
    assert!(cloud.mount("nope", "GET", "/", MockResponse::empty(204)).is_err());
}

#[tokio::test]
async fn requests_are_recorded_with_secrets_masked() {
    let cloud = MockCloud::builder()
        .user(MockUser::new("carol", "CAROL-PASSWORD-CANARY"))
        .service(MockService::compute().route("POST", "/servers", MockResponse::json(202, json!({"server": {}}))))
        .start()
        .await
        .unwrap();
    let nova = cloud.adapter("compute").unwrap();
    nova.post("/servers")
        .json(&json!({"server": {"name": "s", "adminPass": "ADMIN-PASS-CANARY"}}))
        .send()
        .await
        .unwrap();
    let token = cloud.session().token(None).await.unwrap().unwrap();
    let all = cloud.requests();
    assert_eq!(all.len(), 2);
    assert_eq!(cloud.token_posts(), 1);
    let post = &all[0];
    assert!(post.is_token_post());
    let identity = &post.body.as_ref().unwrap()["auth"]["identity"];
    assert_eq!(identity["methods"], json!(["password"]));
    assert_eq!(
        identity["password"], "***",
        "the library's redaction masks the whole method"
    );
    let create = &all[1];
    assert_eq!(
        create.header("X-Auth-Token"),
        Some(hash_secret(token.expose_secret().as_bytes()).as_str())
    );
    assert_eq!(create.body.as_ref().unwrap()["server"]["name"], "s");
    assert!(create.body_len > 0);
    let dump = format!("{all:?}");
    for canary in ["CAROL-PASSWORD-CANARY", token.expose_secret()] {
        assert!(!dump.contains(canary), "a secret in the record");
    }
    assert!(!format!("{cloud:?}").contains("CANARY"));
}

#[tokio::test]
async fn fault_switches_fail_delay_and_close() {
    let cloud = nova_cloud().await;
    let nova = cloud.adapter("compute").unwrap();
    nova.get("/servers").send().await.unwrap();

    cloud.fail_next(1, Duration::from_secs(7));
    let err = nova.get("/servers").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let r = nova.get("/servers").send().await.unwrap();
    assert_eq!(r.status(), 200, "only the next request fails");

    cloud.fail_next(2, Duration::ZERO);
    let retried = Adapter::builder(cloud.session())
        .service_type("compute")
        .status_code_retries(2)
        .build()
        .unwrap();
    retried.get("/servers").send().await.unwrap();
    let gets = cloud.requests_to("GET", "/compute/v2.1/servers");
    assert_eq!(gets.len(), 6, "two 503s, then the answer");

    cloud.delay_next(Duration::from_secs(30));
    let err = nova
        .get("/servers")
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ReadTimeout { .. }), "{err:?}");

    cloud.close_next(1);
    let err = nova.get("/servers").send().await.unwrap_err();
    assert!(err.status().is_none(), "no answer: {err:?}");
    nova.get("/servers").send().await.unwrap();
}

#[tokio::test]
async fn the_default_cloud_has_a_default_user() {
    let cloud = MockCloud::start().await.unwrap();
    let plugin = cloud.password(MockCloud::DEFAULT_USER).unwrap();
    let s = session_for(plugin);
    assert_eq!(s.user_id(None).await.unwrap().as_deref(), Some("u-demo"));
    assert!(cloud.password("nobody").is_err());
    assert!(cloud.url().starts_with("http://127.0.0.1:"));
}

/// A blocking client is tested the same way: the cloud runs on a runtime's
/// worker threads while the test thread makes blocking calls.
#[test]
fn a_blocking_client_against_the_mock_cloud() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cloud = runtime
        .block_on(MockCloud::builder().service(nova_with_servers()).start())
        .unwrap();
    let builder = Session::builder().auth(Arc::new(cloud.password(MockCloud::DEFAULT_USER).unwrap()));
    let session = keystoneauth::blocking::Session::from_builder(builder).unwrap();
    let body: Value = session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["servers"][0]["id"], "s-1");
    assert_eq!(cloud.token_posts(), 1);
}
