//! https on the server's own listener: a PEM certificate chain and its private key, rustls on
//! the ring provider, and a [`TlsListener`] that hands `axum::serve` connections whose TLS
//! handshake is done — so https and plain http share one serving loop and one graceful
//! shutdown (stop accepting, finish in-flight requests, flush).
//!
//! Handshakes run on their own tasks, each bounded by [`HANDSHAKE_TIMEOUT`], so a client that
//! connects and says nothing never holds up the next one.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish its TLS handshake after connecting.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why https cannot be set up; each message names the file and says what it should hold.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls-cert (FIRECHECK_TLS_CERT) was given without --tls-key (FIRECHECK_TLS_KEY): give both — the certificate chain and its private key, PEM — to serve https, or neither to serve plain http (e.g. behind a TLS-terminating proxy)")]
    CertWithoutKey,
    #[error("--tls-key (FIRECHECK_TLS_KEY) was given without --tls-cert (FIRECHECK_TLS_CERT): give both — the certificate chain and its private key, PEM — to serve https, or neither to serve plain http (e.g. behind a TLS-terminating proxy)")]
    KeyWithoutCert,
    #[error("cannot read the TLS {what} {}: {error}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        /// Not a `source`: the message already says it, once.
        error: std::io::Error,
    },
    #[error("the TLS certificate file {} is not readable PEM: {detail}", path.display())]
    BadCertificate { path: PathBuf, detail: String },
    #[error("the TLS certificate file {} holds no certificate: --tls-cert wants the server's certificate (then any intermediates) in PEM, `-----BEGIN CERTIFICATE-----`", path.display())]
    NoCertificate { path: PathBuf },
    #[error("the TLS key file {} holds no private key: --tls-key wants the certificate's private key in PEM (`-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`, unencrypted)", path.display())]
    NoKey { path: PathBuf },
    #[error("the TLS key file {} is not readable PEM: {detail}", path.display())]
    BadKey { path: PathBuf, detail: String },
    #[error("the private key {} does not belong to the certificate {}: give the key the certificate was issued for", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("cannot serve https with the certificate {} and key {}: {detail}", cert.display(), key.display())]
    Refused {
        cert: PathBuf,
        key: PathBuf,
        detail: String,
    },
}

/// The certificate chain and private key files given by `--tls-cert` and `--tls-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM: the server's certificate first, then any intermediates.
    pub cert: PathBuf,
    /// PEM: the certificate's private key (PKCS#8, PKCS#1 RSA or SEC1 EC), unencrypted.
    pub key: PathBuf,
}

impl TlsFiles {
    /// Both flags or neither: `None` serves plain http; one without the other is refused.
    pub fn from_flags(
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    ) -> Result<Option<TlsFiles>, TlsError> {
        match (cert, key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles { cert, key })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(TlsError::CertWithoutKey),
            (None, Some(_)) => Err(TlsError::KeyWithoutCert),
        }
    }

    /// Read both files and check that the key belongs to the certificate.
    pub fn load(&self) -> Result<ServerTls, TlsError> {
        let chain = read_chain(&self.cert)?;
        let key = read_key(&self.key)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let refused = |e: rustls::Error| match e {
            rustls::Error::InconsistentKeys(_) => TlsError::KeyMismatch {
                cert: self.cert.clone(),
                key: self.key.clone(),
            },
            other => TlsError::Refused {
                cert: self.cert.clone(),
                key: self.key.clone(),
                detail: other.to_string(),
            },
        };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(refused)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(refused)?;
        // axum serves HTTP/1.1 only (no `http2` feature).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        what,
        path: path.to_path_buf(),
        error,
    })
}

fn pem_problem(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::MissingSectionEnd { end_marker } => {
            let label = String::from_utf8_lossy(end_marker);
            format!("a `-----BEGIN {label}-----` section has no `-----END {label}-----` line")
        }
        Error::IllegalSectionStart { line } => {
            format!("malformed line `{}`", String::from_utf8_lossy(line))
        }
        Error::Base64Decode(detail) => format!("a section's base64 is damaged ({detail})"),
        other => other.to_string(),
    }
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read("certificate", path)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate {
            path: path.to_path_buf(),
            detail: pem_problem(&e),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read("key", path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey {
            path: path.to_path_buf(),
        },
        other => TlsError::BadKey {
            path: path.to_path_buf(),
            detail: pem_problem(&other),
        },
    })
}

/// A loaded certificate and key, ready to accept connections. Cheap to clone.
#[derive(Clone)]
pub struct ServerTls {
    acceptor: TlsAcceptor,
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Accept https on `tcp`. Must be called within a tokio runtime: the accepting runs on
    /// its own task until the listener is dropped.
    pub fn listener(&self, tcp: TcpListener) -> std::io::Result<TlsListener> {
        let local_addr = tcp.local_addr()?;
        // A few finished handshakes may wait for the serving loop; more wait in the kernel.
        let (tx, incoming) = mpsc::channel(64);
        let accepting = tokio::spawn(accept_loop(tcp, self.acceptor.clone(), tx));
        Ok(TlsListener {
            incoming,
            local_addr,
            accepting,
        })
    }
}

/// TCP connections in, TLS streams out: each handshake on its own task.
async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (stream, peer) = match tcp.accept().await {
            Ok(conn) => conn,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors and the like: wait, as axum's own loop does.
                tracing::error!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // Small TLS records must not wait for the client's delayed ACK.
        let _ = stream.set_nodelay(true);
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, peer)).await;
                }
                // Most often a client that does not trust the certificate, or plain http.
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// An https listener for `axum::serve`: yields connections whose TLS handshake succeeded.
/// Dropping it stops accepting (graceful shutdown drops the listener first).
#[derive(Debug)]
pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(conn) => conn,
            // The accepting task only ends when aborted, that is once this listener is
            // dropped; until then there is always a sender.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
