//! Metrics for operators: what `/metrics` shows, in the Prometheus text format.
//!
//! Every figure is recorded here and nowhere else: the session actor and the connection tasks
//! call one method of [`Metrics`] at each place where something worth counting happens, so the
//! workshop code stays free of metric names, labels and buckets. Each server has its own
//! registry (no process-wide state), so tests that start several servers in one process read
//! only their own figures.
//!
//! Shapes chosen so that the cost stays out of the hot path: counters and histograms are single
//! atomic updates; gauges of live things (connections) are guards that count down when the thing
//! is dropped, so no exit path can forget them; the number of loaded sessions is read from the
//! registry when `/metrics` is scraped. Labels have a fixed, small set of values (roles, error
//! codes, store operations): never a session id or anything a client chose.
//!
//! Ack latency is measured per connection, from the moment the reader hands an intent to the
//! session until its ack or reject leaves the outbound queue for the socket ([`ConnMetrics`]): the
//! time a client waits, minus the network. The writer recognises replies by the first bytes of
//! the frame (the protocol serialises the message type first; a unit test holds it to that).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use draagvlak_protocol::view::Role;
use draagvlak_protocol::{ErrorCode, ServerMessage};
use prometheus::{
    Encoder as _, Histogram, HistogramOpts, HistogramTimer, HistogramVec, IntCounter,
    IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The `Content-Type` of the text format served at `/metrics`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Ack latencies kept per connection before further ones go unmeasured (a client that sends
/// far more than it waits for must not grow the map).
const MAX_PENDING_PER_CONN: usize = 1024;

/// The server's metrics; cheap to clone (one shared registry).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    sessions_loaded: IntGauge,
    websockets_open: IntGauge,
    connections: IntGaugeVec,
    intents_acked: IntCounter,
    intents_refused: IntCounterVec,
    ack_seconds: Histogram,
    fan_out_seconds: Histogram,
    tick_seconds: Histogram,
    mailbox_depth: Histogram,
    outbound_depth: Histogram,
    slow_consumers: IntCounterVec,
    snapshots_serialised: IntCounter,
    store_seconds: HistogramVec,
    store_failures: IntCounterVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Latency buckets in seconds: 0.5 ms to about 16 s, doubling.
fn latency_buckets() -> Vec<f64> {
    prometheus::exponential_buckets(0.0005, 2.0, 16).unwrap_or_default()
}

/// Queue depth buckets: 0, 1, 2, 4 … 1024 frames or commands.
fn depth_buckets() -> Vec<f64> {
    std::iter::once(0.0)
        .chain((0..=10).map(|i| f64::from(1u32 << i)))
        .collect()
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Metrics {
        let registry =
            Registry::new_custom(Some("draagvlak".into()), None).expect("a constant, valid prefix");
        fn register<M: prometheus::core::Collector + Clone + 'static>(r: &Registry, m: M) -> M {
            r.register(Box::new(m.clone()))
                .expect("metric names are constant and distinct");
            m
        }
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            register(
                &registry,
                Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
                    .expect("valid histogram"),
            )
        };
        let inner = Inner {
            sessions_loaded: register(
                &registry,
                IntGauge::new(
                    "sessions_loaded",
                    "Sessions whose actor is running (loaded in memory).",
                )
                .expect("valid gauge"),
            ),
            websockets_open: register(
                &registry,
                IntGauge::new(
                    "websockets_open",
                    "Open WebSocket connections, joined or not.",
                )
                .expect("valid gauge"),
            ),
            connections: register(
                &registry,
                IntGaugeVec::new(
                    Opts::new("connections", "Connections joined to a session, per role."),
                    &["role"],
                )
                .expect("valid gauge"),
            ),
            intents_acked: register(
                &registry,
                IntCounter::new(
                    "intents_acked_total",
                    "Intents acknowledged (applied and durable; a resend is acknowledged again).",
                )
                .expect("valid counter"),
            ),
            snapshots_serialised: register(
                &registry,
                IntCounter::new(
                    "snapshots_serialised_total",
                    "Snapshot frames serialised: once per audience and revision, however many \
                     connections join or resync at it.",
                )
                .expect("valid counter"),
            ),
            intents_refused: register(
                &registry,
                IntCounterVec::new(
                    Opts::new("intents_refused_total", "Intents refused, per error code."),
                    &["code"],
                )
                .expect("valid counter"),
            ),
            ack_seconds: histogram(
                "ack_latency_seconds",
                "From an intent read off the socket to its ack or reject handed to the socket.",
                latency_buckets(),
            ),
            fan_out_seconds: histogram(
                "fan_out_seconds",
                "Building and queueing one fan-out: every audience's delta and changed `me`.",
                latency_buckets(),
            ),
            tick_seconds: histogram(
                "tick_seconds",
                "One session tick: apply the batch, commit, write to the store, reply.",
                latency_buckets(),
            ),
            mailbox_depth: histogram(
                "session_mailbox_depth",
                "Commands waiting in a session's mailbox when a tick starts (its batch included).",
                depth_buckets(),
            ),
            outbound_depth: histogram(
                "outbound_queue_depth",
                "Frames left in a connection's outbound queue when one is taken to be sent.",
                depth_buckets(),
            ),
            slow_consumers: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "slow_consumers_total",
                        "Connections whose outbound queue was full: marked for a resync, or \
                         closed with slow_consumer after the grace period.",
                    ),
                    &["outcome"],
                )
                .expect("valid counter"),
            ),
            store_seconds: register(
                &registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "store_commit_seconds",
                        "SQLite transactions of the session actors, per operation.",
                    )
                    .buckets(latency_buckets()),
                    &["op"],
                )
                .expect("valid histogram"),
            ),
            store_failures: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "store_commit_failures_total",
                        "SQLite transactions of the session actors that failed, per operation.",
                    ),
                    &["op"],
                )
                .expect("valid counter"),
            ),
            registry,
        };
        // Every label value exists from the start, so a dashboard shows 0 instead of nothing.
        for role in [Role::Facilitator, Role::Participant, Role::Projector] {
            inner.connections.with_label_values(&[role_label(role)]);
        }
        for outcome in ["resync", "closed"] {
            inner.slow_consumers.with_label_values(&[outcome]);
        }
        for op in [StoreOp::Tick, StoreOp::Compact] {
            inner.store_seconds.with_label_values(&[op.as_str()]);
            inner.store_failures.with_label_values(&[op.as_str()]);
        }
        Metrics(Arc::new(inner))
    }

    /// The text served at `/metrics`. `sessions_loaded` is read from the registry of sessions
    /// at scrape time.
    pub fn render(&self, sessions_loaded: usize) -> String {
        self.0
            .sessions_loaded
            .set(i64::try_from(sessions_loaded).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.0.registry.gather(), &mut out) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// A WebSocket opened; counted until the guard is dropped.
    pub fn websocket(&self) -> GaugeGuard {
        GaugeGuard::new(self.0.websockets_open.clone())
    }

    /// A connection joined a session in `role`; counted until the guard is dropped.
    pub fn connection(&self, role: Role) -> GaugeGuard {
        GaugeGuard::new(self.0.connections.with_label_values(&[role_label(role)]))
    }

    /// The ack-latency clock and reply counter of one connection.
    pub fn conn(&self) -> Arc<ConnMetrics> {
        Arc::new(ConnMetrics {
            metrics: self.clone(),
            pending: Mutex::new(HashMap::new()),
        })
    }

    /// A tick starts with `waiting` commands taken or still in the mailbox; the returned timer
    /// records the tick's duration when dropped.
    pub fn tick(&self, waiting: usize) -> HistogramTimer {
        self.0.mailbox_depth.observe(waiting as f64);
        self.0.tick_seconds.start_timer()
    }

    /// A fan-out starts; the returned timer records its duration when dropped.
    pub fn fan_out(&self) -> HistogramTimer {
        self.0.fan_out_seconds.start_timer()
    }

    /// A connection's outbound queue was full: it gets a snapshot once it has room.
    pub fn slow_consumer_marked(&self) {
        self.0.slow_consumers.with_label_values(&["resync"]).inc();
    }

    /// A snapshot frame was serialised (not taken from the per-revision cache).
    pub fn snapshot_serialised(&self) {
        self.0.snapshots_serialised.inc();
    }

    /// Snapshot frames serialised so far (for tests).
    pub fn snapshots_serialised(&self) -> u64 {
        self.0.snapshots_serialised.get()
    }

    /// A slow connection did not catch up in time and is closed.
    pub fn slow_consumer_closed(&self) {
        self.0.slow_consumers.with_label_values(&["closed"]).inc();
    }

    /// Time a store transaction and count its failure.
    pub async fn store<T, E>(
        &self,
        op: StoreOp,
        write: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = write.await;
        self.0
            .store_seconds
            .with_label_values(&[op.as_str()])
            .observe(started.elapsed().as_secs_f64());
        if result.is_err() {
            self.0
                .store_failures
                .with_label_values(&[op.as_str()])
                .inc();
        }
        result
    }

    fn reply(&self, code: Option<ErrorCode>) {
        match code {
            None => self.0.intents_acked.inc(),
            Some(code) => self
                .0
                .intents_refused
                .with_label_values(&[code.as_str()])
                .inc(),
        }
    }
}

