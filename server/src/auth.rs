//! Passwords, access tokens, refresh tokens and the login rate limit.
//!
//! - Passwords are stored as argon2id PHC strings.
//! - Access tokens are HS256 JWTs (algorithm pinned; `exp`, `iss`, `aud` checked) naming the
//!   user, the device, the organisation and the role. They live [`ACCESS_TTL_SECS`].
//! - Refresh tokens are 32 random bytes, stored only as their SHA-256, bound to one device,
//!   and single-use: each refresh returns a new one. Presenting a used one again means it
//!   leaked, so every refresh token of that device is dropped.
//! - Each request re-checks that its device is not revoked and its account is enabled, takes
//!   the account's current role, and refuses a token of an older session generation
//!   (`Claims::gen`, raised when a password is reset or changed and when the account is
//!   disabled), so each of these takes effect at once.
//! - Password hashing (each argon2id hash works through 19 MiB) runs on a few dedicated
//!   threads ([`hash_password_bounded`], [`verify_password_bounded`]), never on more at once:
//!   a burst of logins queues instead of growing the process by 19 MiB per concurrent hash
//!   (the allocator keeps freed memory per thread).

use std::path::Path;
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::Duration;

use crate::store::{Store, StoreError};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use firecheck_shared::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "firecheck";
pub const AUDIENCE: &str = "firecheck-sync";
pub const ACCESS_TTL_SECS: u64 = 15 * 60;
pub const REFRESH_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// Failed logins allowed per username within [`LOGIN_WINDOW`] before it is locked.
pub const LOGIN_ATTEMPTS: u32 = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(5 * 60);

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub usr: String,
    pub dev: DeviceId,
    pub org: OrgId,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    /// The account's session generation when the token was issued
    /// (`store::AccountStatus::sessions`).
    #[serde(default)]
    pub gen: u32,
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id with default parameters hashes any password")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Most password hashes computed at once (and the threads that compute them).
pub fn hashing_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
}

type HashJob = Box<dyn FnOnce() + Send>;

/// The threads that hash passwords: a queue and [`hashing_threads`] workers, started on
/// first use and kept for the life of the process.
fn hashing_queue() -> &'static Mutex<mpsc::Sender<HashJob>> {
    static QUEUE: OnceLock<Mutex<mpsc::Sender<HashJob>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<HashJob>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..hashing_threads() {
            let rx = std::sync::Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("firecheck-argon2-{i}"))
                .spawn(move || loop {
                    let job = match crate::lock(&rx).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    job();
                })
                .expect("spawning a password hashing thread");
        }
        Mutex::new(tx)
    })
}

/// A password hashing job that did not finish (it panicked).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashingFailed;

/// Run `f` on a password hashing thread and wait for it without blocking the runtime.
async fn on_hashing_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashingFailed> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: HashJob = Box::new(move || {
        // A panic ends this job only: the thread goes on serving the queue.
        if let Ok(v) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            let _ = tx.send(v);
        }
    });
    hashing_queue()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(job)
        .map_err(|_| HashingFailed)?;
    rx.await.map_err(|_| HashingFailed)
}

/// [`hash_password`] on one of the few password hashing threads.
pub async fn hash_password_bounded(password: String) -> Result<String, HashingFailed> {
    on_hashing_thread(move || hash_password(&password)).await
}

/// [`verify_password`] on one of the few password hashing threads.
pub async fn verify_password_bounded(
    hash: String,
    password: String,
) -> Result<bool, HashingFailed> {
    on_hashing_thread(move || verify_password(&hash, &password)).await
}

/// A random token of 32 bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The signing secret. `Debug` never shows it.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired; refresh it or log in again")]
    Expired,
    #[error("the access token is not valid: {0}")]
    Invalid(String),
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// The secret from `FIRECHECK_JWT_SECRET`, or from `jwt-secret` in the data dir, created
    /// with owner-only permissions on first start.
    pub fn load(data_dir: &Path, from_env: Option<&str>) -> std::io::Result<Self> {
        if let Some(s) = from_env.filter(|s| !s.is_empty()) {
            return Ok(Self::new(s.as_bytes()));
        }
        let secret = load_or_create_secret(&data_dir.join("jwt-secret"))?;
        Ok(Self::new(secret.as_bytes()))
    }

    pub fn issue(&self, user: &User, gen: u32, device: DeviceId, now_secs: u64) -> String {
        let claims = Claims {
            sub: user.id,
            usr: user.username.clone(),
            dev: device,
            org: user.org,
            role: user.role,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now_secs,
            exp: now_secs + ACCESS_TTL_SECS,
            gen,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(e.to_string()),
            })
    }
}

