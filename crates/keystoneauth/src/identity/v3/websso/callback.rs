//! The loopback listener that receives Keystone's WebSSO form POST: bound
//! to loopback addresses only, only while a login runs, until the first
//! token Keystone vouches for, or the deadline.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::error::{Error, Result};

/// The callback path: Keystone posts to `origin` verbatim, and `origin` must
/// match `[federation] trusted_dashboard`, so it is keystoneauth1's.
pub(crate) const CALLBACK_PATH: &str = "/auth/websso/";

/// A request head larger than this is not Keystone's form POST.
const MAX_HEAD: usize = 16 * 1024;
/// The body carries one token: anything larger is refused (keystoneauth1's bound).
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// Connections handled at once; more are closed unread.
const MAX_CONNECTIONS: usize = 16;
/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A Fernet token is about 200 characters; more than this is not one.
const MAX_TOKEN_LEN: usize = 8 * 1024;

const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";

const SUCCESS_HTML: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n    <title>Authentication complete</title>\n    <script>window.close()</script>\n  </head>\n  <body>\n    <p>Authentication is complete. You can close this window and return to your terminal.</p>\n  </body>\n</html>\n";

const FAILURE_HTML: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n    <title>Authentication failed</title>\n  </head>\n  <body>\n    <p>This request was rejected. You can close this window.</p>\n  </body>\n</html>\n";

/// One request read from a connection, waiting for its answer.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Header names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) content_length: Option<usize>,
    pub(crate) body: Vec<u8>,
    reply: oneshot::Sender<Reply>,
}

impl Incoming {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Answers the request: success page on `None`, else the status with
    /// the failure page.
    pub(crate) fn answer(self, status: Option<u16>) {
        let _ = self.reply.send(match status {
            None => Reply(200, SUCCESS_HTML),
            Some(code) => Reply(code, FAILURE_HTML),
        });
    }
}

struct Reply(u16, &'static str);

/// The bound listener sockets.
pub(crate) struct Listener {
    sockets: Vec<TcpListener>,
}

impl Listener {
    /// Binds every address `host` resolves to, which must all be loopback.
    pub(crate) async fn bind(host: &str, port: u16) -> Result<Listener> {
        let invalid = |message: String| Error::invalid_option_in("redirect-host", "v3websso", message);
        let addrs: BTreeSet<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| invalid(format!("{host:?} cannot be resolved ({e})")))?
            .collect();
        if addrs.is_empty() {
            return Err(invalid(format!("{host:?} resolves to no address")));
        }
        if let Some(a) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            return Err(invalid(format!(
                "{host:?} resolves to the non-loopback address {}; the callback receives an unscoped token and must not be reachable from the network",
                a.ip()
            )));
        }
        let mut sockets = Vec::new();
        let mut last_error = None;
        for addr in &addrs {
            match TcpListener::bind(addr).await {
                Ok(s) => sockets.push(s),
                // `localhost` may name ::1 on a host without IPv6: one
                // bound address is enough.
                Err(e) => last_error = Some((addr, e)),
            }
        }
        match (sockets.is_empty(), last_error) {
            (true, Some((addr, source))) => Err(Error::callback_listen(addr.to_string(), source)),
            _ => Ok(Listener { sockets }),
        }
    }

    /// Serves connections, handing each well-framed request to `judge`,
    /// until it accepts one (its value is returned) or `deadline` passes.
    pub(crate) async fn serve<T, F, Fut>(self, deadline: Instant, mut judge: F) -> Option<T>
    where
        F: FnMut(Incoming) -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let (tx, mut rx) = mpsc::channel::<Incoming>(MAX_CONNECTIONS);
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let mut connections = JoinSet::new();
        let mut acceptors = JoinSet::new();
        let (conn_tx, mut conn_rx) = mpsc::channel::<TcpStream>(MAX_CONNECTIONS);
        let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
        for socket in self.sockets {
            let conn_tx = conn_tx.clone();
            acceptors.spawn(async move {
                while let Ok((stream, _)) = socket.accept().await {
                    if conn_tx.send(stream).await.is_err() {
                        break;
                    }
                }
            });
        }
        drop(conn_tx);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return None,
                Some(stream) = conn_rx.recv() => {
                    // Over the limit: the connection is dropped unread.
                    if let Ok(permit) = permits.clone().try_acquire_owned() {
                        let (tx, done_tx) = (tx.clone(), done_tx.clone());
                        connections.spawn(async move {
                            handle(stream, tx, done_tx).await;
                            drop(permit);
                        });
                    }
                }
                Some(request) = rx.recv() => {
                    if let Some(value) = judge(request).await {
                        // Let the success page reach the browser before the
                        // tasks are dropped (bounded).
                        let _ = tokio::time::timeout(Duration::from_secs(2), done_rx.recv()).await;
                        return Some(value);
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    }
}

