//! The administration messages: an organisation's accounts, its units, its audit log and its
//! op log as the admin reads them (`/v1/admin/…`, `/v1/units`, `/v1/auth/password`). JSON
//! only: these are typed by people and scripts, not pushed by devices in bulk.
//!
//! **Wire types**, frozen like [`crate::sync`]'s: fields are never renamed or removed and enum
//! variants are only appended. [`AuditRecord`] is also the server's stored form of an audit
//! entry (bincode, which names variants by position), so appending is the only change it can
//! ever take.

use serde::{Deserialize, Serialize};

use crate::domain::{Role, User};
use crate::hlc::Hlc;
use crate::ids::*;
use crate::op::EntityRef;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Most records one page of `/v1/admin/audit` or `/v1/admin/log` returns.
pub const MAX_PAGE: u32 = 500;

/// An account as its organisation's admin sees it (`GET /v1/admin/users`): the user and the
/// state of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    /// A disabled account cannot log in; its tokens and devices stopped working when it was
    /// disabled. Enabling it lets it log in again.
    pub disabled: bool,
    /// The password is a one-time password an admin set: login answers
    /// `password_change_required` until the user chooses their own (`POST /v1/auth/password`).
    pub must_change_password: bool,
    pub created_ms: i64,
}

/// `POST /v1/admin/users/{username}/role`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoleChange {
    pub role: Role,
}

/// The answer to `POST /v1/admin/users/{username}/reset-password`: a one-time password, shown
/// this once, to hand to the user, who must change it at their next login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OneTimePassword {
    pub username: String,
    pub one_time_password: String,
}

impl std::fmt::Debug for OneTimePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneTimePassword")
            .field("username", &self.username)
            .field("one_time_password", &"<redacted>")
            .finish()
    }
}

/// `POST /v1/auth/password`: a user changes their own password, proving the old one (or the
/// one-time password an admin gave them). Needs no token, so it works while login refuses.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChange {
    pub username: String,
    pub old_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange")
            .field("username", &self.username)
            .field("old_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// A unit hazards are dispatched to (城管斜土中队, 斜土路派出所, a 居委, 消防救援站, 龙华中路站).
/// A dispatch op names its unit as it was called then, so renaming or retiring a unit never
/// changes a hazard's history; the list is what the office picks from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub created_ms: i64,
    /// Set when the unit was retired: no longer offered for new dispatches.
    pub retired_ms: Option<i64>,
}

/// `POST /v1/admin/units` (add) and `POST /v1/admin/units/{id}/rename`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UnitName {
    pub name: String,
}

/// Who did an audited action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Actor {
    /// The server's operator (the operator key).
    Operator,
    /// A user of the organisation, from this device (none when the action needs no login,
    /// as a password change).
    User {
        user: UserId,
        username: String,
        device: Option<DeviceId>,
    },
}

/// What an audited action did, and to what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AuditAction {
    /// The operator created the organisation with its first admin.
    OrgCreated {
        org: OrgId,
        name: String,
        admin: String,
    },
    UserCreated {
        user: UserId,
        username: String,
        role: Role,
    },
    RoleChanged {
        user: UserId,
        username: String,
        from: Role,
        to: Role,
    },
    UserDisabled {
        user: UserId,
        username: String,
    },
    UserEnabled {
        user: UserId,
        username: String,
    },
    /// An admin set a one-time password (never recorded) the user must change.
    PasswordReset {
        user: UserId,
        username: String,
    },
    /// The user chose a new password.
    PasswordChanged {
        user: UserId,
        username: String,
    },
    DeviceRevoked {
        device: DeviceId,
        name: String,
        user: UserId,
    },
    UnitAdded {
        unit: UnitId,
        name: String,
    },
    UnitRenamed {
        unit: UnitId,
        from: String,
        to: String,
    },
    UnitRetired {
        unit: UnitId,
        name: String,
    },
    /// An intake key for the city platform (一网统管) was created (the key itself is never
    /// recorded).
    IntakeKeyCreated {
        key: IntakeKeyId,
        name: String,
    },
    /// An intake key was revoked: its deliveries are refused from now on.
    IntakeKeyRevoked {
        key: IntakeKeyId,
        name: String,
    },
}

/// One entry of an organisation's audit log: append-only, never edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditRecord {
    /// Increases with every entry the server writes (any organisation's): newer is larger.
    pub id: u64,
    /// The server's clock when it recorded the action (ms since 1970).
    pub at_ms: i64,
    pub actor: Actor,
    pub action: AuditAction,
}

/// An intake key as its organisation's admin sees it (`GET /v1/admin/intake-keys`): never the
/// key itself, which is shown once when it is created and stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakeKey {
    pub id: IntakeKeyId,
    /// Who delivers with it, e.g. `一网统管（徐汇区城运中心）`.
    pub name: String,
    /// The server-side device its deliveries are ops of (with their own `device_seq`).
    pub device: DeviceId,
    /// The author its deliveries carry.
    pub author: UserId,
    pub created_ms: i64,
    /// Set when it was revoked: its deliveries are refused (401).
    pub revoked_ms: Option<i64>,
}

/// `POST /v1/admin/intake-keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakeKeyName {
    pub name: String,
}

/// The answer to `POST /v1/admin/intake-keys`: the key, shown this once, to hand to the
/// platform's integrators (`Authorization: Bearer <key>`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewIntakeKey {
    #[serde(flatten)]
    pub intake_key: IntakeKey,
    pub key: String,
}

impl std::fmt::Debug for NewIntakeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewIntakeKey")
            .field("intake_key", &self.intake_key)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// `GET /v1/admin/audit`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<u64>,
}

