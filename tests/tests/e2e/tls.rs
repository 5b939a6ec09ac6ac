//! https end to end: the server terminates TLS itself with a certificate signed by an
//! office's private CA, generated here (rcgen); field devices trust that CA with `--ca-cert`.
//!
//! A device that does not trust the certificate is refused before anything is sent: exit 4
//! (like a server out of reach), a message that says to use `--ca-cert`, and its queued ops
//! stay queued. A CA file that cannot be used is named, with exit 6, and costs nothing
//! queued; offline commands do not read it at all.

use std::path::{Path, PathBuf};

use firecheck_cli::CliError;
use firecheck_demo::Device;
use firecheck_server::testing::TestServer;
use firecheck_server::tls::TlsFiles;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

use crate::util::*;

/// An office's CA and a server certificate it signed, as PEM files.
struct Pki {
    ca_cert: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
}

impl Pki {
    /// A CA, and a certificate for 127.0.0.1 and localhost signed by it, written into `dir`.
    fn new(dir: &Path) -> Self {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.distinguished_name
            .push(DnType::CommonName, "斜土街道社区平安办 test CA");
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();

        let key = KeyPair::generate().unwrap();
        let mut server =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        server
            .distinguished_name
            .push(DnType::CommonName, "firecheck test server");
        let cert = server.signed_by(&key, &ca).unwrap();

        let pki = Pki {
            ca_cert: dir.join("office-ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
        };
        std::fs::write(&pki.ca_cert, ca.pem()).unwrap();
        std::fs::write(&pki.server_cert, cert.pem()).unwrap();
        std::fs::write(&pki.server_key, key.serialize_pem()).unwrap();
        pki
    }

    /// A demo server serving https with the signed certificate.
    fn server(&self) -> TestServer {
        let files = TlsFiles {
            cert: self.server_cert.clone(),
            key: self.server_key.clone(),
        };
        let tls = files
            .load()
            .unwrap_or_else(|e| panic!("loading the test certificate: {e}"));
        TestServer::with_tls(tls)
    }
}

/// A device at `dir/name` talking to `url`, trusting `ca` when given.
fn phone(dir: &Path, name: &str, url: &str, ca: Option<&Path>) -> Phone {
    let dev = Device::new(&dir.join(name), url);
    Phone {
        who: name.to_string(),
        dev: match ca {
            Some(ca) => dev.with_ca_cert(ca),
            None => dev,
        },
    }
}

/// The message is one line and mentions every `needle`.
fn says(e: &CliError, needles: &[&str]) {
    let msg = e.to_string();
    assert!(
        !msg.trim().contains('\n'),
        "the message should be one line:\n{msg}"
    );
    for n in needles {
        assert!(msg.contains(n), "the message should mention {n:?}: {msg}");
    }
}

#[test]
fn devices_trusting_the_office_ca_log_in_and_sync_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let mut server = pki.server();
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let ca = Some(pki.ca_cert.as_path());

    let zhang = phone(dir.path(), "zhangwei", &server.url, ca);
    let out = zhang.login("zhangwei");
    assert!(out.contains("logged in as"), "login said:\n{out}");
    let s = parse_sync(&zhang.run(&["sync"]));
    assert!(s.pulled > 0, "the first sync pulls the venues: {s:?}");

    // A finding with a photo: the record and then the photo go up over https.
    let photo = dir.path().join("charging.jpg");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(std::iter::repeat_n(0x42, 200_000));
    std::fs::write(&photo, &jpeg).unwrap();
    zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内楼梯下充电",
        "--photo",
        &format!("EB-CHARGE={}", photo.display()),
        "--pass-all",
    ]);
    let out = zhang.run(&["sync"]);
    let s = parse_sync(&out);
    assert_eq!((s.sent, s.acked, s.rejected), (1, 1, 0), "{out}");
    assert!(out.contains("photos: sent 1"), "{out}");
    assert_eq!(zhang.waiting(), 0, "{}", pretty(&zhang.status()));

    // The office, also over https, sees the hazard and the photo.
    let office = phone(dir.path(), "wangfang", &server.url, ca);
    office.login("wangfang");
    office.run(&["sync"]);
    let hazard = only_hazard(&office.hazards(), "EB-CHARGE", "office").clone();
    let id = hazard["hazard"]["id"].as_str().unwrap();
    let hash = firecheck_shared::BlobHash::of(&jpeg).to_hex();
    let copy = dir.path().join("copy.jpg");
    office.run(&["blob", "get", &hash, "-o", &copy.display().to_string()]);
    assert_eq!(std::fs::read(&copy).unwrap(), jpeg, "the photo over https");

    // A graceful restart keeps serving https, and what was acked is still there.
    server.restart();
    office.run(&[
        "hazard",
        "dispatch",
        id,
        "--to",
        "城管斜土中队",
        "--due",
        "+7",
    ]);
    let s = parse_sync(&office.run(&["sync"]));
    assert_eq!((s.sent, s.acked), (1, 1), "after the restart: {s:?}");
    zhang.run(&["sync"]);
    assert_eq!(
        only_hazard(&zhang.hazards(), "EB-CHARGE", "zhangwei")["hazard"]["status"],
        "dispatched"
    );
}

