//! The option model: what a plugin takes, the values found for it and where
//! each came from.

use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// The type of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptKind {
    /// Any text.
    String,
    /// A whole number.
    Integer,
    /// A number, possibly with a fraction.
    Float,
    /// `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`, any case).
    Boolean,
    /// A list of strings; comma-separated in files, flags and variables.
    List,
}

impl fmt::Display for OptKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptKind::String => "string",
            OptKind::Integer => "integer",
            OptKind::Float => "number",
            OptKind::Boolean => "boolean",
            OptKind::List => "list",
        })
    }
}

/// An option of an auth plugin (keystoneauth1's `loading.Opt`).
///
/// The name uses dashes (`auth-url`); from it derive the command-line flag
/// `--os-auth-url`, the environment variable `OS_AUTH_URL` and the key
/// `auth_url` used in INI files, clouds.yaml and as the destination.
///
/// ```
/// use keystoneauth::loading::{Opt, OptKind};
/// let opt = Opt::new("user-domain-name").help("User's domain name");
/// assert_eq!(opt.cli_flag(), "--os-user-domain-name");
/// assert_eq!(opt.env_var(), "OS_USER_DOMAIN_NAME");
/// assert_eq!(opt.dest(), "user_domain_name");
/// let password = Opt::new("password").secret().prompt("Password: ");
/// assert!(password.is_secret() && password.opt_kind() == OptKind::String);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    name: String,
    kind: OptKind,
    help: String,
    secret: bool,
    default: Option<String>,
    required: bool,
    deprecated: Vec<String>,
    prompt: Option<String>,
    metavar: Option<String>,
}

impl Opt {
    /// A string option named `name` (dashes; underscores are turned into dashes).
    pub fn new(name: impl Into<String>) -> Self {
        Opt {
            name: name.into().replace('_', "-"),
            kind: OptKind::String,
            help: String::new(),
            secret: false,
            default: None,
            required: false,
            deprecated: Vec::new(),
            prompt: None,
            metavar: None,
        }
    }

