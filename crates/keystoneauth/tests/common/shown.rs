//! What a program would show of its values (`Debug`, `Display`, errors and
//! their sources), collected with labels, to scan for secrets.

use std::fmt::Debug;

use keystoneauth::Error;

/// The texts to scan, each with a label, and the secrets learnt at run time.
#[derive(Default)]
pub struct Shown {
    pub texts: Vec<(String, String)>,
    pub runtime_secrets: Vec<String>,
    pub errors: usize,
    pub types: std::collections::BTreeSet<String>,
    pub error_kinds: std::collections::BTreeSet<String>,
}

impl Shown {
    /// `Debug` (plain and pretty) of a value.
    pub fn debug<T: Debug + ?Sized>(&mut self, label: &str, value: &T) {
        self.types.insert(std::any::type_name::<T>().to_owned());
        self.texts.push((format!("{label} (Debug)"), format!("{value:?}")));
        self.texts.push((format!("{label} (Debug #)"), format!("{value:#?}")));
    }

    /// `Display` of a value.
    pub fn display(&mut self, label: &str, value: &dyn std::fmt::Display) {
        self.texts.push((format!("{label} (Display)"), value.to_string()));
    }

    /// `Display`, `Debug`, the kept body of an HTTP error, and every
    /// source's `Display` and `Debug`.
    pub fn error(&mut self, label: &str, err: &Error) {
        self.errors += 1;
        let debug = format!("{err:?}");
        let kind = debug.split([' ', '(', '{']).next().unwrap_or_default().to_owned();
        self.error_kinds.insert(kind);
        self.display(label, err);
        self.debug(label, err);
        if let Some(http) = err.http() {
            self.texts.push((
                format!("{label} (kept body)"),
                String::from_utf8_lossy(http.body()).into_owned(),
            ));
        }
        let mut source = std::error::Error::source(err);
        let mut depth = 0;
        while let Some(s) = source {
            depth += 1;
            self.texts
                .push((format!("{label} source {depth} (Display)"), s.to_string()));
            self.texts
                .push((format!("{label} source {depth} (Debug)"), format!("{s:?}")));
            source = s.source();
        }
    }

    /// Shows the error of a result that must fail.
    pub fn must_fail<T: Debug>(&mut self, label: &str, result: keystoneauth::Result<T>) -> Error {
        let err = result.expect_err(label);
        self.error(label, &err);
        err
    }

    /// The value of a result that must succeed, after showing it (or the
    /// error).
    pub fn built<T: Debug>(&mut self, label: &str, result: keystoneauth::Result<T>) -> T {
        match result {
            Ok(p) => {
                self.debug(label, &p);
                p
            }
            Err(e) => {
                self.error(label, &e);
                panic!("{label} did not build: {e}");
            }
        }
    }

    /// A secret learnt at run time (ignored when shorter than 6 bytes).
    pub fn secret(&mut self, value: impl Into<String>) {
        let value = value.into();
        if value.len() >= 6 {
            self.runtime_secrets.push(value);
        }
    }

    /// Panics listing every text that holds one of `needles`, or when
    /// almost nothing was shown.
    pub fn assert_clean(&self, needles: &[&str]) {
        assert!(self.texts.len() > 10, "nothing was checked");
        let mut leaks = Vec::new();
        for (label, text) in &self.texts {
            if needles.iter().any(|s| text.contains(s)) {
                leaks.push(format!("{label}: {text}"));
            }
        }
        assert!(leaks.is_empty(), "{} leak(s):\n{}", leaks.len(), leaks.join("\n"));
    }
}
