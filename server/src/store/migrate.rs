//! Ordered migrations of the log's database (`db/`): each step takes a data dir from one
//! format to the next and writes its changes together with the new format number in one
//! transaction, so a crash leaves the old format (and the step runs again) or the new one.
//! Views need none: another format is dropped and folded again from the log.
//!
//! - 1 → 2: accounts gain their state ([`AccountStatus`]: enabled, no one-time password,
//!   session generation 0); attachments gain their holders — every organisation whose log
//!   refers to a stored attachment holds it (format 1 let any such organisation read it).
//!   Uploads left unfinished in the old layout are swept as usual.
//! - 2 → 3: nothing stored changes; the format says the data dir may now hold what an older
//!   server cannot read (the other channels' op kinds, intake keys and their audit records).

use std::collections::BTreeMap;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::Deserialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::accounts::{AccountStatus, UserRecord};
use super::blobs::{Holding, Uploader};
use super::{decode, key, Result, Store, StoreError, DATA_FORMAT};

/// A user as format 1 stored it.
#[derive(Deserialize)]
struct UserRecordV1 {
    user: User,
    password_hash: String,
    created_ms: i64,
}

/// Run every step from `from` to [`DATA_FORMAT`].
pub(super) fn run(store: &Store, meta: &super::kv::Tree, from: u32) -> Result<()> {
    let mut format = from;
    while format < DATA_FORMAT {
        match format {
            1 => v1_to_v2(store, meta)?,
            2 => set_format(store, meta, 3)?,
            other => {
                return Err(StoreError::Corrupt {
                    what: "format",
                    message: format!("no migration from format {other}"),
                })
            }
        }
        format += 1;
        tracing::info!(format, "data dir migrated");
    }
    Ok(())
}

/// A step that changes nothing stored but the recorded format.
fn set_format(store: &Store, meta: &super::kv::Tree, format: u32) -> Result<()> {
    meta.insert("format", format.to_le_bytes())?;
    store.db.flush()?;
    Ok(())
}

