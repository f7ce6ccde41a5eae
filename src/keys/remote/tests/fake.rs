//! A fake authd for the refresher: a TCP listener on port 0 that answers each request with
//! the answer the test set, and counts what it was asked.

use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake answers.
#[derive(Clone)]
pub enum Answer {
    /// 200 with `body`, its `ETag` and `Cache-Control`; 304 to a matching `If-None-Match`.
    Jwks {
        body: Vec<u8>,
        etag: String,
        cache_control: String,
    },
    /// These bytes as they are, then the connection closes.
    Raw(Vec<u8>),
    /// Reads the request and never answers.
    Silent,
}

impl Answer {
    /// authd's answer for `ring`, fresh for `max_age` seconds.
    pub fn jwks_of(ring: &crate::keys::KeyRing, max_age: u64) -> Answer {
        Answer::Jwks {
            body: ring.jwks().to_vec(),
            etag: ring.etag().to_owned(),
            cache_control: format!("public, max-age={max_age}"),
        }
    }
}

/// One request the fake got: its `If-None-Match`, and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub if_none_match: Option<String>,
    pub status: u16,
}

pub struct FakeAuthd {
    pub url: String,
    answer: Arc<Mutex<Answer>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeAuthd {
    pub async fn start(answer: Answer) -> FakeAuthd {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let answer = Arc::new(Mutex::new(answer));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (serving, counting) = (answer.clone(), hits.clone());
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (answer, hits) = (serving.clone(), counting.clone());
                tokio::spawn(serve(stream, answer, hits));
            }
        });
        FakeAuthd {
            url: format!("http://127.0.0.1:{port}/.well-known/jwks.json"),
            answer,
            hits,
            server,
        }
    }

    pub fn answer(&self, answer: Answer) {
        *self.answer.lock() = answer;
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().clone()
    }

    /// Stops listening: from now on a connection is refused.
    pub async fn stop(&self) {
        self.server.abort();
        while !self.server.is_finished() {
            tokio::task::yield_now().await;
        }
    }
}

impl Drop for FakeAuthd {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(mut stream: TcpStream, answer: Arc<Mutex<Answer>>, hits: Arc<Mutex<Vec<Hit>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let if_none_match = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("if-none-match")
            .then(|| value.trim().to_owned())
    });
    let answer = answer.lock().clone();
    let (status, bytes) = match answer {
        Answer::Jwks {
            body,
            etag,
            cache_control,
        } => {
            if if_none_match.as_deref() == Some(etag.as_str()) {
                let head = format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nCache-Control: {cache_control}\r\nConnection: close\r\n\r\n");
                (304, head.into_bytes())
            } else {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: {etag}\r\nCache-Control: {cache_control}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                (200, [head.into_bytes(), body].concat())
            }
        }
        Answer::Raw(bytes) => {
            let status = String::from_utf8_lossy(bytes.get(9..12).unwrap_or_default())
                .parse()
                .unwrap_or(0);
            (status, bytes)
        }
        Answer::Silent => {
            hits.lock().push(Hit {
                if_none_match,
                status: 0,
            });
            std::future::pending::<()>().await;
            return;
        }
    };
    hits.lock().push(Hit {
        if_none_match,
        status,
    });
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}
