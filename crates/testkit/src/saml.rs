//! The SAML federation of the harness (`scripts/keystone_saml.sh`): the
//! main Keystone as Keystone-to-Keystone identity provider, a service
//! provider Keystone behind a mod_shib stand-in, and ECP and ADFS identity
//! provider stand-ins. See docs/keystone-harness.md, "SAML federation".

/// Connection facts of the SAML federation, from the `KSA_TEST_*` variables.
#[derive(Debug, Clone)]
pub struct Saml {
    /// `KSA_TEST_SP_AUTH_URL`: the service provider Keystone's `/v3`.
    pub sp_auth_url: String,
    /// `KSA_TEST_SP_ADMIN_USERNAME`: its admin user.
    pub sp_admin_username: String,
    /// `KSA_TEST_SP_ADMIN_PASSWORD`: the admin's password.
    pub sp_admin_password: String,
    /// `KSA_TEST_SP_ADMIN_PROJECT`: the admin's project.
    pub sp_admin_project: String,
    /// `KSA_TEST_K2K_SP_ID`: the service provider's id in the main Keystone.
    pub k2k_sp_id: String,
    /// `KSA_TEST_K2K_SP_URL`: its `sp_url` (the mod_shib stand-in's ECP consumer).
    pub k2k_sp_url: String,
    /// `KSA_TEST_K2K_SP_AUTH_URL`: its `auth_url` (the SP Keystone's federated auth URL).
    pub k2k_sp_auth_url: String,
    /// `KSA_TEST_K2K_REMOTE_PROJECT`: the project (domain Default) K2K users get in the SP.
    pub k2k_remote_project: String,
    /// `KSA_TEST_K2K_REMOTE_PROJECT_ID`: its id.
    pub k2k_remote_project_id: String,
    /// `KSA_TEST_K2K_IDP`: the main Keystone's identity provider id in the SP.
    pub k2k_idp: String,
    /// `KSA_TEST_K2K_IDP_ENTITY_ID`: the main Keystone's SAML entity id (`[saml] idp_entity_id`).
    pub k2k_idp_entity_id: String,
    /// `KSA_TEST_SAML_PROTOCOL`: the protocol of every identity provider (`saml2`).
    pub protocol: String,
    /// `KSA_TEST_SAML_PROJECT`: the project (domain Default) ECP and ADFS users get in the SP.
    pub saml_project: String,
    /// `KSA_TEST_SAML_PROJECT_ID`: its id.
    pub saml_project_id: String,
    /// `KSA_TEST_SAML_SP_ENTITY_ID`: the service provider's SAML entity id.
    pub sp_entity_id: String,
    /// `KSA_TEST_SAML_SP_EVENTS`: the mod_shib stand-in's events (JSON lines).
    pub sp_events: String,
    /// `KSA_TEST_SAML_IDP_EVENTS`: the identity provider stand-ins' events (JSON lines).
    pub idp_events: String,
    /// `KSA_TEST_ECP_IDP`: the ECP identity provider's id in the SP.
    pub ecp_idp: String,
    /// `KSA_TEST_ECP_IDP_ENTITY_ID`: its SAML entity id (the assertion's issuer).
    pub ecp_idp_entity_id: String,
    /// `KSA_TEST_ECP_IDP_URL`: the ECP stand-in's SOAP endpoint.
    pub ecp_idp_url: String,
    /// `KSA_TEST_ECP_IDP_URL_WRONG_CONSUMER`: the same, answering another consumer URL.
    pub ecp_idp_url_wrong_consumer: String,
    /// `KSA_TEST_ECP_WRONG_CONSUMER_URL`: that other consumer URL (the stand-in records posts to it).
    pub ecp_wrong_consumer_url: String,
    /// `KSA_TEST_ECP_USERNAME`: the ECP user.
    pub ecp_username: String,
    /// `KSA_TEST_ECP_PASSWORD`: the ECP user's password (HTTP Basic).
    pub ecp_password: String,
    /// `KSA_TEST_ADFS_IDP`: the ADFS identity provider's id in the SP.
    pub adfs_idp: String,
    /// `KSA_TEST_ADFS_IDP_ENTITY_ID`: its entity id (the SAML 1.1 assertion's issuer).
    pub adfs_idp_entity_id: String,
    /// `KSA_TEST_ADFS_URL`: the ADFS stand-in's WS-Trust 1.3 endpoint.
    pub adfs_url: String,
    /// `KSA_TEST_ADFS_SP_ENDPOINT`: the mod_shib stand-in's ADFS endpoint.
    pub adfs_sp_endpoint: String,
    /// `KSA_TEST_ADFS_SP_ENTITY_ID`: the relying party id to ask ADFS for.
    pub adfs_sp_entity_id: String,
    /// `KSA_TEST_ADFS_USERNAME`: the ADFS user.
    pub adfs_username: String,
    /// `KSA_TEST_ADFS_PASSWORD`: the ADFS user's password (WS-Security UsernameToken).
    pub adfs_password: String,
}

