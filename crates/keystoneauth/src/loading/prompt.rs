//! Asking for a missing secret, only when the application opts in.

use std::fmt;

use secrecy::SecretString;

use super::opt::Opt;
use crate::error::Result;

/// Asks the user for the value of an option that has prompt text (the
/// password options do) when no source gave one.
///
/// The library never prompts on its own: an application opts in with
/// [`Loader::prompt`](super::Loader::prompt) (the terminal) or
/// [`Loader::prompter`](super::Loader::prompter) (its own way, a GUI or a test).
pub trait Prompter: Send + Sync + fmt::Debug {
    /// Asks for `opt`'s value with `text`; `Ok(None)` when it cannot ask
    /// (no terminal) or the user gave nothing.
    fn prompt(&self, opt: &Opt, text: &str) -> Result<Option<SecretString>>;
}

/// Asks on the terminal, without echo for secret options, and only when
/// standard input is a terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalPrompter;

impl Prompter for TerminalPrompter {
    fn prompt(&self, opt: &Opt, text: &str) -> Result<Option<SecretString>> {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Ok(None);
        }
        let read = |what: &'static str, e: std::io::Error| crate::error::Error::file(what, "/dev/tty", e);
        let value = if opt.is_secret() {
            read_secret(text).map_err(|e| read("a prompted secret from", e))?
        } else {
            use std::io::Write;
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "{text}");
            let _ = stderr.flush();
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| read("a prompted value from", e))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        };
        Ok(if value.is_empty() {
            None
        } else {
            Some(SecretString::from(value))
        })
    }
}

#[cfg(feature = "prompt")]
fn read_secret(text: &str) -> std::io::Result<String> {
    rpassword::prompt_password(text)
}

#[cfg(not(feature = "prompt"))]
fn read_secret(_text: &str) -> std::io::Result<String> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "keystoneauth was built without the `prompt` feature",
    ))
}