    /// Sets the type.
    pub fn kind(mut self, kind: OptKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// Marks the option secret: its value is kept as a [`SecretString`] and
    /// never shown in errors, `Debug` output or logs.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// The value used when no source gives one (as text, parsed by the kind).
    pub fn default_value(mut self, default: impl Into<String>) -> Self {
        self.default = Some(default.into());
        self
    }

    /// Marks the option required: loading fails, naming it, when it has no value.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Adds a deprecated name still accepted for this option (`user-name`
    /// for `username`): as a flag, a variable and a file key.
    pub fn deprecated_name(mut self, name: impl Into<String>) -> Self {
        self.deprecated.push(name.into().replace('_', "-"));
        self
    }

    /// The text to ask with when the value is missing and the application
    /// asked for prompting.
    pub fn prompt(mut self, text: impl Into<String>) -> Self {
        self.prompt = Some(text.into());
        self
    }

    /// The placeholder for the value in `--help`.
    pub fn metavar(mut self, metavar: impl Into<String>) -> Self {
        self.metavar = Some(metavar.into());
        self
    }

    /// The option's name, with dashes (`auth-url`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type.
    pub fn opt_kind(&self) -> OptKind {
        self.kind
    }

    /// The help text.
    pub fn help_text(&self) -> &str {
        &self.help
    }

    /// True for secret options.
    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// The default, if any.
    pub fn default(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// True when loading fails without a value.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// The deprecated names, with dashes.
    pub fn deprecated_names(&self) -> &[String] {
        &self.deprecated
    }

    /// The prompt text, if the option may be asked for.
    pub fn prompt_text(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// The placeholder for `--help`.
    pub fn metavar_text(&self) -> Option<&str> {
        self.metavar.as_deref()
    }

    /// The destination name, with underscores (`auth_url`): the key in INI
    /// files and clouds.yaml.
    pub fn dest(&self) -> String {
        dest(&self.name)
    }

    /// The command-line flag (`--os-auth-url`).
    pub fn cli_flag(&self) -> String {
        format!("--os-{}", self.name)
    }

    /// The environment variable (`OS_AUTH_URL`).
    pub fn env_var(&self) -> String {
        env_var(&self.name)
    }

    /// The name and then the deprecated names.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.deprecated.iter().map(String::as_str))
    }

    /// True if `name` (dashes or underscores) is this option's name or a
    /// deprecated name.
    pub fn matches(&self, name: &str) -> bool {
        let name = name.replace('_', "-");
        self.all_names().any(|n| n == name)
    }
}

/// `auth-url` → `auth_url`.
pub(crate) fn dest(name: &str) -> String {
    name.replace('-', "_")
}

/// `auth-url` → `OS_AUTH_URL`.
pub(crate) fn env_var(name: &str) -> String {
    format!("OS_{}", name.replace('-', "_").to_ascii_uppercase())
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueSource {
    /// A command-line flag.
    CommandLine {
        /// The flag (`--os-auth-url`).
        flag: String,
    },
    /// An environment variable.
    Environment {
        /// The variable (`OS_AUTH_URL`).
        var: String,
    },
    /// A clouds.yaml (or secure.yaml, clouds-public.yaml) file.
    CloudsYaml {
        /// The file.
        path: PathBuf,
        /// The cloud (or vendor profile) the value belongs to.
        cloud: String,
        /// The key, dotted for nested keys (`auth.auth_url`).
        key: String,
    },
    /// An INI (oslo.config) file.
    Ini {
        /// The file.
        path: PathBuf,
        /// The group (section).
        group: String,
        /// The key as written in the file.
        key: String,
        /// The line number (from 1).
        line: usize,
    },
    /// The option's default.
    Default,
    /// Typed in at a prompt.
    Prompt,
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::CommandLine { flag } => write!(f, "command line {flag}"),
            ValueSource::Environment { var } => write!(f, "environment variable {var}"),
            ValueSource::CloudsYaml { path, cloud, key } => {
                write!(f, "{}, cloud {cloud}, key {key}", path.display())
            }
            ValueSource::Ini { path, group, key, line } => {
                write!(f, "{} [{group}] {key} (line {line})", path.display())
            }
            ValueSource::Default => f.write_str("default"),
            ValueSource::Prompt => f.write_str("prompt"),
        }
    }
}

/// A value with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: ValueSource,
}

impl<T> Sourced<T> {
    /// A value from `source`.
    pub fn new(value: T, source: ValueSource) -> Self {
        Sourced { value, source }
    }
}

/// A typed option value.
#[derive(Clone)]
#[non_exhaustive]
pub enum OptValue {
    /// A string.
    String(String),
    /// A secret string.
    Secret(SecretString),
    /// A whole number.
    Integer(i64),
    /// A number.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A list of strings.
    List(Vec<String>),
}

impl fmt::Debug for OptValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptValue::String(s) => write!(f, "{:?}", crate::redact::url_str(s)),
            OptValue::Secret(_) => f.write_str("***"),
            OptValue::Integer(i) => write!(f, "{i}"),
            OptValue::Float(x) => write!(f, "{x}"),
            OptValue::Boolean(b) => write!(f, "{b}"),
            OptValue::List(l) => write!(f, "{:?}", masked_items(l)),
        }
    }
}

impl fmt::Display for OptValue {
    /// The value as text, with secrets shown as `***`: secret options
    /// whole, and in other values what [`MaskedUrl`](crate::MaskedUrl)
    /// masks in a URL (a password in the user info, secret query values),
    /// exactly as `Debug` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptValue::String(s) => f.write_str(&crate::redact::url_str(s)),
            OptValue::Secret(_) => f.write_str("***"),
            OptValue::Integer(i) => write!(f, "{i}"),
            OptValue::Float(x) => write!(f, "{x}"),
            OptValue::Boolean(b) => write!(f, "{b}"),
            OptValue::List(l) => f.write_str(&masked_items(l).join(",")),
        }
    }
}

/// The items of a list value as they may be shown.
fn masked_items(items: &[String]) -> Vec<String> {
    items.iter().map(|i| crate::redact::url_str(i)).collect()
}

/// A raw value as a source found it, before it is typed.
#[derive(Clone)]
pub(crate) enum Raw {
    Str(String),
    List(Vec<String>),
}