/// Reads one request from a connection, hands it over and writes the answer.
async fn handle(mut stream: TcpStream, tx: mpsc::Sender<Incoming>, done: mpsc::Sender<()>) {
    let (head, rest) = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(Some(v))) => v,
        _ => return,
    };
    let (reply_tx, reply_rx) = oneshot::channel();
    let request = match parse(&head, rest, &mut stream, reply_tx).await {
        Ok(r) => r,
        Err(code) => {
            let _ = write_reply(&mut stream, Reply(code, FAILURE_HTML)).await;
            return;
        }
    };
    if tx.send(request).await.is_err() {
        return;
    }
    if let Ok(reply) = reply_rx.await {
        let accepted = reply.0 == 200;
        let _ = write_reply(&mut stream, reply).await;
        if accepted {
            let _ = done.send(()).await;
        }
    }
}

/// The bytes up to the end of the head, and what followed it.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Ok(Some((buf, rest)));
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

/// Parses the head and reads a bounded body. Errors are HTTP statuses.
async fn parse(
    head: &[u8],
    mut body: Vec<u8>,
    stream: &mut TcpStream,
    reply: oneshot::Sender<Reply>,
) -> std::result::Result<Incoming, u16> {
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(400),
    }
    let method = req.method.unwrap_or_default().to_owned();
    let path = req.path.unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).trim().to_owned(),
            )
        })
        .collect();
    let find = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if find("transfer-encoding").is_some() {
        return Err(411);
    }
    let content_length = match find("content-length") {
        None => None,
        Some(v) => Some(v.parse::<usize>().map_err(|_| 400u16)?),
    };
    if method == "POST" {
        match content_length {
            None => return Err(411),
            Some(n) if n > MAX_BODY => return Err(413),
            Some(n) => {
                if body.len() > n {
                    body.truncate(n);
                }
                let mut more = vec![0u8; n - body.len()];
                tokio::time::timeout(READ_TIMEOUT, stream.read_exact(&mut more))
                    .await
                    .map_err(|_| 408u16)?
                    .map_err(|_| 400u16)?;
                body.extend_from_slice(&more);
            }
        }
    } else {
        body.clear();
    }
    Ok(Incoming {
        method,
        path,
        headers,
        content_length,
        body,
        reply,
    })
}

async fn write_reply(stream: &mut TcpStream, Reply(code, page): Reply) -> std::io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        page.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(page.as_bytes()).await?;
    stream.flush().await?;
    stream.shutdown().await
}

/// `scheme://host[:port]` of a URL, lower case.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization().to_ascii_lowercase())
}

/// Checks that a request has the shape of Keystone's auto-submitted form
/// POST and returns its token; else the status to answer. None of these
/// checks identifies the sender (see the module's note on login CSRF).
pub(crate) fn check_shape(req: &Incoming, keystone_origin: &str) -> std::result::Result<SecretString, u16> {
    let path = req.path.split('?').next().unwrap_or_default();
    if path != CALLBACK_PATH {
        return Err(404);
    }
    if req.method != "POST" {
        return Err(405);
    }
    let media = req.header("content-type").unwrap_or_default();
    if !media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case(FORM_MEDIA_TYPE)
    {
        return Err(415);
    }
    if req.content_length.is_none() {
        return Err(411);
    }
    // Keystone's page submits a form: a top-level navigation to a
    // document, never fetch() or XMLHttpRequest, and never typed in.
    if req.header("sec-fetch-mode") != Some("navigate")
        || req.header("sec-fetch-dest") != Some("document")
        || req.header("sec-fetch-site") == Some("none")
    {
        return Err(400);
    }
    // An https Keystone gives `null` (or no Origin); a real origin must be Keystone's.
    if let Some(origin) = req.header("origin").filter(|o| *o != "null") {
        if origin_of(origin).as_deref() != Some(keystone_origin) {
            return Err(400);
        }
    }
    if let Some(referer) = req.header("referer").filter(|r| !r.is_empty()) {
        if origin_of(referer).as_deref() != Some(keystone_origin) {
            return Err(400);
        }
    }
    // Keystone's form: `token`, and `submit_no_javascript` when the user
    // had to press the button. Nothing else, and one token.
    let mut token = None;
    for (key, value) in url::form_urlencoded::parse(&req.body) {
        match key.as_ref() {
            "token" if token.is_none() => token = Some(value.into_owned()),
            "submit_no_javascript" => {}
            _ => return Err(400),
        }
    }
    let token = token.filter(|t| {
        !t.is_empty() && t.len() <= MAX_TOKEN_LEN && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b))
    });
    token.map(SecretString::from).ok_or(400)
}