#[test]
fn an_untrusted_certificate_is_refused_and_nothing_queued_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let server = pki.server();

    // Without the office's CA a new device cannot even log in.
    let stranger = phone(dir.path(), "stranger", &server.url, None);
    let e = stranger
        .dev
        .login("zhangwei", &password("zhangwei"))
        .expect_err("a login to an untrusted server must fail");
    assert_eq!(e.exit_code(), 4, "login without --ca-cert: {e}");
    says(
        &e,
        &[&server.url, "not signed by an authority", "--ca-cert"],
    );

    // A device that logged in trusting the CA records work offline…
    let trusted = phone(dir.path(), "zhangwei", &server.url, Some(&pki.ca_cert));
    trusted.login("zhangwei");
    trusted.run(&["sync"]);
    trusted.run(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);
    assert_eq!(trusted.status()["queued"], 1);

    // …then syncs once without it (FIRECHECK_CA_CERT unset): refused before anything is
    // sent, exit 4, and the op is still queued — not "sent", which would mean "may have
    // arrived".
    let forgetful = Phone {
        who: "zhangwei without --ca-cert".into(),
        dev: Device::new(trusted.home(), &server.url),
    };
    let e = forgetful.fail(&["sync"], 4);
    says(
        &e,
        &[
            &server.url,
            "not signed by an authority",
            "--ca-cert",
            "stays queued",
        ],
    );
    let status = trusted.status();
    assert_eq!(
        (status["queued"].as_u64(), status["sent"].as_u64()),
        (Some(1), Some(0)),
        "{}",
        pretty(&status)
    );

    // With the CA again the same op goes through, once.
    let s = parse_sync(&trusted.run(&["sync"]));
    assert_eq!((s.sent, s.acked, s.rejected), (1, 1, 0), "{s:?}");
    assert_eq!(trusted.waiting(), 0);

    // An https URL for a server that speaks plain http is named as such.
    let plain = TestServer::demo();
    let wrong = plain.url.replacen("http://", "https://", 1);
    let confused = phone(dir.path(), "confused", &wrong, Some(&pki.ca_cert));
    let e = confused
        .dev
        .login("zhangwei", &password("zhangwei"))
        .expect_err("TLS to a plain http server must fail");
    assert_eq!(e.exit_code(), 4, "{e}");
    says(&e, &["does not speak TLS", "http://"]);
}

#[test]
fn ca_cert_files_that_cannot_be_used_are_named_and_cost_nothing_queued() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let server = pki.server();
    let trusted = phone(dir.path(), "zhangwei", &server.url, Some(&pki.ca_cert));
    trusted.login("zhangwei");
    trusted.run(&["sync"]);

    let damaged = dir.path().join("damaged.pem");
    let ca_pem = std::fs::read_to_string(&pki.ca_cert).unwrap();
    std::fs::write(
        &damaged,
        ca_pem.replacen("-----END CERTIFICATE-----", "", 1),
    )
    .unwrap();
    let der = dir.path().join("office-ca.der");
    std::fs::write(&der, [0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]).unwrap();
    let cases: [(PathBuf, &str); 4] = [
        (dir.path().join("no-such-ca.pem"), "no such file"),
        // The server's key is not a certificate.
        (pki.server_key.clone(), "no certificate in it"),
        (damaged, "not readable PEM"),
        (der, "openssl x509 -inform der"),
    ];
    for (n, (file, why)) in cases.iter().enumerate() {
        let bad = Phone {
            who: format!("zhangwei with --ca-cert {}", file.display()),
            dev: Device::new(trusted.home(), &server.url).with_ca_cert(file),
        };
        // Offline work does not touch the file.
        bad.run(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);
        let e = bad.fail(&["sync"], 6);
        says(&e, &[&file.display().to_string(), "--ca-cert", why]);
        assert_eq!(
            trusted.status()["queued"].as_u64(),
            Some(n as u64 + 1),
            "{}",
            pretty(&trusted.status())
        );
    }
    let s = parse_sync(&trusted.run(&["sync"]));
    assert_eq!((s.sent, s.acked, s.rejected), (4, 4, 0), "{s:?}");
}
