//! A wiremock responder that refuses every request and echoes what it was
//! sent, as careless servers do ("invalid password 'hunter2'"): the body and
//! every header value (a `Basic` header decoded), in a Keystone-style JSON
//! error or as plain text.

use base64::Engine;
use wiremock::{Request, Respond, ResponseTemplate};

/// How the echo is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoFormat {
    /// `{"error": {"code", "title", "message": <echo>}}`, JSON-escaped.
    KeystoneJson,
    /// The echo as it was sent, `text/plain`.
    Text,
}

/// Answers `status` with the request echoed back.
#[derive(Debug, Clone)]
pub struct Echo {
    pub status: u16,
    pub format: EchoFormat,
}

/// Everything a request carried, as text.
pub fn echo_text(request: &Request) -> String {
    let mut text = format!("you sent {} {}", request.method, request.url);
    for (name, value) in request.headers.iter() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        text.push_str(&format!("; {name}: {value}"));
        if let Some(basic) = value.strip_prefix("Basic ") {
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) {
                text.push_str(&format!(" ({})", String::from_utf8_lossy(&decoded)));
            }
        }
    }
    text.push_str("; body: ");
    text.push_str(&String::from_utf8_lossy(&request.body));
    text
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let text = echo_text(request);
        match self.format {
            EchoFormat::KeystoneJson => ResponseTemplate::new(self.status).set_body_json(serde_json::json!({
                "error": {"code": self.status, "title": "Unauthorized", "message": format!("Invalid credentials: {text}")}
            })),
            EchoFormat::Text => ResponseTemplate::new(self.status).set_body_raw(text.into_bytes(), "text/plain"),
        }
    }
}
