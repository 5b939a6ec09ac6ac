//! The server operator's endpoints: organisations and each one's first admin.
//!
//! Creating an organisation is the operator's act, not an organisation admin's: these
//! endpoints take the operator key (`auth::OperatorKey`, a file in the data dir that only
//! the host's operator can read) as a bearer token, never an access token. The key opens
//! nothing else: it is refused by every organisation endpoint, and access tokens are refused
//! here. Creating an organisation is recorded in its audit log, by the operator.

use axum::extract::{FromRequestParts, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::{bounded, new_user_record, NewAccount};
use super::{blocking, AppError, State};

/// A request that presented the operator key.
#[derive(Clone, Copy, Debug)]
pub struct Operator;

impl FromRequestParts<State> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| AppError::Unauthorized(msg!("operator-key-missing")))?;
        if state.operator.verify(token) {
            Ok(Operator)
        } else {
            Err(AppError::Unauthorized(msg!("operator-key-wrong")))
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// e.g. 枫林街道社区平安办
    pub name: String,
    /// The organisation's first admin, who then manages its accounts.
    pub admin: NewAccount,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedOrg {
    pub org: Org,
    pub admin: User,
}

/// Create an organisation (a subdistrict's safety office) with its first admin.
#[utoipa::path(post, path = "/v1/operator/orgs", tag = "operator", request_body = NewOrg,
    responses((status = 201, description = "Created", body = CreatedOrg),
        (status = 401, description = "Not the operator key", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "Username taken", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Invalid name, username or password", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("operator" = [])))]
pub async fn create_org(
    AxState(state): AxState<State>,
    _: Operator,
    Json(req): Json<NewOrg>,
) -> Result<(StatusCode, Json<CreatedOrg>), AppError> {
    bounded("name", &req.name)?;
    let org = Org {
        id: OrgId::new(),
        name: req.name.trim().to_string(),
    };
    // Checked (and hashed) before anything is stored, so a refused request stores nothing.
    let rec = new_user_record(org.id, Role::Admin, &req.admin).await?;
    let (org, rec) = blocking(&state, move |store| {
        store.create_org(&org, &rec, Timestamp::now().0)?;
        Ok((org, rec))
    })
    .await?;
    tracing::info!(org = %org.id, name = %org.name, admin = %rec.user.username, "organisation created by the operator");
    Ok((
        StatusCode::CREATED,
        Json(CreatedOrg {
            org,
            admin: rec.user,
        }),
    ))
}

/// Every organisation on this server.
#[utoipa::path(get, path = "/v1/operator/orgs", tag = "operator",
    responses((status = 200, description = "Organisations", body = Vec<Org>),
        (status = 401, description = "Not the operator key", body = firecheck_shared::sync::ErrorBody)),
    security(("operator" = [])))]
pub async fn list_orgs(
    AxState(state): AxState<State>,
    _: Operator,
) -> Result<Json<Vec<Org>>, AppError> {
    let mut orgs = blocking(&state, |store| Ok(store.orgs()?)).await?;
    orgs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(orgs))
}
