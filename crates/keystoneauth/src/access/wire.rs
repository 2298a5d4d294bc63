//! The token response formats, as serde reads them.

use serde::Deserialize;
use serde_json::Value;

use super::{DomainRef, RoleRef};

#[derive(Deserialize)]
pub(super) struct V3Body {
    pub(super) token: V3Token,
}

#[derive(Deserialize)]
pub(super) struct V3Token {
    pub(super) expires_at: Option<String>,
    pub(super) issued_at: Option<String>,
    pub(super) user: Option<V3User>,
    #[serde(default)]
    pub(super) methods: Vec<String>,
    #[serde(default)]
    pub(super) audit_ids: Vec<String>,
    pub(super) project: Option<V3Project>,
    pub(super) domain: Option<DomainRef>,
    pub(super) system: Option<serde_json::Map<String, Value>>,
    #[serde(rename = "OS-TRUST:trust")]
    pub(super) trust: Option<V3Trust>,
    pub(super) application_credential: Option<V3AppCred>,
    #[serde(default)]
    pub(super) roles: Vec<RoleRef>,
    pub(super) catalog: Option<Value>,
    #[serde(default)]
    pub(super) is_domain: bool,
    pub(super) bind: Option<Value>,
    pub(super) is_admin_project: Option<bool>,
    #[serde(rename = "OS-OAUTH1")]
    pub(super) oauth1: Option<OAuth1>,
    pub(super) service_providers: Option<Value>,
}

#[derive(Deserialize)]
pub(super) struct OAuth1 {
    pub(super) access_token_id: Option<String>,
    pub(super) consumer_id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct V3User {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) domain: Option<DomainRef>,
    #[serde(rename = "OS-FEDERATION")]
    pub(super) federation: Option<Value>,
}

#[derive(Deserialize)]
pub(super) struct V3Project {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) domain: Option<DomainRef>,
}

#[derive(Deserialize)]
pub(super) struct IdOnly {
    pub(super) id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct V3Trust {
    pub(super) id: Option<String>,
    pub(super) impersonation: Option<bool>,
    pub(super) trustor_user: Option<IdOnly>,
    pub(super) trustee_user: Option<IdOnly>,
}

#[derive(Deserialize)]
pub(super) struct V3AppCred {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) restricted: Option<bool>,
    #[serde(default)]
    pub(super) access_rules: Vec<Value>,
}

#[derive(Deserialize)]
pub(super) struct V2Body {
    pub(super) access: V2Access,
}

#[derive(Deserialize)]
pub(super) struct V2Access {
    pub(super) token: Option<V2Token>,
    pub(super) user: Option<V2User>,
    #[serde(rename = "serviceCatalog")]
    pub(super) service_catalog: Option<Value>,
    pub(super) trust: Option<V2Trust>,
    pub(super) metadata: Option<V2Metadata>,
}

#[derive(Deserialize)]
pub(super) struct V2Metadata {
    #[serde(default)]
    pub(super) roles: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct V2Token {
    pub(super) id: Option<String>,
    pub(super) expires: Option<String>,
    pub(super) issued_at: Option<String>,
    pub(super) tenant: Option<V2Tenant>,
    /// Pre-Diablo tokens name the tenant here only.
    #[serde(rename = "tenantId")]
    pub(super) tenant_id: Option<String>,
    #[serde(default)]
    pub(super) audit_ids: Vec<String>,
    pub(super) bind: Option<Value>,
}

#[derive(Deserialize)]
pub(super) struct V2Tenant {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct V2User {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) username: Option<String>,
    /// Pre-Grizzly tokens name the tenant on the user.
    #[serde(rename = "tenantId")]
    pub(super) tenant_id: Option<String>,
    #[serde(rename = "tenantName")]
    pub(super) tenant_name: Option<String>,
    #[serde(default)]
    pub(super) roles: Vec<RoleRef>,
}

#[derive(Deserialize)]
pub(super) struct V2Trust {
    pub(super) id: Option<String>,
    pub(super) trustee_user_id: Option<String>,
    pub(super) trustor_user_id: Option<String>,
    pub(super) impersonation: Option<bool>,
}
