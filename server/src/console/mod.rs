//! The safety office's console: server-rendered pages in Chinese at the server's root.
//!
//! It reads through the same review queries as the JSON API (`api::review`'s helpers over
//! the store's indexes) and writes only through ops: a browser logged in to the console is
//! a registered device of its user, with its own gap-free `device_seq`, so the log stays the
//! one truth and inspectors' devices pull the office's actions like any other op.
//!
//! # Layout
//! - [`session`] — log in and out, the session cookie, the CSRF token every form carries.
//! - [`act`] — an officer's action as an op: the console device's `device_seq`, its clock,
//!   one op per form however often it is submitted.
//! - [`board`] — `/`: counts per street, the filtered hazard list, its exports.
//! - [`hazard`] — `/hazards/{id}`: facts, photos, where it came from (citizen report, drill,
//!   visit), the reports linked to it and the reply to citizens, history with conflicts, the
//!   officer's actions; the rectification notice.
//! - [`campaign`] — `/campaigns`, `/campaigns/{id}`: coverage per street, a plan of the
//!   targets drawn from their coordinates.
//! - [`venue`] — `/venues`, `/venues/{id}`: details (closed or moved, and why), inspections
//!   over time, open hazards, the venue's rectification notice.
//! - [`drill`] — `/drills`, `/drills/{id}`: the record and its findings as tracked items;
//!   officers record a finding there.
//! - [`visit`] — `/visits`, `/visits/report`: resident visits, and an area's report of the
//!   problems raised and how each was handled (走访反馈).
//! - [`assets`] — the stylesheet, htmx, photos (through the session).
//! - [`text`] — the Chinese names of statuses, severities, kinds and actions.
//!
//! **Architecture Invariant:** the console never takes a bearer token and never writes
//! anything but ops through the sequencer (and its own sessions); every page takes the
//! organisation from the session, never from the request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use firecheck_shared::*;

use crate::api::{AppError, State};

pub mod act;
pub mod assets;
pub mod board;
pub mod campaign;
pub mod drill;
pub mod hazard;
pub mod session;
pub mod text;
pub mod venue;
pub mod visit;

pub use session::Session;

/// What the console keeps in memory: one lock and clock per console device (so two tabs
/// never give two ops one `device_seq`), and whether the server speaks https.
#[derive(Debug, Default)]
pub struct ConsoleState {
    devices: Mutex<HashMap<DeviceId, Arc<tokio::sync::Mutex<HlcClock>>>>,
    tls: AtomicBool,
}

impl ConsoleState {
    /// The server serves https itself: session cookies are marked `Secure`.
    pub fn set_tls(&self) {
        self.tls.store(true, Ordering::Relaxed);
    }

    pub fn tls(&self) -> bool {
        self.tls.load(Ordering::Relaxed)
    }

    /// The lock and clock of a console device.
    fn device(&self, id: DeviceId) -> Arc<tokio::sync::Mutex<HlcClock>> {
        let mut map = crate::lock(&self.devices);
        Arc::clone(
            map.entry(id).or_insert_with(|| {
                Arc::new(tokio::sync::Mutex::new(HlcClock::new(hlc::node_of(&id))))
            }),
        )
    }
}

/// The console's routes (merged into `api::app`).
pub fn routes() -> Router<State> {
    Router::new()
        .route("/", get(board::page))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/hazards/{id}", get(hazard::page))
        .route("/hazards/{id}/act", post(hazard::act))
        .route("/hazards/{id}/notice", get(hazard::notice))
        .route("/campaigns", get(campaign::list))
        .route("/campaigns/{id}", get(campaign::page))
        .route("/venues", get(venue::list))
        .route("/venues/{id}", get(venue::page))
        .route("/venues/{id}/notice", get(venue::notice))
        .route("/drills", get(drill::list))
        .route("/drills/{id}", get(drill::page))
        .route("/drills/{id}/findings", post(drill::finding))
        .route("/visits", get(visit::list))
        .route("/visits/report", get(visit::report))
        .route("/exports/{file}", get(board::export))
        .route("/photos/{hash}", get(assets::photo))
        .route("/static/{file}", get(assets::file))
}