/// The `role` label of a connection.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::Facilitator => "facilitator",
        Role::Participant => "participant",
        Role::Projector => "projector",
    }
}

/// A store transaction of the session actor.
#[derive(Debug, Clone, Copy)]
pub enum StoreOp {
    /// A tick's change, new participants and applied intent ids.
    Tick,
    /// A snapshot replacing the change log.
    Compact,
}

impl StoreOp {
    fn as_str(self) -> &'static str {
        match self {
            StoreOp::Tick => "tick",
            StoreOp::Compact => "compact",
        }
    }
}

/// Counts one live thing in a gauge until dropped.
#[derive(Debug)]
pub struct GaugeGuard(IntGauge);

impl GaugeGuard {
    fn new(gauge: IntGauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// One connection's part: when each intent in flight was read, so that its reply can be timed,
/// and the counting of replies as they leave.
pub struct ConnMetrics {
    metrics: Metrics,
    /// Intent id -> when the reader handed it on. Bounded by [`MAX_PENDING_PER_CONN`].
    pending: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for ConnMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnMetrics")
    }
}

impl ConnMetrics {
    /// The reader hands the intent `id` to the session now.
    pub fn intent_read(&self, id: &str) {
        if let Ok(mut pending) = self.pending.lock()
            && pending.len() < MAX_PENDING_PER_CONN
        {
            pending.insert(id.to_string(), Instant::now());
        }
    }

