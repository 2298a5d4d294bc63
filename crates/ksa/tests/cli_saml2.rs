//! `ksa token issue` with `v3samlpassword` (SAML2 ECP) and
//! `v3adfspassword` (ADFS), from flags, `OS_*` variables and clouds.yaml:
//! against keystoneauth's wiremock stand-ins for a service provider and
//! the identity providers (keystoneauth1's own test messages), and against
//! the harness's SP Keystone with its identity provider stand-ins. No
//! secret is shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
/// keystoneauth's SAML2 stand-ins.
#[allow(dead_code)]
#[path = "../../keystoneauth/tests/common/saml2.rs"]
mod saml2;
/// keystoneauth's token responder for wiremock, used by the stand-ins.
#[allow(dead_code)]
#[path = "../../keystoneauth/tests/common/tokens.rs"]
mod tokens;

use common::{pairs, Sandbox};
use saml2::*;

fn assert_federated_token(v: &serde_json::Value) {
    assert!(v["id"].as_str().unwrap().starts_with("SCOPED-"), "{v}");
    assert_eq!(v["project_id"], "p1", "{v}");
    assert_eq!(v["user_id"], "fed-user-id", "{v}");
}

#[test]
fn token_issue_with_v3samlpassword_from_flags_and_clouds_yaml() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (sp, idp) = runtime.block_on(async {
        let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
        let idp = ecp_identity_provider(ecp_response(&format!("{}{CONSUMER_PATH}", sp.uri()))).await;
        mount_consumer(&sp, FEDERATION_PATH).await;
        (sp, idp)
    });
    let sb = Sandbox::with_secrets("saml2-ecp", SECRETS);
    let auth_url = format!("{}/v3", sp.uri());
    let idp_url = format!("{}{ECP_IDP_PATH}", idp.uri());
    let v = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3samlpassword",
            "--os-auth-url",
            &auth_url,
            "--os-identity-provider",
            IDP,
            "--os-protocol",
            PROTOCOL,
            "--os-identity-provider-url",
            &idp_url,
            "--os-username",
            USERNAME,
            "--os-password",
            PASSWORD,
            "--os-project-id",
            "p1",
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    assert_federated_token(&v);
    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  ecp:\n    auth_type: v3samlpassword\n    auth:\n      auth_url: {auth_url}\n      \
             identity_provider: {IDP}\n      protocol: {PROTOCOL}\n      identity_provider_url: {idp_url}\n      \
             username: {USERNAME}\n      password: {}\n      project_id: p1\n",
            serde_json::to_string(PASSWORD).unwrap()
        ),
    );
    let v = sb.json(
        &[],
        &["--os-cloud", "ecp", "token", "issue", "-f", "json", "--no-cache"],
    );
    assert_federated_token(&v);

    // A wrong password: the identity provider's 401, and nothing shown.
    let wrong = "WRONG-CANARY-PASSWORD-93";
    let out = sb.run_args(
        &pairs(&[("OS_PASSWORD", wrong)]),
        &["--os-cloud", "ecp", "token", "issue", "--no-cache"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(!out.stderr.contains(wrong), "{}", out.stderr);
}

#[test]
fn token_issue_with_v3adfspassword_from_os_variables() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (sp, idp) = runtime.block_on(async {
        let sp = service_provider(|_| String::new()).await;
        mount_adfs_endpoint(&sp).await;
        (sp, adfs_identity_provider().await)
    });
    let sb = Sandbox::with_secrets("saml2-adfs", SECRETS);
    let auth_url = format!("{}/v3", sp.uri());
    let idp_url = format!("{}{ADFS_IDP_PATH}", idp.uri());
    let endpoint = format!("{}{ADFS_SP_PATH}", sp.uri());
    let env = pairs(&[
        ("OS_AUTH_TYPE", "v3adfspassword"),
        ("OS_AUTH_URL", &auth_url),
        ("OS_IDENTITY_PROVIDER", IDP),
        ("OS_PROTOCOL", PROTOCOL),
        ("OS_IDENTITY_PROVIDER_URL", &idp_url),
        ("OS_SERVICE_PROVIDER_ENDPOINT", &endpoint),
        ("OS_SERVICE_PROVIDER_ENTITY_ID", SP_ENTITY_ID),
        ("OS_USERNAME", USERNAME),
        ("OS_PASSWORD", PASSWORD),
        ("OS_PROJECT_ID", "p1"),
    ]);
    let v = sb.json(&env, &["token", "issue", "-f", "json", "--no-cache"]);
    assert_federated_token(&v);

    // ADFS's SOAP fault is shown with its reason.
    let mut wrong = env.clone();
    wrong.retain(|(k, _)| k != "OS_PASSWORD");
    wrong.push(("OS_PASSWORD".into(), "WRONG-CANARY-PASSWORD-94".into()));
    let out = sb.run_args(&wrong, &["token", "issue", "--no-cache"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("a:FailedAuthentication"), "{}", out.stderr);
    assert!(!out.stderr.contains("WRONG-CANARY-PASSWORD-94"), "{}", out.stderr);
}

/// Against the harness's SAML federation: the SP Keystone behind the
/// mod_shib stand-in (which verifies the signatures with xmlsec1) and the
/// ECP and ADFS identity provider stand-ins.
#[test]
fn token_issue_against_the_harness_sp_keystone() {
    let Some(s) = testkit::saml() else { return };
    let sb = Sandbox::with_secrets("saml2-harness", &[&s.ecp_password, &s.adfs_password]);
    let v = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3samlpassword",
            "--os-auth-url",
            &s.sp_auth_url,
            "--os-identity-provider",
            &s.ecp_idp,
            "--os-protocol",
            &s.protocol,
            "--os-identity-provider-url",
            &s.ecp_idp_url,
            "--os-username",
            &s.ecp_username,
            "--os-password",
            &s.ecp_password,
            "--os-project-id",
            &s.saml_project_id,
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    assert_eq!(v["project_id"], s.saml_project_id.as_str(), "{v}");
    let env = pairs(&[
        ("OS_AUTH_TYPE", "v3adfspassword"),
        ("OS_AUTH_URL", &s.sp_auth_url),
        ("OS_IDENTITY_PROVIDER", &s.adfs_idp),
        ("OS_PROTOCOL", &s.protocol),
        ("OS_IDENTITY_PROVIDER_URL", &s.adfs_url),
        ("OS_SERVICE_PROVIDER_ENDPOINT", &s.adfs_sp_endpoint),
        ("OS_SERVICE_PROVIDER_ENTITY_ID", &s.adfs_sp_entity_id),
        ("OS_USERNAME", &s.adfs_username),
        ("OS_PASSWORD", &s.adfs_password),
        ("OS_PROJECT_NAME", &s.saml_project),
        ("OS_PROJECT_DOMAIN_ID", "default"),
    ]);
    let v = sb.json(&env, &["token", "issue", "-f", "json", "--no-cache"]);
    assert_eq!(v["project_id"], s.saml_project_id.as_str(), "{v}");
}
