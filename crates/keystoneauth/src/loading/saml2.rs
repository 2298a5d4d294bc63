//! Loaders for the SAML2 plugins with keystoneauth1's names and options
//! (`keystoneauth1.extras._saml2._loading`): `v3samlpassword` (SAML2 ECP)
//! and `v3adfspassword` (ADFS).

use std::sync::Arc;

use super::base_opts::v3_scope;
use super::federation::{federation_opts, username_password_opts};
use super::loaded::LoadedOptions;
use super::opt::Opt;
use super::plugin_loader::PluginLoader;
use crate::auth::AuthPlugin;
use crate::error::Result;
use crate::identity::v3;

pub(crate) fn loaders() -> Vec<Arc<dyn PluginLoader>> {
    vec![Arc::new(Saml2(Kind::Ecp)), Arc::new(Saml2(Kind::Adfs))]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ecp,
    Adfs,
}

/// `v3samlpassword` or `v3adfspassword`.
#[derive(Debug)]
struct Saml2(Kind);

/// The federation and scope options, the identity provider's URL, then
/// `extra`, then the user's name and password: keystoneauth1's order.
fn options(idp_url_help: &str, extra: Vec<Opt>) -> Vec<Opt> {
    let mut o = federation_opts();
    o.push(Opt::new("identity-provider-url").required().help(idp_url_help));
    o.extend(extra);
    o.extend(username_password_opts());
    o
}

/// Sets the options every SAML2 builder takes.
macro_rules! saml {
    ($b:expr, $o:expr) => {
        v3_scope!($b, $o)
            .identity_provider_url($o.require_string("identity-provider-url")?)
            .username($o.require_string("username")?)
            .password($o.require_secret("password")?)
    };
}

impl PluginLoader for Saml2 {
    fn name(&self) -> &str {
        match self.0 {
            Kind::Ecp => "v3samlpassword",
            Kind::Adfs => "v3adfspassword",
        }
    }

    fn description(&self) -> &str {
        match self.0 {
            Kind::Ecp => "SAML2 ECP: a user name and password at the identity provider's ECP endpoint",
            Kind::Adfs => "ADFS: a user name and password at the identity provider's WS-Trust 1.3 endpoint",
        }
    }

    fn options(&self) -> Vec<Opt> {
        match self.0 {
            Kind::Ecp => options(
                "An Identity Provider URL, where the SAML2 authentication request will be sent.",
                Vec::new(),
            ),
            Kind::Adfs => options(
                "An Identity Provider URL, where the SAML authentication request will be sent.",
                vec![
                    Opt::new("service-provider-endpoint")
                        .required()
                        .help("Service Provider's Endpoint"),
                    Opt::new("service-provider-entity-id")
                        .required()
                        .help("Service Provider's SAML Entity ID"),
                ],
            ),
        }
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let auth_url = o.require_string("auth-url")?;
        let idp = o.require_string("identity-provider")?;
        let protocol = o.require_string("protocol")?;
        Ok(match self.0 {
            Kind::Ecp => Arc::new(saml!(v3::Saml2Password::builder(auth_url, idp, protocol), o).build()?),
            Kind::Adfs => {
                let b = saml!(v3::AdfsPassword::builder(auth_url, idp, protocol), o)
                    .service_provider_endpoint(o.require_string("service-provider-endpoint")?)
                    .service_provider_entity_id(o.require_string("service-provider-entity-id")?);
                Arc::new(b.build()?)
            }
        })
    }
}
