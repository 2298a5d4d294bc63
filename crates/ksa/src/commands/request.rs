//! `ksa request`: an OpenStack-aware curl, streaming bodies both ways.

use super::*;

/// JSON responses to standard output up to this size are pretty-printed.
const PRETTY_LIMIT: u64 = 16 * 1024 * 1024;

pub(super) async fn request(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    // The body is printed as received (JSON pretty-printed): `-f json` and
    // `-f table` both give that; other formats and columns do not apply.
    if !ctx.columns.is_empty() || !matches!(ctx.format, output::Format::Json | output::Format::Table) {
        return Err("-f yaml/value and -c do not apply to ksa request, which prints the body as received".into());
    }
    let method_text = m.get_one::<String>("method").map(String::as_str).unwrap_or("GET");
    let method = Method::from_bytes(method_text.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("{method_text:?} is not an HTTP method"))?;
    let service_type = m.get_one::<String>("service_type").map(String::as_str).unwrap_or("");
    let path = m.get_one::<String>("path").map(String::as_str).unwrap_or("/");
    let filter = filter_for(ctx, service_type, m)?;
    // `ksa request GET identity /v3/projects` must not become /v3/v3/projects:
    // drop the part of the path that the endpoint already ends with.
    // An absolute URL is used as given (`--os-auth-type none ... --no-auth` needs no catalog).
    let absolute = path.starts_with("http://") || path.starts_with("https://");
    let url = if absolute || (m.get_flag("no_auth") && ctx.auth.is_none()) {
        path.to_owned()
    } else {
        let base = service_endpoint(ctx, service_type, &filter).await?;
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            strip_overlap(&base, path).trim_start_matches('/')
        )
    };
    let mut b = ctx
        .session
        .request(method, url)
        .endpoint_filter(filter.clone())
        .microversion_service_type(service_type)
        .raise_error(false);
    if m.get_flag("no_auth") {
        b = b.authenticated(Some(false));
    }
    let mut has_content_type = false;
    for h in m.get_many::<String>("header").into_iter().flatten() {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| format!("the header {h:?} is not 'Name: value'"))?;
        has_content_type |= name.trim().eq_ignore_ascii_case("content-type");
        b = b.header(name.trim(), value.trim());
    }
    let quiet = m.get_flag("quiet");
    if let Some(d) = m.get_one::<String>("data") {
        b = crate::transfer::set_body(b, d, has_content_type, quiet).await?;
    }
    if let Some(mv) = m.get_one::<String>("microversion") {
        b = b.microversion(mv);
    }
    let response = b.send_streaming().await?;
    let output = m.get_one::<String>("output").map(String::as_str).unwrap_or("-");
    let mut out = Vec::new();
    if m.get_flag("include") {
        let status = response.status();
        out.extend_from_slice(
            format!(
                "HTTP/1.1 {} {}\n",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .as_bytes(),
        );
        for (name, value) in response.headers() {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    let status = response.status();
    let is_json = response.header("content-type").is_some_and(|ct| ct.contains("json"));
    let small = response.content_length().is_some_and(|n| n <= PRETTY_LIMIT);
    if output == "-" && is_json && small {
        let response = response.into_response(Some(PRETTY_LIMIT as usize)).await?;
        match serde_json::from_slice::<Value>(response.bytes()) {
            Ok(v) => out.extend_from_slice(output::pretty_json(&v).as_bytes()),
            Err(_) => {
                out.extend_from_slice(response.bytes());
                if !response.bytes().is_empty() && !response.bytes().ends_with(b"\n") {
                    out.push(b'\n');
                }
            }
        }
        print(&String::from_utf8_lossy(&out))?;
    } else {
        if !out.is_empty() {
            print(&String::from_utf8_lossy(&out))?;
        }
        crate::transfer::write_body(response, output, quiet).await?;
    }
    let ok = status.is_success() || status.is_redirection();
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The path without its leading segments that the endpoint's path already
/// ends with, when they start with a version (`/v3` + `/v3/projects`).
pub(super) fn strip_overlap<'a>(base: &str, path: &'a str) -> &'a str {
    let base_path = url::Url::parse(base).map(|u| u.path().to_owned()).unwrap_or_default();
    let base_segs: Vec<&str> = base_path.split('/').filter(|s| !s.is_empty()).collect();
    let trimmed = path.trim_start_matches('/');
    let path_segs: Vec<&str> = trimmed.split('/').collect();
    let looks_versioned = path_segs
        .first()
        .is_some_and(|s| s.starts_with('v') && s[1..].starts_with(|c: char| c.is_ascii_digit()));
    if !looks_versioned {
        return path;
    }
    for k in (1..=base_segs.len().min(path_segs.len())).rev() {
        if base_segs[base_segs.len() - k..] == path_segs[..k] {
            let skip: usize = path_segs[..k].iter().map(|s| s.len() + 1).sum();
            return trimmed.get(skip.min(trimmed.len())..).unwrap_or("");
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::strip_overlap;

    #[test]
    fn version_prefixes_are_not_doubled() {
        assert_eq!(strip_overlap("http://h:5000/v3", "/v3/projects"), "projects");
        assert_eq!(strip_overlap("http://h:5000/v3/", "v3/projects"), "projects");
        assert_eq!(strip_overlap("http://h/v3/abc", "/v3/abc/volumes"), "volumes");
        assert_eq!(strip_overlap("http://h:8774/v2.1", "/servers"), "/servers");
        assert_eq!(strip_overlap("http://h:9292", "/v2/images"), "/v2/images");
        assert_eq!(strip_overlap("http://h/identity/v3", "/v3"), "");
    }
}
