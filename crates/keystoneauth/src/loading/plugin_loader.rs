//! The trait every plugin loader implements.

use std::fmt;
use std::sync::Arc;

use super::loaded::LoadedOptions;
use super::opt::Opt;
use crate::auth::AuthPlugin;
use crate::error::Result;

/// Knows one auth plugin's options and builds the plugin from their values
/// (keystoneauth1's `BaseLoader`).
///
/// Third-party crates implement it and [`Registry::register`](super::Registry::register) an instance
/// at run time; from then on the plugin can be chosen by name in INI
/// files, on the command line, in the environment and in clouds.yaml.
///
/// ```
/// use std::sync::Arc;
/// use keystoneauth::loading::{registry, LoadedOptions, Opt, PluginLoader};
/// use keystoneauth::{AuthPlugin, Result, token_endpoint};
///
/// #[derive(Debug)]
/// struct StaticToken;
///
/// impl PluginLoader for StaticToken {
///     fn name(&self) -> &str { "example-static-token" }
///     fn options(&self) -> Vec<Opt> {
///         vec![
///             Opt::new("endpoint").required().help("The service's URL"),
///             Opt::new("token").secret().required().help("The token"),
///         ]
///     }
///     fn load(&self, options: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
///         let endpoint = options.require_string("endpoint")?;
///         let token = options.require_secret("token")?;
///         Ok(Arc::new(token_endpoint::Token::new(endpoint, token)?))
///     }
/// }
///
/// registry().register(Arc::new(StaticToken));
/// assert!(registry().names().contains(&"example-static-token".to_owned()));
/// ```
pub trait PluginLoader: Send + Sync + fmt::Debug {
    /// The name the plugin is chosen by (`v3password`).
    fn name(&self) -> &str;

    /// A one-line description for `--help`.
    fn description(&self) -> &str {
        ""
    }

    /// The plugin's options, in the order `--help` lists them.
    fn options(&self) -> Vec<Opt>;

    /// Builds the plugin. Options marked required have already been
    /// checked; errors about options are rewritten to name their sources.
    fn load(&self, options: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>>;
}
