//! Logging in and out of the console, and the session every page reads.
//!
//! - A session is a random token in a cookie (`HttpOnly`, `SameSite=Strict`, `Path=/`, and
//!   `Secure` when the server serves https itself or a proxy says the request came over
//!   https); the server keeps only its hash ([`crate::store::SessionRecord`]). It ends
//!   after [`IDLE_MS`] without a request or [`MAX_MS`] after the login, and at log out.
//! - Every form carries the session's CSRF token (`csrf`), compared in constant time before
//!   anything is done. The login form, drawn before there is a session, carries a token
//!   that must equal a cookie set with it (double submit).
//! - The browser is a device of its user: a long-lived cookie names it, and a login
//!   registers it like a phone's login does (`api::auth::register_device`). A revoked
//!   device, a deleted user or a changed organisation ends the session, and so does what
//!   ends an account's tokens: disabling it, or resetting or changing its password (the
//!   session keeps the account's session generation at login).

use askama::Template;
use axum::extract::{Form, FromRequestParts, Query, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;
use serde::Deserialize;

use super::{render, url_encode, PageError};
use crate::api::{blocking, AppError, State};
use crate::auth::{random_token, token_hash};
use crate::store::SessionRecord;

/// The session cookie.
pub const SESSION_COOKIE: &str = "firecheck_session";
/// The cookie naming the browser's console device (kept across sessions).
pub const DEVICE_COOKIE: &str = "firecheck_device";
/// The login form's double-submit token.
pub const LOGIN_COOKIE: &str = "firecheck_login";
/// A session ends after this long without a request…
pub const IDLE_MS: i64 = 4 * 3600 * 1000;
/// …and this long after the login, whatever happens.
pub const MAX_MS: i64 = 12 * 3600 * 1000;
/// How long the device cookie is kept (a year).
const DEVICE_COOKIE_SECS: i64 = 365 * 24 * 3600;

/// A logged-in user, read from the session cookie. A request without a live session is
/// sent to the login page (and back to where it was going afterwards).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub org_name: String,
    pub device: DeviceId,
    pub csrf: String,
    hash: [u8; 32],
}

impl Session {
    /// Refuse a form whose CSRF token is not this session's (the page that says so).
    pub fn check_csrf(&self, token: &str) -> Result<(), Box<Response>> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(Box::new(csrf_refused()))
        }
    }

    /// Refuse anyone but an officer.
    pub fn require_officer(&self) -> Result<(), PageError> {
        if self.user.role == Role::Officer {
            Ok(())
        } else {
            Err(PageError(AppError::Forbidden(msg!(
                "console-role-may-not",
                role = self.user.role.as_str()
            ))))
        }
    }
}