/// A one-time password for an admin to hand over: 12 characters from an alphabet without
/// look-alikes (no 0/o, 1/l/i), in three groups — about 60 bits, read aloud without mistakes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    // Bytes at or past the last whole multiple of the alphabet are drawn again, so every
    // character is equally likely.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut chars = Vec::with_capacity(12);
    let mut byte = [0u8; 1];
    while chars.len() < 12 {
        rand::rngs::OsRng.fill_bytes(&mut byte);
        if byte[0] < limit {
            chars.push(ALPHABET[byte[0] as usize % ALPHABET.len()] as char);
        }
    }
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A secret kept in a file of the data dir: read when present, created (owner-only) when the
/// file does not exist. Any other trouble — unreadable, too short — is an error: replacing the
/// secret would silently log every device out (or lock the operator out).
fn load_or_create_secret(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().len() >= 32 => Ok(s.trim().to_string()),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} holds fewer than 32 characters; restore it from a backup, or delete it to make a new one (every device must then log in again)",
                path.display()
            ),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = random_token();
            write_private(path, secret.as_bytes())?;
            Ok(secret)
        }
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("cannot read {}: {e}", path.display()),
        )),
    }
}

/// The server operator's key: whoever holds it may create organisations and their first
/// admin (`/v1/operator/…`), and nothing else — it opens no organisation's data. It comes
/// from `FIRECHECK_OPERATOR_TOKEN`, or from `operator-token` in the data dir (created with
/// owner-only permissions on first start), so it is in the hands of whoever runs the host.
/// Only its SHA-256 is kept in memory. `Debug` never shows it.
pub struct OperatorKey {
    hash: [u8; 32],
    /// Where it was read from, for the start-up banner (`None`: the environment).
    pub file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorKey(<redacted>)")
    }
}

impl OperatorKey {
    pub fn load(data_dir: &Path, from_env: Option<&str>) -> std::io::Result<Self> {
        if let Some(s) = from_env.map(str::trim).filter(|s| !s.is_empty()) {
            if s.len() < 16 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "FIRECHECK_OPERATOR_TOKEN must be at least 16 characters",
                ));
            }
            return Ok(Self {
                hash: token_hash(s),
                file: None,
            });
        }
        let path = data_dir.join("operator-token");
        let token = load_or_create_secret(&path)?;
        Ok(Self {
            hash: token_hash(&token),
            file: Some(path),
        })
    }

    /// The operator key given as a secret (kept in a shared database).
    pub fn from_secret(token: &str) -> Self {
        Self {
            hash: token_hash(token.trim()),
            file: None,
        }
    }

    /// The key as also written to `path` for the operator to read.
    pub fn in_file(mut self, path: std::path::PathBuf) -> Self {
        self.file = Some(path);
        self
    }

    /// Whether `token` is the operator's key.
    pub fn verify(&self, token: &str) -> bool {
        // Digests compared, so the time taken tells nothing about the key itself.
        token_hash(token.trim()) == self.hash
    }
}

/// A token that reads `/metrics` and nothing else (`FIRECHECK_METRICS_TOKEN`), for a scraper
/// that should not hold the operator key. Only its SHA-256 is kept; `Debug` never shows it.
pub struct MetricsKey {
    hash: [u8; 32],
}

impl std::fmt::Debug for MetricsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsKey(<redacted>)")
    }
}

impl MetricsKey {
    pub fn new(token: &str) -> Self {
        Self {
            hash: token_hash(token.trim()),
        }
    }

    pub fn verify(&self, token: &str) -> bool {
        token_hash(token.trim()) == self.hash
    }
}

/// Write a file only its owner may read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The login limit: [`LOGIN_ATTEMPTS`] failed logins of one username within [`LOGIN_WINDOW`]
/// lock it until the window ends, right password or not. Counted in the store
/// (`store::logins`), so on a shared database every node counts the same attempts.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimiter {
    pub attempts: u32,
    pub window: Duration,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            attempts: LOGIN_ATTEMPTS,
            window: LOGIN_WINDOW,
        }
    }
}

