//! Loaders for the v3 auth methods beyond password and token:
//! `v3applicationcredential`, `v3totp`, `v3multifactor`, `v3tokenlessauth`.

use std::sync::Arc;

use super::base_opts::{
    auth_url, domain_project, domain_project_opts, opt_str, user_ids, user_opts, v3_scope, v3_scope_opts,
};
use super::loaded::LoadedOptions;
use super::opt::Opt;
use super::plugin_loader::PluginLoader;
use crate::auth::AuthPlugin;
use crate::error::Result;
use crate::identity::v3;

pub(crate) fn loaders() -> Vec<Arc<dyn PluginLoader>> {
    vec![
        Arc::new(ApplicationCredential),
        Arc::new(Totp),
        Arc::new(MultiFactor),
        Arc::new(TokenlessAuth),
    ]
}

fn app_cred_opts(secret_required: bool) -> Vec<Opt> {
    let secret = Opt::new("application_credential_secret")
        .secret()
        .help("Application credential auth secret");
    vec![
        if secret_required { secret.required() } else { secret },
        Opt::new("application_credential_id").help("Application credential ID"),
        Opt::new("application_credential_name").help("Application credential name"),
    ]
}

fn passcode_opt() -> Opt {
    Opt::new("passcode")
        .secret()
        .prompt("TOTP passcode: ")
        .help("User's TOTP passcode")
}

/// `v3applicationcredential`. The credential carries its own scope, so the
/// scope options are accepted (clouds.yaml files often set a project next
/// to the credential) and ignored.
#[derive(Debug)]
struct ApplicationCredential;

impl PluginLoader for ApplicationCredential {
    fn name(&self) -> &str {
        "v3applicationcredential"
    }

    fn description(&self) -> &str {
        "Authenticate with an application credential (id, or name and user, plus secret)"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.extend(user_opts());
        o.extend(app_cred_opts(true));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let mut b = v3::ApplicationCredential::builder(o.require_string("auth-url")?)
            .application_credential_secret(o.require_secret("application_credential_secret")?);
        b = opt_str(b, o, "application_credential_id", |b, v| b.application_credential_id(v))?;
        b = opt_str(b, o, "application_credential_name", |b, v| {
            b.application_credential_name(v)
        })?;
        b = user_ids!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `v3totp`.
#[derive(Debug)]
struct Totp;

impl PluginLoader for Totp {
    fn name(&self) -> &str {
        "v3totp"
    }

    fn description(&self) -> &str {
        "Authenticate with a TOTP passcode"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.extend(user_opts());
        o.push(passcode_opt().required());
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let mut b = v3::Totp::builder(o.require_string("auth-url")?).passcode(o.require_secret("passcode")?);
        b = user_ids!(b, o);
        b = v3_scope!(b, o);
        Ok(Arc::new(b.build()?))
    }
}

/// `v3multifactor`: `auth_methods` names the loaders (`v3password`,
/// `v3totp`, `v3token`, `v3applicationcredential`) whose options it takes.
#[derive(Debug)]
struct MultiFactor;

impl PluginLoader for MultiFactor {
    fn name(&self) -> &str {
        "v3multifactor"
    }

    fn description(&self) -> &str {
        "Authenticate with several methods at once (multi-factor authentication)"
    }

    fn options(&self) -> Vec<Opt> {
        let mut o = v3_scope_opts();
        o.push(
            Opt::new("auth_methods")
                .kind(super::opt::OptKind::List)
                .required()
                .help("Methods to authenticate with (v3password, v3totp, v3token, v3applicationcredential)"),
        );
        o.extend(user_opts());
        o.push(
            Opt::new("password")
                .secret()
                .prompt("Password: ")
                .help("User's password"),
        );
        o.push(passcode_opt());
        o.push(Opt::new("token").secret().help("Token to authenticate with"));
        o.extend(app_cred_opts(false));
        o
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let methods: Vec<String> = o.list("auth_methods")?.map(<[String]>::to_vec).unwrap_or_default();
        let mut b = v3::MultiFactor::builder(o.require_string("auth-url")?).auth_methods(methods);
        b = user_ids!(b, o);
        b = v3_scope!(b, o);
        if let Some(v) = o.secret("password")? {
            b = b.password(v);
        }
        if let Some(v) = o.secret("passcode")? {
            b = b.passcode(v);
        }
        if let Some(v) = o.secret("token")? {
            b = b.token(v);
        }
        if let Some(v) = o.secret("application_credential_secret")? {
            b = b.application_credential_secret(v);
        }
        b = opt_str(b, o, "application_credential_id", |b, v| b.application_credential_id(v))?;
        b = opt_str(b, o, "application_credential_name", |b, v| {
            b.application_credential_name(v)
        })?;
        Ok(Arc::new(b.build()?))
    }
}

/// `v3tokenlessauth`: scope headers over a client-certificate connection;
/// the certificate is the session's (`--os-cert`, `--os-key`).
#[derive(Debug)]
struct TokenlessAuth;

impl PluginLoader for TokenlessAuth {
    fn name(&self) -> &str {
        "v3tokenlessauth"
    }

    fn description(&self) -> &str {
        "No token: scope sent as headers over an X.509 client-certificate connection"
    }

    fn options(&self) -> Vec<Opt> {
        let mut opts = vec![auth_url()];
        opts.extend(domain_project_opts());
        opts
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = domain_project!(v3::TokenlessAuth::builder(o.require_string("auth-url")?), o);
        Ok(Arc::new(b.build()?))
    }
}
