//! Keystone token responses for wiremock servers, built with
//! `keystoneauth::fixture` (one responder for every mock-based test file).

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};
use keystoneauth::fixture::{V3Service, V3Token};
use serde_json::Value;
use wiremock::{Request, Respond, ResponseTemplate};

/// A project token valid until 2099: user `<user>-id` named `user` in the
/// default domain, project `<user>-project` named `demo`, role `member`
/// (`r1`) and, if `compute_url` is given, a public compute endpoint
/// (service `c1`, endpoint `e1`) there.
pub fn project_token(user: &str, compute_url: Option<&str>) -> V3Token {
    let token = V3Token::new()
        .user(format!("{user}-id"), user)
        .project_scope(format!("{user}-project"), "demo")
        .role("r1", "member")
        .issued_at(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
        .expires_at(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap());
    match compute_url {
        Some(url) => token.service(compute_service(url)),
        None => token,
    }
}

/// The compute service `c1` with its public endpoint `e1` in RegionOne.
pub fn compute_service(url: &str) -> V3Service {
    V3Service::new("compute", "nova")
        .id("c1")
        .endpoint_with_id("e1", "public", "RegionOne", url)
}

type Build = dyn Fn(usize, &Request) -> (String, Value) + Send + Sync;

/// Answers token requests with `201`, `X-Subject-Token` and a body, both
/// computed from the request's number (1, 2...) and the request.
pub struct TokenResponder {
    issued: AtomicUsize,
    request_ids: bool,
    build: Box<Build>,
}

impl TokenResponder {
    /// Token id and body from the request's number and the request.
    pub fn new(build: impl Fn(usize, &Request) -> (String, Value) + Send + Sync + 'static) -> Self {
        TokenResponder {
            issued: AtomicUsize::new(0),
            request_ids: false,
            build: Box::new(build),
        }
    }

    /// `<prefix>-1`, `<prefix>-2`... with the same body.
    pub fn numbered(prefix: impl Into<String>, token: V3Token) -> Self {
        let prefix = prefix.into();
        let body = token.json();
        Self::new(move |n, _| (format!("{prefix}-{n}"), body.clone()))
    }

    /// These token ids in turn (the last repeats), with the same body.
    pub fn in_turn(ids: &[&str], body: Value) -> Self {
        let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        Self::new(move |n, _| (ids[(n - 1).min(ids.len() - 1)].clone(), body.clone()))
    }

    /// Numbers requests from `first + 1` on.
    pub fn after(mut self, first: usize) -> Self {
        self.issued = AtomicUsize::new(first);
        self
    }

    /// Adds `x-openstack-request-id: req-token-<n>`.
    pub fn with_request_ids(mut self) -> Self {
        self.request_ids = true;
        self
    }
}

impl Respond for TokenResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let (id, body) = (self.build)(n, request);
        let response = ResponseTemplate::new(201).insert_header("x-subject-token", id.as_str());
        let response = if self.request_ids {
            response.insert_header("x-openstack-request-id", format!("req-token-{n}").as_str())
        } else {
            response
        };
        response.set_body_json(body)
    }
}
