//! ksa's timeouts. An interactive tool must not wait in silence on a server
//! that accepts a connection and never answers: unlike the library (which,
//! as keystoneauth1, sets no timeout for programs), ksa connects within
//! 10 s and gives each request 60 s by default.
//!
//! Every timeout ksa uses is decided here, in [`Timeouts::resolve`], and
//! set on the session in [`Timeouts::apply`]. `ksa request` streams bodies
//! of any size, so there the default is an idle (read) timeout of 60 s
//! instead of a total one.

use std::time::Duration;

use clap::{Arg, ArgMatches, Command};
use keystoneauth::loading::{Loader, Sourced, ValueSource};
use keystoneauth::SessionBuilder;

/// The default overall timeout of a request, in seconds.
pub const DEFAULT_TIMEOUT_SECS: &str = "60";
/// The default connect timeout, in seconds.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: &str = "10";

/// The timeouts of one run, each with where it came from.
#[derive(Debug, Clone)]
pub struct Timeouts {
    /// The total time allowed for each request: `--timeout`,
    /// `OS_API_TIMEOUT`, clouds.yaml `api_timeout`, else 60 s.
    pub total: Sourced<Duration>,
    /// The time allowed to establish a connection: `--connect-timeout`,
    /// else 10 s.
    pub connect: Sourced<Duration>,
}

/// Sets ksa's defaults on the session's `--timeout` (keystoneauth1's is
/// 600 s) and adds `--connect-timeout`.
pub fn register(cmd: Command) -> Command {
    cmd.mut_arg("timeout", |a| {
        a.default_value(DEFAULT_TIMEOUT_SECS).help(
            "Give up on a request that has not completed in this many seconds (also OS_API_TIMEOUT, \
             clouds.yaml api_timeout)",
        )
    })
    .arg(
        Arg::new("connect_timeout")
            .long("connect-timeout")
            .value_name("seconds")
            .default_value(DEFAULT_CONNECT_TIMEOUT_SECS)
            .help("Give up connecting to a server after this many seconds")
            .help_heading("API Connection Options"),
    )
}

impl Timeouts {
    /// The timeouts from the command line, the environment and the cloud
    /// (as the loader ranks them), else ksa's defaults.
    pub fn resolve(matches: &ArgMatches, loader: &Loader) -> keystoneauth::Result<Timeouts> {
        let default = || -> keystoneauth::Result<Sourced<Duration>> {
            Ok(Sourced::new(
                seconds("timeout", DEFAULT_TIMEOUT_SECS)?,
                ValueSource::Default,
            ))
        };
        let total = match loader.session_options()?.timeout {
            Some(t) => t,
            None => default()?,
        };
        let raw = matches
            .get_one::<String>("connect_timeout")
            .map(String::as_str)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS);
        let source = match matches.value_source("connect_timeout") {
            Some(clap::parser::ValueSource::CommandLine) => ValueSource::CommandLine {
                flag: "--connect-timeout".into(),
            },
            _ => ValueSource::Default,
        };
        let connect = Sourced::new(seconds("connect-timeout", raw)?, source);
        Ok(Timeouts { total, connect })
    }

    /// The session with these timeouts. For a `streaming` command (`ksa
    /// request`, whose bodies may be many GiB) the default 60 s is an idle
    /// (read) timeout rather than a total one; a timeout the user gave is
    /// always total.
    pub fn apply(&self, builder: SessionBuilder, streaming: bool) -> SessionBuilder {
        let builder = builder.connect_timeout(self.connect.value);
        if streaming && matches!(self.total.source, ValueSource::Default) {
            builder.read_timeout(self.total.value)
        } else {
            builder.timeout(self.total.value)
        }
    }
}

/// A positive number of seconds.
fn seconds(option: &str, raw: &str) -> keystoneauth::Result<Duration> {
    let invalid =
        |message: String| keystoneauth::Error::invalid_option_in(option.to_owned(), format!("--{option}"), message);
    let x: f64 = raw
        .trim()
        .parse()
        .map_err(|_| invalid(format!("{raw:?} is not a number of seconds")))?;
    if x.is_nan() || x <= 0.0 {
        return Err(invalid(format!("{x} must be greater than 0")));
    }
    Duration::try_from_secs_f64(x).map_err(|_| invalid(format!("{x} seconds is too long")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive_numbers() {
        assert_eq!(seconds("t", "1.5").unwrap(), Duration::from_millis(1500));
        assert!(seconds("t", "0").is_err());
        assert!(seconds("t", "-3").is_err());
        assert!(seconds("t", "NaN").is_err());
        assert!(seconds("t", "abc").is_err());
        assert!(seconds("t", "1e300").is_err());
    }
}