/// What every page's frame shows: who is logged in, and the token its forms carry.
#[derive(Debug, Clone)]
pub struct Frame {
    pub org_name: String,
    pub display_name: String,
    pub role: &'static str,
    pub csrf: String,
    /// Whether this user may act (officers).
    pub officer: bool,
}

impl Frame {
    pub fn of(s: &Session) -> Self {
        Self {
            org_name: s.org_name.clone(),
            display_name: s.user.display_name.clone(),
            role: text::role(s.user.role),
            csrf: s.csrf.clone(),
            officer: s.user.role == Role::Officer,
        }
    }
}

/// A page rendered, or the error page.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console page failed to render");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &t!(text::LANG, "page-error-title"),
                &t!(text::LANG, "page-render-failed"),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A plain page saying what went wrong, with this status.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| message.to_string());
    (status, Html(html)).into_response()
}

/// An error on a console page: the API's error, shown as a page in Chinese.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self.0 {
            AppError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                msg!("page-not-found-title"),
                msg!("page-not-found"),
            ),
            AppError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                msg!("page-forbidden-title"),
                msg!("page-forbidden"),
            ),
            AppError::BadRequest(m) | AppError::Unprocessable(m) => (
                StatusCode::BAD_REQUEST,
                msg!("page-bad-input-title"),
                msg!("page-bad-input", detail = m),
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                msg!("page-unavailable-title"),
                msg!("page-unavailable"),
            ),
            other => {
                tracing::error!(error = ?other, "console page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    msg!("page-error-title"),
                    msg!("page-server-error"),
                )
            }
        };
        error_page(
            status,
            &title.render(text::LANG),
            &message.render(text::LANG),
        )
    }
}

pub type PageResult = Result<Response, PageError>;

/// An id from the page's path: one that does not parse names nothing here (404).
pub fn parse_id<T: std::str::FromStr<Err = validate::ValidationError>>(
    id: &str,
) -> Result<T, PageError> {
    id.parse()
        .map_err(|e: validate::ValidationError| PageError(AppError::NotFound(e.msg())))
}

/// Percent-encode a query-string value (UTF-8, everything but unreserved characters).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A query string from pairs whose value is not empty (`a=1&b=%E5%B0%8F`).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A venue's address with its street, once: "小木桥路 251号" whether or not the address
/// already names the street.
pub fn full_address(street: &str, address: &str) -> String {
    if address.starts_with(street) || street.is_empty() {
        address.to_string()
    } else if address.is_empty() {
        street.to_string()
    } else {
        format!("{street} {address}")
    }
}

/// "2026-11-30 21:05" in Shanghai time.
pub fn when(t: Timestamp) -> String {
    t.to_string()
}

/// A user's display name, from a map of the organisation's users (their id's short form
/// for one not found, e.g. a deleted account).
pub fn who(names: &HashMap<UserId, String>, id: UserId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.short())
}

/// The organisation's users' display names by id, and its intake keys' names (the city
/// platform's deliveries are authored by their key).
pub fn user_names(
    store: &crate::store::Store,
    org: OrgId,
) -> Result<HashMap<UserId, String>, AppError> {
    let mut names: HashMap<UserId, String> = store
        .users()?
        .into_iter()
        .filter(|u| u.user.org == org)
        .map(|u| (u.user.id, u.user.display_name))
        .collect();
    for k in store.intake_keys(org)? {
        names.insert(k.key.author, k.key.name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_encode_chinese_and_drop_empty_values() {
        assert_eq!(
            query_string([("street", "小木桥路"), ("status", ""), ("overdue", "true")]),
            "street=%E5%B0%8F%E6%9C%A8%E6%A1%A5%E8%B7%AF&overdue=true"
        );
        assert_eq!(url_encode("a b&c=d"), "a%20b%26c%3Dd");
    }

    #[test]
    fn addresses_name_their_street_once() {
        assert_eq!(full_address("小木桥路", "小木桥路 251号"), "小木桥路 251号");
        assert_eq!(full_address("小木桥路", "251号"), "小木桥路 251号");
        assert_eq!(full_address("", "251号"), "251号");
        assert_eq!(full_address("小木桥路", ""), "小木桥路");
    }
}
