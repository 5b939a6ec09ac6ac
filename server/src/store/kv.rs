//! The ordered key-value trees the store is written in, on either backend:
//! - **sled** (embedded, the default): a tree is a sled tree;
//! - **PostgreSQL** (and the engines that speak its protocol: CockroachDB, YugabyteDB): a
//!   tree is the rows of table `kv` with its name, `(tree, k)` the primary key, so a range of
//!   keys is an index range scan and a batch is one transaction.
//!
//! The interface is the part of sled's the store uses — point reads and writes, ordered
//! scans both ways, atomic batches, compare-and-swap, a process-wide id — so every module of
//! the store runs unchanged on both. What must be atomic across several server nodes
//! (`Db::exclusive`) takes a row lock in PostgreSQL and a mutex with sled (one process).
//!
//! SQL is kept to what PostgreSQL, CockroachDB and YugabyteDB all accept: plain tables,
//! `INSERT … ON CONFLICT`, `SELECT … FOR UPDATE`, no advisory locks, no LISTEN/NOTIFY, no
//! reliance on sequence order.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::{Bound, RangeBounds};
use std::sync::{Arc, Mutex};

pub use sled::IVec;

use super::{Result, StoreError};

/// Rows fetched per round trip when a PostgreSQL scan pages.
const PAGE: i64 = 512;

/// A database: the trees of one sled database, or one PostgreSQL schema.
#[derive(Clone, Debug)]
pub enum Db {
    Sled(sled::Db, Arc<Mutex<HashMap<String, Arc<Mutex<()>>>>>),
    Pg(Pg),
}

/// A PostgreSQL connection pool and the schema (namespace) the store's tables live in.
#[derive(Clone)]
pub struct Pg {
    pool: Arc<Connections>,
    /// Which of the store's databases (`db`, or a node's `views:NAME`) this handle is.
    db: String,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pg").field("db", &self.db).finish()
    }
}

/// The schema the store's tables are created in: versioned, each step run once, in order.
pub const PG_SCHEMA: &[&str] = &[
    // 1: the trees of both store databases, and the lock rows of `Db::exclusive`.
    "CREATE TABLE IF NOT EXISTS kv (
        db TEXT NOT NULL,
        tree TEXT NOT NULL,
        k BYTEA NOT NULL,
        v BYTEA NOT NULL,
        PRIMARY KEY (db, tree, k)
    );
    CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS ids (name TEXT PRIMARY KEY, next BIGINT NOT NULL);",
    // 2: the op log's rows and the organisations' counter rows.
    super::pglog::SCHEMA,
];

pub(super) fn pg_err(e: postgres::Error) -> StoreError {
    StoreError::Postgres(describe(&e))
}

/// What the database said (the client's own `Display` is only "db error" for those), or
/// the client's error with its cause.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

fn pool_err(e: r2d2::Error) -> StoreError {
    StoreError::Postgres(format!("no database connection: {e}"))
}

impl Pg {
    /// Connect to `url` (`postgres://user:pass@host/db`), with `size` connections at most,
    /// and bring the schema up to date.
    pub fn connect(url: &str, size: u32) -> Result<Pool> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Postgres(format!("bad database URL: {e}")))?;
        // One connection first, so a wrong address, password or database is said plainly
        // rather than as a pool's time-out.
        off_runtime(|| config.connect(postgres::NoTls).map(drop)).map_err(|e| {
            StoreError::Postgres(format!("cannot connect to the database: {}", describe(&e)))
        })?;
        let manager = r2d2_postgres::PostgresConnectionManager::new(config, postgres::NoTls);
        let pool = r2d2::Pool::builder()
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .max_size(size.max(2))
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)
            .map_err(pool_err)?;
        let pool = Pool(Arc::new(Connections(Some(pool))));
        pool.migrate()?;
        Ok(pool)
    }
}

/// A connection pool to the store's PostgreSQL database.
#[derive(Clone)]
pub struct Pool(Arc<Connections>);

type R2d2 = r2d2::Pool<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>;

/// The r2d2 pool, closed off the async workers when the last handle goes (closing a
/// connection blocks on the client's own runtime).
pub struct Connections(Option<R2d2>);

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connections")
    }
}

