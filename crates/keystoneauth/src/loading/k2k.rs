//! Keystone-to-Keystone from configuration, openstackclient's way.
//!
//! keystoneauth1 has no loader name for `Keystone2Keystone`; osc-lib wraps
//! whatever plugin it loaded in one when `--os-service-provider` is given.
//! The [`Loader`](super::Loader) does the same for every source and every
//! plugin, with osc-lib's option names: `service-provider`,
//! `remote-project-id`, `remote-project-name`, `remote-project-domain-id`,
//! `remote-project-domain-name` (flags `--os-<name>`, variables
//! `OS_<NAME>`, clouds.yaml `auth.<name>` or top level, INI `<name>` in
//! the auth section).

use std::sync::Arc;

use super::loaded::LoadedOptions;
use super::opt::Opt;
use crate::auth::AuthPlugin;
use crate::error::{Error, Result};
use crate::identity::v3::Keystone2Keystone;

/// Keystone's default domain: the remote project's domain when only its
/// name is given.
const DEFAULT_DOMAIN_ID: &str = "default";

/// The name under which the options are reported.
pub(crate) const NAME: &str = "keystone2keystone";

/// The options that turn any loaded plugin into a Keystone-to-Keystone one.
pub(crate) fn options() -> Vec<Opt> {
    vec![
        Opt::new("service-provider")
            .help("Authenticate with and perform the command on a service provider using Keystone-to-keystone federation. Must also specify the remote project option."),
        Opt::new("remote-project-id").help("Project ID when authenticating to a service provider if using Keystone-to-Keystone federation."),
        Opt::new("remote-project-name").help("Project name when authenticating to a service provider if using Keystone-to-Keystone federation."),
        Opt::new("remote-project-domain-id").help("Domain ID of the project when authenticating to a service provider if using Keystone-to-Keystone federation."),
        Opt::new("remote-project-domain-name").help("Domain name of the project when authenticating to a service provider if using Keystone-to-Keystone federation."),
    ]
}

/// `plugin` wrapped in a [`Keystone2Keystone`] plugin when `k2k` names a
/// service provider, else `plugin` itself. `local` are the local plugin's
/// options (its `auth-url` is where the assertion is asked for; its
/// `default-domain-*`, else `default`, the domain of a remote project given
/// by name alone).
pub(crate) fn wrap(
    plugin: Arc<dyn AuthPlugin>,
    local: &LoadedOptions,
    k2k: &LoadedOptions,
) -> Result<Arc<dyn AuthPlugin>> {
    let Some(sp) = k2k.string_owned("service-provider")? else {
        for name in ["remote-project-id", "remote-project-name"] {
            if k2k.get(name).is_some() {
                return Err(k2k.locate_error(Error::missing_option_in(
                    "service-provider",
                    format!("{NAME}: needed with {name}"),
                )));
            }
        }
        return Ok(plugin);
    };
    let mut b = Keystone2Keystone::builder(plugin, sp);
    if let Ok(Some(url)) = local.string_owned("auth-url") {
        b = b.local_auth_url(url);
    }
    if let Some(id) = k2k.string_owned("remote-project-id")? {
        b = b.project_id(id);
    }
    if let Some(name) = k2k.string_owned("remote-project-name")? {
        b = b.project_name(name);
        match (
            k2k.string_owned("remote-project-domain-id")?,
            k2k.string_owned("remote-project-domain-name")?,
        ) {
            (Some(id), _) => b = b.project_domain_id(id),
            (None, Some(name)) => b = b.project_domain_name(name),
            // osc-lib passes the name alone, which Keystone refuses; the
            // domain defaults as the local project's does in openstackclient
            // (`--os-default-domain`, itself `default` by default).
            (None, None) => match (
                local.string_owned("default-domain-id").ok().flatten(),
                local.string_owned("default-domain-name").ok().flatten(),
            ) {
                (Some(id), _) => b = b.project_domain_id(id),
                (None, Some(name)) => b = b.project_domain_name(name),
                (None, None) => b = b.project_domain_id(DEFAULT_DOMAIN_ID),
            },
        }
    }
    Ok(Arc::new(b.build().map_err(|e| k2k.locate_error(e))?))
}
