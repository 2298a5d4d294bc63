//! Access info: what Keystone says about a token (v2 and v3).
//!
//! Parsed from a token response (v3: `{"token": {...}}` plus the
//! `X-Subject-Token` header; v2: `{"access": {...}}`). Unknown fields are
//! ignored; missing required fields are an [`Error::InvalidResponse`] naming
//! the field. The raw body is kept so the state can be saved and restored.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::catalog::ServiceCatalog;
use crate::error::{Error, Result};
use wire::{V2Body, V3Body};

/// The Identity API version a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityVersion {
    /// Identity v2.0 (`{"access": ...}`).
    V2,
    /// Identity v3 (`{"token": ...}`).
    V3,
}

/// Something a token names by id and name, as far as known: a domain or
/// a role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct EntityRef {
    /// The id (v2 tokens may omit a role's).
    #[serde(default)]
    pub id: Option<String>,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A domain reference: id and name as far as known.
pub type DomainRef = EntityRef;

/// A role on the token's scope.
pub type RoleRef = EntityRef;

/// A user or a project a token names: its id, name and (v3 only) domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntityInfo {
    /// The id.
    pub id: String,
    /// The name.
    pub name: Option<String>,
    /// The domain (v3 only).
    pub domain: Option<DomainRef>,
}

/// The user a token was issued to.
pub type UserInfo = EntityInfo;

/// The project a token is scoped to.
pub type ProjectInfo = EntityInfo;

/// The trust a token was issued through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustInfo {
    /// The trust's id.
    pub id: String,
    /// The trustor's user id.
    pub trustor_user_id: Option<String>,
    /// The trustee's user id.
    pub trustee_user_id: Option<String>,
    /// Whether the trustee acts as the trustor.
    pub impersonation: Option<bool>,
}

/// The application credential a token was issued for.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ApplicationCredentialInfo {
    /// The credential's id.
    pub id: String,
    /// The credential's name.
    pub name: Option<String>,
    /// Whether the credential is restricted (cannot manage credentials or trusts).
    pub restricted: Option<bool>,
    /// The access rules that limit the credential, as Keystone gave them.
    pub access_rules: Vec<Value>,
}

/// The OAuth 1.0a delegation a v3 token was issued through (`OS-OAUTH1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuth1Info {
    /// The OAuth access token's id.
    pub access_token_id: Option<String>,
    /// The OAuth consumer's id.
    pub consumer_id: Option<String>,
}

/// A Keystone service provider a v3 token lists (`token.service_providers`,
/// Keystone-to-Keystone federation): where the local Keystone's SAML
/// assertion goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceProviderInfo {
    /// The service provider's id.
    pub id: String,
    /// The service provider Keystone's federated auth URL
    /// (`.../v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth`).
    pub auth_url: String,
    /// Where the ECP-wrapped assertion is posted (the SAML service
    /// provider's endpoint, `.../Shibboleth.sso/SAML2/ECP`).
    pub sp_url: String,
}

/// Everything Keystone said about a token.
#[derive(Clone)]
pub struct AccessInfo {
    version: IdentityVersion,
    token: SecretString,
    expires_at: DateTime<Utc>,
    issued_at: Option<DateTime<Utc>>,
    user: UserInfo,
    project: Option<ProjectInfo>,
    domain: Option<DomainRef>,
    system: Option<String>,
    trust: Option<TrustInfo>,
    application_credential: Option<ApplicationCredentialInfo>,
    roles: Vec<RoleRef>,
    methods: Vec<String>,
    audit_ids: Vec<String>,
    catalog: ServiceCatalog,
    is_domain: bool,
    /// v2: `access.metadata.roles`, where keystoneauth1 reads role ids.
    v2_role_ids: Vec<String>,
    bind: Option<Value>,
    is_admin_project: bool,
    oauth1: Option<OAuth1Info>,
    is_federated: bool,
    service_providers: Vec<ServiceProviderInfo>,
    raw: Bytes,
}

