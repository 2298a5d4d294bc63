//! What loading produced: every option's typed value with its source.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;

use super::opt::{typed, Opt, OptValue, Raw, ValueSource};
use crate::error::{Error, Result};

/// One loaded value.
#[derive(Debug, Clone)]
pub struct LoadedValue {
    /// The option's name (dashes), even when a deprecated name was used.
    pub name: String,
    /// The typed value.
    pub value: OptValue,
    /// Where it came from.
    pub source: ValueSource,
}

/// The values found for a plugin's options, each with its source, handed
/// to [`PluginLoader::load`](super::PluginLoader::load).
///
/// Getters take the option's name with dashes or underscores. Their errors
/// name the option and where its value came from.
#[derive(Clone)]
pub struct LoadedOptions {
    plugin: String,
    plugin_source: ValueSource,
    opts: Vec<Opt>,
    values: BTreeMap<String, LoadedValue>,
    hints: BTreeMap<String, String>,
}

impl fmt::Debug for LoadedOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedOptions")
            .field("plugin", &self.plugin)
            .field("plugin_source", &self.plugin_source)
            .field("values", &self.values)
            .finish()
    }
}

impl LoadedOptions {
    /// An empty set for `plugin`, with its options. Used by the loaders and
    /// by tests of third-party loaders.
    pub fn new(plugin: impl Into<String>, plugin_source: ValueSource, opts: Vec<Opt>) -> Self {
        LoadedOptions {
            plugin: plugin.into(),
            plugin_source,
            opts,
            values: BTreeMap::new(),
            hints: BTreeMap::new(),
        }
    }

    /// Sets a value (typed by the option's kind) from `source`.
    pub fn set(&mut self, name: &str, raw: impl Into<String>, source: ValueSource) -> Result<()> {
        let opt = self.opt(name).cloned().ok_or_else(|| {
            Error::invalid_option_in(
                name.to_owned(),
                self.plugin.clone(),
                format!("the {} plugin has no such option", self.plugin),
            )
        })?;
        let value = typed(
            opt.name(),
            opt.opt_kind(),
            opt.is_secret(),
            Raw::Str(raw.into()),
            &source,
        )?;
        self.insert(&opt, value, source);
        Ok(())
    }

    pub(crate) fn insert(&mut self, opt: &Opt, value: OptValue, source: ValueSource) {
        self.values.insert(
            opt.name().to_owned(),
            LoadedValue {
                name: opt.name().to_owned(),
                value,
                source,
            },
        );
    }

    pub(crate) fn set_hint(&mut self, opt: &Opt, hint: String) {
        self.hints.insert(opt.name().to_owned(), hint);
    }

    /// The plugin's name.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// Where the plugin's name came from.
    pub fn plugin_source(&self) -> &ValueSource {
        &self.plugin_source
    }

    /// The plugin's options.
    pub fn options(&self) -> &[Opt] {
        &self.opts
    }

    /// The option named `name` (its name or a deprecated name).
    pub fn opt(&self, name: &str) -> Option<&Opt> {
        self.opts.iter().find(|o| o.matches(name))
    }

    fn key(name: &str) -> String {
        name.replace('_', "-")
    }

