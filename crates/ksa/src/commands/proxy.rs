//! `ksa proxy`: `kubectl proxy` for OpenStack. A loopback HTTP server that
//! forwards `/<service-type>/<path>` to that service's endpoint from the
//! catalog, with the token of one Session injected, so curl, scripts and
//! other languages' SDKs need no credentials at all.
//!
//! - One Session, so one token: the library re-authenticates before
//!   expiry and on a `401`, single-flight, however many requests wait.
//! - Loopback only unless `--accept-non-loopback`; the `Host` header must
//!   match `--accept-hosts` (DNS rebinding); the client's `X-Auth-Token`,
//!   `Authorization`, `X-Service-Token`, `Proxy-Authorization` and
//!   `Cookie` headers are dropped; everything else (microversion headers
//!   included) goes through.
//! - Response bodies stream (`send_streaming`); request bodies up to
//!   [`BUFFERED_BODY`] are buffered, so that a `401` can be retried with a
//!   new token, larger ones stream.
//! - One line per request on standard error, query secrets masked.

use std::cell::RefCell;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt};
use http::header::{self, HeaderMap};
use http::{Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, BodyStream, Full, Limited, StreamBody};
use hyper::body::{Body as _, Frame, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use keystoneauth::{BoxError, MaskedUrl};
use regex::Regex;

use super::*;

/// kubectl proxy's default `--accept-hosts`: loopback names only.
const DEFAULT_ACCEPT_HOSTS: &str = r"^localhost$,^127\.0\.0\.1$,^\[::1\]$";

/// Request bodies up to this size (with a `Content-Length`) are buffered,
/// so they can be sent again after a re-authentication; larger or chunked
/// ones are streamed once.
pub const BUFFERED_BODY: u64 = 256 * 1024;

/// Connections served at once; more wait in the listen queue. With
/// [`BUFFERED_BODY`] this bounds buffered request bodies to 64 MiB.
const MAX_CONNECTIONS: usize = 256;

/// Per-service settings kept (one entry per service type asked for).
const MAX_TARGETS: usize = 256;

/// Headers of the client never forwarded: its credentials (the proxy's
/// token is the only one sent) and hop-by-hop headers.
const DROPPED: &[&str] = &[
    "x-auth-token",
    "x-service-token",
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;

/// The `proxy` subcommand.
pub(super) fn command() -> Command {
    Command::new("proxy")
        .about("Serve the cloud's APIs on loopback with a token injected, like kubectl proxy")
        .long_about(
            "Serve http://ADDRESS:PORT/<service-type>/<path> and forward each request to that service's \
             endpoint from the catalog (interface and region from the usual options, \
             --os-<service>-endpoint-override honoured), with the token of one session injected. \
             Tools then need no credentials: curl http://127.0.0.1:8001/identity/v3/projects. \
             The token is renewed before it expires and after a 401. The client's X-Auth-Token, \
             Authorization and X-Service-Token headers are dropped; microversion headers pass \
             through. Stop with Ctrl-C.",
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_parser(clap::value_parser!(u16))
                .default_value("8001")
                .help("Port to listen on (0: a free port, printed at start)"),
        )
        .arg(
            Arg::new("address")
                .long("address")
                .default_value("127.0.0.1")
                .help("IP address to listen on (loopback unless --accept-non-loopback)"),
        )
        .arg(
            Arg::new("accept_hosts")
                .long("accept-hosts")
                .value_name("REGEX,...")
                .default_value(DEFAULT_ACCEPT_HOSTS)
                .help("Comma-separated regular expressions; the Host header (without port) must match one (DNS rebinding protection)"),
        )
        .arg(
            Arg::new("accept_non_loopback")
                .long("accept-non-loopback")
                .action(ArgAction::SetTrue)
                .help("Allow --address to be a non-loopback address (anyone who can connect uses your token)"),
        )
}

/// Runs the proxy until Ctrl-C or SIGTERM.
pub(super) async fn proxy(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let address_text = m
        .get_one::<String>("address")
        .map(String::as_str)
        .unwrap_or("127.0.0.1");
    let address: IpAddr = address_text
        .parse()
        .map_err(|_| format!("--address {address_text:?} is not an IP address"))?;
    if !address.is_loopback() && !m.get_flag("accept_non_loopback") {
        return Err(format!(
            "--address {address} is not a loopback address: anyone who can reach it would use your token; \
             give --accept-non-loopback to allow it"
        )
        .into());
    }
    let port = m.get_one::<u16>("port").copied().unwrap_or(8001);
    let hosts = accept_hosts(
        m.get_one::<String>("accept_hosts")
            .map_or(DEFAULT_ACCEPT_HOSTS, String::as_str),
    )?;
    // Authenticate before serving: wrong credentials fail here, once.
    let plugin = ctx.auth()?;
    ctx.session.token(None).await?;
    if let Some(cache) = &ctx.cache {
        if let Err(e) = cache.save(plugin.as_ref()) {
            eprintln!("ksa: warning: the token could not be cached: {}", crate::error_line(&e));
        }
    }
    let listener = tokio::net::TcpListener::bind((address, port))
        .await
        .map_err(|e| format!("cannot listen on {address}:{port}: {e}"))?;
    let local = listener.local_addr()?;
    print(&format!("Starting to serve on {local}\n"))?;
    let state = Proxy {
        ctx,
        m,
        hosts,
        targets: RefCell::new(HashMap::new()),
    };
    let state = &state;
    let mut connections = FuturesUnordered::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept(), if connections.len() < MAX_CONNECTIONS => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let service = hyper::service::service_fn(move |request| state.handle(request));
                    connections.push(
                        hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(Duration::from_secs(30))
                            .serve_connection(TokioIo::new(stream), service),
                    );
                }
                Err(e) => {
                    // Out of file descriptors, say: pause instead of spinning.
                    eprintln!("ksa proxy: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM on Unix; never, when signals cannot be watched.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                r = tokio::signal::ctrl_c() => if r.is_err() { futures::future::pending::<()>().await },
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        futures::future::pending::<()>().await;
    }
}

/// The `--accept-hosts` list. Host names are ASCII: the expressions are
/// compiled in ASCII mode (`(?-u)`; `\d`, `\w` match ASCII only), which
/// spares ksa the regex crate's Unicode tables.
fn accept_hosts(list: &str) -> Result<Vec<Regex>, Box<dyn std::error::Error>> {
    list.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            Regex::new(&format!("(?-u){}", p.trim()))
                .map_err(|e| format!("--accept-hosts: {p:?} is not a regular expression: {e}").into())
        })
        .collect()
}

