//! What a load run measured: latency summaries, counts, server figures, and every failure. Printed
//! as a table and written as JSON.

use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Percentiles of one latency distribution, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// A histogram of microseconds: 1 µs to 10 minutes, 3 significant digits.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| {
        // The bounds are constants that hdrhistogram accepts; this cannot happen.
        Histogram::new(3).unwrap_or_else(|_| unreachable!("hdrhistogram rejects sigfig 3"))
    })
}

/// Record a duration in microseconds, clamped into the histogram's range.
pub(crate) fn record(h: &mut Histogram<u64>, micros: u64) {
    let v = micros.clamp(1, h.high());
    let _ = h.record(v);
}

impl Latency {
    pub(crate) fn from_histogram(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency::default();
        }
        let ms = |us: u64| (us as f64 / 1000.0 * 100.0).round() / 100.0;
        Latency {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
            mean_ms: (h.mean() / 1000.0 * 100.0).round() / 100.0,
        }
    }
}

/// Intents: what the script planned and what the server answered.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Intents {
    /// Intents the script scheduled (participants and facilitators).
    pub expected: u64,
    pub sent: u64,
    /// Acknowledged: applied and durable.
    pub acked: u64,
    pub rejected: u64,
    /// Sent and never answered, or scheduled and never sent.
    pub lost: u64,
    /// Reject codes with their counts.
    pub reject_codes: std::collections::BTreeMap<String, u64>,
}

/// Deliveries of visible changes (statements, rules, phase changes, reveals) to other clients.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Deliveries {
    /// Changes that every other client of the session should see.
    pub markers: u64,
    /// Clients × changes that should have been seen.
    pub expected: u64,
    pub seen: u64,
    /// Changes that not every other client saw.
    pub incomplete: u64,
}

/// The final views.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Views {
    /// Clients that applied every delta and compared the result with a fresh snapshot.
    pub compared_full: u64,
    /// Clients that only tracked revisions; their final revision was compared with the snapshot's.
    pub compared_revision: u64,
    pub mismatched: u64,
    /// Deltas whose `base` was not the client's revision (the client then asked for a snapshot).
    pub gaps: u64,
    /// Snapshots received other than at join and at the final check.
    pub resyncs: u64,
}

/// The server process, read from `/proc` (when `--server-pid` was given).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServerFigures {
    pub pid: Option<u32>,
    /// CPU seconds (user + system) the server used during the run.
    pub cpu_secs: Option<f64>,
    /// Highest resident memory sampled during the run, KiB.
    pub peak_rss_kib: Option<u64>,
    /// The server's own high-water mark (`VmHWM`, over its whole life), KiB.
    pub hwm_kib: Option<u64>,
    pub rss_start_kib: Option<u64>,
    pub rss_end_kib: Option<u64>,
}

/// The flooding client (`--flood-rate`): what it sent, and how the server ended it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FloodReport {
    /// Malformed frames per second it tried to send.
    pub rate_per_sec: u32,
    /// How long it flooded.
    pub secs: f64,
    /// Connections it opened (one, or more with `--flood-reconnect`).
    pub connections: u64,
    pub connect_errors: u64,
    /// Frames the socket accepted; fewer than rate × time when the server read them slowly.
    pub frames_sent: u64,
    /// Error messages the server answered with.
    pub errors_received: u64,
    /// Connections the server ended.
    pub disconnections: u64,
    /// From the start of the flood until the server ended the first connection.
    pub first_disconnect_after_secs: Option<f64>,
    pub frames_before_first_disconnect: Option<u64>,
    pub errors_before_first_disconnect: Option<u64>,
    /// How connections ended: `close <code> <reason>`, with counts.
    pub close_reasons: std::collections::BTreeMap<String, u64>,
}

/// Idle connections: memory per connection.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Idle {
    pub connections: u64,
    pub held_secs: f64,
    /// Server RSS before the participants connected and after all had joined, KiB.
    pub rss_before_kib: Option<u64>,
    pub rss_after_kib: Option<u64>,
    /// (after − before) / connections, bytes.
    pub bytes_per_connection: Option<u64>,
    /// This process's own RSS per connection, bytes (the load generator's side).
    pub client_bytes_per_connection: Option<u64>,
}

/// One participant stage of the first session: from publishing it until every intent it caused
/// was answered (with a window of 0 this is the server's throughput of acknowledged intents).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StageTiming {
    pub stage: String,
    pub secs: f64,
    pub intents: u64,
    pub intents_per_sec: f64,
}

