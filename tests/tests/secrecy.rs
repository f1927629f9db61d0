//! The raw frames a participant or the projector receives never contain another participant's
//! dots or ratings before the facilitator reveals them, nor the author of an anonymous
//! statement.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, RawEvent, create_session, join};
use serde_json::{Value, json};

async fn join(ws: &str, msg: Value) -> Raw {
    let mut c = Raw::connect(ws).await;
    c.send_json(msg).await;
    c.until_type("welcome").await;
    c.until_type("snapshot").await;
    c
}

/// Send an intent and wait for its ack; returns the ack.
async fn act(c: &mut Raw, id: &str, intent: Value) -> Value {
    c.send_json(json!({"type":"intent","id":id,"intent":intent}))
        .await;
    loop {
        let v = c.json().await;
        if (v["type"] == "ack" || v["type"] == "reject") && v["id"] == id {
            assert_eq!(v["type"], "ack", "{v}");
            return v;
        }
    }
}

/// Read whatever arrives within a short while.
async fn drain(c: &mut Raw) {
    while let Some(RawEvent::Json(_)) = c.next(Duration::from_millis(300)).await {}
}

#[tokio::test]
async fn no_foreign_dots_ratings_or_anonymous_authors_on_the_wire() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Geheim").await;
    let code = s.code.as_str();
    let ws = server.ws();
    let mut fac = join(&ws, json!({"type":"join","protocol":1,"role":"facilitator","code":code,"secret":s.facilitator_secret})).await;
    let mut anna = join(&ws, json!({"type":"join","protocol":1,"role":"participant","code":code,"name":"Anna Geheimhouder","group":"ict"})).await;
    let mut bert = join(&ws, json!({"type":"join","protocol":1,"role":"participant","code":code,"name":"Bert","group":"business"})).await;
    let mut projector = join(
        &ws,
        json!({"type":"join","protocol":1,"role":"projector","code":code}),
    )
    .await;

    act(&mut fac, "f1", json!({"kind":"next_phase"})).await; // richten brainstorm (anonymous)
    let sa = act(
        &mut anna,
        "a1",
        json!({"kind":"add_statement","text":"Samen sturen op informatie"}),
    )
    .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    let sb = act(
        &mut bert,
        "b1",
        json!({"kind":"add_statement","text":"Eén digitaal loket"}),
    )
    .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    act(&mut fac, "f2", json!({"kind":"go_to_phase","index":3})).await; // vote
    act(&mut anna, "a2", json!({"kind":"place_dot","statement":sa})).await;
    act(&mut anna, "a3", json!({"kind":"place_dot","statement":sb})).await;
    act(&mut bert, "b2", json!({"kind":"place_dot","statement":sb})).await;
    act(&mut fac, "f3", json!({"kind":"next_phase"})).await; // rules
    let r = act(
        &mut anna,
        "a4",
        json!({"kind":"propose_rule","text":"Open standaarden, tenzij"}),
    )
    .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    act(
        &mut anna,
        "a5",
        json!({"kind":"rate_rule","rule":r,"score":5}),
    )
    .await;
    act(
        &mut bert,
        "b3",
        json!({"kind":"rate_rule","rule":r,"score":2,"reason":"geheime reden"}),
    )
    .await;
    drain(&mut bert).await;
    drain(&mut projector).await;
    drain(&mut fac).await;

    // Before any reveal: nothing of Anna's votes in Bert's, the projector's or the facilitator's
    // frames, except Bert's own in his `me` messages; no anonymous author anywhere.
    for (who, frames) in [
        ("bert", &bert.frames),
        ("projector", &projector.frames),
        ("facilitator", &fac.frames),
    ] {
        for f in frames.iter() {
            let v: Value = serde_json::from_str(f).unwrap();
            if v["type"] == "me" {
                assert_eq!(
                    v["me"]["id"].as_str().map(|s| s.starts_with('p')),
                    Some(true)
                );
                for (sid, n) in v["me"]["dots"].as_object().unwrap() {
                    assert_eq!(sid, &sb, "{who} sees only own dots: {f}");
                    // Bert placed one; the statement holds two (Anna's too).
                    assert_eq!(n, 1, "{who} sees his own count, not the total: {f}");
                }
                assert!(
                    v["me"]["ratings"]
                        .as_object()
                        .unwrap()
                        .values()
                        .all(|s| s == 2),
                    "{f}"
                );
                continue;
            }
            assert!(
                !f.contains("\"dots\"") && !f.contains("/dots"),
                "{who} got dots: {f}"
            );
            assert!(
                !f.contains("histogram") && !f.contains("\"support\":") && !f.contains("/support"),
                "{who} got ratings: {f}"
            );
            assert!(
                !f.contains("Anna Geheimhouder")
                    || who == "facilitator"
                    || f.contains("\"rules\"")
                    || f.contains("/rules/"),
                "{who} saw Anna's name outside a rule: {f}"
            );
        }
    }
    // Statements were anonymous: no author on them in any snapshot or delta.
    for f in bert
        .frames
        .iter()
        .chain(projector.frames.iter())
        .chain(fac.frames.iter())
    {
        let v: Value = serde_json::from_str(f).unwrap();
        if v["type"] == "snapshot" {
            for (_, st) in v["view"]["statements"].as_object().unwrap() {
                assert!(st["author"].is_null(), "{f}");
            }
        }
        if v["type"] == "delta" {
            for op in v["ops"].as_array().unwrap() {
                let path = op["path"].as_str().unwrap_or("");
                if path.starts_with("/statements/") {
                    assert!(
                        op["value"]
                            .get("author")
                            .map(|a| a.is_null())
                            .unwrap_or(true),
                        "{f}"
                    );
                }
            }
        }
    }
    // Counts are visible: two voters, two raters.
    let n = bert.frames.len();
    bert.send_json(json!({"type":"sync"})).await;
    let snap = bert.until_type("snapshot").await;
    assert_eq!(snap["view"]["progress"]["richten"]["voters"], 2);
    assert_eq!(snap["view"]["progress"]["richten"]["raters"], 2);
    assert!(bert.frames.len() > n);

    // After the reveals, the totals are there for everyone.
    act(&mut fac, "f4", json!({"kind":"reveal_votes"})).await; // ratings (rules phase)
    act(&mut fac, "f5", json!({"kind":"previous_phase"})).await;
    act(&mut fac, "f6", json!({"kind":"reveal_votes"})).await; // dots (vote phase)
    drain(&mut bert).await;
    bert.send_json(json!({"type":"sync"})).await;
    let snap = bert.until_type("snapshot").await;
    assert_eq!(snap["view"]["statements"][&sb]["dots"], 2);
    assert_eq!(snap["view"]["statements"][&sa]["dots"], 1);
    assert_eq!(
        snap["view"]["rules"][&r]["support"]["histogram"],
        json!([0, 1, 0, 0, 1])
    );
    assert_eq!(snap["view"]["rules"][&r]["support"]["by_group"]["ict"], 1.0);
    assert_eq!(
        snap["view"]["rules"][&r]["support"]["by_group"]["business"],
        0.0
    );
    server.stop().await;
}

