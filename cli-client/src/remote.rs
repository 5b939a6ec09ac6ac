//! Talking to the server: login, refresh, sync (bincode), and reads of the review API.
//!
//! https servers are checked against the system's root certificates (read by
//! `rustls-native-certs`) plus, with `--ca-cert`, an office's own CA; rustls on the ring
//! provider. Plain `http://` URLs load no certificates at all.

use std::path::{Path, PathBuf};
use std::time::Duration;

use firecheck_shared::codec::{self, Format};
use firecheck_shared::i18n::{Lang, Msg};
use firecheck_shared::sync::{
    ErrorBody, ErrorCode, LoginRequest, RefreshRequest, SyncRequest, SyncResponse, TokenResponse,
    LOG_HEADER, LOG_SHARED_HEADER,
};
use firecheck_shared::{msg, BlobHash};

/// How a request to the server failed. The server's own messages come in the language the
/// client asked for (`Accept-Language`); the rest is worded by [`RemoteError::msg`].
#[derive(Debug)]
pub enum RemoteError {
    Unreachable {
        url: String,
        detail: Msg,
        /// The request may have reached the server (it timed out or broke mid-way), as
        /// opposed to never connecting.
        maybe_delivered: bool,
    },
    /// The TLS handshake failed: nothing was sent. Retrying does not help.
    Tls { url: String, detail: Msg },
    /// The file given by `--ca-cert` cannot be used.
    CaCert { path: PathBuf, detail: Msg },
    /// The server refused the token or the login (code `unauthorized`).
    Unauthorized { message: String },
    /// Any other refusal. Matched on `code`; `status` is only shown.
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The answer cannot be read; the detail is the decoder's.
    BadAnswer(String),
    /// The server's log is not the one this device pulled from: it was restored from a
    /// backup (code `log_restored`). `log` is the server's log, `shared` how many of the
    /// organisation's entries the two logs share. Nothing of the request was stored.
    LogRestored {
        log: uuid::Uuid,
        shared: u64,
        message: String,
    },
}

/// One sync answer and the server log it came from (the `firecheck-log` header).
#[derive(Debug, Clone)]
pub struct SyncAnswer {
    pub resp: SyncResponse,
    pub log: Option<uuid::Uuid>,
}

impl std::fmt::Display for RemoteError {
    /// English (logs); a person reads [`RemoteError::msg`] in their language.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for RemoteError {}

impl RemoteError {
    /// What went wrong, to be rendered in the person's language.
    pub fn msg(&self) -> Msg {
        match self {
            RemoteError::Unreachable { url, detail, .. } => {
                msg!("remote-unreachable", url = url, detail = detail)
            }
            RemoteError::Tls { url, detail } => msg!("remote-tls", url = url, detail = detail),
            RemoteError::CaCert { path, detail } => msg!(
                "remote-ca-cert",
                path = path.display().to_string(),
                detail = detail
            ),
            RemoteError::Unauthorized { message } => msg!("remote-server-says", message = message),
            RemoteError::Refused {
                status, message, ..
            } => msg!("remote-refused", status = *status, message = message),
            RemoteError::BadAnswer(detail) => msg!("remote-bad-answer", detail = detail),
            RemoteError::LogRestored { message, .. } => {
                msg!("remote-server-says", message = message)
            }
        }
    }

