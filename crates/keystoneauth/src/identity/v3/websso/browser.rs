//! Sending the user to the WebSSO URL: printing it, and opening a browser
//! when one can be found.

use std::process::{Command, Stdio};

/// What the plugin does with the WebSSO URL once the callback listens:
/// show it to the user and, usually, open a browser on it.
///
/// Closures `Fn(&str)` implement it, so a test or an application with its
/// own user interface can drive the login:
///
/// ```
/// use keystoneauth::identity::v3::WebSso;
/// let auth = WebSso::builder("https://keystone.example.org/v3", "mapped")
///     .identity_provider("myidp")
///     .browser(|url: &str| eprintln!("Log in at {url}"))
///     .build()
///     .unwrap();
/// # let _ = auth;
/// ```
pub trait BrowserLauncher: Send + Sync {
    /// Shows or opens `url` (the WebSSO URL; it holds no secret).
    fn open(&self, url: &str);
}

impl<F> BrowserLauncher for F
where
    F: Fn(&str) + Send + Sync,
{
    fn open(&self, url: &str) {
        self(url)
    }
}

/// The default: prints the URL on standard error, always (a browser that
/// was started is not proof the user sees it), then tries `$BROWSER` (a
/// `:`-separated list of commands; `%s` is replaced by the URL, else the
/// URL is appended), then `xdg-open` (`open` on macOS). Never fails: on a
/// headless host the user opens the printed URL elsewhere, with the
/// callback port forwarded (`ssh -L 9990:localhost:9990 host`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl BrowserLauncher for SystemBrowser {
    fn open(&self, url: &str) {
        eprintln!("To authenticate, open this address in a browser:\n    {url}");
        if !launch(url) {
            eprintln!(
                "No browser could be started. Open the address above in a browser on this machine, or on another one with the callback port forwarded (ssh -L PORT:localhost:PORT)."
            );
        }
    }
}

/// Tries `$BROWSER`, then the platform's opener. True when one started.
fn launch(url: &str) -> bool {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Ok(list) = std::env::var("BROWSER") {
        for entry in list.split(':').filter(|e| !e.trim().is_empty()) {
            let mut words: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
            if words.iter().any(|w| w.contains("%s")) {
                for w in &mut words {
                    *w = w.replace("%s", url);
                }
            } else {
                words.push(url.to_owned());
            }
            candidates.push(words);
        }
    }
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    candidates.push(vec![opener.to_owned(), url.to_owned()]);
    candidates.into_iter().any(|words| spawn(&words))
}

/// Starts a command detached from our standard streams; a thread reaps it.
fn spawn(words: &[String]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            true
        }
        Err(_) => false,
    }
}