impl std::ops::Deref for Connections {
    type Target = R2d2;
    fn deref(&self) -> &R2d2 {
        self.0
            .as_ref()
            .expect("the pool is only taken when dropped")
    }
}

impl Drop for Connections {
    fn drop(&mut self) {
        let pool = self.0.take();
        off_runtime(move || drop(pool));
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

/// A checked-out connection.
pub type Conn = r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>;

impl Pool {
    pub fn get(&self) -> Result<Conn> {
        self.0.get().map_err(pool_err)
    }

    /// Run the schema steps this database has not run yet, each in its own transaction with
    /// its version number, so two nodes starting at once run each step once.
    fn migrate(&self) -> Result<()> {
        off_runtime(|| {
            let mut c = self.get()?;
            c.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY)")
                .map_err(pg_err)?;
            for (i, step) in PG_SCHEMA.iter().enumerate() {
                let version = i as i32 + 1;
                retry(|| {
                    let mut tx = c.transaction()?;
                    let done = tx
                        .query_opt(
                            "SELECT version FROM schema_version WHERE version = $1",
                            &[&version],
                        )?
                        .is_some();
                    if !done {
                        tx.batch_execute(step)?;
                        tx.execute(
                        "INSERT INTO schema_version (version) VALUES ($1) ON CONFLICT DO NOTHING",
                        &[&version],
                    )?;
                    }
                    tx.commit()
                })?;
            }
            Ok(())
        })
    }

    /// The handle of one of the store's databases.
    pub fn db(&self, name: &str) -> Db {
        Db::Pg(Pg {
            pool: Arc::clone(&self.0),
            db: name.to_string(),
        })
    }
}

/// Run `f` again while PostgreSQL (or a distributed engine) says the transaction must be
/// retried (serialization failure, deadlock), a few times.
pub fn retry<T>(mut f: impl FnMut() -> Result<T, postgres::Error>) -> Result<T> {
    let mut tries = 0;
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e)
                if tries < 8
                    && e.code().is_some_and(|c| {
                        *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                            || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                    }) =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(5 << tries.min(6)));
            }
            Err(e) => return Err(pg_err(e)),
        }
    }
}

impl Db {
    /// The sled database underneath, when the store is on sled (backups read it whole).
    pub fn as_sled(&self) -> Option<&sled::Db> {
        match self {
            Db::Sled(db, _) => Some(db),
            Db::Pg(_) => None,
        }
    }

    pub fn sled(db: sled::Db) -> Self {
        Db::Sled(db, Arc::default())
    }

    pub fn open_tree(&self, name: &str) -> Result<Tree> {
        Ok(match self {
            Db::Sled(db, _) => Tree::Sled(db.open_tree(name)?),
            Db::Pg(pg) => Tree::Pg(PgTree {
                pg: pg.clone(),
                tree: name.to_string(),
            }),
        })
    }

    pub fn tree_exists(&self, name: &str) -> Result<bool> {
        match self {
            Db::Sled(db, _) => Ok(db.tree_names().iter().any(|n| &n[..] == name.as_bytes())),
            Db::Pg(pg) => off_runtime(|| {
                let mut c = pg.pool.get().map_err(pool_err)?;
                Ok(c.query_opt(
                    "SELECT 1 FROM kv WHERE db = $1 AND tree = $2 LIMIT 1",
                    &[&pg.db, &name],
                )
                .map_err(pg_err)?
                .is_some())
            }),
        }
    }

    pub fn drop_tree(&self, name: &str) -> Result<()> {
        match self {
            Db::Sled(db, _) => {
                db.drop_tree(name)?;
            }
            Db::Pg(_) => self.open_tree(name)?.clear()?,
        }
        Ok(())
    }

    /// Drop every tree of the database at once (a lost database; tests).
    pub fn clear_all(&self) -> Result<()> {
        match self {
            Db::Sled(db, _) => {
                for name in db.tree_names() {
                    // sled's default tree cannot be dropped: it is emptied.
                    if name == db.name() {
                        db.clear()?;
                    } else {
                        db.drop_tree(&name)?;
                    }
                }
                db.flush()?;
                Ok(())
            }
            Db::Pg(pg) => off_runtime(|| {
                let mut c = pg.pool.get().map_err(pool_err)?;
                c.execute("DELETE FROM kv WHERE db = $1", &[&pg.db])
                    .map_err(pg_err)?;
                Ok(())
            }),
        }
    }

