//! Throughput and peak memory of a large download and upload over loopback:
//! through an `Adapter` (`send_streaming`, `body_file`), through bare
//! reqwest doing the same, and through `curl` when it is installed.
//!
//! ```sh
//! cargo run --release -p keystoneauth --example stream_bench            # 1 GiB
//! KSA_STREAM_BYTES=268435456 cargo run --release -p keystoneauth --example stream_bench
//! ```
//!
//! Each client runs in turn against the same server (in this process, on
//! its own runtime thread). The peak resident memory of a run is this
//! process's `VmHWM` after resetting it (`/proc/self/clear_refs`), so it
//! includes the server's buffers; curl's is its own `VmHWM`, sampled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/bulk_server.rs"]
mod bulk_server;

use std::time::{Duration, Instant};

use bulk_server::{stream_bytes, write_pattern_file, Body, BulkServer, Reply};
use futures::StreamExt;
use keystoneauth::{Adapter, Session};

fn vm_hwm_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn report(what: &str, len: u64, elapsed: Duration, peak_kib: u64) {
    let mib_s = len as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64();
    println!(
        "| {what} | {:.2} s | {mib_s:.0} MiB/s | {} MiB |",
        elapsed.as_secs_f64(),
        peak_kib / 1024
    );
}

/// Runs `f`, returning its time and this process's peak memory during it.
async fn measured<F: std::future::Future<Output = ()>>(f: F) -> (Duration, u64) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let start = Instant::now();
    f.await;
    (start.elapsed(), vm_hwm_kib("self"))
}

fn curl(args: &[&str]) -> Option<(Duration, u64)> {
    let start = Instant::now();
    let mut child = std::process::Command::new("curl").args(args).spawn().ok()?;
    let pid = child.id().to_string();
    let mut peak = 0;
    loop {
        peak = peak.max(vm_hwm_kib(&pid));
        if child.try_wait().ok()?.is_some() {
            return Some((start.elapsed(), peak));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn main() {
    let len = stream_bytes();
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = server_rt.block_on(BulkServer::start(move |head| {
        if head.method == "GET" {
            Reply::new(200).body(Body::pattern(len))
        } else {
            Reply::new(201)
        }
    }));
    let url = format!("{}/object", server.base);
    let file = std::env::temp_dir().join(format!("ksa-stream-bench-{}", std::process::id()));
    write_pattern_file(&file, len);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("{len} bytes over loopback\n");
    println!("| client | time | throughput | peak RSS |\n| --- | --- | --- | --- |");
    rt.block_on(async {
        let adapter = Adapter::builder(Session::new().unwrap())
            .endpoint_override(&server.base)
            .build()
            .unwrap();
        let client = reqwest::Client::new();
        // Warm-up: connections, allocator.
        adapter.get("/object-warm").send().await.unwrap();
        client.get(format!("{}/warm", server.base)).send().await.unwrap();

        let (t, m) = measured(async {
            let mut s = adapter.get("/object").send_streaming().await.unwrap().bytes_stream();
            while let Some(c) = s.next().await {
                c.unwrap();
            }
        })
        .await;
        report("download, Adapter::send_streaming", len, t, m);
        let (t, m) = measured(async {
            let mut s = client.get(&url).send().await.unwrap().bytes_stream();
            while let Some(c) = s.next().await {
                c.unwrap();
            }
        })
        .await;
        report("download, bare reqwest", len, t, m);
        let (t, m) = measured(async {
            let r = adapter.put("/object").body_file(&file).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 201);
        })
        .await;
        report("upload, Adapter body_file", len, t, m);
        let (t, m) = measured(async {
            let f = tokio::fs::File::open(&file).await.unwrap();
            let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024));
            let r = client
                .put(&url)
                .header("content-length", len)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201);
        })
        .await;
        report("upload, bare reqwest", len, t, m);
    });
    let file_arg = file.display().to_string();
    match curl(&["-sS", "-o", "/dev/null", &url]) {
        Some((t, m)) => report("download, curl", len, t, m),
        None => println!("| download, curl | not installed | | |"),
    }
    if let Some((t, m)) = curl(&["-sS", "-o", "/dev/null", "-T", &file_arg, &url]) {
        report("upload, curl", len, t, m);
    }
    let _ = std::fs::remove_file(&file);
}
