//! A minimal blocking HTTP/1.1 client over `TcpStream`, for the harness's own look at the
//! server (health, login, the whole log, the review views). Independent of the client crate,
//! so the client is not checked with its own code.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One request with `Connection: close`; the status and the (de-chunked) body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    timeout: Duration,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect_timeout(&addr, timeout.min(Duration::from_secs(5)))?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    if let Some(b) = body {
        s.write_all(b)?;
    }
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers in the answer"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body).ok_or_else(|| bad("a malformed chunked body"))?;
    }
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        let start = eol + 2;
        out.extend_from_slice(b.get(start..start + size)?);
        b = b.get(start + size + 2..)?;
    }
}

/// `GET /healthz` answered `ok`.
pub fn healthy(addr: SocketAddr) -> bool {
    matches!(
        request(addr, "GET", "/healthz", None, None, Duration::from_millis(500)),
        Ok((200, body)) if body.starts_with(b"ok")
    )
}

/// `GET path` with a token; the JSON body of a 200.
pub fn get_json<T: DeserializeOwned>(
    addr: SocketAddr,
    path: &str,
    token: &str,
) -> anyhow::Result<T> {
    let (status, body) = request(
        addr,
        "GET",
        path,
        Some(token),
        None,
        Duration::from_secs(60),
    )
    .with_context(|| format!("GET {path}"))?;
    parse(status, &body, &format!("GET {path}"))
}

/// `POST path` with a JSON body; the JSON body of a 200.
pub fn post_json<B: Serialize, T: DeserializeOwned>(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    body: &B,
) -> anyhow::Result<T> {
    let bytes = serde_json::to_vec(body)?;
    let (status, answer) = request(
        addr,
        "POST",
        path,
        token,
        Some(&bytes),
        Duration::from_secs(120),
    )
    .with_context(|| format!("POST {path}"))?;
    parse(status, &answer, &format!("POST {path}"))
}

fn parse<T: DeserializeOwned>(status: u16, body: &[u8], what: &str) -> anyhow::Result<T> {
    if status != 200 {
        bail!(
            "{what} answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(2000)])
        );
    }
    serde_json::from_slice(body).map_err(|e| {
        anyhow!(
            "{what}: not the expected JSON ({e}): {}",
            String::from_utf8_lossy(&body[..body.len().min(2000)])
        )
    })
}
