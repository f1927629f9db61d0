//! The flooding client (`--flood-rate`): one more connection, from its own loopback address, that
//! sends malformed text frames at a fixed rate while the scripted run plays, for at most
//! `--flood-secs`. It measures what the abuse limits promise: the flooder is throttled and then
//! disconnected with a reason, while the others' latencies (the rest of the report) stay as they
//! are without it.
//!
//! The frames are not JSON (`{not json <n>`), so each one is an invalid frame to the server. The
//! flooder reads what comes back while it sends: error messages, then (when the server has had
//! enough) one last error and a close frame, whose code and reason it records. With
//! `--flood-reconnect` it connects again after each disconnection and goes on flooding until the
//! time is up, as a persistent attacker would.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::report::FloodReport;

/// Where and how to flood.
#[derive(Debug, Clone)]
pub(crate) struct FloodSpec {
    pub addr: SocketAddr,
    pub url: String,
    pub source: Option<IpAddr>,
    pub rate: u32,
    pub duration: Duration,
    pub reconnect: bool,
}

/// What one connection of the flooder saw.
struct Connection {
    sent: u64,
    errors: u64,
    /// The code of the last error message before the close.
    last_error: Option<String>,
    /// Code and reason of the close frame, if one came.
    close: Option<(u16, String)>,
    /// Whether the server ended the connection (rather than the flood's time running out).
    disconnected: bool,
}

/// Flood until `spec.duration` has passed or `stop` is set.
pub(crate) async fn run(spec: FloodSpec, stop: Arc<AtomicBool>) -> FloodReport {
    let started = Instant::now();
    let deadline = started + spec.duration;
    let mut report = FloodReport {
        rate_per_sec: spec.rate,
        ..FloodReport::default()
    };
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut counter = 0u64;
    while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
        report.connections += 1;
        let conn = match super::client::open(spec.addr, spec.source, &spec.url).await {
            Ok(ws) => flood_one(ws, &spec, deadline, &stop, &mut counter).await,
            Err(e) => {
                report.connect_errors += 1;
                *reasons.entry(format!("connect failed: {e}")).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        report.frames_sent += conn.sent;
        report.errors_received += conn.errors;
        if conn.disconnected {
            report.disconnections += 1;
            if report.first_disconnect_after_secs.is_none() {
                report.first_disconnect_after_secs = Some(started.elapsed().as_secs_f64());
                report.frames_before_first_disconnect = Some(conn.sent);
                report.errors_before_first_disconnect = Some(conn.errors);
            }
            let reason = match (&conn.close, &conn.last_error) {
                (Some((code, reason)), _) => format!("close {code} {reason}"),
                (None, Some(error)) => format!("no close frame; last error {error}"),
                (None, None) => "no close frame, no error".to_string(),
            };
            *reasons.entry(reason).or_default() += 1;
        }
        if !spec.reconnect {
            break;
        }
    }
    report.secs = started.elapsed().as_secs_f64();
    report.close_reasons = reasons;
    report
}

/// Flood one connection until the server ends it, or the time is up.
async fn flood_one(
    ws: super::client::Ws,
    spec: &FloodSpec,
    deadline: Instant,
    stop: &AtomicBool,
    counter: &mut u64,
) -> Connection {
    let (mut sink, mut stream) = ws.split();
    let mut conn = Connection {
        sent: 0,
        errors: 0,
        last_error: None,
        close: None,
        disconnected: false,
    };
    let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(spec.rate)));
    // A sender that falls behind (the server reads it slowly) does not make up for it in bursts.
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sending = true;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break,
            _ = every.tick(), if sending => {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                *counter += 1;
                // The server may stop reading; a send that cannot complete must not stop the
                // reading side, so it is bounded.
                let frame = Message::text(format!("{{not json {counter}"));
                match tokio::time::timeout(Duration::from_secs(1), sink.send(frame)).await {
                    Ok(Ok(())) => conn.sent += 1,
                    // Closed by the server (the close frame may still be unread) or stuck.
                    Ok(Err(_)) | Err(_) => sending = false,
                }
            }
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let code = serde_json::from_str::<serde_json::Value>(text.as_str())
                        .ok()
                        .and_then(|v| v["code"].as_str().map(str::to_string));
                    if code.is_some() {
                        conn.errors += 1;
                        conn.last_error = code;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    conn.close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    conn.disconnected = true;
                    break;
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => {
                    conn.disconnected = true;
                    break;
                }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    conn
}