/// Revisions say nothing about what an audience cannot see: a second dot before the reveal (the
/// voter count does not change) moves no public revision, not in deltas, not in the voter's ack,
/// not in the `me` of the voter; the facilitator's view (who voted) has its own numbering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_votes_move_no_public_revision() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Stille revisies").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (mut anna, _) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let (mut proj, _) = Raw::join(&ws, join::projector(&s.code)).await;
    fac.ok("f1", json!({"kind":"go_to_phase","index":1})).await;
    let st = anna
        .ok("a1", json!({"kind":"add_statement","text":"Eén loket"}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    fac.ok("f2", json!({"kind":"go_to_phase","index":3})).await;
    // The first dot changes the public voter count; the second changes nothing public.
    anna.ok("a2", json!({"kind":"place_dot","statement":st}))
        .await;
    let before = proj.snapshot().await;
    let rev_before = proj.live.as_ref().unwrap().0;
    let ack = anna
        .ok("a3", json!({"kind":"place_dot","statement":st}))
        .await;
    assert_eq!(
        ack["rev"].as_u64().unwrap(),
        rev_before,
        "the voter's ack carries the public revision, unmoved"
    );
    let after = proj.snapshot().await;
    assert_eq!(after, before);
    assert_eq!(
        proj.live.as_ref().unwrap().0,
        rev_before,
        "the projector's revision did not move"
    );
    // The next visible change is the very next public revision.
    fac.ok("f3", json!({"kind":"set_focus","item":st})).await;
    let delta = proj.until_type("delta").await;
    assert_eq!(delta["base"].as_u64().unwrap(), rev_before);
    assert_eq!(delta["rev"].as_u64().unwrap(), rev_before + 1);
    server.stop().await;
}
