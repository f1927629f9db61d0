//! Issue 12, item 8: a server process that was paused (SIGSTOP for longer than the idle timeout,
//! as a VM pause or a long stall would) closed every connection with `idle_timeout` on waking,
//! although the clients had kept sending: their frames sat unread in the socket buffers. Idle
//! must mean that nothing arrived, judged after reading what is there.
//!
//! The server binary runs as a child process with short timeouts (idle 2 s, pings every 1 s) and
//! is paused for 6 s while its clients keep sending.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{Process, Raw, RawEvent, create_session, join};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_draagvlak-test-server");
const CLIENTS: usize = 8;
const PAUSE: Duration = Duration::from_secs(6);

/// Send a `ping` every 200 ms until `until`, reading in between. Returns the close the client
/// saw (if any) and how many `pong`s it got after `resumed_at`.
async fn keep_sending(
    mut c: Raw,
    until: tokio::time::Instant,
    resumed_at: tokio::time::Instant,
) -> (Option<Option<(u16, String)>>, usize) {
    let mut pongs_after = 0;
    while tokio::time::Instant::now() < until {
        if c.try_send_text(json!({"type":"ping"}).to_string())
            .await
            .is_err()
        {
            return (Some(None), pongs_after);
        }
        let read_until = tokio::time::Instant::now() + Duration::from_millis(200);
        while let Some(left) = read_until.checked_duration_since(tokio::time::Instant::now()) {
            match c.next(left).await {
                Some(RawEvent::Closed(close)) => return (Some(close), pongs_after),
                Some(RawEvent::Json(v)) => {
                    if v["type"] == "pong" && tokio::time::Instant::now() > resumed_at {
                        pongs_after += 1;
                    }
                }
                None => break,
            }
        }
    }
    (None, pongs_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_server_does_not_close_clients_that_kept_sending() {
    let data = tempfile::tempdir().unwrap();
    let server = Process::start_with_args(
        BIN,
        data.path(),
        &["--idle-timeout-secs", "2", "--ping-interval-secs", "1"],
    );
    let s = create_session(&server.http(), "Pauze").await;
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let join = if i % 2 == 0 {
            join::participant(&s.code, &format!("P{i}"), "ict")
        } else {
            join::projector(&s.code)
        };
        clients.push(Raw::join(&server.ws(), join).await.0);
    }
    let start = tokio::time::Instant::now();
    let paused_at = start + Duration::from_millis(500);
    let resumed_at = paused_at + PAUSE;
    let until = resumed_at + Duration::from_secs(5);
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| tokio::spawn(keep_sending(c, until, resumed_at)))
        .collect();
    tokio::time::sleep_until(paused_at).await;
    server.pause();
    tokio::time::sleep_until(resumed_at).await;
    server.resume();
    let mut failures = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (closed, pongs) = task.await.unwrap();
        if let Some(close) = closed {
            failures.push(format!("client {i} was closed: {close:?}"));
        } else if pongs == 0 {
            failures.push(format!("client {i} got no pong after the pause"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    server.terminate();
}
