//! Talking to the server: login, refresh, sync (bincode), and reads of the review API.

use std::time::Duration;

use firecheck_shared::codec::{self, Format};
use firecheck_shared::sync::{
    ErrorBody, LoginRequest, RefreshRequest, SyncRequest, SyncResponse, TokenResponse,
};
use firecheck_shared::BlobHash;

/// How a request to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("cannot reach the server at {url}: {detail}")]
    Unreachable {
        url: String,
        detail: String,
        /// The request may have reached the server (it timed out or broke mid-way), as
        /// opposed to never connecting.
        maybe_delivered: bool,
    },
    #[error("{message}")]
    Unauthorized { message: String },
    #[error("the server refused the request ({status}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server answered something unreadable: {0}")]
    BadAnswer(String),
}

impl RemoteError {
    /// Worth retrying after a pause (network trouble, server busy or restarting).
    pub fn is_retryable(&self) -> bool {
        match self {
            RemoteError::Unreachable { .. } => true,
            RemoteError::Refused { status, .. } => matches!(status, 408 | 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Remote {
    base: String,
    http: reqwest::Client,
}

impl Remote {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("firecheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("building the HTTP client");
        Self {
            base: base.trim_end_matches('/').to_string(),
            http,
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> RemoteError {
        let detail = if e.is_connect() {
            "connection refused or no network".to_string()
        } else if e.is_timeout() {
            "timed out".to_string()
        } else {
            e.to_string()
        };
        RemoteError::Unreachable {
            url: self.base.clone(),
            detail,
            maybe_delivered: !e.is_connect(),
        }
    }

    /// Send a request; anything but a success answer becomes the matching error.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, RemoteError> {
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        if !resp.status().is_success() {
            return Err(Self::error_of(resp).await);
        }
        Ok(resp)
    }

    async fn error_of(resp: reqwest::Response) -> RemoteError {
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap_or_default();
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(b) => (b.error.code, b.error.message),
            Err(_) => (
                "unknown".into(),
                String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            ),
        };
        if status == 401 {
            RemoteError::Unauthorized { message }
        } else {
            RemoteError::Refused {
                status,
                code,
                message,
            }
        }
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<TokenResponse, RemoteError> {
        let resp = self
            .send(
                self.http
                    .post(format!("{}/v1/auth/login", self.base))
                    .json(req),
            )
            .await?;
        resp.json()
            .await
            .map_err(|e| RemoteError::BadAnswer(e.to_string()))
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, RemoteError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_string(),
        };
        let resp = self
            .send(
                self.http
                    .post(format!("{}/v1/auth/refresh", self.base))
                    .json(&body),
            )
            .await?;
        resp.json()
            .await
            .map_err(|e| RemoteError::BadAnswer(e.to_string()))
    }

    /// How many bytes of an attachment the server holds: `None` for nothing, with whether
    /// it is complete.
    pub async fn blob_offset(
        &self,
        token: &str,
        hash: &BlobHash,
    ) -> Result<Option<(u64, bool)>, RemoteError> {
        let resp = self
            .http
            .head(format!("{}/v1/blobs/{}", self.base, hash.to_hex()))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match resp.status().as_u16() {
            404 => Ok(None),
            200 => {
                let h = |name: &str| {
                    resp.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let offset = h("upload-offset").and_then(|v| v.parse().ok()).unwrap_or(0);
                Ok(Some((
                    offset,
                    h("x-firecheck-complete").as_deref() == Some("true"),
                )))
            }
            _ => Err(Self::error_of(resp).await),
        }
    }

    /// Send `bytes[offset..]` of an attachment as one chunk; returns whether it is complete.
    pub async fn put_blob(
        &self,
        token: &str,
        hash: &BlobHash,
        media_type: &str,
        bytes: &[u8],
        offset: u64,
        chunk: usize,
    ) -> Result<u64, RemoteError> {
        let total = bytes.len() as u64;
        let end = (offset as usize + chunk).min(bytes.len());
        let req = self
            .http
            .put(format!("{}/v1/blobs/{}", self.base, hash.to_hex()))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, media_type)
            .header(
                reqwest::header::CONTENT_RANGE,
                format!("bytes {offset}-{}/{total}", end - 1),
            )
            .body(bytes[offset as usize..end].to_vec());
        self.send(req).await?;
        Ok(end as u64)
    }

    pub async fn get_blob(&self, token: &str, hash: &BlobHash) -> Result<Vec<u8>, RemoteError> {
        let req = self
            .http
            .get(format!("{}/v1/blobs/{}", self.base, hash.to_hex()))
            .bearer_auth(token);
        let resp = self.send(req).await?;
        Ok(resp
            .bytes()
            .await
            .map_err(|e| self.unreachable(e))?
            .to_vec())
    }

    /// One sync round trip in bincode.
    pub async fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, RemoteError> {
        let body = codec::encode(Format::Bincode, req);
        let req = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, codec::BINCODE_MEDIA_TYPE)
            .header(reqwest::header::ACCEPT, codec::BINCODE_MEDIA_TYPE)
            .body(body);
        let resp = self.send(req).await?;
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        codec::decode(Format::Bincode, &bytes).map_err(|e| RemoteError::BadAnswer(e.to_string()))
    }
}