impl fmt::Debug for AccessInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessInfo")
            .field("version", &self.version)
            .field("token", &"***")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .field("project", &self.project)
            .field("domain", &self.domain)
            .field("system", &self.system)
            .field("trust", &self.trust)
            .field("application_credential", &self.application_credential)
            .field("roles", &self.roles)
            .field("methods", &self.methods)
            .field("services", &self.catalog.services().len())
            .finish_non_exhaustive()
    }
}

fn missing(field: &str) -> Error {
    Error::invalid_response(
        "token response",
        format!("the required field {field} is missing or empty"),
    )
}

fn required(value: Option<String>, field: &str) -> Result<String> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| missing(field))
}

/// Parses Keystone's timestamps: `2026-11-23T18:57:05.000000Z`,
/// `2026-11-23T18:57:05Z`, `2026-11-23T18:57:05+00:00`, or without a zone
/// (taken as UTC).
pub(crate) fn parse_timestamp(value: &str, field: &str) -> Result<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, format) {
            return Ok(t.and_utc());
        }
    }
    Err(Error::invalid_response(
        "token response",
        format!("{field} is not a timestamp: {v:?}"),
    ))
}

/// JSON is UTF-8; serde_json does not check strings it skips, and a body
/// with invalid bytes there could not be saved as auth state later.
fn require_utf8(raw: &[u8]) -> Result<()> {
    std::str::from_utf8(raw)
        .map(|_| ())
        .map_err(|e| Error::invalid_response("token response", "the token body is not valid UTF-8").with_source(e))
}

fn json_error(e: serde_json::Error, what: &str) -> Error {
    Error::invalid_response(
        "token response",
        format!("the body is not a valid {what} token document"),
    )
    .with_source(e)
}

/// The service providers of a v3 token, as keystoneauth1 reads them: the
/// entries with an id (anything else in the list is ignored).
fn service_providers(list: Option<&Value>) -> Vec<ServiceProviderInfo> {
    let text = |sp: &Value, key: &str| sp.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|sp| ServiceProviderInfo {
            id: text(sp, "id"),
            auth_url: text(sp, "auth_url"),
            sp_url: text(sp, "sp_url"),
        })
        .filter(|sp| !sp.id.is_empty())
        .collect()
}

impl AccessInfo {
    /// Parses a v3 token response: the `X-Subject-Token` value and the body.
    pub fn from_v3(token: SecretString, body: impl Into<Bytes>) -> Result<Self> {
        let raw: Bytes = body.into();
        if token.expose_secret().is_empty() {
            return Err(missing("X-Subject-Token"));
        }
        require_utf8(&raw)?;
        let parsed: V3Body = serde_json::from_slice(&raw).map_err(|e| json_error(e, "v3"))?;
        let t = parsed.token;
        let expires_at = parse_timestamp(&required(t.expires_at, "token.expires_at")?, "token.expires_at")?;
        let issued_at = t
            .issued_at
            .as_deref()
            .map(|v| parse_timestamp(v, "token.issued_at"))
            .transpose()?;
        let user = t.user.ok_or_else(|| missing("token.user"))?;
        let is_federated = user.federation.is_some();
        let user = UserInfo {
            id: required(user.id, "token.user.id")?,
            name: user.name,
            domain: user.domain,
        };
        let project = match t.project {
            Some(p) => Some(ProjectInfo {
                id: required(p.id, "token.project.id")?,
                name: p.name,
                domain: p.domain,
            }),
            None => None,
        };
        let system = t.system.and_then(|m| {
            m.iter()
                .find(|(_, v)| v.as_bool() == Some(true))
                .map(|(k, _)| k.clone())
        });
        let trust = match t.trust {
            Some(tr) => Some(TrustInfo {
                id: required(tr.id, "token.OS-TRUST:trust.id")?,
                trustor_user_id: tr.trustor_user.and_then(|u| u.id),
                trustee_user_id: tr.trustee_user.and_then(|u| u.id),
                impersonation: tr.impersonation,
            }),
            None => None,
        };
        let application_credential = match t.application_credential {
            Some(ac) => Some(ApplicationCredentialInfo {
                id: required(ac.id, "token.application_credential.id")?,
                name: ac.name,
                restricted: ac.restricted,
                access_rules: ac.access_rules,
            }),
            None => None,
        };
        let catalog = match &t.catalog {
            Some(c) if !c.is_null() => ServiceCatalog::from_v3(c)?,
            _ => ServiceCatalog::default(),
        };
        Ok(AccessInfo {
            version: IdentityVersion::V3,
            token,
            expires_at,
            issued_at,
            user,
            project,
            domain: t.domain,
            system,
            trust,
            application_credential,
            roles: t.roles,
            methods: t.methods,
            audit_ids: t.audit_ids,
            catalog,
            is_domain: t.is_domain,
            v2_role_ids: Vec::new(),
            bind: t.bind,
            is_admin_project: t.is_admin_project.unwrap_or(true),
            oauth1: t.oauth1.map(|o| OAuth1Info {
                access_token_id: o.access_token_id,
                consumer_id: o.consumer_id,
            }),
            is_federated,
            service_providers: service_providers(t.service_providers.as_ref()),
            raw,
        })
    }