/// The harness's SAML federation, or `None` (with a printed `SKIPPED` line)
/// when the running harness has none; under `CI=true` that is a failure.
pub fn saml() -> Option<Saml> {
    let Some(sp_auth_url) = crate::var("KSA_TEST_SP_AUTH_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "KSA_TEST_SP_AUTH_URL is not set under CI=true: scripts/test starts the SAML federation with Keystone"
            );
        }
        crate::skip("KSA_TEST_SP_AUTH_URL is not set: run scripts/keystone start && eval \"$(scripts/keystone env)\" (the harness predates its SAML federation?)");
        return None;
    };
    let get = |n: &str| crate::var(n).unwrap_or_default();
    Some(Saml {
        sp_auth_url,
        sp_admin_username: get("KSA_TEST_SP_ADMIN_USERNAME"),
        sp_admin_password: get("KSA_TEST_SP_ADMIN_PASSWORD"),
        sp_admin_project: get("KSA_TEST_SP_ADMIN_PROJECT"),
        k2k_sp_id: get("KSA_TEST_K2K_SP_ID"),
        k2k_sp_url: get("KSA_TEST_K2K_SP_URL"),
        k2k_sp_auth_url: get("KSA_TEST_K2K_SP_AUTH_URL"),
        k2k_remote_project: get("KSA_TEST_K2K_REMOTE_PROJECT"),
        k2k_remote_project_id: get("KSA_TEST_K2K_REMOTE_PROJECT_ID"),
        k2k_idp: get("KSA_TEST_K2K_IDP"),
        k2k_idp_entity_id: get("KSA_TEST_K2K_IDP_ENTITY_ID"),
        protocol: get("KSA_TEST_SAML_PROTOCOL"),
        saml_project: get("KSA_TEST_SAML_PROJECT"),
        saml_project_id: get("KSA_TEST_SAML_PROJECT_ID"),
        sp_entity_id: get("KSA_TEST_SAML_SP_ENTITY_ID"),
        sp_events: get("KSA_TEST_SAML_SP_EVENTS"),
        idp_events: get("KSA_TEST_SAML_IDP_EVENTS"),
        ecp_idp: get("KSA_TEST_ECP_IDP"),
        ecp_idp_entity_id: get("KSA_TEST_ECP_IDP_ENTITY_ID"),
        ecp_idp_url: get("KSA_TEST_ECP_IDP_URL"),
        ecp_idp_url_wrong_consumer: get("KSA_TEST_ECP_IDP_URL_WRONG_CONSUMER"),
        ecp_wrong_consumer_url: get("KSA_TEST_ECP_WRONG_CONSUMER_URL"),
        ecp_username: get("KSA_TEST_ECP_USERNAME"),
        ecp_password: get("KSA_TEST_ECP_PASSWORD"),
        adfs_idp: get("KSA_TEST_ADFS_IDP"),
        adfs_idp_entity_id: get("KSA_TEST_ADFS_IDP_ENTITY_ID"),
        adfs_url: get("KSA_TEST_ADFS_URL"),
        adfs_sp_endpoint: get("KSA_TEST_ADFS_SP_ENDPOINT"),
        adfs_sp_entity_id: get("KSA_TEST_ADFS_SP_ENTITY_ID"),
        adfs_username: get("KSA_TEST_ADFS_USERNAME"),
        adfs_password: get("KSA_TEST_ADFS_PASSWORD"),
    })
}

impl Saml {
    /// The service provider Keystone's federated auth URL for `idp`
    /// (`…/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth`),
    /// the path the mod_shib stand-in protects.
    pub fn federated_auth_url(&self, idp: &str) -> String {
        format!(
            "{}/OS-FEDERATION/identity_providers/{idp}/protocols/{}/auth",
            self.sp_auth_url, self.protocol
        )
    }

    /// How many events of `kind` the mod_shib stand-in has logged so far.
    pub fn sp_event_count(&self, kind: &str) -> usize {
        events(&self.sp_events, kind).len()
    }

    /// How many events of `kind` the identity provider stand-ins have logged so far.
    pub fn idp_event_count(&self, kind: &str) -> usize {
        events(&self.idp_events, kind).len()
    }

    /// The mod_shib stand-in's events of `kind` so far, one JSON object per
    /// line (`request` events name the headers and cookies that arrived).
    pub fn sp_events_of(&self, kind: &str) -> Vec<String> {
        events(&self.sp_events, kind)
    }

    /// The identity provider stand-ins' events of `kind` so far (JSON lines).
    pub fn idp_events_of(&self, kind: &str) -> Vec<String> {
        events(&self.idp_events, kind)
    }
}

fn events(path: &str, kind: &str) -> Vec<String> {
    let needle = format!("\"event\": \"{kind}\"");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&needle))
        .map(str::to_owned)
        .collect()
}
