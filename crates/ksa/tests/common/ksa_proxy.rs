//! A running `ksa proxy` for the tests: started on a free port (`--port 0`,
//! the port read from its first line), its log (standard error) in a file
//! of the sandbox, killed when dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{http, Response, Sandbox};

pub struct KsaProxy {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The port alone.
    pub port: u16,
    /// Where its standard error (one line per request) goes.
    pub log: PathBuf,
}

impl Sandbox {
    /// Starts `ksa proxy --port 0 ARGS` with `env` (and the sandbox's
    /// HOME and XDG_RUNTIME_DIR); returns once it serves. Panics, with its
    /// log, if it exits instead.
    pub fn start_proxy(&self, env: &[(String, String)], args: &[&str]) -> KsaProxy {
        static N: AtomicUsize = AtomicUsize::new(0);
        let log = self
            .root
            .join(format!("proxy-{}.log", N.fetch_add(1, Ordering::SeqCst)));
        let mut proxy_args = vec!["proxy", "--port", "0"];
        proxy_args.extend_from_slice(args);
        let mut child = self
            .process(env, &proxy_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // Blocks until the first line, or EOF when ksa exits.
        stdout.read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("Starting to serve on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "ksa proxy did not start: {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
        KsaProxy {
            child,
            _stdout: stdout,
            base: format!("http://127.0.0.1:{port}"),
            port,
            log,
        }
    }
}

impl KsaProxy {
    /// A GET through the proxy.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        http("GET", &format!("{}{path}", self.base), headers, None)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for KsaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