    /// Parses a v2.0 token response body.
    pub fn from_v2(body: impl Into<Bytes>) -> Result<Self> {
        let raw: Bytes = body.into();
        require_utf8(&raw)?;
        let parsed: V2Body = serde_json::from_slice(&raw).map_err(|e| json_error(e, "v2.0"))?;
        let a = parsed.access;
        let token = a.token.ok_or_else(|| missing("access.token"))?;
        let id = required(token.id, "access.token.id")?;
        let expires_at = parse_timestamp(
            &required(token.expires, "access.token.expires")?,
            "access.token.expires",
        )?;
        let issued_at = token
            .issued_at
            .as_deref()
            .map(|v| parse_timestamp(v, "access.token.issued_at"))
            .transpose()?;
        let user = a.user.ok_or_else(|| missing("access.user"))?;
        let roles = user.roles;
        // keystoneauth1's AccessInfoV2.project_id and project_name: the
        // token's tenant, else (pre-Grizzly) the user's tenantId and
        // tenantName, else (pre-Diablo) the token's tenantId for both.
        let project = match token.tenant {
            Some(t) => Some(ProjectInfo {
                id: required(t.id, "access.token.tenant.id")?,
                name: t.name,
                domain: None,
            }),
            None => user
                .tenant_id
                .clone()
                .or_else(|| token.tenant_id.clone())
                .filter(|id| !id.is_empty())
                .map(|id| ProjectInfo {
                    id,
                    name: user.tenant_name.clone().or_else(|| token.tenant_id.clone()),
                    domain: None,
                }),
        };
        let user = UserInfo {
            id: required(user.id, "access.user.id")?,
            name: user.name.or(user.username),
            domain: None,
        };
        let trust = match a.trust {
            Some(tr) => Some(TrustInfo {
                id: required(tr.id, "access.trust.id")?,
                trustor_user_id: tr.trustor_user_id,
                trustee_user_id: tr.trustee_user_id,
                impersonation: tr.impersonation,
            }),
            None => None,
        };
        let catalog = match &a.service_catalog {
            Some(c) if !c.is_null() => ServiceCatalog::from_v2(c)?,
            _ => ServiceCatalog::default(),
        };
        Ok(AccessInfo {
            version: IdentityVersion::V2,
            token: SecretString::from(id),
            expires_at,
            issued_at,
            user,
            project,
            domain: None,
            system: None,
            trust,
            application_credential: None,
            roles,
            methods: Vec::new(),
            audit_ids: token.audit_ids,
            catalog,
            is_domain: false,
            v2_role_ids: a.metadata.map(|m| m.roles).unwrap_or_default(),
            bind: token.bind,
            is_admin_project: true,
            oauth1: None,
            is_federated: false,
            service_providers: Vec::new(),
            raw,
        })
    }

