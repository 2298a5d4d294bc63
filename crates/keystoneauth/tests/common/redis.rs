//! The real Redis of `scripts/redis` for the fleet token store tests: its
//! URL from `KSA_TEST_REDIS_URL`, a private `redis-server` on a port of its
//! own (for tests that stop and restart it), and a tiny RESP client to look
//! at and tamper with what the store wrote.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

/// `redis://127.0.0.1:<port>` of the shared test Redis, or `None` (with a
/// printed reason, or a panic under CI) when it is not running.
pub fn base_url() -> Option<String> {
    testkit::redis_url().map(|url| url.trim_end_matches("/0").to_owned())
}

/// A reply.
#[derive(Debug, PartialEq)]
pub enum Reply {
    Status(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
    Error(String),
}

impl Reply {
    pub fn bytes(self) -> Option<Vec<u8>> {
        match self {
            Reply::Bulk(b) => b,
            other => panic!("not a bulk reply: {other:?}"),
        }
    }
}

/// Sends one command to `host:port`, database `db`.
pub fn command(port: u16, db: u8, args: &[&[u8]]) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut send = |args: &[&[u8]]| {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        s.write_all(&out).unwrap();
    };
    send(&[b"SELECT", db.to_string().as_bytes()]);
    send(args);
    let mut r = BufReader::new(s.try_clone().unwrap());
    assert_eq!(read(&mut r), Reply::Status("OK".into()));
    read(&mut r)
}

fn read(r: &mut impl BufRead) -> Reply {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let (kind, rest) = line.trim_end().split_at(1);
    match kind {
        "+" => Reply::Status(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Int(rest.parse().unwrap()),
        "$" => {
            let n: i64 = rest.parse().unwrap();
            if n < 0 {
                return Reply::Bulk(None);
            }
            let mut buf = vec![0; n as usize + 2];
            r.read_exact(&mut buf).unwrap();
            buf.truncate(n as usize);
            Reply::Bulk(Some(buf))
        }
        "*" => Reply::Array((0..rest.parse::<usize>().unwrap()).map(|_| read(r)).collect()),
        other => panic!("unexpected RESP type {other:?}"),
    }
}

/// Every key of database `db` with its value (strings only).
pub fn dump(port: u16, db: u8) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Reply::Array(keys) = command(port, db, &[b"KEYS", b"*"]) else {
        panic!("KEYS gave no array")
    };
    keys.into_iter()
        .filter_map(|k| {
            let k = k.bytes()?;
            let v = command(port, db, &[b"GET", &k]).bytes()?;
            Some((k, v))
        })
        .collect()
}

/// A `redis-server` of the test's own, on a free loopback port, that the
/// test may stop and start again on the same port. Killed on drop.
pub struct PrivateRedis {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts one, or `None` (printed) without `KSA_TEST_REDIS_SERVER`.
    pub fn start(name: &str) -> Option<Self> {
        base_url()?;
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let dir = std::env::temp_dir().join(format!("ksa-redis-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = PrivateRedis { port, dir, child: None };
        r.up();
        Some(r)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again) and waits until it answers.
    pub fn up(&mut self) {
        let bin = std::env::var("KSA_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(bin)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..600 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the private redis-server did not start on port {}", self.port);
    }

    /// Stops the server.
    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
