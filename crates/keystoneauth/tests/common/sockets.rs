//! Loopback sockets for connection faults: a port nothing listens on, and
//! a server that reads requests but never answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// A local port nothing listens on: bound, then released.
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A server that accepts connections and reads requests but never answers,
/// keeping every socket open. Returns its base URL and the number of
/// requests (request lines) it has read.
pub async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut counted = 0;
                let mut chunk = [0u8; 4096];
                loop {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            seen.extend_from_slice(&chunk[..n]);
                            let requests = seen.windows(11).filter(|w| w == b" HTTP/1.1\r\n").count();
                            if requests > counted {
                                counter.fetch_add(requests - counted, Ordering::SeqCst);
                                counted = requests;
                            }
                        }
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}
