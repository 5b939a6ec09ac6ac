//! The harness's own look at the server (health, login, the whole log, the review views),
//! over blocking reqwest. Independent of the client crate's `Remote`, so the client is not
//! checked with its own code.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::ACCEPT;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One client for the whole run. It keeps no idle connections: the server is killed and
/// restarted all the time, and a request must never go out on a socket of a dead server.
fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .pool_max_idle_per_host(0)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("building the harness's HTTP client")
    })
}

fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

/// Send `request` (its answer must arrive within `timeout`); the status and the body.
fn send(request: RequestBuilder, timeout: Duration) -> reqwest::Result<(u16, Vec<u8>)> {
    let answer = request
        .header(ACCEPT, "application/json")
        .timeout(timeout)
        .send()?;
    let status = answer.status().as_u16();
    Ok((status, answer.bytes()?.to_vec()))
}

/// `GET /healthz` answered `ok`.
pub fn healthy(addr: SocketAddr) -> bool {
    matches!(
        send(client().get(url(addr, "/healthz")), Duration::from_millis(500)),
        Ok((200, body)) if body.starts_with(b"ok")
    )
}

/// `GET path` with a token; the JSON body of a 200.
pub fn get_json<T: DeserializeOwned>(
    addr: SocketAddr,
    path: &str,
    token: &str,
) -> anyhow::Result<T> {
    let request = client().get(url(addr, path)).bearer_auth(token);
    let (status, body) =
        send(request, Duration::from_secs(60)).with_context(|| format!("GET {path}"))?;
    parse(status, &body, &format!("GET {path}"))
}

/// `POST path` with a JSON body; the JSON body of a 200.
pub fn post_json<B: Serialize, T: DeserializeOwned>(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    body: &B,
) -> anyhow::Result<T> {
    let mut request = client().post(url(addr, path)).json(body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let (status, answer) =
        send(request, Duration::from_secs(120)).with_context(|| format!("POST {path}"))?;
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
