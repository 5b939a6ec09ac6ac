//! The real `firecheck-server` as a child process: start, SIGKILL, SIGTERM, restart on the
//! same data dir and port, and the offline `rebuild`.

use std::fs::OpenOptions;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::http;

/// The admin password and token secret the harness starts every server with, so accounts and
/// access tokens survive restarts.
pub const ADMIN_PASSWORD: &str = "harness-admin-password";
pub const JWT_SECRET: &str = "firecheck-harness-secret-firecheck-harness-secret";

/// Longest a start may take before `/healthz` answers.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest a SIGTERM may take to stop the server.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A free port on 127.0.0.1, below the kernel's ephemeral range when it can: the server is
/// restarted on it many times, and a port from the ephemeral range could meanwhile be taken
/// by any outgoing connection (the clients' own, for a start).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    if low > 12000 {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
            ^ std::process::id().wrapping_mul(2_654_435_761);
        let span = u32::from(low - 10000);
        for i in 0..200u32 {
            let port = 10000 + (seed.wrapping_add(i.wrapping_mul(7919)) % span) as u16;
            if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
                return Ok(l.local_addr()?);
            }
        }
    }
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}

#[derive(Debug)]
pub struct ServerProc {
    pub bin: PathBuf,
    pub data: PathBuf,
    pub addr: SocketAddr,
    /// Server stdout and stderr, appended across restarts.
    pub log: PathBuf,
    child: Option<Child>,
    /// How many times it was started.
    pub starts: u32,
    /// Flags given at every start besides the harness's own (`--store`, `--node`, …).
    pub extra: Vec<String>,
}

impl ServerProc {
    /// Start `bin --demo` on `data` (created if missing) at a free loopback port; wait until
    /// it answers `/healthz`.
    pub fn start(bin: &Path, data: &Path, log: &Path) -> anyhow::Result<Self> {
        Self::start_with(bin, data, log, Vec::new())
    }

    /// [`start`](Self::start) with more flags, given at every start.
    pub fn start_with(
        bin: &Path,
        data: &Path,
        log: &Path,
        extra: Vec<String>,
    ) -> anyhow::Result<Self> {
        let mut s = Self {
            bin: bin.to_path_buf(),
            data: data.to_path_buf(),
            addr: free_addr()?,
            log: log.to_path_buf(),
            child: None,
            starts: 0,
            extra,
        };
        s.spawn()?;
        Ok(s)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn log_file(&self) -> anyhow::Result<std::fs::File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))
    }

    /// Start the process (the previous one must be gone) and wait for `/healthz`. A start
    /// that finds its port taken (by a connection of someone else's) is tried again.
    pub fn spawn(&mut self) -> anyhow::Result<()> {
        let mut attempt = 1;
        loop {
            match self.spawn_once() {
                Err(e) if attempt < 10 && format!("{e:#}").contains("cannot listen") => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    fn spawn_once(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            bail!("the server is already running");
        }
        let out = self.log_file()?;
        let err = out.try_clone()?;
        self.starts += 1;
        use std::io::Write;
        writeln!(
            &out,
            "---- harness: start #{} at {:?}",
            self.starts,
            std::time::SystemTime::now()
        )?;
        let child = Command::new(&self.bin)
            .arg("--data")
            .arg(&self.data)
            .arg("--listen")
            .arg(self.addr.to_string())
            .arg("--demo")
            .args(["--log", "info,tower_http=warn"])
            .args(&self.extra)
            .env("FIRECHECK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FIRECHECK_JWT_SECRET", JWT_SECRET)
            .env_remove("FIRECHECK_DATA")
            .env_remove("FIRECHECK_LISTEN")
            .env_remove("FIRECHECK_STORE")
            .env_remove("FIRECHECK_BLOBS")
            .env_remove("FIRECHECK_NODE")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        self.child = Some(child);
        self.wait_healthy()
    }

    fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    bail!(
                        "firecheck-server exited during start-up ({status}); its log ends:\n{}",
                        self.log_tail(40)
                    );
                }
            }
            if http::healthy(self.addr) {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                self.kill();
                bail!(
                    "firecheck-server did not answer /healthz within {START_TIMEOUT:?}; its log ends:\n{}",
                    self.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL (what `Child::kill` sends on Unix) and reap it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGKILL, then start again on the same data dir and port.
    pub fn crash_restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn()
    }

    /// SIGTERM (a clean stop) and wait for it to exit successfully.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut c) = self.child.take() else {
            return Ok(());
        };
        let pid = c.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .context("running kill -TERM")?;
        if !sent.success() {
            let _ = c.kill();
            let _ = c.wait();
            bail!("kill -TERM {pid} failed ({sent})");
        }
        let started = Instant::now();
        loop {
            if let Some(status) = c.try_wait()? {
                if !status.success() {
                    bail!(
                        "firecheck-server stopped with {status} after SIGTERM; its log ends:\n{}",
                        self.log_tail(40)
                    );
                }
                return Ok(());
            }
            if started.elapsed() > STOP_TIMEOUT {
                let _ = c.kill();
                let _ = c.wait();
                bail!(
                    "firecheck-server did not stop within {STOP_TIMEOUT:?} of SIGTERM; its log ends:\n{}",
                    self.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `firecheck-server rebuild --data DIR` (the server must be stopped); what it printed.
    pub fn rebuild(&self) -> anyhow::Result<String> {
        if self.child.is_some() {
            bail!("rebuild needs the server stopped");
        }
        let out = Command::new(&self.bin)
            .arg("--data")
            .arg(&self.data)
            .args(["--log", "warn"])
            .args(&self.extra)
            .arg("rebuild")
            .env("FIRECHECK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FIRECHECK_JWT_SECRET", JWT_SECRET)
            .output()
            .context("running firecheck-server rebuild")?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            bail!("firecheck-server rebuild failed ({}):\n{text}", out.status);
        }
        Ok(text)
    }

    /// The last `n` lines of the server's log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.kill();
    }
}
