//! The built-in loaders, under keystoneauth1's names and option names.
//!
//! To add a loader for a new plugin, implement [`PluginLoader`] next to the
//! plugin (or here) and add one line to [`loaders`].

use std::sync::Arc;

use super::opt::{LoadedOptions, Opt};
use super::registry::PluginLoader;
use crate::auth::{AuthPlugin, HttpBasic, NoAuth};
use crate::error::Result;
use crate::identity::{generic, v2, v3};

/// Every built-in loader. Adding a plugin is one line here.
pub(crate) fn loaders() -> Vec<Arc<dyn PluginLoader>> {
    let builtins: Vec<Arc<dyn PluginLoader>> = vec![
        Arc::new(GenericPassword),
        Arc::new(GenericToken),
        Arc::new(V2Password),
        Arc::new(V2Token),
        Arc::new(V3Password),
        Arc::new(V3Token),
        Arc::new(FixedToken("admin_token")),
        Arc::new(FixedToken("token_endpoint")),
        Arc::new(NoAuthLoader),
        Arc::new(HttpBasicLoader),
    ];
    builtins
        .into_iter()
        .chain(super::auth_methods::loaders())
        .chain(super::federation::loaders())
        .collect()
}

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

fn password_opt(help: &str) -> Opt {
    Opt::new("password").secret().prompt("Password: ").help(help)
}

fn trust_id() -> Opt {
    Opt::new("trust-id").help("ID of the trust to use as a trustee use")
}

/// keystoneauth1's `BaseV3Loader` options.
pub(crate) fn v3_scope_opts() -> Vec<Opt> {
    vec![
        auth_url(),
        Opt::new("system-scope").help("Scope for system operations"),
        Opt::new("domain-id").help("Domain ID to scope to"),
        Opt::new("domain-name").help("Domain name to scope to"),
        Opt::new("project-id").help("Project ID to scope to"),
        Opt::new("project-name").help("Project name to scope to"),
        Opt::new("project-domain-id").help("Domain ID containing project"),
        Opt::new("project-domain-name").help("Domain name containing project"),
        trust_id(),
    ]
}

