//! The HTTP side: login, sync in either encoding, the admin calls the set-up needs.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use firecheck_shared::codec::{self, Format};
use firecheck_shared::sync::{LoginRequest, SyncRequest, SyncResponse, TokenResponse};
use firecheck_shared::*;

/// A client of one server: one connection pool (keep-alive) shared by every simulated device.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

/// A logged-in device.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub user: UserId,
    pub org: OrgId,
    pub device: DeviceId,
}

impl Session {
    fn from(t: TokenResponse) -> Self {
        Self {
            token: t.access_token,
            user: t.user.id,
            org: t.org.id,
            device: t.device_id,
        }
    }
}

/// One sync round trip as seen by the client.
#[derive(Debug)]
pub struct Exchange {
    pub resp: SyncResponse,
    pub received: bytes::Bytes,
}

impl Api {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(300))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .expect("building the HTTP client");
        Self {
            base: base.trim_end_matches('/').to_string(),
            http,
        }
    }

    async fn check(resp: reqwest::Response, what: &str) -> Result<reqwest::Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        bail!(
            "{what}: HTTP {status}: {}",
            body.chars().take(300).collect::<String>()
        )
    }

    pub async fn login(&self, username: &str, password: &str, device: DeviceId) -> Result<Session> {
        let req = LoginRequest {
            username: username.into(),
            password: password.into(),
            device_id: device,
            device_name: format!("bench {}", device.short()),
        };
        let resp = self
            .http
            .post(format!("{}/v1/auth/login", self.base))
            .json(&req)
            .send()
            .await
            .context("login")?;
        let t: TokenResponse = Self::check(resp, "login").await?.json().await?;
        Ok(Session::from(t))
    }

    /// One `POST /v1/sync`, request and answer in `format`.
    pub async fn sync(&self, token: &str, format: Format, req: &SyncRequest) -> Result<Exchange> {
        let body = codec::encode(format, req);
        let resp = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, format.media_type())
            .header(reqwest::header::ACCEPT, format.media_type())
            .body(body)
            .send()
            .await
            .context("sync")?;
        let received = Self::check(resp, "sync").await?.bytes().await?;
        let resp: SyncResponse = codec::decode(format, &received)
            .map_err(|e| anyhow::anyhow!("undecodable sync answer: {e}"))?;
        Ok(Exchange { resp, received })
    }

    /// `GET path` with a token; the body of a 200.
    pub async fn get(&self, token: &str, path: &str) -> Result<bytes::Bytes> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        Ok(Self::check(resp, path).await?.bytes().await?)
    }

    pub async fn healthz(&self) -> bool {
        match self
            .http
            .get(format!("{}/healthz", self.base))
            .timeout(Duration::from_millis(500))
            .send()
            .await
        {
            Ok(r) => r.status().is_success(),
            Err(_) => false,
        }
    }

    /// The operator creates an organisation and its first admin.
    pub async fn create_org(
        &self,
        operator_key: &str,
        name: &str,
        admin_username: &str,
        admin_password: &str,
    ) -> Result<Org> {
        let resp = self
            .http
            .post(format!("{}/v1/operator/orgs", self.base))
            .bearer_auth(operator_key)
            .json(&serde_json::json!({
                "name": name,
                "admin": {"username": admin_username, "display_name": "压测管理员", "password": admin_password},
            }))
            .send()
            .await?;
        let v: serde_json::Value = Self::check(resp, "create org").await?.json().await?;
        Ok(serde_json::from_value(v["org"].clone())?)
    }

    pub async fn create_user(&self, admin: &str, username: &str, password: &str) -> Result<User> {
        let resp = self
            .http
            .post(format!("{}/v1/admin/users", self.base))
            .bearer_auth(admin)
            .json(&serde_json::json!({
                "username": username,
                "display_name": format!("压测巡查员 {username}"),
                "password": password,
                "role": "inspector",
            }))
            .send()
            .await?;
        Ok(Self::check(resp, "create user").await?.json().await?)
    }

    /// `GET /v1/admin/stats` of the admin's organisation: (ops, views_cover).
    pub async fn stats(&self, admin: &str) -> Result<(u64, u64)> {
        let resp = self
            .http
            .get(format!("{}/v1/admin/stats", self.base))
            .bearer_auth(admin)
            .send()
            .await?;
        let v: serde_json::Value = Self::check(resp, "stats").await?.json().await?;
        Ok((
            v["ops"].as_u64().unwrap_or(0),
            v["views_cover"].as_u64().unwrap_or(0),
        ))
    }
}
