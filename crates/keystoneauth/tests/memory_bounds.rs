//! Issue 11 item 2: memory stays bounded for every body the library reads
//! or logs. Each scenario runs in a child process (this test binary run
//! again with `KSA_MEM_SCENARIO` set) against a loopback server in the
//! parent that generates the bodies on the fly; the child reports how much
//! its peak resident memory (`VmHWM`) grew during the request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::bulk_server::{Body, BulkServer, Reply};
use common::memory::{child_growth_kib, run_child_scenario, MIB};
use keystoneauth::Session;

/// The most a scenario's peak memory may grow.
const BOUND_KIB: u64 = 64 * 1024;

fn repeat(head: &str, unit: &str, count: u64, tail: &str) -> Body {
    Body::Repeat {
        head: head.as_bytes().to_vec(),
        unit: unit.as_bytes().to_vec(),
        count,
        tail: tail.as_bytes().to_vec(),
    }
}

async fn server() -> BulkServer {
    BulkServer::start(|head| match head.path.as_str() {
        // 200 MB JSON error body, one long message.
        "/json500" => Reply::new(500).header("content-type", "application/json").body(repeat(
            r#"{"error": {"message": ""#,
            "x",
            200_000_000,
            r#""}}"#,
        )),
        // 200 MB text/plain error body.
        "/text500" => {
            Reply::new(500)
                .header("content-type", "text/plain")
                .body(repeat("", "overloaded ", 200_000_000 / 11, ""))
        }
        // 24 MiB of small JSON values in an error body.
        "/small-values500" => Reply::new(500).header("content-type", "application/json").body(repeat(
            r#"{"error": {"message": "m", "details": ["#,
            "1,",
            12 * MIB,
            "1]}}",
        )),
        // A 16 MiB JSON success body.
        "/json16" => Reply::new(200).header("content-type", "application/json").body(repeat(
            r#"{"items": ["#,
            r#"{"a":1},"#,
            2 * MIB,
            "{}]}",
        )),
        _ => Reply::new(200)
            .header("content-type", "application/json")
            .body(Body::Bytes(b"{}".to_vec())),
    })
    .await
}

/// Runs the scenario in a child process and returns its peak growth.
async fn growth(scenario: &str, url: String) -> u64 {
    let scenario = scenario.to_owned();
    tokio::task::spawn_blocking(move || child_growth_kib("memory_child", &scenario, &url))
        .await
        .unwrap()
}

/// The child's side: one request of the scenario, through a session.
#[test]
fn memory_child() {
    run_child_scenario(|scenario, url| {
        if scenario.ends_with("+debug") {
            tracing_subscriber::fmt()
                .with_env_filter("keystoneauth=debug")
                .with_writer(std::io::sink)
                .init();
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let session = Session::builder().timeout(Duration::from_secs(600)).build().unwrap();
        // Warm up the pool, TLS-less client and logging once.
        rt.block_on(session.get(format!("{url}/warm-up")).send()).unwrap();
        Box::new(move || {
            rt.block_on(async {
                let path = scenario.trim_end_matches("+debug");
                let result = session.get(format!("{url}{path}")).send().await;
                match path {
                    "/json16" => {
                        let response = result.unwrap();
                        assert_eq!(response.bytes().len() as u64, 11 + 8 * 2 * MIB + 4);
                    }
                    _ => {
                        let err = result.unwrap_err();
                        let http = err.http().expect("an HTTP error");
                        assert_eq!(http.status().as_u16(), 500);
                        assert!(
                            http.body().len() <= keystoneauth::transport::MAX_ERROR_BODY,
                            "{}",
                            http.body().len()
                        );
                        assert!(!http.body().is_empty());
                        let shown = err.to_string();
                        assert!(shown.len() < 1200, "Display is {} bytes", shown.len());
                        assert!(shown.contains('…') || path == "/small-values500", "{shown}");
                        assert!(format!("{err:?}").len() < 2400);
                    }
                }
            })
        })
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_bodies_are_read_only_up_to_a_bounded_prefix() {
    let server = server().await;
    for scenario in ["/json500", "/text500", "/small-values500"] {
        let kib = growth(scenario, server.base.clone()).await;
        eprintln!("{scenario}: peak grew by {kib} KiB");
        assert!(kib < BOUND_KIB, "{scenario}: peak grew by {kib} KiB");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logging_does_not_multiply_memory() {
    let server = server().await;
    let off = growth("/json16", server.base.clone()).await;
    let on = growth("/json16+debug", server.base.clone()).await;
    eprintln!("16 MiB JSON response: peak grew by {off} KiB without logging, {on} KiB with debug logging");
    assert!(on < BOUND_KIB, "with debug logging the peak grew by {on} KiB");
    assert!(
        on < off + 8 * 1024,
        "debug logging cost {} KiB more than the body itself",
        on.saturating_sub(off)
    );
}
