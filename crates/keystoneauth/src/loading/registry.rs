//! Plugin loaders and the process-wide registry of them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use super::opt::{LoadedOptions, Opt};
use crate::auth::AuthPlugin;
use crate::error::{Error, Result};

/// Knows one auth plugin's options and builds the plugin from their values
/// (keystoneauth1's `BaseLoader`).
///
/// Third-party crates implement it and [`Registry::register`] an instance
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

/// A set of plugin loaders by name.
///
/// [`Registry::global`] (also [`registry`](super::registry)) holds the
/// built-in loaders and whatever the program registers; every loading
/// function uses it unless given another.
#[derive(Default)]
pub struct Registry {
    loaders: RwLock<BTreeMap<String, Arc<dyn PluginLoader>>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("names", &self.names()).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A registry holding the built-in loaders.
    pub fn with_builtins() -> Self {
        let r = Registry::new();
        for loader in super::builtin::loaders() {
            r.register(loader);
        }
        r
    }

    /// The process-wide registry, created with the built-in loaders on first use.
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(Registry::with_builtins)
    }

    /// Adds a loader under its name, replacing (and returning) any loader
    /// of that name.
    pub fn register(&self, loader: Arc<dyn PluginLoader>) -> Option<Arc<dyn PluginLoader>> {
        let name = loader.name().to_owned();
        match self.loaders.write() {
            Ok(mut map) => map.insert(name, loader),
            Err(poisoned) => poisoned.into_inner().insert(name, loader),
        }
    }

    /// Removes the loader named `name`.
    pub fn unregister(&self, name: &str) -> Option<Arc<dyn PluginLoader>> {
        match self.loaders.write() {
            Ok(mut map) => map.remove(name),
            Err(poisoned) => poisoned.into_inner().remove(name),
        }
    }

    /// The loader named `name`; an unknown name is an error listing the
    /// available names.
    pub fn get(&self, name: &str) -> Result<Arc<dyn PluginLoader>> {
        self.find(name).ok_or_else(|| {
            Error::invalid_option(
                "auth-type",
                format!(
                    "no auth plugin named {name:?}; available plugins: {}",
                    self.names().join(", ")
                ),
            )
        })
    }

    /// The loader named `name`, if registered.
    pub fn find(&self, name: &str) -> Option<Arc<dyn PluginLoader>> {
        match self.loaders.read() {
            Ok(map) => map.get(name).cloned(),
            Err(poisoned) => poisoned.into_inner().get(name).cloned(),
        }
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        match self.loaders.read() {
            Ok(map) => map.keys().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().keys().cloned().collect(),
        }
    }
}

/// The process-wide registry ([`Registry::global`]).
pub fn registry() -> &'static Registry {
    Registry::global()
}