/// The host of a `Host` header, without its port (`[::1]` kept in brackets).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// `/identity/v3/projects` -> (`identity`, `/v3/projects`).
fn split_service(path: &str) -> (&str, &str) {
    let path = path.trim_start_matches('/');
    match path.find('/') {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    }
}

/// A response the proxy makes itself: `{"error": {"code", "title", "message"}}`,
/// as OpenStack services answer errors.
struct Refusal {
    status: StatusCode,
    message: String,
}

fn refusal(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

impl Refusal {
    fn into_response(self) -> Response<ProxyBody> {
        let body = json!({"error": {
            "code": self.status.as_u16(),
            "title": self.status.canonical_reason().unwrap_or(""),
            "message": self.message,
        }});
        let mut response = Response::new(
            Full::new(Bytes::from(body.to_string()))
                .map_err(|never| match never {})
                .boxed_unsync(),
        );
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
        response
    }
}

/// Where requests for one service type go.
#[derive(Clone)]
struct Target {
    filter: EndpointFilter,
    endpoint_override: Option<String>,
}

struct Proxy<'a> {
    ctx: &'a Ctx,
    m: &'a ArgMatches,
    hosts: Vec<Regex>,
    /// Filters by service type, built once each (they read the options).
    targets: RefCell<HashMap<String, Target>>,
}

