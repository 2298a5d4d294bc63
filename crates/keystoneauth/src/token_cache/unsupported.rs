//! Without Unix ownership and modes the cache cannot check that only its
//! owner can reach it, so it is refused.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Never constructed: every use is refused.
#[derive(Debug)]
pub(super) enum PrivateDir {}

impl PrivateDir {
    pub(super) fn open(path: &Path, _create: bool) -> Result<Option<Self>> {
        Err(Error::untrusted_file(
            "token cache directory",
            path.to_path_buf(),
            "the token cache needs Unix file ownership and modes to check it",
        ))
    }

    pub(super) fn lock(&self) -> Result<File> {
        match *self {}
    }

    pub(super) fn lock_file(&self, _name: &str) -> Result<File> {
        match *self {}
    }

    pub(super) fn read(&self, _name: &str) -> Result<Option<String>> {
        match *self {}
    }

    pub(super) fn write(&self, _name: &str, _tmp: &str, _bytes: &[u8]) -> Result<()> {
        match *self {}
    }

    pub(super) fn remove(&self, _name: &str) -> Result<bool> {
        match *self {}
    }
}