    /// Make every write so far durable (sled flushes; PostgreSQL commits as it goes).
    pub fn flush(&self) -> Result<()> {
        if let Db::Sled(db, _) = self {
            db.flush()?;
        }
        Ok(())
    }

    /// Bytes the database takes (sled: on disk; PostgreSQL: its `kv` rows).
    pub fn size_on_disk(&self) -> Result<u64> {
        match self {
            Db::Sled(db, _) => Ok(db.size_on_disk()?),
            Db::Pg(pg) => off_runtime(|| {
                let mut c = pg.pool.get().map_err(pool_err)?;
                let n: i64 = c
                    .query_one(
                        "SELECT COALESCE(SUM(octet_length(k) + octet_length(v)), 0)::BIGINT FROM kv WHERE db = $1",
                        &[&pg.db],
                    )
                    .map_err(pg_err)?
                    .get(0);
                Ok(n.max(0) as u64)
            }),
        }
    }

    /// A number never handed out before in this database, increasing.
    pub fn generate_id(&self) -> Result<u64> {
        match self {
            Db::Sled(db, _) => Ok(db.generate_id()?),
            Db::Pg(pg) => off_runtime(|| {
                let mut c = pg.pool.get().map_err(pool_err)?;
                let name = format!("{}/id", pg.db);
                let next: i64 = retry(|| {
                    c.query_one(
                        "INSERT INTO ids (name, next) VALUES ($1, 1)
                         ON CONFLICT (name) DO UPDATE SET next = ids.next + 1
                         RETURNING next",
                        &[&name],
                    )
                    .map(|r| r.get(0))
                })?;
                Ok(next as u64)
            }),
        }
    }

    /// Run `f` while no other holder of lock `name` — in this process or on another node
    /// on the same database — runs it: a mutex with sled, a row lock held by an open
    /// transaction with PostgreSQL (released if the node dies).
    pub fn exclusive<T>(&self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        match self {
            Db::Sled(_, locks) => {
                let lock = Arc::clone(crate::lock(locks).entry(name.to_string()).or_default());
                let _held = crate::lock(&lock);
                f()
            }
            Db::Pg(_) => {
                let _held = self.hold(name)?;
                f()
            }
        }
    }

    /// Across nodes, hold lock `name` until the guard is dropped (nothing with sled, where
    /// one process owns the database and its own mutexes suffice): a row lock in a
    /// transaction left open on a connection of its own, so a node that dies lets go.
    pub fn hold(&self, name: &str) -> Result<Held> {
        match self {
            Db::Sled(..) => Ok(Held(None)),
            Db::Pg(pg) => off_runtime(|| {
                let mut c = pg.pool.get().map_err(pool_err)?;
                let name = format!("{}/{name}", pg.db);
                c.execute(
                    "INSERT INTO locks (name) VALUES ($1) ON CONFLICT DO NOTHING",
                    &[&name],
                )
                .map_err(pg_err)?;
                c.batch_execute("BEGIN").map_err(pg_err)?;
                if let Err(e) = c.query_one(
                    "SELECT name FROM locks WHERE name = $1 FOR UPDATE",
                    &[&name],
                ) {
                    let _ = c.batch_execute("ROLLBACK");
                    return Err(pg_err(e));
                }
                Ok(Held(Some(c)))
            }),
        }
    }
}

/// A cross-node lock, let go when dropped (see [`Db::hold`]).
pub struct Held(Option<Conn>);

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Held(row lock)"
        } else {
            "Held(-)"
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            if let Err(e) = off_runtime(|| c.batch_execute("COMMIT")) {
                tracing::warn!(error = %e, "releasing a database lock");
            }
        }
        // The connection goes back to the pool (or is closed) off the async workers too.
        let conn = self.0.take();
        off_runtime(move || drop(conn));
    }
}

/// Writes gathered for one atomic apply: the last write to a key wins.
#[derive(Clone, Debug, Default)]
pub struct Batch(BTreeMap<Vec<u8>, Option<Vec<u8>>>);

