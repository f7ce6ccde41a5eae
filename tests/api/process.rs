//! Black-box tests that need the server as its own process: its memory is read from
//! `/proc/PID/status` while a flood arrives over raw TCP.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::empty_keys_settings;

/// The `authd` binary of this build, serving on a free port with its own folders.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let (dir, settings) = empty_keys_settings();
        authd::keys::generate::generate_key(
            &settings.keys.dir,
            authd::keys::generate::KeyAlgorithm::Es256,
            chrono::Utc::now(),
        )
        .expect("key");
        let mut child = Command::new(env!("CARGO_BIN_EXE_authd"))
            .arg("serve")
            .env("AUTHD_BIND", "127.0.0.1:0")
            .env("AUTHD_METRICS_BIND", "off")
            .env("AUTHD_DATABASE_URL", &settings.database.url)
            .env("AUTHD_KEYS_DIR", &settings.keys.dir)
            .env("AUTHD_ARGON2", "m=64,t=1,p=1")
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("authd starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("authd says where it listens")
                .expect("log line");
            if let Some(at) = line.find("authd listening on ") {
                let addr = &line[at + "authd listening on ".len()..];
                break addr.rsplit(':').next().unwrap().trim().parse().unwrap();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            port,
            _dir: dir,
        }
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `head` and then `body` as one chunked body; the status code of the answer.
async fn post_chunked(port: u16, head: &str, body: &[u8]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let head = format!("{head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.chunks(16 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        // The server may answer and close before taking the whole body: that is fine.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 12];
    stream.read_exact(&mut answer).await.expect("status line");
    String::from_utf8_lossy(&answer[9..12])
        .parse()
        .expect("status")
}

/// 510 KB of gzip that inflates to about half a gigabyte of zeros.
fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    while encoder.get_ref().len() < 510 * 1000 {
        encoder.write_all(&zeros).expect("compress");
    }
    encoder.finish().expect("gzip")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_gzip_bombs_is_refused_without_inflating_them() {
    let server = Server::start();
    let bomb = std::sync::Arc::new(gzip_bomb());
    let head =
        "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                Content-Encoding: gzip\r\n";
    // Warm up the workers so the baseline includes what any request costs.
    assert_eq!(post_chunked(server.port, head, b"{}").await, 415);
    let idle = server.peak_rss_kib();
    let flood: Vec<_> = (0..48)
        .map(|_| {
            let (bomb, port) = (bomb.clone(), server.port);
            tokio::spawn(async move { post_chunked(port, head, &bomb).await })
        })
        .collect();
    for request in flood {
        assert_eq!(request.await.expect("request"), 415);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let peak = server.peak_rss_kib();
    eprintln!(
        "gzip flood: peak RSS {} KiB idle, {} KiB after 48 bombs",
        idle, peak
    );
    assert!(
        peak < idle + 50 * 1024,
        "peak RSS grew from {idle} KiB to {peak} KiB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chunked_body_past_16_kib_is_refused_as_it_arrives() {
    let server = Server::start();
    let head = "POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
    let mut body = b"{\"email\": \"".to_vec();
    body.resize(4 << 20, b'a');
    assert_eq!(post_chunked(server.port, head, &body).await, 413);
}
