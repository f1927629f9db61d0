//! The whole workshop method over the wire: participants without a device, removing someone,
//! closing a session, the history of a phase, and a follow-up session with its review and its
//! report — against the real server, with real WebSocket and HTTP clients.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_protocol::api::{CreateSession, FollowUpOf, SessionCreated};
use draagvlak_tests::{InProcess, Raw, RawEvent, create_session, join, report};
use serde_json::{Value, json};

/// Read until the connection closes; returns the last `error` code and the close frame.
async fn until_closed(c: &mut Raw) -> (Option<Value>, Option<(u16, String)>) {
    let mut error = None;
    loop {
        match c.next(Duration::from_secs(5)).await {
            Some(RawEvent::Json(v)) if v["type"] == "error" => error = Some(v["code"].clone()),
            Some(RawEvent::Json(_)) => {}
            Some(RawEvent::Closed(close)) => return (error, close),
            None => panic!("the connection was not closed"),
        }
    }
}

/// Join and return the first message after the join request (welcome or error).
async fn try_join(ws: &str, request: Value) -> Value {
    let mut c = Raw::connect(ws).await;
    c.send_json(request).await;
    loop {
        let v = c.json().await;
        if v["type"] == "welcome" || v["type"] == "error" {
            return v;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_removal_closing_and_history_over_the_wire() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Hybride zaal").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (mut anna, anna_welcome) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let anna_token = anna_welcome["resume_token"].as_str().unwrap().to_string();
    let (mut troll, troll_welcome) =
        Raw::join(&ws, join::participant(&s.code, "Trol", "business")).await;
    let troll_token = troll_welcome["resume_token"].as_str().unwrap().to_string();
    let troll_id = troll_welcome["participant"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Someone in the room without a device: the facilitator adds them and enters their input.
    let gerrit = fac
        .ok(
            "f1",
            json!({"kind":"add_proxy","name":"Gerrit Mulder","group":"business"}),
        )
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    fac.ok("f2", json!({"kind":"go_to_phase","index":1})).await;
    let st = fac
        .act_for(
            "f3",
            json!({"kind":"add_statement","text":"Op papier ingeleverd"}),
            &gerrit,
        )
        .await;
    assert_eq!(st["type"], "ack", "{st}");
    let st = st["created"].as_str().unwrap().to_string();
    let v = anna
        .act_for("a1", json!({"kind":"set_ready","ready":true}), &gerrit)
        .await;
    assert_eq!(
        v["code"], "forbidden",
        "only the facilitator acts for someone"
    );
    let view = fac.snapshot().await;
    assert_eq!(view["statements"][&st]["by_facilitator"], true);
    assert_eq!(view["participants"][&gerrit]["proxy"], true);
    assert_eq!(view["groups"]["business"]["joined"], 2);

    // Removing someone closes their connection with a reason and refuses their token.
    fac.ok(
        "f4",
        json!({"kind":"remove_participant","participant":troll_id}),
    )
    .await;
    let (error, close) = until_closed(&mut troll).await;
    assert_eq!(error, Some(json!("removed")));
    assert_eq!(close.map(|c| c.1), Some("removed".to_string()));
    let v = try_join(&ws, join::resume(&s.code, &troll_token)).await;
    assert_eq!(v["code"], "removed");
    assert!(
        fac.snapshot().await["participants"]
            .get(&troll_id)
            .is_none()
    );

    // The history of the lobby: the state when the brainstorm began.
    let client = reqwest::Client::new();
    let history = |phase: u32, secret: &str| {
        client
            .get(format!(
                "{}/api/sessions/{}/history/{phase}",
                server.http(),
                s.code
            ))
            .bearer_auth(secret)
            .send()
    };
    let resp = history(0, &s.facilitator_secret).await.unwrap();
    assert_eq!(resp.status(), 200);
    let h: Value = resp.json().await.unwrap();
    assert_eq!(h["phase"], 0);
    assert_eq!(h["view"]["current_phase"], 0);
    assert!(h["view"]["statements"].as_object().unwrap().is_empty());
    assert!(
        h["view"]["participants"][&troll_id].is_object(),
        "not yet removed then"
    );
    let resp = history(1, &s.facilitator_secret).await.unwrap();
    assert_eq!(resp.status(), 404, "the brainstorm has not ended");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let resp = history(0, "wrong").await.unwrap();
    assert_eq!(resp.status(), 401);

    // Closing: read-only for everyone; the facilitator, the projector and the people who took
    // part may still look at the results; nobody new joins.
    fac.ok("f5", json!({"kind":"close_session"})).await;
    let v = anna
        .act("a2", json!({"kind":"add_statement","text":"te laat"}))
        .await;
    assert_eq!(v["code"], "session_closed");
    let v = try_join(&ws, join::participant(&s.code, "Laatkomer", "ict")).await;
    assert_eq!(v["code"], "session_closed");
    let (mut projector, _) = Raw::join(&ws, join::projector(&s.code)).await;
    assert_eq!(
        projector.snapshot().await["closed"],
        true,
        "the projector shows the results"
    );
    let (mut again, _) = Raw::join(&ws, join::resume(&s.code, &anna_token)).await;
    assert_eq!(
        again.snapshot().await["closed"],
        true,
        "Anna reloads and reads them too"
    );
    let v = try_join(&ws, join::resume(&s.code, &troll_token)).await;
    assert_eq!(
        v["code"], "removed",
        "a removed participant does not come back"
    );
    let v = try_join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    assert_eq!(v["type"], "welcome", "the facilitator can still read it");
    let public: Value = client
        .get(format!("{}/api/sessions/{}", server.http(), s.code))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["status"], "closed");
    assert_eq!(fac.snapshot().await["closed"], true);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_session_reviews_the_adopted_rules_and_reports_then_and_now() {
    let server = InProcess::start().await;
    let ws = server.ws();
    let s = create_session(&server.http(), "ICT-strategie 2027").await;
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (mut ict, _) = Raw::join(&ws, join::participant(&s.code, "Ilse", "ict")).await;
    let (mut biz, _) = Raw::join(&ws, join::participant(&s.code, "Bas", "business")).await;
    fac.ok("f1", json!({"kind":"go_to_phase","index":4})).await; // richten: rules
    let rule = ict
        .ok(
            "i1",
            json!({"kind":"propose_rule","text":"Gegevens leggen we één keer vast"}),
        )
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    ict.ok("i2", json!({"kind":"rate_rule","rule":rule,"score":5}))
        .await;
    let v = biz
        .act("b1", json!({"kind":"rate_rule","rule":rule,"score":2}))
        .await;
    assert_eq!(v["code"], "reason_required");
    biz.ok(
        "b2",
        json!({"kind":"rate_rule","rule":rule,"score":2,"reason":"Te veel werk voor ons"}),
    )
    .await;
    fac.ok("f2", json!({"kind":"reveal_votes"})).await;
    fac.ok(
        "f3",
        json!({"kind":"set_rule_status","rule":rule,"status":"adopted","confirm":true}),
    )
    .await;
    let view = biz.snapshot().await;
    assert_eq!(
        view["rules"][&rule]["reasons"],
        json!(["Te veel werk voor ons"])
    );
    assert_eq!(view["rules"][&rule]["status"], "adopted");

    // Months later: a follow-up, only with the earlier session's secret.
    let http = reqwest::Client::new();
    let create = |secret: &str| CreateSession {
        title: "ICT-strategie 2027: een jaar later".into(),
        organisation: "Gemeente Zaanstad".into(),
        place: String::new(),
        language: "nl".into(),
        template: "strategic-framework".into(),
        agenda: None,
        follows: Some(FollowUpOf {
            code: s.code.to_lowercase(),
            secret: secret.into(),
        }),
        groups: None,
    };
    let resp = http
        .post(format!("{}/api/sessions", server.http()))
        .json(&create("niet het geheim"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = http
        .post(format!("{}/api/sessions", server.http()))
        .json(&create(&s.facilitator_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let f: SessionCreated = resp.json().await.unwrap();
    let (mut fac2, _) = Raw::join(&ws, join::facilitator(&f.code, &f.facilitator_secret)).await;
    let view = fac2.snapshot().await;
    assert_eq!(view["follows"]["code"], s.code.as_str());
    let kinds: Vec<&str> = view["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["lobby", "review", "summary"]);
    let rules = view["rules"].as_object().unwrap();
    assert_eq!(rules.len(), 1);
    let (carried, r) = rules.iter().next().unwrap();
    assert_eq!(r["text"], "Gegevens leggen we één keer vast");
    assert_eq!(r["support_then"]["by_group"]["ict"], 1.0);
    assert_eq!(r["support_then"]["by_group"]["business"], 0.0);

    let (mut p1, _) = Raw::join(&ws, join::participant(&f.code, "Ilse", "ict")).await;
    let (mut p2, _) = Raw::join(&ws, join::participant(&f.code, "Bas", "business")).await;
    fac2.ok("g1", json!({"kind":"next_phase"})).await;
    p1.ok(
        "p1",
        json!({"kind":"review_rule","rule":carried,"applied":"yes","still_right":"yes"}),
    )
    .await;
    p2.ok(
        "p2",
        json!({"kind":"review_rule","rule":carried,"applied":"partly","still_right":"no"}),
    )
    .await;
    let view = p1.snapshot().await;
    assert_eq!(view["rules"][carried]["reviewers"], 2);
    assert!(
        view["rules"][carried].get("review").is_none(),
        "secret until revealed"
    );
    fac2.ok("g2", json!({"kind":"reveal_votes"})).await;
    let view = p2.snapshot().await;
    let review = &view["rules"][carried]["review"];
    assert_eq!(review["applied_by_group"]["business"]["partly"], 1);
    assert_eq!(review["still_right_by_group"]["ict"]["yes"], 1);

    // The report puts then and now side by side, per group.
    let md = report(&server.http(), &f.code, &f.facilitator_secret, "md").await;
    assert!(md.contains("Vervolg op: ICT-strategie 2027"), "{md}");
    assert!(
        md.contains(
            "| Gegevens leggen we één keer vast | 50% | 100% | 0% | 1 / 1 / 0 | 1 / 0 / 0 | 0 / 1 / 0 | 1 / 0 / 1 | 1 / 0 / 0 | 0 / 0 / 1 |"
        ),
        "{md}"
    );
    let html = report(&server.http(), &f.code, &f.facilitator_secret, "html").await;
    assert!(html.contains("Toen en nu"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_participant_cannot_rejoin_from_the_same_device_until_readmitted() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Zonder trollen").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let from = |name: &str, device: &str| {
        let mut j = join::participant(&s.code, name, "business");
        j["device"] = json!(device);
        j
    };
    let (_troll, welcome) = Raw::join(&ws, from("Trol", "apparaat-van-trol")).await;
    let troll = welcome["participant"]["id"].as_str().unwrap().to_string();
    fac.ok(
        "f1",
        json!({"kind":"remove_participant","participant":troll}),
    )
    .await;
    // A new name from the same device: still the removed person.
    let v = try_join(&ws, from("Heel Iemand Anders", "apparaat-van-trol")).await;
    assert_eq!(v["code"], "removed", "{v}");
    // Someone else's device joins as usual.
    let v = try_join(&ws, from("Bert", "apparaat-van-bert")).await;
    assert_eq!(v["type"], "welcome");
    let view = fac.snapshot().await;
    assert_eq!(view["removed"][&troll]["blocked"], true);
    assert!(view["participants"].get(&troll).is_none());
    // The facilitator lets the device in again: it joins as a new participant.
    fac.ok("f2", json!({"kind":"readmit","participant":troll}))
        .await;
    let v = try_join(&ws, from("Trol, sorry", "apparaat-van-trol")).await;
    assert_eq!(v["type"], "welcome", "{v}");
    assert_ne!(v["participant"]["id"], json!(troll), "a new identity");
    let v = fac
        .act("f3", json!({"kind":"readmit","participant":troll}))
        .await;
    assert_eq!(v["code"], "no_change");
    server.stop().await;
}

/// Issue 13, B6: a participant corrects their own name and group over the wire. The name is
/// normalised like a joining name; once voting has begun a group change waits for the
/// facilitator, shown in the participant's `me` and the facilitator's view only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_corrects_name_and_group_and_a_late_group_change_waits() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Namen en groepen").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (mut anna, welcome) = Raw::join(&ws, join::participant(&s.code, "Ana", "ict")).await;
    let anna_id = welcome["participant"]["id"].as_str().unwrap().to_string();
    let (mut proj, _) = Raw::join(&ws, join::projector(&s.code)).await;

    // Spaces collapsed and an invisible character dropped, as at joining.
    anna.ok(
        "a1",
        json!({"kind":"set_name","name":"  Anna\u{200B} de   Vries "}),
    )
    .await;
    let view = fac.snapshot().await;
    assert_eq!(view["participants"][&anna_id]["name"], "Anna de Vries");
    let v = anna
        .act("a2", json!({"kind":"set_name","name":"\u{200B}"}))
        .await;
    assert_eq!(v["code"], "invalid_name");
    // Only the facilitator decides, and never on someone's behalf.
    let v = anna
        .act(
            "a3",
            json!({"kind":"decide_group","participant":anna_id,"accept":true}),
        )
        .await;
    assert_eq!(v["code"], "forbidden");
    let v = fac
        .act("f0", json!({"kind":"set_group","group":"business"}))
        .await;
    assert_eq!(v["code"], "forbidden");

    // Voting begins (a dot entered for someone without a device): the change waits.
    let gerrit = fac
        .ok(
            "f1",
            json!({"kind":"add_proxy","name":"Gerrit","group":"business"}),
        )
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    fac.ok("f2", json!({"kind":"go_to_phase","index":1})).await;
    let st = fac
        .ok("f3", json!({"kind":"add_statement","text":"Eén loket"}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    fac.ok("f4", json!({"kind":"go_to_phase","index":3})).await;
    let dot = fac
        .act_for("f5", json!({"kind":"place_dot","statement":st}), &gerrit)
        .await;
    assert_eq!(dot["type"], "ack", "{dot}");
    anna.ok("a4", json!({"kind":"set_group","group":"business"}))
        .await;
    anna.send_json(json!({"type":"sync"})).await;
    let me = anna.until_type("me").await["me"].clone();
    assert_eq!(
        (me["group"].as_str(), me["pending_group"].as_str()),
        (Some("ict"), Some("business"))
    );
    let view = fac.snapshot().await;
    assert_eq!(view["participants"][&anna_id]["pending_group"], "business");
    let public = proj.snapshot().await;
    assert!(!public.to_string().contains("pending_group"), "{public}");
    assert_eq!(
        public["groups"]["ict"]["joined"], 1,
        "nothing moves before the decision"
    );
    fac.ok(
        "f6",
        json!({"kind":"decide_group","participant":anna_id,"accept":true}),
    )
    .await;
    anna.send_json(json!({"type":"sync"})).await;
    let me = anna.until_type("me").await["me"].clone();
    assert_eq!(me["group"], "business");
    assert!(me.get("pending_group").is_none(), "{me}");
    assert_eq!(proj.snapshot().await["groups"]["business"]["joined"], 2);
    server.stop().await;
}