impl Batch {
    pub fn insert(&mut self, k: impl AsRef<[u8]>, v: impl AsRef<[u8]>) {
        self.0
            .insert(k.as_ref().to_vec(), Some(v.as_ref().to_vec()));
    }

    pub fn remove(&mut self, k: impl AsRef<[u8]>) {
        self.0.insert(k.as_ref().to_vec(), None);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// An ordered tree of keys and values.
#[derive(Clone, Debug)]
pub enum Tree {
    Sled(sled::Tree),
    Pg(PgTree),
}

/// A tree on PostgreSQL: the `kv` rows with its database and name.
#[derive(Clone, Debug)]
pub struct PgTree {
    pg: Pg,
    tree: String,
}

/// The smallest key after every key that starts with `prefix` (`None`: no such key).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl Tree {
    /// The sled tree underneath (migrations of older sled data dirs run in sled's own
    /// multi-tree transactions; a PostgreSQL database never held an older format).
    pub fn as_sled(&self) -> Option<&sled::Tree> {
        match self {
            Tree::Sled(t) => Some(t),
            Tree::Pg(_) => None,
        }
    }

    pub fn get(&self, k: impl AsRef<[u8]>) -> Result<Option<IVec>> {
        match self {
            Tree::Sled(t) => Ok(t.get(k)?),
            Tree::Pg(t) => t.get(k.as_ref()),
        }
    }

    pub fn contains_key(&self, k: impl AsRef<[u8]>) -> Result<bool> {
        Ok(self.get(k)?.is_some())
    }

    pub fn insert(&self, k: impl AsRef<[u8]>, v: impl AsRef<[u8]>) -> Result<()> {
        let mut b = Batch::default();
        b.insert(k, v);
        self.apply_batch(b)
    }

    pub fn remove(&self, k: impl AsRef<[u8]>) -> Result<()> {
        let mut b = Batch::default();
        b.remove(k);
        self.apply_batch(b)
    }

    /// Apply every write of `b` at once: all or none.
    pub fn apply_batch(&self, b: Batch) -> Result<()> {
        match self {
            Tree::Sled(t) => {
                let mut s = sled::Batch::default();
                for (k, v) in b.0 {
                    match v {
                        Some(v) => s.insert(k, v),
                        None => s.remove(k),
                    }
                }
                Ok(t.apply_batch(s)?)
            }
            Tree::Pg(t) => t.apply(b),
        }
    }

    /// Write `new` at `k` if `k` holds `old` now (`None`: absent), atomically; whether it did.
    pub fn compare_and_swap(
        &self,
        k: impl AsRef<[u8]>,
        old: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool> {
        match self {
            Tree::Sled(t) => Ok(t.compare_and_swap(k, old, new)?.is_ok()),
            Tree::Pg(t) => t.compare_and_swap(k.as_ref(), old, new),
        }
    }

    /// Drop every key.
    pub fn clear(&self) -> Result<()> {
        match self {
            Tree::Sled(t) => Ok(t.clear()?),
            Tree::Pg(t) => off_runtime(|| {
                let mut c = t.pg.pool.get().map_err(pool_err)?;
                c.execute(
                    "DELETE FROM kv WHERE db = $1 AND tree = $2",
                    &[&t.pg.db, &t.tree],
                )
                .map_err(pg_err)?;
                Ok(())
            }),
        }
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.iter().next().transpose()?.is_none())
    }

    pub fn iter(&self) -> Iter {
        self.range::<std::ops::RangeFull, Vec<u8>>(..)
    }

    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        let prefix = prefix.as_ref().to_vec();
        match self {
            Tree::Sled(t) => Iter::Sled(t.scan_prefix(prefix)),
            Tree::Pg(_) => {
                let hi = match prefix_end(&prefix) {
                    Some(e) => Bound::Excluded(e),
                    None => Bound::Unbounded,
                };
                self.range_bounds(Bound::Included(prefix), hi)
            }
        }
    }

    pub fn range<R: RangeBounds<K>, K: AsRef<[u8]>>(&self, r: R) -> Iter {
        let conv = |b: Bound<&K>| match b {
            Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
            Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.range_bounds(conv(r.start_bound()), conv(r.end_bound()))
    }

    fn range_bounds(&self, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(t.range((lo, hi))),
            Tree::Pg(t) => Iter::Pg(PgIter {
                tree: t.clone(),
                lo,
                hi,
                front: VecDeque::new(),
                back: VecDeque::new(),
                front_done: false,
                back_done: false,
                error: None,
            }),
        }
    }
}

