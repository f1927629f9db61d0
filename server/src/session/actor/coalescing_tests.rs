//! Fan-out coalescing on the running actor: intents in separate ticks inside one
//! `min_delta_interval` go out as fewer deltas than intents, every ack still follows the delta
//! that contains its change, delta chains have no gaps, and the live views end equal to a fresh
//! snapshot.

use std::time::Duration;

use draagvlak_protocol::{Intent, JoinRequest, ServerMessage};
use serde_json::Value;

use super::Cmd;
use super::harness::{JOIN_CODE, TestConn, TestSession};
use crate::config::Limits;
use crate::session::template;

const PARTICIPANTS: usize = 3;
const STATEMENTS_EACH: usize = 8;

struct Client {
    conn: TestConn,
    view: Value,
    rev: u64,
    me: Option<Value>,
    deltas: usize,
    /// Acks received: (intent id, created statement).
    acked: Vec<(String, Option<String>)>,
}

impl Client {
    /// Apply every frame waiting; checks chain and ack ordering as it goes.
    fn drain(&mut self) {
        while let Some(msg) = self.conn.try_next().expect("server frame") {
            match msg {
                ServerMessage::Snapshot { rev, view } => {
                    self.view = serde_json::to_value(&view).expect("view");
                    self.rev = rev;
                }
                ServerMessage::Delta { base, rev, ops } => {
                    assert_eq!(base, self.rev, "delta base must be the previous revision");
                    assert!(rev > base, "revisions increase");
                    json_patch::patch(&mut self.view, &ops).expect("delta applies");
                    self.rev = rev;
                    self.deltas += 1;
                }
                ServerMessage::Me { me, .. } => {
                    self.me = Some(serde_json::to_value(&me).expect("me"))
                }
                ServerMessage::Ack {
                    id, rev, created, ..
                } => {
                    assert!(
                        self.rev >= rev,
                        "ack {id} at rev {rev} arrived before its delta (view at {})",
                        self.rev
                    );
                    if let Some(created_id) = &created {
                        assert!(
                            self.view.to_string().contains(&format!("\"{created_id}\"")),
                            "ack {id}: the view does not yet contain {created_id}"
                        );
                    }
                    self.acked.push((id, created));
                }
                ServerMessage::Reject { id, code, .. } => panic!("{id} rejected: {code}"),
                _ => {}
            }
        }
    }
}

async fn join(session: &TestSession, request: JoinRequest) -> Client {
    let conn = TestConn::new(4096);
    session
        .join(&conn, request)
        .await
        .expect("answer")
        .expect("joined");
    let mut client = Client {
        conn,
        view: Value::Null,
        rev: 0,
        me: None,
        deltas: 0,
        acked: Vec::new(),
    };
    // The welcome and snapshot are queued before the join is answered... or right after.
    while client.view.is_null() {
        tokio::task::yield_now().await;
        client.drain();
    }
    client
}

#[tokio::test]
async fn a_burst_of_ticks_is_coalesced_and_every_ack_follows_its_delta() {
    let limits = Limits {
        min_delta_interval: Duration::from_millis(300),
        ..Limits::default()
    };
    let session = TestSession::start("strategic-framework", limits)
        .await
        .expect("session");
    let mut facilitator = join(&session, session.facilitator()).await;
    let mut clients = Vec::new();
    for p in 0..PARTICIPANTS {
        let request = JoinRequest::Participant {
            code: JOIN_CODE.into(),
            name: format!("P{p}"),
            group: template::DEFAULT_GROUPS[p % 2].to_string(),
            device: None,
        };
        clients.push(join(&session, request).await);
    }
    // Lobby -> brainstorm, and wait until everyone has seen it.
    session
        .intent(facilitator.conn.id, "f1", Intent::NextPhase)
        .await
        .expect("sent");
    let target = loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        facilitator.drain();
        if facilitator.rev > 0 && facilitator.view.to_string().contains("brainstorm") {
            break facilitator.rev;
        }
    };
    for c in &mut clients {
        while c.rev < target {
            tokio::time::sleep(Duration::from_millis(10)).await;
            c.drain();
        }
        c.deltas = 0;
    }

    // The burst: one intent at a time, each in a tick of its own (a few ms apart), all
    // inside a couple of intervals.
    let intents = PARTICIPANTS * STATEMENTS_EACH;
    for i in 0..STATEMENTS_EACH {
        for c in &clients {
            let id = c.conn.id;
            let text = format!("statement {i} of {id}");
            session
                .intent(id, &format!("c{id}-{i}"), Intent::AddStatement { text })
                .await
                .expect("sent");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // Every ack arrives (and is checked against the view when it does).
    let mut waited = 0;
    while clients.iter().map(|c| c.acked.len()).sum::<usize>() < intents {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
        assert!(waited < 1000, "acks missing");
        for c in &mut clients {
            c.drain();
        }
    }
    let deltas = clients[0].deltas;
    assert!(
        deltas * 2 < intents,
        "{intents} intents in separate ticks made {deltas} deltas: not coalesced"
    );
    // The live views equal a fresh snapshot.
    for c in &mut clients {
        let (live, live_me) = (c.view.clone(), c.me.clone());
        session
            .send(Cmd::Sync { conn: c.conn.id })
            .await
            .expect("sent");
        let before = c.rev;
        let mut fresh_seen = false;
        for _ in 0..500 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let Some(msg) = c.conn.try_next().expect("server frame") else {
                continue;
            };
            if let ServerMessage::Snapshot { rev, view } = msg {
                assert_eq!(rev, before, "no change since: the same revision");
                assert_eq!(serde_json::to_value(&view).expect("view"), live);
                fresh_seen = true;
                break;
            }
        }
        assert!(fresh_seen, "no snapshot after sync");
        c.drain();
        assert_eq!(c.me, live_me, "me after sync");
    }
    session.finish().await;
}