    /// The loaded value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&LoadedValue> {
        let key = Self::key(name);
        self.values.get(&key).or_else(|| {
            let opt = self.opt(&key)?;
            self.values.get(opt.name())
        })
    }

    /// Where the value of `name` came from.
    pub fn source(&self, name: &str) -> Option<&ValueSource> {
        self.get(name).map(|v| &v.source)
    }

    /// The values found, in option order.
    pub fn iter(&self) -> impl Iterator<Item = &LoadedValue> {
        self.opts.iter().filter_map(|o| self.values.get(o.name()))
    }

    /// True when no value was found for any option.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn wrong_type(&self, v: &LoadedValue, wanted: &str) -> Error {
        Error::invalid_option_in(v.name.clone(), v.source.to_string(), format!("expected {wanted}"))
    }

    /// A string value (also a secret's text would not be returned: use
    /// [`LoadedOptions::secret`] for secrets).
    pub fn string(&self, name: &str) -> Result<Option<&str>> {
        match self.get(name) {
            None => Ok(None),
            Some(LoadedValue {
                value: OptValue::String(s),
                ..
            }) => Ok(Some(s)),
            Some(v) => Err(self.wrong_type(v, "a string")),
        }
    }

    /// A string value as an owned `String`.
    pub fn string_owned(&self, name: &str) -> Result<Option<String>> {
        Ok(self.string(name)?.map(str::to_owned))
    }

    /// A required string value: a missing one is an error naming the
    /// option and where it could have been given.
    pub fn require_string(&self, name: &str) -> Result<&str> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    /// A secret value (a string option is accepted too).
    pub fn secret(&self, name: &str) -> Result<Option<SecretString>> {
        match self.get(name) {
            None => Ok(None),
            Some(LoadedValue {
                value: OptValue::Secret(s),
                ..
            }) => Ok(Some(s.clone())),
            Some(LoadedValue {
                value: OptValue::String(s),
                ..
            }) => Ok(Some(SecretString::from(s.clone()))),
            Some(v) => Err(self.wrong_type(v, "a string")),
        }
    }

    /// A required secret value.
    pub fn require_secret(&self, name: &str) -> Result<SecretString> {
        self.secret(name)?.ok_or_else(|| self.missing(name))
    }

    /// An integer value.
    pub fn integer(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(LoadedValue {
                value: OptValue::Integer(i),
                ..
            }) => Ok(Some(*i)),
            Some(v) => Err(self.wrong_type(v, "an integer")),
        }
    }

    /// A number value (integers are accepted).
    pub fn float(&self, name: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(LoadedValue {
                value: OptValue::Float(x),
                ..
            }) => Ok(Some(*x)),
            Some(LoadedValue {
                value: OptValue::Integer(i),
                ..
            }) => Ok(Some(*i as f64)),
            Some(v) => Err(self.wrong_type(v, "a number")),
        }
    }

    /// A boolean value.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(LoadedValue {
                value: OptValue::Boolean(b),
                ..
            }) => Ok(Some(*b)),
            Some(v) => Err(self.wrong_type(v, "a boolean")),
        }
    }

    /// A list value.
    pub fn list(&self, name: &str) -> Result<Option<&[String]>> {
        match self.get(name) {
            None => Ok(None),
            Some(LoadedValue {
                value: OptValue::List(l),
                ..
            }) => Ok(Some(l)),
            Some(v) => Err(self.wrong_type(v, "a list")),
        }
    }

    /// Where a value for `name` could have been given, as the sources
    /// consulted describe it.
    pub fn hint(&self, name: &str) -> Option<&str> {
        let key = Self::key(name);
        let opt = self.opt(&key)?;
        self.hints.get(opt.name()).map(String::as_str)
    }

    /// The error for a missing option `name`.
    pub fn missing(&self, name: &str) -> Error {
        let key = Self::key(name);
        let mut location = self.plugin.clone();
        if let Some(h) = self.hint(&key) {
            location.push_str("; ");
            location.push_str(h);
        }
        Error::missing_option_in(key, location)
    }

    /// Rewrites the location of an option error from a plugin builder so
    /// that it names where the values came from (or could be given).
    pub fn locate_error(&self, err: Error) -> Error {
        match err {
            Error::MissingOption { option, location } => {
                let mut parts: Vec<String> = location.into_iter().collect();
                // "a or b" names several options; point at each.
                let mut hints = Vec::new();
                for name in option.split(" or ") {
                    if let Some(h) = self.hint(name.trim()) {
                        hints.push(h.to_owned());
                    }
                }
                // What the message says the option is needed with.
                if let Some(with) = parts.first().and_then(|l| l.split("needed with ").nth(1)) {
                    if let Some(src) = self.source(with.trim()) {
                        parts.push(format!("{with} from {src}"));
                    }
                }
                if !hints.is_empty() {
                    parts.push(hints.join("; "));
                }
                Error::missing_option_in(option, parts.join("; "))
            }
            Error::InvalidOption {
                option,
                location,
                message,
            } => {
                let mut parts: Vec<String> = location.into_iter().collect();
                if let Some(src) = self.source(&option) {
                    parts.push(src.to_string());
                } else if option == "scope" {
                    let scoped: Vec<String> = self
                        .iter()
                        .filter(|v| {
                            matches!(
                                v.name.as_str(),
                                "project-id"
                                    | "project-name"
                                    | "domain-id"
                                    | "domain-name"
                                    | "trust-id"
                                    | "system-scope"
                                    | "tenant-id"
                                    | "tenant-name"
                            )
                        })
                        .map(|v| format!("{} from {}", v.name, v.source))
                        .collect();
                    if !scoped.is_empty() {
                        parts.push(scoped.join(", "));
                    }
                }
                Error::invalid_option_in(option, parts.join("; "), message)
            }
            other => other,
        }
    }
}
