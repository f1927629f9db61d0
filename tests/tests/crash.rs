//! `kill -9` of the server during activity: after a restart every acknowledged intent is there,
//! and clients that resume and resend what was not acknowledged have each intent applied exactly
//! once.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use draagvlak_protocol::api::SessionCreated;
use draagvlak_tests::{InProcess, Process, Raw, RawEvent, create_session, join};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_draagvlak-test-server");
const PARTICIPANTS: usize = 10;
const PER_PARTICIPANT: usize = 150;

fn text(p: usize, i: usize) -> String {
    format!("uitspraak {p}-{i}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_intent() {
    let data = tempfile::tempdir().unwrap();
    let server = Process::start(BIN, data.path());
    let s = create_session(&server.http(), "Crash").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;

    let mut clients = Vec::new();
    let mut tokens = Vec::new();
    for p in 0..PARTICIPANTS {
        let (c, welcome) = Raw::join(
            &server.ws(),
            join::participant(&s.code, &format!("P{p}"), "ict"),
        )
        .await;
        tokens.push(welcome["resume_token"].as_str().unwrap().to_string());
        clients.push(c);
    }
    // The first half fires all intents without waiting for replies; once fifty acks have
    // arrived the server is killed, in the middle of that burst (the other half has not sent
    // anything yet).
    let half = PARTICIPANTS / 2;
    for (p, c) in clients.iter_mut().enumerate().take(half) {
        for i in 0..PER_PARTICIPANT {
            c.intent(
                &format!("i{i}"),
                json!({"kind":"add_statement","text":text(p, i)}),
            )
            .await;
        }
    }
    let mut acked: Vec<HashSet<String>> = vec![HashSet::new(); PARTICIPANTS];
    while acked[0].len() < 50 {
        if let Some(RawEvent::Json(v)) = clients[0].next(Duration::from_secs(10)).await
            && v["type"] == "ack"
        {
            acked[0].insert(v["id"].as_str().unwrap().to_string());
        }
    }
    server.kill9();
    // Acks that were already on the wire still count: read until each socket is gone.
    for (p, c) in clients.iter_mut().enumerate() {
        while let Some(RawEvent::Json(v)) = c.next(Duration::from_secs(2)).await {
            if v["type"] == "ack" {
                acked[p].insert(v["id"].as_str().unwrap().to_string());
            }
        }
    }
    let acked_before: usize = acked.iter().map(HashSet::len).sum();
    assert!(
        acked_before > 0 && acked_before < PARTICIPANTS * PER_PARTICIPANT,
        "the kill must land mid-burst (acked {acked_before})"
    );

    // Restart on the same data; every acknowledged statement is there.
    let server = Process::start(BIN, data.path());
    let (mut projector, _) = Raw::join(&server.ws(), join::projector(&s.code)).await;
    let view = projector.snapshot().await;
    let texts: Vec<String> = view["statements"]
        .as_object()
        .unwrap()
        .values()
        .map(|st| st["text"].as_str().unwrap().to_string())
        .collect();
    eprintln!(
        "acknowledged before kill -9: {acked_before}; statements after restart: {}",
        texts.len()
    );
    for (p, ids) in acked.iter().enumerate() {
        for id in ids {
            let i: usize = id[1..].parse().unwrap();
            assert_eq!(
                texts.iter().filter(|t| **t == text(p, i)).count(),
                1,
                "acked {p}-{i} present once"
            );
        }
    }

    // Everyone resumes and resends every intent (acked or not): each is applied exactly once.
    let mut resumed = Vec::new();
    for (p, token) in tokens.iter().enumerate() {
        let (mut c, welcome) = Raw::join(&server.ws(), join::resume(&s.code, token)).await;
        assert_eq!(welcome["participant"]["name"], format!("P{p}"));
        for i in 0..PER_PARTICIPANT {
            c.intent(
                &format!("i{i}"),
                json!({"kind":"add_statement","text":text(p, i)}),
            )
            .await;
        }
        resumed.push(c);
    }
    for c in resumed.iter_mut() {
        let mut replies = 0;
        while replies < PER_PARTICIPANT {
            let v = c.json().await;
            if v["type"] == "reject" {
                panic!("resent intent refused: {v}");
            }
            if v["type"] == "ack" {
                replies += 1;
            }
        }
    }
    let view = projector.snapshot().await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for st in view["statements"].as_object().unwrap().values() {
        *counts
            .entry(st["text"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(counts.len(), PARTICIPANTS * PER_PARTICIPANT);
    assert!(
        counts.values().all(|n| *n == 1),
        "every intent applied exactly once"
    );
    let status = server.terminate();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
}

/// A new session on `server`, moved by its facilitator to the first brainstorm.
async fn in_brainstorm(server: &InProcess, title: &str) -> SessionCreated {
    let s = create_session(&server.http(), title).await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    s
}

#[tokio::test]
async fn resume_and_resend_applies_each_intent_once() {
    let server = InProcess::start().await;
    let s = in_brainstorm(&server, "Hervatten").await;
    let (mut c, welcome) = Raw::join(
        &server.ws(),
        join::participant(&s.code, "Wisselvallig", "business"),
    )
    .await;
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    let me = welcome["participant"]["id"].as_str().unwrap().to_string();
    for i in 0..5 {
        c.intent(
            &format!("x{i}"),
            json!({"kind":"add_statement","text":format!("idee {i}")}),
        )
        .await;
    }
    drop(c); // gone before reading a single ack
    // Same person, another device: resend everything.
    let (mut c, welcome) = Raw::join(&server.ws(), join::resume(&s.code, &token)).await;
    assert_eq!(welcome["participant"]["id"], me.as_str());
    for i in 0..5 {
        c.ok(
            &format!("x{i}"),
            json!({"kind":"add_statement","text":format!("idee {i}")}),
        )
        .await;
    }
    // And once more, for good measure.
    for i in 0..5 {
        c.ok(
            &format!("x{i}"),
            json!({"kind":"add_statement","text":format!("idee {i}")}),
        )
        .await;
    }
    let view = c.snapshot().await;
    assert_eq!(view["statements"].as_object().unwrap().len(), 5);
    c.send_json(json!({"type":"sync"})).await;
    let me_msg = c.until_type("me").await;
    assert_eq!(me_msg["me"]["statements"].as_array().unwrap().len(), 5);
    server.stop().await;
}

/// Read replies until every id in `ids` has had `per_id` replies; returns (id -> acks' created).
async fn collect_acks(
    c: &mut Raw,
    ids: &HashSet<String>,
    per_id: usize,
    created: &mut HashMap<String, Vec<String>>,
) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    while seen.values().sum::<usize>() < ids.len() * per_id {
        let v = c.json().await;
        if v["type"] == "reject" {
            panic!("a resent intent was refused: {v}");
        }
        if v["type"] == "ack" {
            let id = v["id"].as_str().unwrap().to_string();
            if ids.contains(&id) {
                *seen.entry(id.clone()).or_default() += 1;
                created
                    .entry(id)
                    .or_default()
                    .push(v["created"].as_str().unwrap().to_string());
            }
        }
    }
}

#[tokio::test]
async fn the_same_intent_sent_twice_before_its_ack_is_applied_once() {
    const N: usize = 60;
    let server = InProcess::start().await;
    let s = in_brainstorm(&server, "Dubbel").await;
    let (mut c, _) = Raw::join(&server.ws(), join::participant(&s.code, "Haastig", "ict")).await;
    // Each intent twice in a row, without waiting: both copies reach the same tick.
    let mut ids = HashSet::new();
    for i in 0..N {
        let id = format!("d{i}");
        for _ in 0..2 {
            c.intent(
                &id,
                json!({"kind":"add_statement","text":format!("dubbel {i}")}),
            )
            .await;
        }
        ids.insert(id);
    }
    let mut created = HashMap::new();
    collect_acks(&mut c, &ids, 2, &mut created).await;
    for (id, made) in &created {
        assert_eq!(made.len(), 2, "{id}: two replies");
        assert_eq!(made[0], made[1], "{id}: both acks name the same statement");
    }
    let view = c.snapshot().await;
    assert_eq!(
        view["statements"].as_object().unwrap().len(),
        N,
        "every intent applied exactly once"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_same_intent_from_two_devices_of_one_person_is_applied_once() {
    const N: usize = 60;
    let server = InProcess::start().await;
    let s = in_brainstorm(&server, "Twee apparaten").await;
    let (mut phone, welcome) = Raw::join(
        &server.ws(),
        join::participant(&s.code, "Tweeling", "business"),
    )
    .await;
    let token = welcome["resume_token"].as_str().unwrap().to_string();
    let (mut laptop, _) = Raw::join(&server.ws(), join::resume(&s.code, &token)).await;
    let mut ids = HashSet::new();
    for i in 0..N {
        let id = format!("t{i}");
        let intent = json!({"kind":"add_statement","text":format!("tweemaal {i}")});
        phone.intent(&id, intent.clone()).await;
        laptop.intent(&id, intent).await;
        ids.insert(id);
    }
    let mut created = HashMap::new();
    collect_acks(&mut phone, &ids, 1, &mut created).await;
    collect_acks(&mut laptop, &ids, 1, &mut created).await;
    for (id, made) in &created {
        assert_eq!(made.len(), 2, "{id}: one reply on each device");
        assert_eq!(made[0], made[1], "{id}: both acks name the same statement");
    }
    let view = phone.snapshot().await;
    assert_eq!(
        view["statements"].as_object().unwrap().len(),
        N,
        "every intent applied exactly once"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_200_participants_vote_keeps_every_acknowledged_dot_once() {
    const VOTERS: usize = 200;
    let data = tempfile::tempdir().unwrap();
    let server = Process::start(BIN, data.path());
    let s = create_session(&server.http(), "Stemmen onder vuur").await;
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    fac.ok("f1", json!({"kind":"next_phase"})).await;
    // Three statements to vote on.
    let (mut author, _) =
        Raw::join(&server.ws(), join::participant(&s.code, "Auteur", "ict")).await;
    let mut statements = Vec::new();
    for i in 0..3 {
        let ack = author
            .ok(
                &format!("s{i}"),
                json!({"kind":"add_statement","text":format!("optie {i}")}),
            )
            .await;
        statements.push(ack["created"].as_str().unwrap().to_string());
    }
    fac.ok("f2", json!({"kind":"go_to_phase","index":3})).await; // vote
    let mut voters = Vec::new();
    let mut tokens = Vec::new();
    // Join concurrently, as a room does: the joins share ticks (and durable writes).
    let mut joining = Vec::new();
    for p in 0..VOTERS {
        let (ws, code) = (server.ws(), s.code.clone());
        joining.push(tokio::spawn(async move {
            let group = if p % 2 == 0 { "ict" } else { "business" };
            Raw::join(&ws, join::participant(&code, &format!("V{p}"), group)).await
        }));
    }
    for j in joining {
        let (c, w) = j.await.unwrap();
        tokens.push(w["resume_token"].as_str().unwrap().to_string());
        voters.push(c);
    }
    // Voters place three dots each (2 on their favourite, 1 on the next) without waiting. Once
    // half of them have sent theirs and the first voter's are acknowledged, the server is
    // killed in the middle of that burst; the other half has not sent anything yet.
    let dot =
        |p: usize, i: usize| json!({"kind":"place_dot","statement":statements[(p + i / 2) % 3]});
    let mut acked = vec![0usize; VOTERS];
    for (p, c) in voters.iter_mut().enumerate().take(VOTERS / 2) {
        for i in 0..3 {
            c.intent(&format!("d{i}"), dot(p, i)).await;
        }
    }
    while acked[0] < 3 {
        if let Some(RawEvent::Json(v)) = voters[0].next(Duration::from_secs(10)).await
            && v["type"] == "ack"
        {
            acked[0] += 1;
        }
    }
    server.kill9();
    for (p, c) in voters.iter_mut().enumerate() {
        while let Some(RawEvent::Json(v)) = c.next(Duration::from_millis(20)).await {
            if v["type"] == "ack" {
                acked[p] += 1;
            }
        }
    }
    let acked_total: usize = acked.iter().sum();
    eprintln!(
        "dots acknowledged before kill -9: {acked_total} of {}",
        VOTERS * 3
    );

    let server = Process::start(BIN, data.path());
    // Every acknowledged dot is there: each voter has at least as many as were acked.
    let (mut fac, _) = Raw::join(
        &server.ws(),
        join::facilitator(&s.code, &s.facilitator_secret),
    )
    .await;
    let mut resumed = Vec::new();
    for (p, token) in tokens.iter().enumerate() {
        let mut c = Raw::connect(&server.ws()).await;
        c.send_json(join::resume(&s.code, token)).await;
        let me = c.until_type("me").await;
        let have: u64 = me["me"]["dots"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert!(
            have as usize >= acked[p],
            "voter {p}: {have} dots stored, {} acknowledged",
            acked[p]
        );
        // Resend all three: each lands exactly once.
        for i in 0..3 {
            c.intent(&format!("d{i}"), dot(p, i)).await;
        }
        resumed.push(c);
    }
    for c in resumed.iter_mut() {
        let mut acks = 0;
        while acks < 3 {
            let v = c.json().await;
            assert_ne!(v["type"], "reject", "{v}");
            if v["type"] == "ack" {
                acks += 1;
            }
        }
    }
    fac.ok("f3", json!({"kind":"reveal_votes"})).await;
    let view = fac.snapshot().await;
    let total: u64 = statements
        .iter()
        .map(|s| view["statements"][s]["dots"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, VOTERS * 3, "every dot exactly once");
    assert_eq!(view["progress"]["richten"]["voters"], VOTERS);
    let per: Vec<u64> = statements
        .iter()
        .map(|s| view["statements"][s]["dots"].as_u64().unwrap())
        .collect();
    let mut expected = vec![0u64; 3];
    for p in 0..VOTERS {
        expected[p % 3] += 2;
        expected[(p + 1) % 3] += 1;
    }
    assert_eq!(
        per, expected,
        "each voter: 2 dots on the favourite, 1 on the next"
    );
}