    /// Worth retrying after a pause (network trouble, server busy or restarting).
    pub fn is_retryable(&self) -> bool {
        match self {
            RemoteError::Unreachable { .. } => true,
            RemoteError::Refused { code, .. } => code.is_retryable(),
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
    /// A client for `base`; for an `https://` server, trusting the system's root
    /// certificates and also those in `ca_cert` (PEM), e.g. an office's private CA. The
    /// server's messages come in English; [`Remote::connect_in`] asks for a language.
    pub fn connect(base: &str, ca_cert: Option<&Path>) -> Result<Self, RemoteError> {
        Self::connect_in(base, ca_cert, Lang::En)
    }

    /// [`Remote::connect`], asking the server to word its messages in `lang`
    /// (`Accept-Language`): its errors and each refused op's reason.
    pub fn connect_in(base: &str, ca_cert: Option<&Path>, lang: Lang) -> Result<Self, RemoteError> {
        let base = base.trim_end_matches('/').to_string();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static(lang.tag()),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("firecheck/", env!("CARGO_PKG_VERSION")))
            // Plain http needs no roots: do not read the system's store for nothing.
            .tls_built_in_root_certs(base.to_ascii_lowercase().starts_with("https://"));
        if let Some(path) = ca_cert {
            for cert in read_ca_cert(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| RemoteError::Tls {
            url: base.clone(),
            detail: msg!("tls-no-roots", detail = chain(&e)),
        })?;
        Ok(Self { base, http })
    }

    /// What a request that got no answer ran into: TLS refused, or the network.
    fn unreachable(&self, e: reqwest::Error) -> RemoteError {
        if let Some(tls) = rustls_error(&e) {
            return RemoteError::Tls {
                url: self.base.clone(),
                detail: tls_advice(tls),
            };
        }
        let detail = if e.is_connect() {
            msg!("remote-no-connection")
        } else if e.is_timeout() {
            msg!("remote-timed-out")
        } else {
            msg!("remote-broken", detail = chain(&e))
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

    /// The error an answer carries: its code, or — when the body is not firecheck's error
    /// shape (a proxy's page) or names a code this build does not know — the code its status
    /// means.
    async fn error_of(resp: reqwest::Response) -> RemoteError {
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap_or_default();
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(b) if b.error.code != ErrorCode::Unknown => (b.error.code, b.error.message),
            Ok(b) => (ErrorCode::from_status(status), b.error.message),
            Err(_) => (
                ErrorCode::from_status(status),
                String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            ),
        };
        if code == ErrorCode::Unauthorized {
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

    /// Send up to `chunk` bytes of an attachment from `offset` (where the server's copy ends,
    /// as it said); returns the offset after them.
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
        // `offset` came from the server: one past the bytes this device holds is an answer
        // that cannot be followed, not a reason to panic.
        let start = usize::try_from(offset)
            .ok()
            .filter(|&start| start < bytes.len())
            .ok_or_else(|| {
                RemoteError::BadAnswer(format!(
                    "attachment {hash}: offset {offset} of {total} bytes"
                ))
            })?;
        let end = start.saturating_add(chunk.max(1)).min(bytes.len());
        let req = self
            .http
            .put(format!("{}/v1/blobs/{}", self.base, hash.to_hex()))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, media_type)
            .header(
                reqwest::header::CONTENT_RANGE,
                format!("bytes {offset}-{}/{total}", end - 1),
            )
            .body(bytes[start..end].to_vec());
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

    /// A JSON request to the API: `GET` (no body) or `POST` with `body`, with a bearer
    /// `token` (an access token, or the operator key). The answer's JSON, or `Null` for an
    /// answer without a body (204).
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, RemoteError> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = self.send(req).await?;
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        if bytes.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| RemoteError::BadAnswer(e.to_string()))
    }

    /// Whether the server's OpenAPI document lists `method` on the path template `path`
    /// (e.g. `post`, `/v1/admin/users/{username}/role`): what tells an endpoint this server
    /// does not have from a thing it does not know.
    pub async fn offers(&self, method: &str, path: &str) -> Result<bool, RemoteError> {
        let doc = self
            .json(reqwest::Method::GET, "/v1/openapi.json", None, None)
            .await?;
        Ok(doc["paths"][path][method.to_ascii_lowercase()].is_object())
    }

    /// One sync round trip in bincode, naming no log (see [`Self::sync_from`]).
    pub async fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, RemoteError> {
        self.sync_from(token, req, None).await.map(|a| a.resp)
    }

    /// One sync round trip in bincode from a device that last pulled from server log `log`
    /// (none before its first answer). A server whose log is another one (restored from a
    /// backup) refuses with [`RemoteError::LogRestored`].
    pub async fn sync_from(
        &self,
        token: &str,
        req: &SyncRequest,
        log: Option<uuid::Uuid>,
    ) -> Result<SyncAnswer, RemoteError> {
        let body = codec::encode(Format::Bincode, req);
        let mut builder = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, codec::BINCODE_MEDIA_TYPE)
            .header(reqwest::header::ACCEPT, codec::BINCODE_MEDIA_TYPE)
            .body(body);
        if let Some(log) = log {
            builder = builder.header(LOG_HEADER, log.to_string());
        }
        let resp = builder.send().await.map_err(|e| self.unreachable(e))?;
        let header = |name: &str| -> Option<String> {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let server_log = header(LOG_HEADER).and_then(|v| uuid::Uuid::parse_str(&v).ok());
        let shared = header(LOG_SHARED_HEADER).and_then(|v| v.parse::<u64>().ok());
        if !resp.status().is_success() {
            return Err(match (Self::error_of(resp).await, server_log, shared) {
                (
                    RemoteError::Refused {
                        code: ErrorCode::LogRestored,
                        message,
                        ..
                    },
                    Some(log),
                    Some(shared),
                ) => RemoteError::LogRestored {
                    log,
                    shared,
                    message,
                },
                (other, ..) => other,
            });
        }
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        let resp = codec::decode(Format::Bincode, &bytes)
            .map_err(|e| RemoteError::BadAnswer(e.to_string()))?;
        Ok(SyncAnswer {
            resp,
            log: server_log,
        })
    }
}

/// The certificates of a PEM file, each checked to be usable as a trust anchor.
fn read_ca_cert(path: &Path) -> Result<Vec<reqwest::Certificate>, RemoteError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let refuse = |detail: Msg| RemoteError::CaCert {
        path: path.to_path_buf(),
        detail,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        refuse(match e.kind() {
            std::io::ErrorKind::NotFound => msg!("ca-no-file"),
            _ => msg!("ca-unreadable", detail = e.to_string()),
        })
    })?;
    let ders = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            use rustls::pki_types::pem::Error;
            refuse(match e {
                Error::MissingSectionEnd { .. } => msg!("ca-pem-no-end"),
                Error::IllegalSectionStart { .. } => msg!("ca-pem-bad-begin"),
                other => msg!("ca-pem-other", detail = other.to_string()),
            })
        })?;
    if ders.is_empty() {
        // DER starts with an ASN.1 SEQUENCE.
        return Err(refuse(if bytes.first() == Some(&0x30) {
            msg!("ca-der")
        } else {
            msg!("ca-no-certificate")
        }));
    }
    let mut anchors = rustls::RootCertStore::empty();
    ders.into_iter()
        .map(|der| {
            anchors
                .add(der.clone())
                .map_err(|e| refuse(msg!("ca-unusable", detail = e.to_string())))?;
            reqwest::Certificate::from_der(&der)
                .map_err(|e| refuse(msg!("ca-unusable", detail = chain(&e))))
        })
        .collect()
}

/// The rustls error behind a failed request, if TLS is what failed.
fn rustls_error(e: &reqwest::Error) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // `io::Error::source` skips the error an io::Error wraps (here: another io::Error
        // around the rustls error), so step into it instead.
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// What a TLS failure means for the person at the device, and what to do.
fn tls_advice(e: &rustls::Error) -> Msg {
    use rustls::{CertificateError, Error};
    match e {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => msg!("tls-unknown-issuer"),
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => msg!("tls-wrong-name"),
        Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => msg!("tls-expired"),
        Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => msg!("tls-not-yet-valid"),
        Error::InvalidMessage(_) => msg!("tls-not-tls", detail = e.to_string()),
        other => msg!("tls-failed", detail = other.to_string()),
    }
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}
