//! The built-in loaders, under keystoneauth1's names and option names.
//!
//! To add a loader for a new plugin, implement [`PluginLoader`] next to the
//! plugin (or here) and add one line to [`loaders`].

use std::sync::Arc;

use super::base_opts::{
    generic_scope, generic_scope_opts, opt_str, password_opt, token_opt, user, user_ids, user_opts, v2_opts, v2_scope,
    v3_scope, v3_scope_opts,
};
use super::loaded::LoadedOptions;
use super::opt::Opt;
use super::plugin_loader::PluginLoader;
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
    #[allow(unused_mut)] // without the kerberos feature
    let mut all: Vec<Arc<dyn PluginLoader>> = builtins
        .into_iter()
        .chain(super::auth_methods::loaders())
        .chain(super::federation::loaders())
        .chain(super::oauth1::loaders())
        .chain(super::saml2::loaders())
        .collect();
    #[cfg(feature = "kerberos")]
    all.extend(super::kerberos::loaders());
    all
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