fn csrf_refused() -> Response {
    super::error_page(
        StatusCode::FORBIDDEN,
        &t!(super::text::LANG, "page-csrf-title"),
        &t!(super::text::LANG, "page-csrf"),
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether cookies must be `Secure`: the server serves https, or the proxy in front of it
/// says the request came over https.
fn secure(state: &State, headers: &HeaderMap) -> bool {
    state.console.tls()
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/; `Max-Age` when given (0 ends
/// it); `Secure` when served over https.
fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    // Names and values are ASCII by construction (random tokens, UUIDs).
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Where to go back to after logging in: only a path on this server.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/".into(),
    }
}

/// To the login page, coming back to `uri` afterwards.
fn to_login(parts: &Parts, expired: bool) -> Response {
    let back = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    // After a form's POST, come back to the page it was on, not to the POST's address.
    let back = if parts.method == axum::http::Method::GET {
        back.to_string()
    } else {
        match parts.uri.path().strip_suffix("/act") {
            Some(page) => page.to_string(),
            None => "/".to_string(),
        }
    };
    let mut to = format!("/login?next={}", url_encode(&back));
    if expired {
        to.push_str("&expired=1");
    }
    Redirect::to(&to).into_response()
}

impl FromRequestParts<State> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Response> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(parts, false));
        };
        let hash = token_hash(token);
        let now = Timestamp::now().0;
        let found = blocking(state, move |store| {
            let Some(mut rec) = store.session(&hash)? else {
                return Ok(None);
            };
            if now - rec.seen_ms > IDLE_MS || now - rec.created_ms > MAX_MS {
                store.drop_session(&hash)?;
                return Ok(None);
            }
            let account = store.user(&rec.username)?;
            let device = store.device(rec.device)?;
            let (Some(account), Some(device)) = (account, device) else {
                store.drop_session(&hash)?;
                return Ok(None);
            };
            let user = account.user;
            if user.org != rec.org
                || device.revoked
                || device.user != user.id
                || account.status.disabled
                || account.status.sessions != rec.generation
            {
                store.drop_session(&hash)?;
                return Ok(None);
            }
            if now - rec.seen_ms > 60_000 {
                rec.seen_ms = now;
                store.touch_session(&hash, &rec)?;
            }
            let org_name = store.org(rec.org)?.map(|o| o.name).unwrap_or_default();
            Ok(Some((rec, user, org_name)))
        })
        .await;
        match found {
            Ok(Some((rec, user, org_name))) => Ok(Session {
                user,
                org_name,
                device: rec.device,
                csrf: rec.csrf,
                hash,
            }),
            Ok(None) => Err(to_login(parts, true)),
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    message: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// `GET /login`: the form, with a fresh double-submit token.
pub async fn login_page(
    AxState(state): AxState<State>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let message = if q.expired.is_some() {
        t!(super::text::LANG, "console-login-expired")
    } else {
        String::new()
    };
    login_form(
        &state,
        &headers,
        &safe_next(q.next.as_deref()),
        "",
        &message,
        StatusCode::OK,
    )
}

fn login_form(
    state: &State,
    headers: &HeaderMap,
    next: &str,
    username: &str,
    message: &str,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let mut resp = render(&LoginPage {
        csrf: &csrf,
        next,
        username,
        message,
    });
    *resp.status_mut() = status;
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, &csrf, Some(3600), secure(state, headers)),
    );
    resp
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: check the password, register the browser as a device of the user, open
/// a session, and go where the user was going.
pub async fn login(
    AxState(state): AxState<State>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    let again =
        |message: &str, status| login_form(&state, &headers, &next, &f.username, message, status);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        return again(
            &t!(super::text::LANG, "console-login-form-stale"),
            StatusCode::FORBIDDEN,
        );
    }
    if f.username.chars().count() > MAX_NAME_CHARS || f.password.len() > 1024 {
        return again(
            &t!(super::text::LANG, "console-login-too-long"),
            StatusCode::BAD_REQUEST,
        );
    }
    let user = match crate::api::auth::authenticate(&state, f.username.trim(), &f.password).await {
        Ok(u) => u,
        Err(AppError::TooManyAttempts(secs)) => {
            return again(
                &t!(super::text::LANG, "console-login-locked", secs = secs),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Err(AppError::Unauthorized(_)) => {
            return again(
                &t!(super::text::LANG, "console-login-wrong"),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) => return PageError(e).into_response(),
    };
    // The browser's device: the one its cookie names when that is this user's, else new.
    let known: Option<DeviceId> = cookie(&headers, DEVICE_COOKIE).and_then(|d| d.parse().ok());
    let uid = user.id;
    let reuse = match known {
        Some(d) => blocking(&state, move |store| Ok(store.device(d)?))
            .await
            .ok()
            .flatten()
            .filter(|rec| rec.user == uid && !rec.revoked)
            .map(|rec| rec.id),
        None => None,
    };
    let device_id = reuse.unwrap_or_default();
    let device = match crate::api::auth::register_device(
        &state,
        &user,
        device_id,
        t!(super::text::LANG, "console-device-name"),
    )
    .await
    {
        Ok(d) => d,
        Err(e) => return PageError(e).into_response(),
    };
    let token = random_token();
    let hash = token_hash(&token);
    let now = Timestamp::now().0;
    let rec = SessionRecord {
        username: user.username.clone(),
        org: user.org,
        device: device.id,
        csrf: random_token(),
        created_ms: now,
        seen_ms: now,
        generation: 0,
    };
    let stored = blocking(&state, move |store| {
        let mut rec = rec;
        // The generation the password was just checked in (a reset since then ends it).
        rec.generation = match store.user(&rec.username)? {
            Some(account) => account.status.sessions,
            None => return Err(AppError::Unauthorized(msg!("auth-account-gone"))),
        };
        store
            .drop_expired_sessions(|s| now - s.seen_ms > IDLE_MS || now - s.created_ms > MAX_MS)?;
        store.put_session(&hash, &rec)?;
        Ok(())
    })
    .await;
    if let Err(e) = stored {
        return PageError(e).into_response();
    }
    tracing::info!(user = %user.username, device = %device.id, "console login");
    let secure = secure(&state, &headers);
    let mut resp = Redirect::to(&next).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, None, secure),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(
            DEVICE_COOKIE,
            &device.id.to_string(),
            Some(DEVICE_COOKIE_SECS),
            secure,
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, "", Some(0), secure),
    );
    resp
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: end the session.
pub async fn logout(
    AxState(state): AxState<State>,
    session: Session,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if let Err(refused) = session.check_csrf(&f.csrf) {
        return *refused;
    }
    let hash = session.hash;
    if let Err(e) = blocking(&state, move |store| Ok(store.drop_session(&hash)?)).await {
        return PageError(e).into_response();
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), secure(&state, &headers)),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/hazards/1?x=2")), "/hazards/1?x=2");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; firecheck_session=xyz"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn session_cookies_are_http_only_strict_and_secure_over_https() {
        let c = set_cookie(SESSION_COOKIE, "t", None, true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "t", None, false)
            .to_str()
            .unwrap()
            .contains("Secure"));
    }
}