impl LoginLimiter {
    fn window_ms(&self) -> i64 {
        self.window.as_millis().min(i64::MAX as u128) as i64
    }

    /// `Some(seconds to wait)` when `username` is locked at `now_ms`.
    pub fn locked(
        &self,
        store: &Store,
        username: &str,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError> {
        Ok(store.login_failures(username)?.and_then(|f| {
            let left_ms = self.window_ms() - now_ms.saturating_sub(f.since_ms);
            (f.count >= self.attempts && left_ms > 0).then(|| (left_ms as u64).div_ceil(1000))
        }))
    }

    pub fn failed(&self, store: &Store, username: &str, now_ms: i64) -> Result<(), StoreError> {
        store.count_login_failure(username, now_ms, self.window_ms())?;
        Ok(())
    }

    pub fn succeeded(&self, store: &Store, username: &str) -> Result<(), StoreError> {
        store.forget_login_failures(username)
    }

    /// Forget counts whose window has ended (the upkeep thread).
    pub fn sweep(&self, store: &Store, now_ms: i64) -> Result<u64, StoreError> {
        store.sweep_login_failures(now_ms, self.window_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: UserId::new(),
            org: OrgId::new(),
            username: "zhangwei".into(),
            display_name: "张伟".into(),
            role: Role::Inspector,
        }
    }

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let h = hash_password("夜查-2026-小木桥路");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "夜查-2026-小木桥路"));
        assert!(!verify_password(&h, "夜查-2025-小木桥路"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn tokens_verify_with_their_key_only() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let u = user();
        let now = chrono::Utc::now().timestamp() as u64;
        let t = keys.issue(&u, 0, DeviceId::new(), now);
        assert_eq!(keys.verify(&t).unwrap().sub, u.id);
        let other = JwtKeys::new(b"another-secret-another-secret-xx");
        assert!(matches!(other.verify(&t), Err(TokenError::Invalid(_))));
        let old = keys.issue(&u, 0, DeviceId::new(), now - 2 * ACCESS_TTL_SECS);
        assert!(matches!(keys.verify(&old), Err(TokenError::Expired)));
    }

    #[test]
    fn one_time_passwords_are_long_unambiguous_and_differ() {
        let a = one_time_password();
        assert_eq!(a.len(), 14, "{a}");
        assert_eq!(a.matches('-').count(), 2, "{a}");
        assert!(!a.contains(['0', 'o', '1', 'l', 'i']), "{a}");
        assert_ne!(a, one_time_password());
    }

    #[test]
    fn limiter_locks_after_repeated_failures_until_the_window_ends() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 8 * 1024 * 1024).unwrap();
        let l = LoginLimiter::default();
        let t0 = 1_800_000_000_000;
        for i in 0..LOGIN_ATTEMPTS as i64 {
            assert_eq!(l.locked(&store, "lina", t0 + i).unwrap(), None);
            l.failed(&store, "lina", t0 + i).unwrap();
        }
        assert_eq!(
            l.locked(&store, "lina", t0 + 1000).unwrap(),
            Some(LOGIN_WINDOW.as_secs() - 1)
        );
        assert_eq!(l.locked(&store, "zhangwei", t0).unwrap(), None);
        // The window ends: unlocked, and a new failure starts a new window.
        let later = t0 + LOGIN_WINDOW.as_millis() as i64;
        assert_eq!(l.locked(&store, "lina", later).unwrap(), None);
        l.failed(&store, "lina", later).unwrap();
        assert_eq!(store.login_failures("lina").unwrap().unwrap().count, 1);
        // A success forgets the count; the sweep forgets ended windows.
        l.succeeded(&store, "lina").unwrap();
        assert_eq!(store.login_failures("lina").unwrap(), None);
        l.failed(&store, "nobody-by-this-name", t0).unwrap();
        assert_eq!(l.sweep(&store, t0 + 1).unwrap(), 0);
        assert_eq!(l.sweep(&store, later).unwrap(), 1);
        assert_eq!(store.login_failures("nobody-by-this-name").unwrap(), None);
    }
}
