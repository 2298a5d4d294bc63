//! `ksa request` streams bodies (issue 13): `-o FILE` and `--data @FILE`
//! move `KSA_STREAM_BYTES` (default 1 GiB) through a loopback server that
//! generates and hashes the bodies, with SHA-256 checked and the peak
//! memory of the ksa process (its `VmHWM`, sampled while it runs) bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
// The large-body server of the library's tests (one helper, not a copy).
#[path = "../../keystoneauth/tests/common/bulk_server.rs"]
mod bulk_server;

use std::process::{Command, Stdio};
use std::time::Duration;

use bulk_server::{pattern_or_created, pattern_sha256, stream_bytes, BulkServer};
use common::vm_hwm_kib;
use sha2::{Digest, Sha256};

const BOUND_KIB: u64 = 64 * 1024;

/// Runs ksa with `args` in `sandbox`, sampling its peak memory until it
/// exits; returns the highest `VmHWM` seen (KiB).
fn run_ksa(home: &std::path::Path, args: &[String]) -> u64 {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ksa"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .args(["--os-auth-type", "none", "--no-cache"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            assert!(status.success(), "ksa {args:?} failed: {err}");
            return peak;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs ksa off the runtime (the server runs on it meanwhile).
async fn in_background(sandbox: &common::Sandbox, args: &[&str]) -> u64 {
    let home = sandbox.home.clone();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || run_ksa(&home, &args))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_streams_downloads_and_uploads() {
    let len = stream_bytes();
    let server = BulkServer::start(pattern_or_created(len)).await;
    let sandbox = common::Sandbox::new("stream");
    let url = format!("{}/object", server.base);
    let out = sandbox.home.join("object.bin");
    let out_arg = out.display().to_string();
    let args = ["request", "GET", "object-store", &url, "--no-auth", "-o", &out_arg];
    let peak = in_background(&sandbox, &args).await;
    eprintln!("ksa request -o, {len} bytes: peak resident {peak} KiB");
    let mut h = Sha256::new();
    let mut f = std::fs::File::open(&out).unwrap();
    std::io::copy(&mut f, &mut HashWriter(&mut h)).unwrap();
    assert_eq!(hex::encode(h.finalize()), pattern_sha256(len));
    assert!(peak < BOUND_KIB, "ksa peak {peak} KiB");

    // Upload the same bytes back with --data @FILE.
    let data = format!("@{out_arg}");
    let args = ["request", "PUT", "object-store", &url, "--no-auth", "--data", &data];
    let peak = in_background(&sandbox, &args).await;
    eprintln!("ksa request --data @FILE, {len} bytes: peak resident {peak} KiB");
    let put = server.received().into_iter().rfind(|r| r.head.method == "PUT").unwrap();
    assert_eq!(put.body_len, len);
    assert_eq!(put.body_sha256, pattern_sha256(len));
    assert!(peak < BOUND_KIB, "ksa peak {peak} KiB");
    let _ = std::fs::remove_file(&out);
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