impl PgTree {
    fn get(&self, k: &[u8]) -> Result<Option<IVec>> {
        off_runtime(|| {
            let mut c = self.pg.pool.get().map_err(pool_err)?;
            Ok(c.query_opt(
                "SELECT v FROM kv WHERE db = $1 AND tree = $2 AND k = $3",
                &[&self.pg.db, &self.tree, &k],
            )
            .map_err(pg_err)?
            .map(|r| IVec::from(r.get::<_, Vec<u8>>(0))))
        })
    }

    fn apply(&self, b: Batch) -> Result<()> {
        if b.is_empty() {
            return Ok(());
        }
        let (mut put_k, mut put_v, mut del) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in b.0 {
            match v {
                Some(v) => {
                    put_k.push(k);
                    put_v.push(v);
                }
                None => del.push(k),
            }
        }
        off_runtime(|| {
            let mut c = self.pg.pool.get().map_err(pool_err)?;
            retry(|| {
                let mut tx = c.transaction()?;
                if !del.is_empty() {
                    tx.execute(
                        "DELETE FROM kv WHERE db = $1 AND tree = $2 AND k = ANY($3)",
                        &[&self.pg.db, &self.tree, &del],
                    )?;
                }
                for (ks, vs) in put_k.chunks(2000).zip(put_v.chunks(2000)) {
                    tx.execute(
                        "INSERT INTO kv (db, tree, k, v)
                     SELECT $1, $2, k, v FROM UNNEST($3::BYTEA[], $4::BYTEA[]) AS t(k, v)
                     ON CONFLICT (db, tree, k) DO UPDATE SET v = EXCLUDED.v",
                        &[&self.pg.db, &self.tree, &ks, &vs],
                    )?;
                }
                tx.commit()
            })
        })
    }

    fn compare_and_swap(&self, k: &[u8], old: Option<&[u8]>, new: Option<Vec<u8>>) -> Result<bool> {
        off_runtime(|| {
            let mut c = self.pg.pool.get().map_err(pool_err)?;
            retry(|| {
                let mut tx = c.transaction()?;
                let now: Option<Vec<u8>> = tx
                    .query_opt(
                        "SELECT v FROM kv WHERE db = $1 AND tree = $2 AND k = $3 FOR UPDATE",
                        &[&self.pg.db, &self.tree, &k],
                    )?
                    .map(|r| r.get(0));
                if now.as_deref() != old {
                    tx.rollback()?;
                    return Ok(false);
                }
                match &new {
                    Some(v) => {
                        let inserted = tx.execute(
                            "INSERT INTO kv (db, tree, k, v) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (db, tree, k) DO UPDATE SET v = EXCLUDED.v",
                            &[&self.pg.db, &self.tree, &k, v],
                        )?;
                        debug_assert_eq!(inserted, 1);
                    }
                    None => {
                        tx.execute(
                            "DELETE FROM kv WHERE db = $1 AND tree = $2 AND k = $3",
                            &[&self.pg.db, &self.tree, &k],
                        )?;
                    }
                }
                tx.commit()?;
                Ok(true)
            })
            // A concurrent insert of an absent key makes one of the two inserts conflict on
            // the primary key: that one lost the race.
            .or_else(|e| match e {
                StoreError::Postgres(ref m) if m.contains("duplicate key") => Ok(false),
                e => Err(e),
            })
        })
    }
}

/// An ordered scan, either way (`rev`, `next_back`), of keys and values.
pub enum Iter {
    Sled(sled::Iter),
    Pg(PgIter),
}

impl std::fmt::Debug for Iter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Iter")
    }
}

/// A PostgreSQL scan that fetches [`PAGE`] rows at a time from whichever end is read, the
/// two ends never passing each other.
#[allow(missing_debug_implementations)]
pub struct PgIter {
    tree: PgTree,
    lo: Bound<Vec<u8>>,
    hi: Bound<Vec<u8>>,
    front: VecDeque<(Vec<u8>, Vec<u8>)>,
    back: VecDeque<(Vec<u8>, Vec<u8>)>,
    front_done: bool,
    back_done: bool,
    error: Option<StoreError>,
}