/// What session 0's statement burst cost each participant on the wire.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Burst {
    pub statements: u64,
    /// Bytes of the deltas one participant received, on average, from the brainstorm's start
    /// until everyone saw the last statement.
    pub delta_bytes_per_participant: u64,
    /// That divided by the statements: what one delivered statement costs a phone.
    pub bytes_per_statement: f64,
}

/// Everything a run measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub sessions: u64,
    pub participants_per_session: u64,
    /// Participant connections that joined (plus one facilitator per session, not counted here).
    pub connected: u64,
    pub source_addresses: u64,
    pub duration_secs: f64,
    /// How long it took until every participant had joined.
    pub connect_phase_secs: f64,
    /// Per connection: TCP connect, WebSocket upgrade, join, until the snapshot arrived.
    pub connect: Latency,
    /// From sending an intent until its ack (participants' intents).
    pub ack: Latency,
    /// Facilitator intents (phase changes, reveals): send until ack.
    pub facilitator_ack: Latency,
    /// Per statement or rule: from its ack at the sender until every other client's view shows it.
    pub fanout_items: Latency,
    /// Per phase change or reveal: from its ack at the facilitator until every participant's view
    /// shows it.
    pub fanout_events: Latency,
    /// Per (client, change): from the sender's ack until this client's view showed it.
    pub fanout_deliveries: Latency,
    /// Per statement or rule: from sending the intent until every other client's view shows it.
    /// (The server sends a tick's deltas before its acks, so most clients see a change before
    /// its sender has the ack; this figure includes that part.)
    pub visible_items: Latency,
    /// Per phase change or reveal: from sending the intent until every participant's view shows
    /// it.
    pub visible_events: Latency,
    pub intents: Intents,
    pub deliveries: Deliveries,
    /// Frames all clients received after joining, and how many were deltas (one per tick that
    /// changed the audience's view, per member).
    pub frames_received: u64,
    pub deltas_received: u64,
    /// Bytes of every frame all clients received (welcome and snapshot included), and of the
    /// deltas among them.
    pub bytes_received: u64,
    pub delta_bytes_received: u64,
    /// The statement burst of session 0 on the wire (when statements were added).
    pub statement_burst: Option<Burst>,
    pub views: Views,
    pub server: ServerFigures,
    /// This process (the load generator): CPU seconds and peak RSS.
    pub client_cpu_secs: Option<f64>,
    pub client_peak_rss_kib: Option<u64>,
    pub idle: Option<Idle>,
    /// The flooding client, when there was one.
    pub flood: Option<FloodReport>,
    /// The stages of session 0.
    pub stages: Vec<StageTiming>,
    /// Every reason the run counts as failed; empty when nothing was lost.
    pub failures: Vec<String>,
}