    /// Restores access info saved with [`AccessInfo::to_state`].
    pub fn from_state(state: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct State {
            auth_token: Option<String>,
            body: Value,
        }
        let invalid = |message: &str| Error::invalid_option("auth state", message.to_owned());
        let s: State = serde_json::from_str(state).map_err(|_| invalid("not a saved auth state (JSON expected)"))?;
        let body = serde_json::to_vec(&s.body).map_err(|_| invalid("the saved body cannot be serialised"))?;
        if s.body.get("token").is_some() {
            let token = s
                .auth_token
                .ok_or_else(|| invalid("the saved v3 state has no auth_token"))?;
            AccessInfo::from_v3(SecretString::from(token), body)
        } else if s.body.get("access").is_some() {
            AccessInfo::from_v2(body)
        } else {
            Err(invalid("the saved body is neither a v2 nor a v3 token"))
        }
    }

    /// Serialises the token and body as keystoneauth1's `get_auth_state`
    /// does: `{"auth_token": "...", "body": {...}}`. The result holds the
    /// token, so it is a secret.
    pub fn to_state(&self) -> Result<SecretString> {
        let body: Value = serde_json::from_slice(&self.raw)
            .map_err(|e| Error::invalid_response("token response", "the kept token body is not JSON").with_source(e))?;
        let state = serde_json::json!({"auth_token": self.token.expose_secret(), "body": body});
        Ok(SecretString::from(state.to_string()))
    }

    /// The Identity API version of the token.
    pub fn version(&self) -> IdentityVersion {
        self.version
    }

