//! [`SharedError`]: the source of an [`Error`](super::Error), shared between
//! its clones, so a failure can be handed to every caller that waited on it.

use std::fmt;
use std::sync::Arc;

use super::BoxError;

/// The source of an [`Error`](super::Error): the underlying error (a
/// transport failure, an I/O or parse error), behind an `Arc` so that
/// cloning the error is cheap and the clones share it.
///
/// It shows as the error it holds (`Display` and `Debug`), and its
/// [`source`](std::error::Error::source) is that error's source; to
/// inspect the error itself, use [`get_ref`](Self::get_ref) or
/// [`downcast_ref`](Self::downcast_ref).
#[derive(Clone)]
pub struct SharedError(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl SharedError {
    /// Wraps an error.
    pub fn new(error: impl Into<BoxError>) -> Self {
        SharedError(Arc::from(error.into()))
    }

    /// The error held.
    pub fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The error held, if it is a `T`.
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl fmt::Debug for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_and_chains_as_the_error_it_holds() {
        let io = std::io::Error::other("disk on fire");
        let shared = SharedError::new(io);
        assert_eq!(shared.to_string(), "disk on fire");
        assert_eq!(
            format!("{shared:?}"),
            format!("{:?}", std::io::Error::other("disk on fire"))
        );
        assert!(shared.downcast_ref::<std::io::Error>().is_some());
        let clone = shared.clone();
        assert!(std::ptr::eq(shared.get_ref(), clone.get_ref()));
    }
}