impl Report {
    /// Nothing lost, every view as it should be.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// A table for people.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let opt = |v: Option<f64>, unit: &str| match v {
            Some(v) => format!("{v:.2} {unit}"),
            None => "-".into(),
        };
        let kib = |v: Option<u64>| match v {
            Some(v) => format!("{:.1} MiB", v as f64 / 1024.0),
            None => "-".into(),
        };
        let _ = writeln!(
            s,
            "sessions {} × participants {} ({} joined, {} source addresses), {:.1} s",
            self.sessions,
            self.participants_per_session,
            self.connected,
            self.source_addresses,
            self.duration_secs
        );
        let _ = writeln!(
            s,
            "{:<38} {:>8} {:>9} {:>9} {:>9} {:>9}",
            "latency (ms)", "count", "p50", "p95", "p99", "max"
        );
        for (name, l) in [
            ("connect + join", &self.connect),
            ("intent ack (participants)", &self.ack),
            ("intent ack (facilitator)", &self.facilitator_ack),
            ("fan-out: statements, rules", &self.fanout_items),
            ("fan-out: phase changes, reveals", &self.fanout_events),
            ("fan-out: per delivery", &self.fanout_deliveries),
            ("send → all see it: statements, rules", &self.visible_items),
            ("send → all see it: phases, reveals", &self.visible_events),
        ] {
            let _ = writeln!(
                s,
                "{:<38} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                name, l.count, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
            );
        }
        let i = &self.intents;
        let _ = writeln!(
            s,
            "intents: expected {}, sent {}, acked {}, rejected {}, lost {}",
            i.expected, i.sent, i.acked, i.rejected, i.lost
        );
        if !i.reject_codes.is_empty() {
            let _ = writeln!(s, "  reject codes: {:?}", i.reject_codes);
        }
        let d = &self.deliveries;
        let _ = writeln!(
            s,
            "deliveries: {} of {} expected ({} changes, {} not seen by everyone)",
            d.seen, d.expected, d.markers, d.incomplete
        );
        let _ = writeln!(
            s,
            "frames received: {} ({} deltas, {:.0} per client)",
            self.frames_received,
            self.deltas_received,
            self.deltas_received as f64 / (self.connected.max(1) as f64)
        );
        let clients = (self.connected + self.sessions).max(1) as f64;
        let _ = writeln!(
            s,
            "bytes received: {:.1} KiB per client ({:.1} KiB of it deltas)",
            self.bytes_received as f64 / clients / 1024.0,
            self.delta_bytes_received as f64 / clients / 1024.0,
        );
        if let Some(b) = &self.statement_burst {
            let _ = writeln!(
                s,
                "statement burst: {} statements, {} bytes of deltas per participant, {:.0} bytes per delivered statement",
                b.statements, b.delta_bytes_per_participant, b.bytes_per_statement
            );
        }
        let v = &self.views;
        let _ = writeln!(
            s,
            "final views: {} compared whole, {} by revision, {} mismatched; {} gaps, {} resyncs",
            v.compared_full, v.compared_revision, v.mismatched, v.gaps, v.resyncs
        );
        let _ = writeln!(
            s,
            "server: cpu {}, peak rss {} (sampled), VmHWM {}",
            opt(self.server.cpu_secs, "s"),
            kib(self.server.peak_rss_kib),
            kib(self.server.hwm_kib)
        );
        let _ = writeln!(
            s,
            "load generator: cpu {}, peak rss {}",
            opt(self.client_cpu_secs, "s"),
            kib(self.client_peak_rss_kib)
        );
        for st in &self.stages {
            let _ = writeln!(
                s,
                "stage {} (session 0): {} intents answered in {:.2} s ({:.0} per second)",
                st.stage, st.intents, st.secs, st.intents_per_sec
            );
        }
        if let Some(idle) = &self.idle {
            let _ = writeln!(
                s,
                "idle: {} connections held {:.0} s; server rss {} → {}; {} bytes per connection (load generator: {} bytes)",
                idle.connections,
                idle.held_secs,
                kib(idle.rss_before_kib),
                kib(idle.rss_after_kib),
                idle.bytes_per_connection
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "-".into()),
                idle.client_bytes_per_connection
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "-".into()),
            );
        }
        if let Some(f) = &self.flood {
            let _ = writeln!(
                s,
                "flooder: {} malformed frames/s for {:.1} s: {} sent on {} connections, {} errors back, {} disconnected by the server",
                f.rate_per_sec,
                f.secs,
                f.frames_sent,
                f.connections,
                f.errors_received,
                f.disconnections
            );
            if let Some(after) = f.first_disconnect_after_secs {
                let _ = writeln!(
                    s,
                    "  first disconnected after {:.3} s, {} frames sent, {} errors back",
                    after,
                    f.frames_before_first_disconnect.unwrap_or(0),
                    f.errors_before_first_disconnect.unwrap_or(0)
                );
            }
            for (reason, n) in &f.close_reasons {
                let _ = writeln!(s, "  {n} × {reason}");
            }
        }
        if self.failures.is_empty() {
            let _ = writeln!(s, "result: OK, nothing lost");
        } else {
            let _ = writeln!(s, "result: FAILED");
            for f in self.failures.iter().take(20) {
                let _ = writeln!(s, "  - {f}");
            }
            if self.failures.len() > 20 {
                let _ = writeln!(s, "  … and {} more", self.failures.len() - 20);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_in_milliseconds() {
        let mut h = histogram();
        for us in 1..=1000u64 {
            record(&mut h, us * 100);
        }
        let l = Latency::from_histogram(&h);
        assert_eq!(l.count, 1000);
        assert!((l.p50_ms - 50.0).abs() < 0.1, "{l:?}");
        assert!((l.p99_ms - 99.0).abs() < 0.2, "{l:?}");
        assert!((l.max_ms - 100.0).abs() < 0.1, "{l:?}");
        assert_eq!(Latency::from_histogram(&histogram()), Latency::default());
    }
}