/// keystoneauth1's `BaseGenericLoader` options.
fn generic_scope_opts() -> Vec<Opt> {
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
fn v2_opts() -> Vec<Opt> {
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

fn token_opt() -> Opt {
    Opt::new("token").secret().required().help("Token to authenticate with")
}

/// Applies the v3 scope options to a builder (shared by every v3 loader).
macro_rules! v3_scope {
    ($b:expr, $o:expr) => {{
        use $crate::loading::builtin::opt_str;
        let mut b = $b;
        b = opt_str(b, $o, "system-scope", |b, v| b.system_scope(v))?;
        b = opt_str(b, $o, "domain-id", |b, v| b.domain_id(v))?;
        b = opt_str(b, $o, "domain-name", |b, v| b.domain_name(v))?;
        b = opt_str(b, $o, "project-id", |b, v| b.project_id(v))?;
        b = opt_str(b, $o, "project-name", |b, v| b.project_name(v))?;
        b = opt_str(b, $o, "project-domain-id", |b, v| b.project_domain_id(v))?;
        b = opt_str(b, $o, "project-domain-name", |b, v| b.project_domain_name(v))?;
        b = opt_str(b, $o, "trust-id", |b, v| b.trust_id(v))?;
        b
    }};
}
pub(crate) use v3_scope;

macro_rules! generic_scope {
    ($b:expr, $o:expr) => {{
        let mut b = v3_scope!($b, $o);
        b = opt_str(b, $o, "default-domain-id", |b, v| b.default_domain_id(v))?;
        b = opt_str(b, $o, "default-domain-name", |b, v| b.default_domain_name(v))?;
        b
    }};
}

macro_rules! v2_scope {
    ($b:expr, $o:expr) => {{
        let mut b = $b;
        b = opt_str(b, $o, "tenant-id", |b, v| b.tenant_id(v))?;
        b = opt_str(b, $o, "tenant-name", |b, v| b.tenant_name(v))?;
        b = opt_str(b, $o, "trust-id", |b, v| b.trust_id(v))?;
        b
    }};
}

/// Applies the user options (id, or name and domain) to a builder.
macro_rules! user_ids {
    ($b:expr, $o:expr) => {{
        use $crate::loading::builtin::opt_str;
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

/// `password`: generic password authentication with version discovery.
#[derive(Debug)]
struct GenericPassword;

impl PluginLoader for GenericPassword {
    fn name(&self) -> &str {
        "password"
    }

    fn description(&self) -> &str {
        "Authenticate with a username and password, discovering the identity API version"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = generic_scope_opts();
        o.push(Opt::new("user-id").help("User id"));
        o.push(Opt::new("username").deprecated_name("user-name").help("Username"));
        o.push(Opt::new("user-domain-id").help("User's domain id"));
        o.push(Opt::new("user-domain-name").help("User's domain name"));
        o.push(password_opt("User's password"));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = generic::Password::builder(o.require_string("auth-url")?);
        let b = generic_scope!(b, o);
        let b = user!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `token`: generic token authentication with version discovery.
#[derive(Debug)]
struct GenericToken;

impl PluginLoader for GenericToken {
    fn name(&self) -> &str {
        "token"
    }

    fn description(&self) -> &str {
        "Exchange an existing token for a new one, discovering the identity API version"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = generic_scope_opts();
        o.push(token_opt());
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = generic::Token::builder(o.require_string("auth-url")?, o.require_secret("token")?);
        let b = generic_scope!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `v2password`.
#[derive(Debug)]
struct V2Password;

impl PluginLoader for V2Password {
    fn name(&self) -> &str {
        "v2password"
    }

    fn description(&self) -> &str {
        "Authenticate with a username and password against Identity v2.0"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v2_opts();
        o.push(
            Opt::new("username")
                .deprecated_name("user-name")
                .help("Username to login with"),
        );
        o.push(Opt::new("user-id").help("User ID to login with"));
        o.push(password_opt("Password to use"));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let mut b = v2::Password::builder(o.require_string("auth-url")?);
        b = v2_scope!(b, o);
        b = opt_str(b, o, "username", |b, v| b.username(v))?;
        b = opt_str(b, o, "user-id", |b, v| b.user_id(v))?;
        if let Some(p) = o.secret("password")? {
            b = b.password(p);
        }
        Ok(Arc::new(b.build()?))
    }
}

/// `v2token`.
#[derive(Debug)]
struct V2Token;

impl PluginLoader for V2Token {
    fn name(&self) -> &str {
        "v2token"
    }

    fn description(&self) -> &str {
        "Exchange an existing token for a new one against Identity v2.0"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v2_opts();
        o.push(token_opt().help("Token"));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = v2::Token::builder(o.require_string("auth-url")?, o.require_secret("token")?);
        let b = v2_scope!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `v3password`.
#[derive(Debug)]
struct V3Password;

impl PluginLoader for V3Password {
    fn name(&self) -> &str {
        "v3password"
    }

    fn description(&self) -> &str {
        "Authenticate with a username and password against Identity v3"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.extend(user_opts());
        o.push(password_opt("User's password"));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = v3::Password::builder(o.require_string("auth-url")?);
        let b = v3_scope!(b, o);
        let b = user!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `v3token`.
#[derive(Debug)]
struct V3Token;

impl PluginLoader for V3Token {
    fn name(&self) -> &str {
        "v3token"
    }

    fn description(&self) -> &str {
        "Exchange an existing token for a new one against Identity v3"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.push(token_opt());
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = v3::Token::builder(o.require_string("auth-url")?, o.require_secret("token")?);
        let b = v3_scope!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `admin_token` (keystoneauth1) and `token_endpoint` (the name people
/// use; openstacksdk maps it to `admin_token`): a fixed endpoint and token.
#[derive(Debug)]
struct FixedToken(&'static str);

impl PluginLoader for FixedToken {
    fn name(&self) -> &str {
        self.0
    }

    fn description(&self) -> &str {
        "Send an existing token to a fixed endpoint, without an identity service"
    }

    fn options(&self) -> Vec<Opt> {
        vec![
            Opt::new("endpoint")
                .deprecated_name("url")
                .required()
                .help("The endpoint that will always be used"),
            Opt::new("token")
                .secret()
                .required()
                .help("The token that will always be used"),
        ]
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let endpoint = o.require_string("endpoint")?;
        let token = o.require_secret("token")?;
        Ok(Arc::new(crate::auth::token_endpoint::Token::new(endpoint, token)?))
    }
}

/// `none`: no authentication.
#[derive(Debug)]
struct NoAuthLoader;

impl PluginLoader for NoAuthLoader {
    fn name(&self) -> &str {
        "none"
    }

    fn description(&self) -> &str {
        "Send no credentials (services deployed without Keystone)"
    }

    fn options(&self) -> Vec<Opt> {
        vec![Opt::new("endpoint").help("The endpoint that will always be used")]
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        Ok(match o.string("endpoint")? {
            Some(e) => Arc::new(NoAuth::with_endpoint(e)?),
            None => Arc::new(NoAuth::new()),
        })
    }
}

/// `http_basic`: HTTP Basic authentication.
#[derive(Debug)]
struct HttpBasicLoader;

impl PluginLoader for HttpBasicLoader {
    fn name(&self) -> &str {
        "http_basic"
    }

    fn description(&self) -> &str {
        "Use HTTP Basic authentication (services deployed in standalone mode)"
    }

    fn options(&self) -> Vec<Opt> {
        vec![
            Opt::new("username").deprecated_name("user-name").help("Username"),
            password_opt("User's password"),
            Opt::new("endpoint").help("The endpoint that will always be used"),
        ]
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        Ok(Arc::new(HttpBasic::new(
            o.require_string("username")?,
            o.require_secret("password")?,
            o.string_owned("endpoint")?,
        )?))
    }
}