    /// The token.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// When the token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// When the token was issued, if Keystone said.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.issued_at
    }

    /// The token's whole lifetime, when the issue time is known.
    pub fn lifetime(&self) -> Option<Duration> {
        self.issued_at
            .and_then(|issued| (self.expires_at - issued).to_std().ok())
    }

    /// True if the token expires within `margin` from now.
    pub fn will_expire_soon(&self, margin: Duration) -> bool {
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
        match self.expires_at.checked_sub_signed(margin) {
            Some(deadline) => Utc::now() >= deadline,
            None => true,
        }
    }

    /// The user.
    pub fn user(&self) -> &UserInfo {
        &self.user
    }

    /// The user's id.
    pub fn user_id(&self) -> &str {
        &self.user.id
    }

    /// The user's name.
    pub fn username(&self) -> Option<&str> {
        self.user.name.as_deref()
    }

    /// The user's domain id (v3).
    pub fn user_domain_id(&self) -> Option<&str> {
        self.user.domain.as_ref().and_then(|d| d.id.as_deref())
    }

    /// The user's domain name (v3).
    pub fn user_domain_name(&self) -> Option<&str> {
        self.user.domain.as_ref().and_then(|d| d.name.as_deref())
    }

    /// The project the token is scoped to.
    pub fn project(&self) -> Option<&ProjectInfo> {
        self.project.as_ref()
    }

    /// The scoped project's id.
    pub fn project_id(&self) -> Option<&str> {
        self.project.as_ref().map(|p| p.id.as_str())
    }

    /// The scoped project's name.
    pub fn project_name(&self) -> Option<&str> {
        self.project.as_ref().and_then(|p| p.name.as_deref())
    }

    /// The scoped project's domain id (v3).
    pub fn project_domain_id(&self) -> Option<&str> {
        self.project
            .as_ref()
            .and_then(|p| p.domain.as_ref())
            .and_then(|d| d.id.as_deref())
    }

    /// The scoped project's domain name (v3).
    pub fn project_domain_name(&self) -> Option<&str> {
        self.project
            .as_ref()
            .and_then(|p| p.domain.as_ref())
            .and_then(|d| d.name.as_deref())
    }

    /// The domain the token is scoped to (v3 domain scope).
    pub fn domain(&self) -> Option<&DomainRef> {
        self.domain.as_ref()
    }

    /// The scoped domain's id.
    pub fn domain_id(&self) -> Option<&str> {
        self.domain.as_ref().and_then(|d| d.id.as_deref())
    }

    /// The scoped domain's name.
    pub fn domain_name(&self) -> Option<&str> {
        self.domain.as_ref().and_then(|d| d.name.as_deref())
    }

    /// The system scope (`all`), if the token is system scoped.
    pub fn system_scope(&self) -> Option<&str> {
        self.system.as_deref()
    }

    /// The trust, if the token was issued through one.
    pub fn trust(&self) -> Option<&TrustInfo> {
        self.trust.as_ref()
    }

    /// The application credential, if the token was issued for one.
    pub fn application_credential(&self) -> Option<&ApplicationCredentialInfo> {
        self.application_credential.as_ref()
    }

    /// The roles on the token's scope.
    pub fn roles(&self) -> &[RoleRef] {
        &self.roles
    }

    /// The role names.
    pub fn role_names(&self) -> Vec<&str> {
        self.roles.iter().filter_map(|r| r.name.as_deref()).collect()
    }

    /// The role ids, as keystoneauth1's `role_ids`: v3 the roles' ids; v2
    /// the token's `metadata.roles` (v2 role entries carry only names).
    pub fn role_ids(&self) -> Vec<&str> {
        match self.version {
            IdentityVersion::V3 => self.roles.iter().filter_map(|r| r.id.as_deref()).collect(),
            IdentityVersion::V2 => self.v2_role_ids.iter().map(String::as_str).collect(),
        }
    }

    /// The token's audit id (the first of [`AccessInfo::audit_ids`]).
    pub fn audit_id(&self) -> Option<&str> {
        self.audit_ids.first().map(String::as_str)
    }

    /// The audit id of the token's chain (the second of
    /// [`AccessInfo::audit_ids`]), for tokens issued from another token.
    pub fn audit_chain_id(&self) -> Option<&str> {
        self.audit_ids.get(1).map(String::as_str)
    }

    /// The token's `bind` (`{"kerberos": "principal"}`), if any.
    pub fn bind(&self) -> Option<&Value> {
        self.bind.as_ref()
    }

    /// The token's `is_admin_project` (true when absent, and for v2).
    pub fn is_admin_project(&self) -> bool {
        self.is_admin_project
    }

    /// The OAuth 1.0a delegation (v3 `OS-OAUTH1`), if any.
    pub fn oauth1(&self) -> Option<&OAuth1Info> {
        self.oauth1.as_ref()
    }

    /// True if the user is federated (v3 `user.OS-FEDERATION`).
    pub fn is_federated(&self) -> bool {
        self.is_federated
    }

    /// The auth methods used (v3).
    pub fn methods(&self) -> &[String] {
        &self.methods
    }

    /// The audit ids (the first identifies this token, the second its chain).
    pub fn audit_ids(&self) -> &[String] {
        &self.audit_ids
    }

    /// The Keystone-to-Keystone service providers the token lists (v3;
    /// empty when Keystone has none).
    pub fn service_providers(&self) -> &[ServiceProviderInfo] {
        &self.service_providers
    }

    /// The service provider with this id, if the token lists it.
    pub fn service_provider(&self, id: &str) -> Option<&ServiceProviderInfo> {
        self.service_providers.iter().find(|sp| sp.id == id)
    }

    /// The service catalog (empty for unscoped tokens).
    pub fn catalog(&self) -> &ServiceCatalog {
        &self.catalog
    }

    /// True if the scoped project acts as a domain.
    pub fn is_domain(&self) -> bool {
        self.is_domain
    }

    /// True for project-scoped tokens.
    pub fn is_project_scoped(&self) -> bool {
        self.project.is_some()
    }

    /// True for domain-scoped tokens.
    pub fn is_domain_scoped(&self) -> bool {
        self.domain.is_some()
    }

    /// True for system-scoped tokens.
    pub fn is_system_scoped(&self) -> bool {
        self.system.is_some()
    }

    /// True for tokens with no scope.
    pub fn is_unscoped(&self) -> bool {
        !self.is_project_scoped() && !self.is_domain_scoped() && !self.is_system_scoped() && self.trust.is_none()
    }

    /// The token response body as Keystone sent it.
    pub fn raw_body(&self) -> &Bytes {
        &self.raw
    }
}

#[cfg(test)]
mod tests;
mod wire;