    /// The writer takes `frame` from the outbound queue, with `queued` frames left behind it.
    pub fn frame_out(&self, frame: &str, queued: usize) {
        self.metrics.0.outbound_depth.observe(queued as f64);
        let Some((id, code)) = reply_of(frame) else {
            return;
        };
        self.metrics.reply(code);
        let read = self.pending.lock().ok().and_then(|mut p| p.remove(&id));
        if let Some(read) = read {
            self.metrics
                .0
                .ack_seconds
                .observe(read.elapsed().as_secs_f64());
        }
    }
}

/// The intent id and, for a reject, the code of a reply frame; `None` for any other frame.
/// Only frames that start as an ack or reject are parsed (the type is serialised first), so
/// views and snapshots cost a prefix comparison.
fn reply_of(frame: &str) -> Option<(String, Option<ErrorCode>)> {
    const ACK: &str = r#"{"type":"ack""#;
    const REJECT: &str = r#"{"type":"reject""#;
    if !(frame.starts_with(ACK) || frame.starts_with(REJECT)) {
        return None;
    }
    match serde_json::from_str::<ServerMessage>(frame).ok()? {
        ServerMessage::Ack { id, .. } => Some((id, None)),
        ServerMessage::Reject { id, code, .. } => Some((id, Some(code))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(msg: &ServerMessage) -> String {
        serde_json::to_string(msg).expect("serialises")
    }

    #[test]
    fn replies_are_recognised_by_their_first_bytes_and_nothing_else_is() {
        let ack = ServerMessage::Ack {
            id: "i\"1".into(),
            rev: 3,
            created: Some("s1".into()),
            at: Some(4),
        };
        assert_eq!(reply_of(&frame(&ack)), Some(("i\"1".into(), None)));
        let reject = ServerMessage::Reject {
            id: "i2".into(),
            code: ErrorCode::WrongPhase,
            message: "not now".into(),
        };
        assert_eq!(
            reply_of(&frame(&reject)),
            Some(("i2".into(), Some(ErrorCode::WrongPhase)))
        );
        let error = ServerMessage::Error {
            code: ErrorCode::BadMessage,
            message: "x".into(),
        };
        assert_eq!(reply_of(&frame(&error)), None);
        assert_eq!(reply_of(&frame(&ServerMessage::Pong)), None);
    }

    #[test]
    fn a_reply_is_counted_and_timed_and_guards_count_down() {
        let m = Metrics::new();
        let conn = m.conn();
        conn.intent_read("a");
        conn.frame_out(
            &frame(&ServerMessage::Ack {
                id: "a".into(),
                rev: 1,
                created: None,
                at: None,
            }),
            0,
        );
        conn.frame_out(
            &frame(&ServerMessage::Reject {
                id: "b".into(),
                code: ErrorCode::Forbidden,
                message: String::new(),
            }),
            2,
        );
        let guard = m.connection(Role::Projector);
        let text = m.render(7);
        assert!(text.contains("draagvlak_intents_acked_total 1\n"), "{text}");
        assert!(text.contains("draagvlak_intents_refused_total{code=\"forbidden\"} 1\n"));
        assert!(text.contains("draagvlak_ack_latency_seconds_count 1\n"));
        assert!(text.contains("draagvlak_outbound_queue_depth_count 2\n"));
        assert!(text.contains("draagvlak_connections{role=\"projector\"} 1\n"));
        assert!(text.contains("draagvlak_sessions_loaded 7\n"));
        drop(guard);
        assert!(
            m.render(0)
                .contains("draagvlak_connections{role=\"projector\"} 0\n")
        );
    }
}
