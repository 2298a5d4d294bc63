//! Bounds on configuration files, so that a hostile file (a clouds.yaml in
//! the current directory, which every `ksa` command reads) cannot exhaust
//! memory or time.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest configuration file read (clouds.yaml, secure.yaml,
/// clouds-public.yaml, INI): 4 MiB. Real ones are a few KiB.
pub const MAX_CONFIG_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The most nodes a clouds file may hold once YAML aliases and merge keys
/// are expanded (each scalar, list and mapping counts one).
pub const MAX_CONFIG_NODES: usize = 100_000;

/// The most bytes of scalars (keys included) a clouds file may hold once
/// YAML aliases and merge keys are expanded.
pub const MAX_CONFIG_SCALAR_BYTES: usize = 4 * 1024 * 1024;

/// The most `key = value` assignments an INI file may hold.
pub const MAX_INI_ASSIGNMENTS: usize = 50_000;

/// The deepest nesting of lists and mappings in a clouds file.
pub const MAX_CONFIG_DEPTH: usize = 64;

/// The longest a value may grow by `{placeholder}` substitution.
pub const MAX_FORMATTED_VALUE_BYTES: usize = 64 * 1024;

/// An error about the file at `path`, with `message` as its cause.
pub(crate) fn file_error(what: &'static str, path: &Path, message: impl Into<String>) -> Error {
    Error::file(
        what,
        path.to_owned(),
        std::io::Error::new(std::io::ErrorKind::InvalidData, message.into()),
    )
}

/// Reads a configuration file as UTF-8 text, refusing it (before reading
/// more than the limit, whatever the file's reported size: `/dev/zero` has
/// none) when it is larger than [`MAX_CONFIG_FILE_BYTES`].
pub(crate) fn read_config_file(path: &Path, what: &'static str) -> Result<String> {
    let io = |source: std::io::Error| Error::file(what, path.to_owned(), source);
    let too_large = || {
        file_error(
            what,
            path,
            format!(
                "the file is larger than the {} MiB limit for configuration files",
                MAX_CONFIG_FILE_BYTES / (1024 * 1024)
            ),
        )
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() > MAX_CONFIG_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_CONFIG_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        file_error(
            what,
            path,
            format!("the file is not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        )
    })
}