impl Raw {
    /// Text of a scalar, or the comma-joined list.
    pub(crate) fn text(&self) -> String {
        match self {
            Raw::Str(s) => s.clone(),
            Raw::List(l) => l.join(","),
        }
    }

    /// The items of a list, or of a comma-separated scalar.
    pub(crate) fn items(&self) -> Vec<String> {
        match self {
            Raw::Str(s) => split_list(s),
            Raw::List(l) => l.clone(),
        }
    }
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "t" | "y" => Some(true),
        "false" | "no" | "off" | "0" | "f" | "n" => Some(false),
        _ => None,
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Types a raw value; errors name the option and the source and never
/// show a secret.
pub(crate) fn typed(option: &str, kind: OptKind, secret: bool, raw: Raw, source: &ValueSource) -> Result<OptValue> {
    let shown = |raw: &Raw| {
        if secret {
            "the value".to_owned()
        } else {
            format!("{:?}", raw.text())
        }
    };
    let invalid = |message: String| Error::invalid_option_in(option.to_owned(), source.to_string(), message);
    Ok(match kind {
        OptKind::String if secret => OptValue::Secret(SecretString::from(raw.text())),
        OptKind::String => OptValue::String(raw.text()),
        OptKind::List => match raw {
            Raw::List(l) => OptValue::List(l),
            Raw::Str(s) => OptValue::List(split_list(&s)),
        },
        OptKind::Integer => {
            let Raw::Str(s) = &raw else {
                return Err(invalid(format!("{} is a list, not an integer", shown(&raw))));
            };
            OptValue::Integer(
                s.trim()
                    .parse()
                    .map_err(|_| invalid(format!("{} is not an integer", shown(&raw))))?,
            )
        }
        OptKind::Float => {
            let Raw::Str(s) = &raw else {
                return Err(invalid(format!("{} is a list, not a number", shown(&raw))));
            };
            let x: f64 = s
                .trim()
                .parse()
                .map_err(|_| invalid(format!("{} is not a number", shown(&raw))))?;
            if !x.is_finite() {
                return Err(invalid(format!("{} is not a finite number", shown(&raw))));
            }
            OptValue::Float(x)
        }
        OptKind::Boolean => {
            let b = match &raw {
                Raw::Str(s) => parse_bool(s),
                Raw::List(_) => None,
            };
            OptValue::Boolean(b.ok_or_else(|| {
                invalid(format!(
                    "{} is not a boolean (true/false, yes/no, on/off, 1/0)",
                    shown(&raw)
                ))
            })?)
        }
    })
}

/// The secret inside a value, for loaders (never log it).
pub(crate) fn expose(s: &SecretString) -> &str {
    s.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_derive() {
        let o = Opt::new("project_domain_name").deprecated_name("tenant-id");
        assert_eq!(o.name(), "project-domain-name");
        assert_eq!(o.cli_flag(), "--os-project-domain-name");
        assert_eq!(o.env_var(), "OS_PROJECT_DOMAIN_NAME");
        assert_eq!(o.dest(), "project_domain_name");
        assert!(o.matches("tenant_id") && o.matches("project-domain-name") && !o.matches("project"));
    }

    #[test]
    fn typing_errors_name_option_and_source_without_secrets() {
        let src = ValueSource::Environment { var: "OS_X".into() };
        let e = typed("timeout", OptKind::Float, false, Raw::Str("abc".into()), &src).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value for option timeout (environment variable OS_X): \"abc\" is not a number"
        );
        let e = typed("pin", OptKind::Integer, true, Raw::Str("hunter2".into()), &src).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(matches!(
            typed("b", OptKind::Boolean, false, Raw::Str("Yes".into()), &src).unwrap(),
            OptValue::Boolean(true)
        ));
        assert!(matches!(
            typed("l", OptKind::List, false, Raw::Str("a, b,,c".into()), &src).unwrap(),
            OptValue::List(l) if l == ["a", "b", "c"]
        ));
        let v = typed("p", OptKind::String, true, Raw::Str("pw".into()), &src).unwrap();
        assert_eq!(format!("{v:?} {v}"), "*** ***");
    }
}
