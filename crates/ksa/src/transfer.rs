//! `ksa request` bodies: request bodies streamed from a file or standard
//! input, response bodies streamed to a file or standard output, and a
//! progress bar on a terminal.

use std::io::IsTerminal;
use std::path::Path;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use keystoneauth::{RequestBuilder, StreamingResponse};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Transfers at least this large show a progress bar (on a terminal).
pub const PROGRESS_THRESHOLD: u64 = 4 * 1024 * 1024;

/// The first bytes of a body, to guess whether it is JSON.
const SNIFF: usize = 4096;

type BoxError = Box<dyn std::error::Error>;

/// A progress bar on standard error when it is a terminal, the transfer is
/// large enough and not `--quiet`; otherwise hidden.
pub fn progress(quiet: bool, len: Option<u64>, what: &str) -> ProgressBar {
    let show = !quiet && std::io::stderr().is_terminal() && len.is_some_and(|n| n >= PROGRESS_THRESHOLD);
    let Some(len) = len.filter(|_| show) else {
        return ProgressBar::hidden();
    };
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

fn looks_json(start: &[u8]) -> bool {
    matches!(start.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{') | Some(b'['))
}

/// A reader's chunks, counted on the bar.
fn counted<R: AsyncRead + Send + 'static>(
    first: Bytes,
    reader: R,
    bar: ProgressBar,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    bar.inc(first.len() as u64);
    futures::stream::once(async move { Ok(first) })
        .chain(tokio_util::io::ReaderStream::with_capacity(reader, 256 * 1024))
        .inspect(move |chunk| {
            if let Ok(c) = chunk {
                bar.inc(c.len() as u64);
            }
        })
}

/// Sets the body of `--data`: text as given, `@FILE` streamed from the
/// file (with `Content-Length`; re-opened if the request is retried, unless
/// a progress bar counts it), `@-` streamed from standard input. A body
/// that starts like JSON gets `Content-Type: application/json` unless the
/// caller set one.
pub async fn set_body(
    mut b: RequestBuilder,
    arg: &str,
    has_content_type: bool,
    quiet: bool,
) -> Result<RequestBuilder, BoxError> {
    let mut start = vec![0u8; SNIFF];
    if arg == "@-" {
        let mut stdin = tokio::io::stdin();
        let n = stdin.read(&mut start).await?;
        start.truncate(n);
        if !has_content_type && looks_json(&start) {
            b = b.header("content-type", "application/json");
        }
        return Ok(b.body_stream(counted(Bytes::from(start), stdin, ProgressBar::hidden()), None));
    }
    if let Some(path) = arg.strip_prefix('@') {
        let open_error = |e: std::io::Error| format!("cannot read the body file {path}: {e}");
        let mut file = tokio::fs::File::open(path).await.map_err(open_error)?;
        let len = file.metadata().await.map_err(open_error)?.len();
        let n = file.read(&mut start).await.map_err(open_error)?;
        start.truncate(n);
        if !has_content_type && looks_json(&start) {
            b = b.header("content-type", "application/json");
        }
        let bar = progress(quiet, Some(len), "upload");
        if bar.is_hidden() {
            return Ok(b.body_file(Path::new(path)));
        }
        return Ok(b.body_stream(counted(Bytes::from(start), file, bar), Some(len)));
    }
    if !has_content_type && serde_json::from_str::<serde_json::Value>(arg).is_ok() {
        b = b.header("content-type", "application/json");
    }
    Ok(b.body(arg.as_bytes().to_vec()))
}

/// Streams the body to `output` (`-` for standard output), returning
/// whether the reader went away (a closed pipe is not an error).
pub async fn write_body(mut response: StreamingResponse, output: &str, quiet: bool) -> Result<(), BoxError> {
    let bar = progress(quiet, response.content_length(), "download");
    let mut out: Box<dyn tokio::io::AsyncWrite + Unpin> = if output == "-" {
        Box::new(tokio::io::stdout())
    } else {
        Box::new(
            tokio::fs::File::create(output)
                .await
                .map_err(|e| format!("cannot write the output file {output}: {e}"))?,
        )
    };
    while let Some(chunk) = response.chunk().await? {
        match out.write_all(&chunk).await {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(format!("cannot write the body to {output}: {e}").into()),
            Ok(()) => bar.inc(chunk.len() as u64),
        }
    }
    bar.finish_and_clear();
    match out.flush().await {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| format!("cannot write the body to {output}: {e}").into()),
    }
}