/// One op of the organisation's log, as the audit reads it: who, what, from which device,
/// when by the device's clock (`hlc`) and when the server received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LogRecord {
    pub seq: u64,
    pub received_ms: i64,
    pub op_id: OpId,
    /// The op body's kind, e.g. `hazard_closed`.
    pub kind: String,
    pub entity: EntityRef,
    pub author: UserId,
    /// The author's username (absent if the account is gone).
    pub author_name: Option<String>,
    pub device: DeviceId,
    /// The device's registered name (absent if unknown).
    pub device_name: Option<String>,
    pub hlc: Hlc,
}

/// `GET /v1/admin/log`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LogPage {
    pub items: Vec<LogRecord>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_unframed, encode_unframed};

    fn record(action: AuditAction) -> AuditRecord {
        AuditRecord {
            id: 42,
            at_ms: 1_790_000_000_000,
            actor: Actor::User {
                user: UserId::new(),
                username: "admin".into(),
                device: Some(DeviceId::new()),
            },
            action,
        }
    }

    fn every_action() -> Vec<AuditAction> {
        let (user, unit) = (UserId::new(), UnitId::new());
        let username = "zhangwei".to_string();
        vec![
            AuditAction::OrgCreated {
                org: OrgId::new(),
                name: "枫林街道社区平安办".into(),
                admin: "fenglin-admin".into(),
            },
            AuditAction::UserCreated {
                user,
                username: username.clone(),
                role: Role::Inspector,
            },
            AuditAction::RoleChanged {
                user,
                username: username.clone(),
                from: Role::Inspector,
                to: Role::Officer,
            },
            AuditAction::UserDisabled {
                user,
                username: username.clone(),
            },
            AuditAction::UserEnabled {
                user,
                username: username.clone(),
            },
            AuditAction::PasswordReset {
                user,
                username: username.clone(),
            },
            AuditAction::PasswordChanged { user, username },
            AuditAction::DeviceRevoked {
                device: DeviceId::new(),
                name: "张伟的手机".into(),
                user,
            },
            AuditAction::UnitAdded {
                unit,
                name: "城管斜土中队".into(),
            },
            AuditAction::UnitRenamed {
                unit,
                from: "城管斜土中队".into(),
                to: "徐汇城管斜土中队".into(),
            },
            AuditAction::UnitRetired {
                unit,
                name: "徐汇城管斜土中队".into(),
            },
            AuditAction::IntakeKeyCreated {
                key: IntakeKeyId::new(),
                name: "一网统管".into(),
            },
            AuditAction::IntakeKeyRevoked {
                key: IntakeKeyId::new(),
                name: "一网统管".into(),
            },
        ]
    }

    #[test]
    fn audit_records_round_trip_in_json_and_in_the_stored_form() {
        for action in every_action() {
            for actor in [
                Actor::Operator,
                Actor::User {
                    user: UserId::new(),
                    username: "admin".into(),
                    device: None,
                },
            ] {
                let r = AuditRecord {
                    actor,
                    ..record(action.clone())
                };
                let json = serde_json::to_string(&r).unwrap();
                assert_eq!(serde_json::from_str::<AuditRecord>(&json).unwrap(), r);
                assert_eq!(
                    decode_unframed::<AuditRecord>(&encode_unframed(&r)).unwrap(),
                    r
                );
            }
        }
    }

    /// The JSON shape clients read: the action keyed by its kind, the operator as a string.
    #[test]
    fn audit_json_is_keyed_by_kind() {
        let unit = UnitId::new();
        let r = AuditRecord {
            actor: Actor::Operator,
            ..record(AuditAction::UnitRetired {
                unit,
                name: "龙华中路站".into(),
            })
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["actor"], "operator");
        assert_eq!(v["action"]["unit_retired"]["name"], "龙华中路站");
        assert_eq!(v["action"]["unit_retired"]["unit"], unit.to_string());
    }

    /// The stored form names variants by position: the first and last variants keep their
    /// places (appending is the only allowed change).
    #[test]
    fn stored_audit_variants_keep_their_positions() {
        let actions = every_action();
        let first = encode_unframed(&actions[0]);
        assert_eq!(first[0], 0, "OrgCreated is variant 0");
        let retired = encode_unframed(&actions[10]);
        assert_eq!(retired[0], 10, "UnitRetired is variant 10");
        let last = encode_unframed(actions.last().unwrap());
        assert_eq!(last[0], 12, "IntakeKeyRevoked is variant 12");
    }

    #[test]
    fn accounts_flatten_the_user_and_secrets_stay_out_of_debug() {
        let a = Account {
            user: User {
                id: UserId::new(),
                org: OrgId::new(),
                username: "lina".into(),
                display_name: "李娜".into(),
                role: Role::Inspector,
            },
            disabled: true,
            must_change_password: false,
            created_ms: 1,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["username"], "lina");
        assert_eq!(v["disabled"], true);
        assert_eq!(serde_json::from_value::<Account>(v).unwrap(), a);
        let otp = OneTimePassword {
            username: "lina".into(),
            one_time_password: "s3cret-s3cret".into(),
        };
        assert!(!format!("{otp:?}").contains("s3cret"));
        let change = PasswordChange {
            username: "lina".into(),
            old_password: "old-s3cret".into(),
            new_password: "new-s3cret".into(),
        };
        assert!(!format!("{change:?}").contains("s3cret"));
        let key = NewIntakeKey {
            intake_key: IntakeKey {
                id: IntakeKeyId::new(),
                name: "一网统管".into(),
                device: DeviceId::new(),
                author: UserId::new(),
                created_ms: 1,
                revoked_ms: None,
            },
            key: "fcik_s3cret".into(),
        };
        assert!(!format!("{key:?}").contains("s3cret"));
        assert_eq!(serde_json::to_value(&key).unwrap()["name"], "一网统管");
    }
}
