//! The `v3oauth1` loader (keystoneauth1's
//! `keystoneauth1.extras.oauth1._loading.V3OAuth1`): like keystoneauth1's,
//! it takes no scope options, since Keystone scopes an OAuth1 token to the
//! access token's project.

use std::sync::Arc;

use super::base_opts::auth_url;
use super::loaded::LoadedOptions;
use super::opt::Opt;
use super::plugin_loader::PluginLoader;
use crate::auth::AuthPlugin;
use crate::error::Result;
use crate::identity::v3;

pub(crate) fn loaders() -> Vec<Arc<dyn PluginLoader>> {
    vec![Arc::new(V3OAuth1)]
}

/// `v3oauth1`.
#[derive(Debug)]
struct V3OAuth1;

impl PluginLoader for V3OAuth1 {
    fn name(&self) -> &str {
        "v3oauth1"
    }

    fn description(&self) -> &str {
        "Authenticate with an OAuth1 access token delegated to a consumer"
    }

    fn options(&self) -> Vec<Opt> {
        vec![
            auth_url(),
            Opt::new("consumer-key").required().help("OAuth Consumer ID/Key"),
            Opt::new("consumer-secret")
                .required()
                .secret()
                .help("OAuth Consumer Secret"),
            Opt::new("access-key").required().help("OAuth Access Key"),
            Opt::new("access-secret")
                .required()
                .secret()
                .help("OAuth Access Secret"),
        ]
    }

    fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
        let b = v3::OAuth1::builder(o.require_string("auth-url")?)
            .consumer(o.require_string("consumer-key")?, o.require_secret("consumer-secret")?)
            .access_token(o.require_string("access-key")?, o.require_secret("access-secret")?);
        Ok(Arc::new(b.build()?))
    }
}