impl Proxy<'_> {
    async fn handle(&self, request: Request<Incoming>) -> Result<Response<ProxyBody>, Infallible> {
        let start = Instant::now();
        let method = request.method().clone();
        let shown = MaskedUrl::new(request.uri().path_and_query().map_or("/", |p| p.as_str())).to_string();
        let response = match self.forward(request).await {
            Ok(r) => r,
            Err(refused) => refused.into_response(),
        };
        eprintln!(
            "ksa proxy: {method} {shown} {} {} ms",
            response.status().as_u16(),
            start.elapsed().as_millis()
        );
        Ok(response)
    }

    fn check_host(&self, request: &Request<Incoming>) -> Result<(), Refusal> {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
            .unwrap_or("");
        let name = host_name(host);
        if !name.is_empty() && self.hosts.iter().any(|r| r.is_match(name)) {
            return Ok(());
        }
        let shown: String = host.chars().take(255).collect();
        Err(refusal(
            StatusCode::FORBIDDEN,
            format!(
                "the Host {shown:?} is not accepted by ksa proxy (DNS rebinding protection); \
                 start it with --accept-hosts to allow it"
            ),
        ))
    }

    fn target(&self, service_type: &str) -> Result<Target, Refusal> {
        if let Some(t) = self.targets.borrow().get(service_type) {
            return Ok(t.clone());
        }
        let bad = |e: Box<dyn std::error::Error>| refusal(StatusCode::BAD_REQUEST, crate::error_line(e.as_ref()));
        let filter = filter_for(self.ctx, service_type, self.m).map_err(bad)?;
        let endpoint_override = endpoint_override(self.ctx, service_type).map_err(|e| bad(e.into()))?;
        let target = Target {
            filter,
            endpoint_override,
        };
        let mut targets = self.targets.borrow_mut();
        if targets.len() < MAX_TARGETS {
            targets.insert(service_type.to_owned(), target.clone());
        }
        Ok(target)
    }

    /// The service types of the catalog, for error messages.
    async fn known_types(&self) -> String {
        let Ok(plugin) = self.ctx.auth() else {
            return String::new();
        };
        let Ok(Some(access)) = plugin.access_info(self.ctx.session.transport()).await else {
            return String::new();
        };
        let mut types: Vec<&str> = access
            .catalog()
            .services()
            .iter()
            .map(|s| s.service_type.as_str())
            .collect();
        types.sort_unstable();
        types.dedup();
        format!("; the catalog has: {}", types.join(", "))
    }

    async fn endpoint(&self, service_type: &str, target: &Target) -> Result<String, Refusal> {
        if let Some(u) = &target.endpoint_override {
            return Ok(u.clone());
        }
        match self.ctx.session.endpoint(&target.filter, None).await {
            Ok(u) => Ok(u),
            Err(e @ (keystoneauth::Error::EndpointNotFound { .. } | keystoneauth::Error::EmptyCatalog { .. })) => {
                Err(refusal(
                    StatusCode::NOT_FOUND,
                    format!(
                        "no service of type {service_type:?} in the catalog ({}){}",
                        crate::error_line(&e),
                        self.known_types().await
                    ),
                ))
            }
            Err(e) => Err(upstream_error(&e)),
        }
    }

    async fn forward(&self, request: Request<Incoming>) -> Result<Response<ProxyBody>, Refusal> {
        self.check_host(&request)?;
        let (parts, body) = request.into_parts();
        let (service_type, rest) = split_service(parts.uri.path());
        let valid = !service_type.is_empty()
            && service_type
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            return Err(refusal(
                StatusCode::NOT_FOUND,
                format!(
                    "ask for /<service-type>/<path>, e.g. /identity/v3/projects{}",
                    self.known_types().await
                ),
            ));
        }
        let target = self.target(service_type)?;
        let base = self.endpoint(service_type, &target).await?;
        let url = upstream_url(&base, rest, parts.uri.query())?;
        let mut b = self
            .ctx
            .session
            .request(parts.method.clone(), url)
            .raise_error(false)
            .headers(forwarded_headers(&parts.headers));
        match body.size_hint().exact() {
            Some(0) if !parts.headers.contains_key(header::CONTENT_LENGTH) => {}
            Some(n) if n <= BUFFERED_BODY => {
                let limit = usize::try_from(BUFFERED_BODY).unwrap_or(usize::MAX);
                let bytes = Limited::new(body, limit)
                    .collect()
                    .await
                    .map_err(|e| refusal(StatusCode::BAD_REQUEST, format!("cannot read the request body: {e}")))?
                    .to_bytes();
                b = b.body(bytes);
            }
            len => {
                let stream = BodyStream::new(body)
                    .try_filter_map(|frame| async move { Ok(frame.into_data().ok()) })
                    .map_err(std::io::Error::other);
                b = b.body_stream(stream, len);
            }
        }
        let upstream = b.send_streaming().await.map_err(|e| upstream_error(&e))?;
        let mut response = Response::builder().status(upstream.status());
        if let Some(headers) = response.headers_mut() {
            *headers = forwarded_headers(upstream.headers());
            if let Some(len) = upstream.headers().get(header::CONTENT_LENGTH) {
                headers.insert(header::CONTENT_LENGTH, len.clone());
            }
        }
        let body = StreamBody::new(
            upstream
                .bytes_stream()
                .map_ok(Frame::data)
                .map_err(|e| -> BoxError { Box::new(e) }),
        );
        response
            .body(BodyExt::boxed_unsync(body))
            .map_err(|e| refusal(StatusCode::BAD_GATEWAY, format!("cannot relay the response: {e}")))
    }
}