fn v1_to_v2(store: &Store, meta: &super::kv::Tree) -> Result<()> {
    let mut users = Vec::new();
    for item in store.accounts.scan_prefix([b'U']) {
        let (k, v) = item?;
        let old: UserRecordV1 = decode("user (format 1)", &v)?;
        let new = UserRecord {
            user: old.user,
            password_hash: old.password_hash,
            created_ms: old.created_ms,
            status: AccountStatus::default(),
        };
        users.push((k, encode_unframed(&new)));
    }
    // Each organisation holds the stored attachments its ops refer to, as sent by the first
    // op that named them.
    let mut holdings: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for org in store.orgs()? {
        let mut cursor = 0;
        loop {
            let (entries, more) = store.entries_after(org.id, cursor, 10_000)?;
            for (seq, entry) in &entries {
                cursor = *seq;
                for hash in entry.op.evidence() {
                    let k = key(b'H', &[org.id.as_bytes(), &hash.0]);
                    if holdings.contains_key(&k) {
                        continue;
                    }
                    if let Ok(Some(bytes)) = store.blob_bytes.complete_len(&hash) {
                        let holding = Holding {
                            by: Uploader {
                                device: entry.op.device,
                                user: entry.op.author,
                            },
                            at_ms: entry.received_ms,
                            bytes,
                        };
                        holdings.insert(k, encode_unframed(&holding));
                    }
                }
            }
            if !more {
                break;
            }
        }
    }
    let sled_trees = (
        store.accounts.as_sled(),
        store.uploads.as_sled(),
        meta.as_sled(),
    );
    let (Some(accounts), Some(uploads), Some(meta)) = sled_trees else {
        return Err(StoreError::Corrupt {
            what: "format",
            message: "only a sled data dir can hold the older format 1".into(),
        });
    };
    let written = (accounts, uploads, meta).transaction(|(accounts, uploads, meta)| {
        for (k, v) in &users {
            accounts.insert(k.clone(), v.clone())?;
        }
        for (k, v) in &holdings {
            uploads.insert(k.clone(), v.clone())?;
        }
        meta.insert("format", &2u32.to_le_bytes())?;
        Ok::<_, ConflictableTransactionError<()>>(())
    });
    match written {
        Ok(()) => {}
        Err(TransactionError::Storage(e)) => return Err(e.into()),
        Err(TransactionError::Abort(())) => unreachable!("the migration never aborts"),
    }
    store.db.flush()?;
    tracing::info!(
        users = users.len(),
        holdings = holdings.len(),
        "format 1 → 2: account states and attachment holders"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct UserRecordV1Out {
        user: User,
        password_hash: String,
        created_ms: i64,
    }

    /// A format-1 data dir (users without state, a blob referred to by an op, no holders)
    /// opens as format 2: the users read with default state, the organisation holds its
    /// blob, another organisation does not.
    #[test]
    fn format_1_data_dirs_migrate_to_format_2() {
        let dir = tempfile::tempdir().unwrap();
        let (org, other) = (
            Org {
                id: OrgId::new(),
                name: "斜土街道社区平安办".into(),
            },
            Org {
                id: OrgId::new(),
                name: "枫林街道社区平安办".into(),
            },
        );
        let user = User {
            id: UserId::new(),
            org: org.id,
            username: "zhangwei".into(),
            display_name: "张伟".into(),
            role: Role::Inspector,
        };
        let photo = b"\xff\xd8\xff\xe0 a photo".to_vec();
        let hash = BlobHash::of(&photo);
        {
            let store = Store::open(dir.path(), 8 << 20).unwrap();
            store.put_org(&org).unwrap();
            store.put_org(&other).unwrap();
            store
                .accounts
                .insert(
                    key(b'U', &[b"zhangwei"]),
                    encode_unframed(&UserRecordV1Out {
                        user: user.clone(),
                        password_hash: "$argon2id$…".into(),
                        created_ms: 7,
                    }),
                )
                .unwrap();
            let device = DeviceId::new();
            let op = Op {
                op_id: OpId::new(),
                device,
                device_seq: 1,
                entity: EntityRef::Venue(VenueId::new()),
                hlc: Hlc {
                    wall_ms: 1,
                    counter: 0,
                    node: 1,
                },
                author: user.id,
                body: OpBody::HazardReportedFixed {
                    note: "电池已移出".into(),
                    evidence: vec![hash],
                },
            };
            let mut batch = super::super::CommitBatch::default();
            batch
                .entries
                .push((org.id, 1, super::super::LogEntry { received_ms: 5, op }));
            store.commit(&batch).unwrap();
            std::fs::write(dir.path().join("blobs").join(hash.to_hex()), &photo).unwrap();
            store
                .db
                .open_tree("meta")
                .unwrap()
                .insert("format", 1u32.to_le_bytes())
                .unwrap();
            store.flush().unwrap();
        }
        let store = Store::open(dir.path(), 8 << 20).unwrap();
        let rec = store.user("zhangwei").unwrap().unwrap();
        assert_eq!(rec.user, user);
        assert_eq!(rec.created_ms, 7);
        assert_eq!(rec.status, AccountStatus::default());
        assert!(store.holds(org.id, &hash).unwrap());
        assert!(!store.holds(other.id, &hash).unwrap());
        let meta = store.db.open_tree("meta").unwrap();
        assert_eq!(super::super::read_format(&meta).unwrap(), Some(DATA_FORMAT));
        drop((meta, store));
        // Opening again runs nothing twice.
        let store = Store::open(dir.path(), 8 << 20).unwrap();
        assert_eq!(store.user("zhangwei").unwrap().unwrap().user, user);
    }

    /// A format-2 data dir opens as format 3 with everything it held as it was.
    #[test]
    fn format_2_data_dirs_migrate_to_format_3_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let org = Org {
            id: OrgId::new(),
            name: "斜土街道社区平安办".into(),
        };
        let before = {
            let store = Store::open(dir.path(), 8 << 20).unwrap();
            store.put_org(&org).unwrap();
            store
                .db
                .open_tree("meta")
                .unwrap()
                .insert("format", 2u32.to_le_bytes())
                .unwrap();
            store.flush().unwrap();
            store.orgs().unwrap()
        };
        let store = Store::open(dir.path(), 8 << 20).unwrap();
        assert_eq!(store.orgs().unwrap(), before);
        let meta = store.db.open_tree("meta").unwrap();
        assert_eq!(super::super::read_format(&meta).unwrap(), Some(3));
    }
}
