//! A device for demos and tests: a home dir with a replica, talking to one server, that runs
//! real `firecheck` commands in-process exactly as the binary would.

use std::path::{Path, PathBuf};

use firecheck_cli::commands::Ctx;
use firecheck_cli::replica::LocalReplica;
use firecheck_cli::{run_args, session, CliError};
use firecheck_shared::i18n::Lang;

/// A device: a home dir with a replica, talking to one server. Each call runs one command
/// exactly as the binary would.
#[derive(Debug, Clone)]
pub struct Device {
    pub home: PathBuf,
    pub server: String,
    /// Passed as `--ca-cert` when set.
    pub ca_cert: Option<PathBuf>,
    /// Passed as `--lang`.
    pub lang: Lang,
}

impl Device {
    pub fn new(home: &Path, server: &str) -> Self {
        Self {
            home: home.to_path_buf(),
            server: server.to_string(),
            ca_cert: None,
            lang: Lang::En,
        }
    }

    /// The same device, speaking `lang` (`--lang`). Devices speak English unless told, so
    /// what they print does not depend on the locale of the machine running them.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// The same device, trusting the CA certificate in `ca_cert` (`--ca-cert`).
    pub fn with_ca_cert(mut self, ca_cert: &Path) -> Self {
        self.ca_cert = Some(ca_cert.to_path_buf());
        self
    }

    /// Run `firecheck --home HOME --server SERVER ARGS…` and return what it printed.
    pub fn run(&self, args: &[&str]) -> Result<String, CliError> {
        let mut all: Vec<String> = vec![
            "firecheck".into(),
            "--home".into(),
            self.home.display().to_string(),
            "--server".into(),
            self.server.clone(),
            "--lang".into(),
            self.lang.tag().into(),
        ];
        if let Some(ca) = &self.ca_cert {
            all.extend(["--ca-cert".into(), ca.display().to_string()]);
        }
        all.extend(args.iter().map(|s| s.to_string()));
        let mut out = Vec::new();
        run_args(all, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Log in with a password given directly (what `--password-stdin` does for scripts).
    pub fn login(&self, username: &str, password: &str) -> Result<String, CliError> {
        let replica = LocalReplica::open(&self.home)?;
        let ctx = Ctx {
            replica: &replica,
            json: false,
            lang: self.lang,
            server: Some(self.server.clone()),
            ca_cert: self.ca_cert.clone(),
        };
        let mut out = Vec::new();
        session::login_with_password(&ctx, username, password.to_string(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// `firecheck password` with the passwords given directly (what `--password-stdin` does
    /// for scripts): change `username`'s password, then log in with the new one.
    pub fn change_password(
        &self,
        username: &str,
        old: &str,
        new: &str,
    ) -> Result<String, CliError> {
        let replica = LocalReplica::open(&self.home)?;
        let ctx = Ctx {
            replica: &replica,
            json: false,
            lang: self.lang,
            server: Some(self.server.clone()),
            ca_cert: self.ca_cert.clone(),
        };
        let mut out = Vec::new();
        firecheck_cli::admin::change_password(
            &ctx,
            username,
            old.to_string(),
            new.to_string(),
            &mut out,
        )?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}
