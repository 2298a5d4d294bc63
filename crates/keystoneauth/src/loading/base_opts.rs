//! The options and builder steps that several loaders share
//! (keystoneauth1's `BaseV3Loader`, `BaseGenericLoader`, `BaseV2Loader`
//! and their user options), used by the built-in, auth-method and
//! federation loaders.

use super::loaded::LoadedOptions;
use super::opt::Opt;
use crate::error::Result;

/// Applies an optional string option to a builder.
pub(crate) fn opt_str<B>(b: B, o: &LoadedOptions, name: &str, set: impl FnOnce(B, String) -> B) -> Result<B> {
    Ok(match o.string_owned(name)? {
        Some(v) => set(b, v),
        None => b,
    })
}

pub(crate) fn auth_url() -> Opt {
    Opt::new("auth-url").required().help("Authentication URL")
}

pub(crate) fn password_opt(help: &str) -> Opt {
    Opt::new("password").secret().prompt("Password: ").help(help)
}

pub(crate) fn trust_id() -> Opt {
    Opt::new("trust-id").help("ID of the trust to use as a trustee use")
}

/// The domain and project scope options (`domain-id` ..
/// `project-domain-name`).
pub(crate) fn domain_project_opts() -> [Opt; 6] {
    [
        Opt::new("domain-id").help("Domain ID to scope to"),
        Opt::new("domain-name").help("Domain name to scope to"),
        Opt::new("project-id").help("Project ID to scope to"),
        Opt::new("project-name").help("Project name to scope to"),
        Opt::new("project-domain-id").help("Domain ID containing project"),
        Opt::new("project-domain-name").help("Domain name containing project"),
    ]
}

/// keystoneauth1's `BaseV3Loader` options.
pub(crate) fn v3_scope_opts() -> Vec<Opt> {
    let mut opts = vec![auth_url(), Opt::new("system-scope").help("Scope for system operations")];
    opts.extend(domain_project_opts());
    opts.push(trust_id());
    opts
}

/// keystoneauth1's `BaseGenericLoader` options.
pub(crate) fn generic_scope_opts() -> Vec<Opt> {
    vec![
        auth_url(),
        Opt::new("system-scope").help("Scope for system operations"),
        Opt::new("domain-id").help("Domain ID to scope to"),
        Opt::new("domain-name").help("Domain name to scope to"),
        Opt::new("project-id")
            .deprecated_name("tenant-id")
            .help("Project ID to scope to"),
        Opt::new("project-name")
            .deprecated_name("tenant-name")
            .help("Project name to scope to"),
        Opt::new("project-domain-id").help("Domain ID containing project"),
        Opt::new("project-domain-name").help("Domain name containing project"),
        trust_id(),
        Opt::new("default-domain-id").help(
            "Optional domain ID to use with v3 and v2 parameters. It will be used for both the user and project \
             domain in v3 and ignored in v2 authentication.",
        ),
        Opt::new("default-domain-name").help(
            "Optional domain name to use with v3 API and v2 parameters. It will be used for both the user and \
             project domain in v3 and ignored in v2 authentication.",
        ),
    ]
}

/// keystoneauth1's `BaseV2Loader` options.
pub(crate) fn v2_opts() -> Vec<Opt> {
    vec![
        auth_url(),
        Opt::new("tenant-id").help("Tenant ID"),
        Opt::new("tenant-name").help("Tenant Name"),
        trust_id(),
    ]
}

pub(crate) fn user_opts() -> Vec<Opt> {
    vec![
        Opt::new("user-id").help("User's user ID"),
        Opt::new("username")
            .deprecated_name("user-name")
            .help("User's username"),
        Opt::new("user-domain-id").help("User's domain ID"),
        Opt::new("user-domain-name").help("User's domain name"),
    ]
}

pub(crate) fn token_opt() -> Opt {
    Opt::new("token").secret().required().help("Token to authenticate with")
}

/// Applies the v3 scope options to a builder (shared by every v3 loader).
macro_rules! v3_scope {
    ($b:expr, $o:expr) => {{
        use $crate::loading::base_opts::opt_str;
        let mut b = $b;
        b = opt_str(b, $o, "system-scope", |b, v| b.system_scope(v))?;
        b = $crate::loading::base_opts::domain_project!(b, $o);
        b = opt_str(b, $o, "trust-id", |b, v| b.trust_id(v))?;
        b
    }};
}
pub(crate) use v3_scope;

/// Applies the domain and project scope options to a builder.
macro_rules! domain_project {
    ($b:expr, $o:expr) => {{
        use $crate::loading::base_opts::opt_str;
        let mut b = $b;
        b = opt_str(b, $o, "domain-id", |b, v| b.domain_id(v))?;
        b = opt_str(b, $o, "domain-name", |b, v| b.domain_name(v))?;
        b = opt_str(b, $o, "project-id", |b, v| b.project_id(v))?;
        b = opt_str(b, $o, "project-name", |b, v| b.project_name(v))?;
        b = opt_str(b, $o, "project-domain-id", |b, v| b.project_domain_id(v))?;
        b = opt_str(b, $o, "project-domain-name", |b, v| b.project_domain_name(v))?;
        b
    }};
}
pub(crate) use domain_project;

macro_rules! generic_scope {
    ($b:expr, $o:expr) => {{
        let mut b = v3_scope!($b, $o);
        b = opt_str(b, $o, "default-domain-id", |b, v| b.default_domain_id(v))?;
        b = opt_str(b, $o, "default-domain-name", |b, v| b.default_domain_name(v))?;
        b
    }};
}
pub(crate) use generic_scope;

macro_rules! v2_scope {
    ($b:expr, $o:expr) => {{
        let mut b = $b;
        b = opt_str(b, $o, "tenant-id", |b, v| b.tenant_id(v))?;
        b = opt_str(b, $o, "tenant-name", |b, v| b.tenant_name(v))?;
        b = opt_str(b, $o, "trust-id", |b, v| b.trust_id(v))?;
        b
    }};
}
pub(crate) use v2_scope;

/// Applies the user options (id, or name and domain) to a builder.
macro_rules! user_ids {
    ($b:expr, $o:expr) => {{
        use $crate::loading::base_opts::opt_str;
        let mut b = $b;
        b = opt_str(b, $o, "user-id", |b, v| b.user_id(v))?;
        b = opt_str(b, $o, "username", |b, v| b.username(v))?;
        b = opt_str(b, $o, "user-domain-id", |b, v| b.user_domain_id(v))?;
        b = opt_str(b, $o, "user-domain-name", |b, v| b.user_domain_name(v))?;
        b
    }};
}
pub(crate) use user_ids;

/// The user options and the password.
macro_rules! user {
    ($b:expr, $o:expr) => {{
        let b = user_ids!($b, $o);
        match $o.secret("password")? {
            Some(p) => b.password(p),
            None => b,
        }
    }};
}
pub(crate) use user;
