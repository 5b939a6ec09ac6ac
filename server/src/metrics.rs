//! The server's measurements, rendered in the Prometheus text format by `GET /metrics`.
//!
//! Each server has its own recorder from `metrics-exporter-prometheus` — built, never
//! installed as the process's global recorder (tests run many servers in one process), and
//! without the exporter's own HTTP listener: the router renders it. The handles of the fixed
//! series are registered once and kept here, so recording is an atomic add or a lock-free
//! push onto a histogram's bucket, never a lock held on the acknowledgment path. Series per
//! organisation (view lag, failed partitions) are gauges set from the store when `/metrics`
//! is rendered, so they cost nothing in between.
//!
//! | name | type | labels | what |
//! |---|---|---|---|
//! | `firecheck_sync_requests_total` | counter | `outcome`: `ok`, `refused` (a 4xx other than 401), `unauthorized`, `unavailable` (503), `error` | `POST /v1/sync` answers |
//! | `firecheck_ops_total` | counter | `result`: `accepted`, `duplicate`, `rejected` | pushed ops by ack |
//! | `firecheck_group_commit_ops` | histogram | | ops stored per group commit |
//! | `firecheck_group_commit_seconds` | histogram | | a group commit: plan, write, flush |
//! | `firecheck_group_commit_failures_total` | counter | | group commits that failed (nothing acked) |
//! | `firecheck_view_lag_ops` | gauge | `org` | log head minus what the views cover |
//! | `firecheck_failed_partitions` | gauge | `org` | partitions the view updater cannot fold |
//! | `firecheck_review_read_seconds` | histogram | `route` (matched, e.g. `/v1/hazards/{id}`) | review reads |
//! | `firecheck_login_failures_total` | counter | `reason`: `wrong_password`, `locked`, `disabled`, `password_change_required`, `device_refused` | refused logins and password changes |

use std::time::Duration;

use metrics::{Counter, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::store::Store;
use crate::views::Views;

static META: Metadata<'static> = Metadata::new("firecheck_server", Level::INFO, None);

const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
const OPS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 20000.0,
];

/// How a sync request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    Ok,
    Refused,
    Unauthorized,
    Unavailable,
    Error,
}

impl SyncOutcome {
    const ALL: [SyncOutcome; 5] = [
        SyncOutcome::Ok,
        SyncOutcome::Refused,
        SyncOutcome::Unauthorized,
        SyncOutcome::Unavailable,
        SyncOutcome::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            SyncOutcome::Ok => "ok",
            SyncOutcome::Refused => "refused",
            SyncOutcome::Unauthorized => "unauthorized",
            SyncOutcome::Unavailable => "unavailable",
            SyncOutcome::Error => "error",
        }
    }

    /// The outcome an answer's status means.
    pub fn of_status(status: axum::http::StatusCode) -> Self {
        match status.as_u16() {
            200..=299 => SyncOutcome::Ok,
            401 => SyncOutcome::Unauthorized,
            503 => SyncOutcome::Unavailable,
            400..=499 => SyncOutcome::Refused,
            _ => SyncOutcome::Error,
        }
    }
}

/// Why a login (or a password change) was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown username or wrong password (not told apart, as to the caller).
    WrongPassword,
    /// Too many failures: the username is locked for a while.
    Locked,
    Disabled,
    PasswordChangeRequired,
    /// A revoked device, or one of another organisation.
    DeviceRefused,
}

impl LoginFailure {
    const ALL: [LoginFailure; 5] = [
        LoginFailure::WrongPassword,
        LoginFailure::Locked,
        LoginFailure::Disabled,
        LoginFailure::PasswordChangeRequired,
        LoginFailure::DeviceRefused,
    ];

    fn label(self) -> &'static str {
        match self {
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::Locked => "locked",
            LoginFailure::Disabled => "disabled",
            LoginFailure::PasswordChangeRequired => "password_change_required",
            LoginFailure::DeviceRefused => "device_refused",
        }
    }
}

