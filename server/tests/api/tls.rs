//! https on the server's own listener: `--tls-cert` and `--tls-key` both or neither, files
//! that cannot be used named before the data dir is touched, the banner saying `https://`,
//! a graceful stop with a kept-alive TLS connection open. Certificates are made here
//! (rcgen): an office CA and a server certificate for 127.0.0.1 signed by it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use firecheck_server::testing::TestServer;

use crate::util::{refused, server_command};
use firecheck_server::tls::{TlsError, TlsFiles};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};

/// PEM files: a CA, a server certificate for 127.0.0.1 it signed, and that certificate's key.
struct Pki {
    ca_cert: PathBuf,
    files: TlsFiles,
}

fn pki(dir: &Path) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let p = Pki {
        ca_cert: dir.join("ca.pem"),
        files: TlsFiles {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        },
    };
    std::fs::write(&p.ca_cert, ca.pem()).unwrap();
    std::fs::write(&p.files.cert, cert.pem()).unwrap();
    std::fs::write(&p.files.key, key.serialize_pem()).unwrap();
    p
}

#[test]
fn only_one_of_tls_cert_and_tls_key_is_refused() {
    let (cert, key) = (PathBuf::from("cert.pem"), PathBuf::from("key.pem"));
    assert!(matches!(
        TlsFiles::from_flags(Some(cert.clone()), None),
        Err(TlsError::CertWithoutKey)
    ));
    assert!(matches!(
        TlsFiles::from_flags(None, Some(key.clone())),
        Err(TlsError::KeyWithoutCert)
    ));
    assert_eq!(TlsFiles::from_flags(None, None).unwrap(), None);
    assert_eq!(
        TlsFiles::from_flags(Some(cert.clone()), Some(key.clone())).unwrap(),
        Some(TlsFiles { cert, key })
    );

    // The binary, by flag and by environment: refused before the data dir is created.
    let dir = tempfile::tempdir().unwrap();
    let p = pki(dir.path());
    let data = dir.path().join("data");
    let err = refused(server_command(
        &data,
        &["--tls-cert", p.files.cert.to_str().unwrap()],
        &[],
    ));
    assert!(
        err.contains("--tls-cert") && err.contains("without --tls-key"),
        "{err}"
    );
    let err = refused(server_command(
        &data,
        &[],
        &[("FIRECHECK_TLS_KEY", &p.files.key)],
    ));
    assert!(
        err.contains("FIRECHECK_TLS_KEY") && err.contains("without --tls-cert"),
        "{err}"
    );
    assert!(
        !data.exists(),
        "a refused start must not create the data dir"
    );
}

#[test]
fn tls_files_that_cannot_be_used_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki(dir.path());
    let other = pki(&{
        let d = dir.path().join("other");
        std::fs::create_dir(&d).unwrap();
        d
    });
    let missing = dir.path().join("no-such-cert.pem");
    let damaged = dir.path().join("damaged.pem");
    let pem = std::fs::read_to_string(&p.files.cert).unwrap();
    std::fs::write(&damaged, pem.replacen("-----END CERTIFICATE-----", "", 1)).unwrap();

    let load = |cert: &Path, key: &Path| {
        TlsFiles {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        }
        .load()
        .map(|_| ())
        .expect_err("these files must be refused")
    };
    let says = |e: TlsError, needles: &[&str]| {
        let msg = e.to_string();
        for n in needles {
            assert!(msg.contains(n), "{n:?} missing from: {msg}");
        }
    };
    let name = |p: &Path| p.display().to_string();

    let e = load(&missing, &p.files.key);
    assert!(matches!(e, TlsError::Read { .. }), "{e:?}");
    says(e, &[&name(&missing), "certificate"]);
    // A key where the certificate should be, and the other way round.
    let e = load(&p.files.key, &p.files.key);
    assert!(matches!(e, TlsError::NoCertificate { .. }), "{e:?}");
    says(e, &[&name(&p.files.key), "BEGIN CERTIFICATE"]);
    let e = load(&p.files.cert, &p.files.cert);
    assert!(matches!(e, TlsError::NoKey { .. }), "{e:?}");
    says(e, &[&name(&p.files.cert), "private key"]);
    let e = load(&damaged, &p.files.key);
    assert!(matches!(e, TlsError::BadCertificate { .. }), "{e:?}");
    says(e, &[&name(&damaged), "END CERTIFICATE"]);
    let e = load(&p.files.cert, &other.files.key);
    assert!(matches!(e, TlsError::KeyMismatch { .. }), "{e:?}");
    says(e, &[&name(&p.files.cert), &name(&other.files.key)]);

    // The binary says the same, and touches no data dir.
    let data = dir.path().join("data");
    let err = refused(server_command(
        &data,
        &[
            "--tls-cert",
            missing.to_str().unwrap(),
            "--tls-key",
            p.files.key.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(err.contains(&name(&missing)), "{err}");
    assert!(
        !data.exists(),
        "a refused start must not create the data dir"
    );
}

/// A server process, killed when dropped (a failed check must not leave it running).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_serves_https_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki(dir.path());
    let mut cmd = server_command(&dir.path().join("data"), &[], &[]);
    cmd.env("FIRECHECK_TLS_CERT", &p.files.cert)
        .env("FIRECHECK_TLS_KEY", &p.files.key)
        .stdout(Stdio::piped());
    let mut server = Running(cmd.spawn().expect("start firecheck-server"));
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let banner = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.contains("listening on"))
        .expect("a `listening on` banner");
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap_or_else(|| panic!("the banner should give an https:// URL: {banner}"))
        .to_string();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&p.ca_cert).unwrap()).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let health = rt.block_on(async {
        let resp = trusting.get(format!("{url}/healthz")).send().await?;
        resp.text().await
    });
    assert_eq!(health.unwrap(), "ok");

    // SIGTERM: a graceful stop, exit 0.
    let pid = server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = server.0.wait().unwrap();
    assert!(
        status.success(),
        "exit {status:?}; stdout after the banner: {rest:?}"
    );
    assert!(
        rest.iter().any(|l| l.contains("stopped")),
        "stdout after the banner: {rest:?}"
    );
}

#[test]
fn test_server_with_tls_serves_only_https_and_stops_with_a_connection_kept_alive() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki(dir.path());
    let mut server = TestServer::with_tls(p.files.load().unwrap());
    assert!(server.url.starts_with("https://"), "{}", server.url);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&p.ca_cert).unwrap()).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(ca)
        .pool_idle_timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let get = |client: &reqwest::Client, url: String| {
        rt.block_on(async { client.get(url).send().await?.text().await })
    };
    assert_eq!(
        get(&trusting, format!("{}/healthz", server.url)).unwrap(),
        "ok"
    );
    // Served over https, the console's cookies are `Secure`.
    let login = rt
        .block_on(trusting.get(format!("{}/login", server.url)).send())
        .unwrap();
    let cookie = login
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.ends_with("; Secure"),
        "{cookie}"
    );

    // Only the system's roots: the test CA is not among them.
    let system = reqwest::Client::new();
    let e = get(&system, format!("{}/healthz", server.url)).unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    // Plain http on the https port gets no answer.
    let plain = format!("http://{}/healthz", server.addr);
    assert!(get(&system, plain).is_err());

    // `trusting` keeps its connection open; the graceful stop must still end.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        server.stop();
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server should stop with an idle https connection open");
}
