//! Plugin loaders and the process-wide registry of them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use super::plugin_loader::PluginLoader;
use crate::error::{Error, Result};

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
    /// available names (or, for a plugin of a cargo feature this build
    /// lacks, saying so).
    pub fn get(&self, name: &str) -> Result<Arc<dyn PluginLoader>> {
        self.find(name).ok_or_else(|| {
            if let Some(unavailable) = super::kerberos::unavailable(name) {
                return unavailable;
            }
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