/// The URL of `rest` (and `query`) under `base`; a version already at the
/// end of the endpoint is not doubled (`/identity/v3/projects` and
/// `/identity/projects` are the same), as with `ksa request`. The result
/// stays on the endpoint's origin.
fn upstream_url(base: &str, rest: &str, query: Option<&str>) -> Result<String, Refusal> {
    let mut url = format!(
        "{}/{}",
        base.trim_end_matches('/'),
        request::strip_overlap(base, rest).trim_start_matches('/')
    );
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    let origin = |u: &str| url::Url::parse(u).map(|u| u.origin());
    match (origin(base), origin(&url)) {
        (Ok(a), Ok(b)) if a == b => Ok(url),
        _ => Err(refusal(
            StatusCode::BAD_REQUEST,
            "the path does not make a URL on the service's endpoint",
        )),
    }
}

/// The headers to pass on: all but [`DROPPED`] and those the `Connection`
/// header names.
fn forwarded_headers(headers: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        if !DROPPED.contains(&name.as_str()) && !named.iter().any(|n| n == name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// A failure to reach the service (or to authenticate) as the proxy's answer.
fn upstream_error(e: &keystoneauth::Error) -> Refusal {
    let status = match e {
        keystoneauth::Error::ConnectTimeout { .. } | keystoneauth::Error::ReadTimeout { .. } => {
            StatusCode::GATEWAY_TIMEOUT
        }
        _ => StatusCode::BAD_GATEWAY,
    };
    refusal(status, format!("ksa proxy: {}", crate::error_line(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderName;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("localhost:8001"), "localhost");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8001"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("evil.example:80"), "evil.example");
    }

    #[test]
    fn default_hosts_are_loopback_names() {
        let hosts = accept_hosts(DEFAULT_ACCEPT_HOSTS).unwrap();
        let ok = |h: &str| hosts.iter().any(|r| r.is_match(host_name(h)));
        assert!(ok("localhost:8001") && ok("127.0.0.1:8001") && ok("[::1]:8001"));
        assert!(!ok("evil.example") && !ok("localhost.evil.example") && !ok("127.0.0.1.nip.io:8001"));
        assert!(accept_hosts("(").is_err());
        let digits = accept_hosts(r"^host\d+\.test$,^[a-z]+\.example$").unwrap();
        assert!(digits[0].is_match("host42.test") && !digits[0].is_match("host.test"));
        assert!(digits[1].is_match("ksa.example"));
    }

    #[test]
    fn paths_split_and_stay_on_the_endpoint() {
        assert_eq!(split_service("/identity/v3/projects"), ("identity", "/v3/projects"));
        assert_eq!(split_service("/identity"), ("identity", ""));
        assert_eq!(split_service("/"), ("", ""));
        let ok = |base: &str, rest: &str, q: Option<&str>| upstream_url(base, rest, q).ok().unwrap();
        assert_eq!(
            ok("http://h:5000/v3", "/v3/projects", None),
            "http://h:5000/v3/projects"
        );
        assert_eq!(
            ok("http://h:5000/v3/", "/projects", Some("a=1")),
            "http://h:5000/v3/projects?a=1"
        );
        assert_eq!(ok("http://h:8774/v2.1", "", None), "http://h:8774/v2.1/");
        assert_eq!(
            ok("http://h/v3", "//evil.example/x", None),
            "http://h/v3/evil.example/x"
        );
        assert_eq!(ok("http://h/v3", "/@evil.example", None), "http://h/v3/@evil.example");
    }

    #[test]
    fn credentials_and_hop_by_hop_headers_are_dropped() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("x-auth-token", "canary"),
            ("authorization", "Bearer canary"),
            ("x-service-token", "canary"),
            ("cookie", "canary"),
            ("connection", "x-private, close"),
            ("x-private", "canary"),
            ("openstack-api-version", "compute 2.79"),
            ("x-openstack-nova-api-version", "2.79"),
            ("accept", "application/json"),
        ] {
            h.append(HeaderName::from_static(k), http::HeaderValue::from_static(v));
        }
        let out = forwarded_headers(&h);
        let names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            ["openstack-api-version", "x-openstack-nova-api-version", "accept"]
        );
    }
}