/// One server's recorder and the handles of its fixed series.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    sync: Vec<Counter>,
    accepted: Counter,
    duplicate: Counter,
    rejected: Counter,
    commit_ops: Histogram,
    commit_seconds: Histogram,
    commit_failures: Counter,
    login_failures: Vec<Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn key(name: &'static str, labels: &[(&'static str, String)]) -> Key {
    Key::from_parts(
        name,
        labels
            .iter()
            .map(|(k, v)| Label::new(*k, v.clone()))
            .collect::<Vec<_>>(),
    )
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full("firecheck_group_commit_ops".into()), OPS)
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let describe = |name: &'static str, unit: Option<Unit>, help: &'static str| {
            recorder.describe_counter(KeyName::from(name), unit, help.into());
        };
        describe(
            "firecheck_sync_requests_total",
            None,
            "POST /v1/sync answers by outcome",
        );
        describe(
            "firecheck_ops_total",
            None,
            "Pushed ops by their ack: accepted, duplicate, rejected",
        );
        describe(
            "firecheck_group_commit_failures_total",
            None,
            "Group commits that failed; nothing in them was acknowledged",
        );
        describe(
            "firecheck_login_failures_total",
            None,
            "Refused logins and password changes by reason",
        );
        recorder.describe_histogram(
            KeyName::from("firecheck_group_commit_ops"),
            Some(Unit::Count),
            "Ops stored per group commit".into(),
        );
        recorder.describe_histogram(
            KeyName::from("firecheck_group_commit_seconds"),
            Some(Unit::Seconds),
            "Time of one group commit: plan, write, flush".into(),
        );
        recorder.describe_histogram(
            KeyName::from("firecheck_review_read_seconds"),
            Some(Unit::Seconds),
            "Review reads by matched route".into(),
        );
        recorder.describe_gauge(
            KeyName::from("firecheck_view_lag_ops"),
            Some(Unit::Count),
            "Ops in an organisation's log that its views do not cover yet".into(),
        );
        recorder.describe_gauge(
            KeyName::from("firecheck_failed_partitions"),
            Some(Unit::Count),
            "Partitions the view updater could not fold (see /v1/admin/stats)".into(),
        );
        let counter = |name, labels: &[(&'static str, String)]| {
            recorder.register_counter(&key(name, labels), &META)
        };
        let sync = SyncOutcome::ALL
            .iter()
            .map(|o| {
                counter(
                    "firecheck_sync_requests_total",
                    &[("outcome", o.label().into())],
                )
            })
            .collect();
        let login_failures = LoginFailure::ALL
            .iter()
            .map(|r| {
                counter(
                    "firecheck_login_failures_total",
                    &[("reason", r.label().into())],
                )
            })
            .collect();
        let ops = |result: &str| counter("firecheck_ops_total", &[("result", result.into())]);
        Self {
            accepted: ops("accepted"),
            duplicate: ops("duplicate"),
            rejected: ops("rejected"),
            commit_ops: recorder.register_histogram(&key("firecheck_group_commit_ops", &[]), &META),
            commit_seconds: recorder
                .register_histogram(&key("firecheck_group_commit_seconds", &[]), &META),
            commit_failures: counter("firecheck_group_commit_failures_total", &[]),
            sync,
            login_failures,
            handle,
            recorder,
        }
    }

    pub fn sync_request(&self, outcome: SyncOutcome) {
        let i = SyncOutcome::ALL
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(0);
        self.sync[i].increment(1);
    }

    pub fn ops(&self, accepted: u64, duplicate: u64, rejected: u64) {
        self.accepted.increment(accepted);
        self.duplicate.increment(duplicate);
        self.rejected.increment(rejected);
    }

    /// A group commit of `ops` ops that took `took`.
    pub fn group_commit(&self, ops: usize, took: Duration) {
        self.commit_ops.record(ops as f64);
        self.commit_seconds.record(took.as_secs_f64());
    }

    pub fn group_commit_failed(&self) {
        self.commit_failures.increment(1);
    }

    pub fn login_failure(&self, reason: LoginFailure) {
        let i = LoginFailure::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(0);
        self.login_failures[i].increment(1);
    }

    /// A review read of `route` (the matched path) that took `took`.
    pub fn review_read(&self, route: &str, took: Duration) {
        self.recorder
            .register_histogram(
                &key(
                    "firecheck_review_read_seconds",
                    &[("route", route.to_string())],
                ),
                &META,
            )
            .record(took.as_secs_f64());
    }

    /// Drain what histograms gathered since the last render, so they never grow without a
    /// scrape (the upkeep thread calls it every few seconds).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The text for `GET /metrics`: the per-organisation gauges read from the store now,
    /// then everything recorded.
    pub fn render(&self, store: &Store, views: &Views) -> crate::store::Result<String> {
        for org in store.orgs()? {
            let org = org.id;
            let label = [("org", org.to_string())];
            let lag = store.durable_seq(org).saturating_sub(views.covered(org));
            self.recorder
                .register_gauge(&key("firecheck_view_lag_ops", &label), &META)
                .set(lag as f64);
            self.recorder
                .register_gauge(&key("firecheck_failed_partitions", &label), &META)
                .set(store.failures(org)?.len() as f64);
        }
        Ok(self.handle.render())
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
