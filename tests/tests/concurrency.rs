//! Concurrency over the wire: two people typing in the same text at the same moment converge
//! with both edits kept; a hundred people joining at once load the session exactly once.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, RawEvent, create_session, join};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_typing_in_one_rule_converge_with_both_edits() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Samen schrijven").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    fac.ok("f1", json!({"kind":"go_to_phase","index":4})).await; // richten: rules
    let (mut anna, _) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let (mut bert, _) = Raw::join(&ws, join::participant(&s.code, "Bert", "business")).await;
    let base_text = "Wij kiezen standaard software";
    let rule = anna
        .ok("a0", json!({"kind":"propose_rule","text":base_text}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    // Both see the rule at the same revision.
    let va = anna.snapshot().await;
    let rev = anna.live.as_ref().unwrap().0;
    assert_eq!(va["rules"][&rule]["text"], base_text);
    bert.snapshot().await;
    assert_eq!(bert.live.as_ref().unwrap().0, rev);

    // Each types word by word, without waiting for the other, against the revision they saw:
    // Anna inserts at the start, Bert appends at the end. Each keeps one edit in flight per
    // text (waits for their own ack, and for the delta, before the next word).
    let anna_words = ["In ", "principe ", "geldt: "];
    let bert_words = [", tenzij", " maatwerk", " aantoonbaar", " goedkoper", " is"];
    let mut a_pos = 0u32;
    let mut a_i = 0;
    let mut b_i = 0;
    let mut a_pending: Option<String> = None;
    let mut b_pending: Option<String> = None;
    while a_i < anna_words.len()
        || b_i < bert_words.len()
        || a_pending.is_some()
        || b_pending.is_some()
    {
        if a_pending.is_none() && a_i < anna_words.len() {
            let (rev, _) = anna.live.clone().unwrap();
            let id = format!("a{}", a_i + 1);
            anna.intent(&id, json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":a_pos,"delete":0,"insert":anna_words[a_i]})).await;
            a_pos += anna_words[a_i].encode_utf16().count() as u32;
            a_i += 1;
            a_pending = Some(id);
        }
        if b_pending.is_none() && b_i < bert_words.len() {
            let (rev, view) = bert.live.clone().unwrap();
            let text = view["rules"][&rule]["text"].as_str().unwrap().to_string();
            let id = format!("b{}", b_i + 1);
            bert.intent(&id, json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":text.encode_utf16().count(),"delete":0,"insert":bert_words[b_i]})).await;
            b_i += 1;
            b_pending = Some(id);
        }
        // Read until one of the pending edits is acknowledged.
        for (c, pending) in [(&mut anna, &mut a_pending), (&mut bert, &mut b_pending)] {
            if let Some(id) = pending.clone() {
                while let Some(RawEvent::Json(v)) = c.next(Duration::from_millis(50)).await {
                    if v["id"] == id.as_str() {
                        assert_eq!(v["type"], "ack", "{v}");
                        *pending = None;
                        break;
                    }
                }
            }
        }
    }
    let expected = "In principe geldt: Wij kiezen standaard software, tenzij maatwerk aantoonbaar goedkoper is";
    let va = anna.snapshot().await;
    let vb = bert.snapshot().await;
    let vf = fac.snapshot().await;
    assert_eq!(va["rules"][&rule]["text"], expected);
    assert_eq!(vb["rules"][&rule]["text"], expected);
    assert_eq!(vf["rules"][&rule]["text"], expected);
    server.stop().await;
}

/// A session in the richten rules phase where Anna proposed the rule "abc" and Bert joined too:
/// the server, Anna, Bert, the rule and Anna's revision after it.
async fn rule_abc(title: &str) -> (InProcess, Raw, Raw, String, u64) {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), title).await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    fac.ok("f1", json!({"kind":"go_to_phase","index":4})).await;
    let (mut anna, _) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let (bert, _) = Raw::join(&ws, join::participant(&s.code, "Bert", "business")).await;
    let rule = anna
        .ok("a0", json!({"kind":"propose_rule","text":"abc"}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    anna.snapshot().await;
    let rev = anna.live.as_ref().unwrap().0;
    (server, anna, bert, rule, rev)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_made_against_the_same_old_revision_both_land() {
    let (server, mut anna, mut bert, rule, rev) = rule_abc("Gelijktijdig").await;
    // Sent at the same moment, both against `rev`: they land in one tick or two, in any order.
    anna.intent(
        "a1",
        json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":0,"insert":"X"}),
    )
    .await;
    bert.intent(
        "b1",
        json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":3,"insert":"Y"}),
    )
    .await;
    assert_eq!(anna.until_type("ack").await["id"], "a1");
    assert_eq!(bert.until_type("ack").await["id"], "b1");
    assert_eq!(anna.snapshot().await["rules"][&rule]["text"], "XabcY");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ack_of_an_edit_says_where_its_text_went() {
    let (server, mut anna, mut bert, rule, rev) = rule_abc("Wiens haakje").await;
    // Bert types "(I" at the end; Anna, who has not seen it yet, a "(" at the end too.
    let b = bert
        .ok(
            "b1",
            json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":3,"insert":"(I"}),
        )
        .await;
    assert_eq!(b["at"], 3, "{b}");
    let a = anna
        .ok(
            "a1",
            json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":3,"insert":"("}),
        )
        .await;
    let text = anna.snapshot().await["rules"][&rule]["text"].clone();
    assert_eq!(text, "abc(I(");
    // Equal characters: only `at` tells Anna that hers is the second "(".
    assert_eq!(a["at"], 5, "{a}");
    // A repeated ack (the intent sent again) has no position.
    let again = anna
        .ok(
            "a1",
            json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":3,"insert":"("}),
        )
        .await;
    assert!(again.get("at").is_none(), "{again}");
    // An edit that inserts nothing has none either.
    let rev = anna.live.as_ref().unwrap().0;
    let cut = anna
        .ok(
            "a2",
            json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":0,"delete":1,"insert":""}),
        )
        .await;
    assert!(cut.get("at").is_none(), "{cut}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_simultaneous_joins_load_the_session_once() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Drukte").await;
    let ws = server.ws();
    let mut tasks = Vec::new();
    for p in 0..100 {
        let ws = ws.clone();
        let code = s.code.clone();
        tasks.push(tokio::spawn(async move {
            Raw::join(&ws, join::participant(&code, &format!("P{p}"), "ict")).await
        }));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(t.await.unwrap().0);
    }
    assert_eq!(server.server().state.registry.live(), 1);
    assert_eq!(
        server.server().state.store.epoch(&s.id).await.unwrap(),
        1,
        "loaded exactly once"
    );
    let view = clients[0].snapshot().await;
    assert_eq!(view["groups"]["ict"]["joined"], 100);
    server.stop().await;
}

#[tokio::test]
async fn an_idle_session_is_unloaded_and_comes_back_intact() {
    let server = InProcess::start_with(|c| c.session_idle = Duration::from_millis(300)).await;
    let s = create_session(&server.http(), "Slaapstand").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    let (mut anna, w) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let token = w["resume_token"].as_str().unwrap().to_string();
    anna.ok(
        "a1",
        json!({"kind":"add_statement","text":"Blijft bewaard"}),
    )
    .await;
    drop(anna);
    drop(fac);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.server().state.registry.is_live(&s.id) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session was not unloaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut anna, w) = Raw::join(&ws, join::resume(&s.code, &token)).await;
    assert_eq!(w["participant"]["name"], "Anna");
    let view = anna.snapshot().await;
    let texts: Vec<_> = view["statements"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("Blijft bewaard")]);
    // A resent intent from before the unload is still recognised.
    let v = anna
        .act(
            "a1",
            json!({"kind":"add_statement","text":"Blijft bewaard"}),
        )
        .await;
    assert_eq!(v["type"], "ack");
    assert_eq!(
        anna.snapshot().await["statements"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(server.server().state.store.epoch(&s.id).await.unwrap(), 2);
    server.stop().await;
}