impl PgIter {
    fn fetch(&mut self, ascending: bool) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut sql = String::from("SELECT k, v FROM kv WHERE db = $1 AND tree = $2");
        let mut params: Vec<Vec<u8>> = Vec::new();
        for (b, op_incl, op_excl) in [(&self.lo, ">=", ">"), (&self.hi, "<=", "<")] {
            match b {
                Bound::Included(k) => {
                    params.push(k.clone());
                    sql.push_str(&format!(" AND k {op_incl} ${}", params.len() + 2));
                }
                Bound::Excluded(k) => {
                    params.push(k.clone());
                    sql.push_str(&format!(" AND k {op_excl} ${}", params.len() + 2));
                }
                Bound::Unbounded => {}
            }
        }
        sql.push_str(if ascending {
            " ORDER BY k ASC"
        } else {
            " ORDER BY k DESC"
        });
        sql.push_str(&format!(" LIMIT {PAGE}"));
        off_runtime(|| {
            let mut c = self.tree.pg.pool.get().map_err(pool_err)?;
            let mut args: Vec<&(dyn postgres::types::ToSql + Sync)> =
                vec![&self.tree.pg.db, &self.tree.tree];
            for p in &params {
                args.push(p);
            }
            let rows = c.query(sql.as_str(), &args).map_err(pg_err)?;
            Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }

    fn pull(&mut self, front: bool) -> Option<Result<(IVec, IVec)>> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        loop {
            let queue = if front {
                &mut self.front
            } else {
                &mut self.back
            };
            if let Some((k, v)) = queue.pop_front() {
                // The bound moves past what was handed out, so the other end never
                // returns it again.
                if front {
                    self.lo = Bound::Excluded(k.clone());
                } else {
                    self.hi = Bound::Excluded(k.clone());
                }
                return Some(Ok((IVec::from(k), IVec::from(v))));
            }
            let done = if front {
                self.front_done
            } else {
                self.back_done
            };
            if done {
                return None;
            }
            match self.fetch(front) {
                Ok(rows) => {
                    let full = rows.len() as i64 == PAGE;
                    // Rows already taken at the other end are beyond the moved bound.
                    if front {
                        self.front_done = !full;
                        self.front.extend(rows);
                        self.back.clear();
                        self.back_done = false;
                    } else {
                        self.back_done = !full;
                        self.back.extend(rows);
                        self.front.clear();
                        self.front_done = false;
                    }
                    if (front && self.front.is_empty()) || (!front && self.back.is_empty()) {
                        return None;
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl Iterator for Iter {
    type Item = Result<(IVec, IVec)>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(i) => i.next().map(|r| r.map_err(Into::into)),
            Iter::Pg(i) => i.pull(true),
        }
    }
}

impl DoubleEndedIterator for Iter {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(i) => i.next_back().map(|r| r.map_err(Into::into)),
            Iter::Pg(i) => i.pull(false),
        }
    }
}

impl Iter {
    pub fn keys(self) -> impl DoubleEndedIterator<Item = Result<IVec>> {
        self.map(|r| r.map(|(k, _)| k))
    }

    pub fn values(self) -> impl DoubleEndedIterator<Item = Result<IVec>> {
        self.map(|r| r.map(|(_, v)| v))
    }
}

thread_local! {
    /// Set while a thread runs work handed off the async workers (`api::blocking`).
    static MAY_BLOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, which may block (a whole closure handed to `spawn_blocking`), marked so the
/// database calls in it run right here.
pub fn may_block<T>(f: impl FnOnce() -> T) -> T {
    let before = MAY_BLOCK.with(|m| m.replace(true));
    let out = f();
    MAY_BLOCK.with(|m| m.set(before));
    out
}

/// Run a database call. The PostgreSQL client blocks on a runtime of its own, which must not
/// happen on an async worker: called from inside a Tokio runtime (not from work marked with
/// [`may_block`], nor from the sequencer's and view updater's own threads), it runs on a
/// short-lived thread of its own while this one waits.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if MAY_BLOCK.with(|m| m.get()) || tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}
