//! Every forbidden intent is rejected with its code, over the wire, and changes nothing.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::{Value, json};

fn facilitator_intents(statement: &str) -> Vec<Value> {
    vec![
        json!({"kind":"next_phase"}),
        json!({"kind":"previous_phase"}),
        json!({"kind":"go_to_phase","index":0}),
        json!({"kind":"set_locked","locked":true}),
        json!({"kind":"reveal_votes"}),
        json!({"kind":"hide_statement","statement":statement,"hidden":true}),
        json!({"kind":"start_timer","seconds":60}),
        json!({"kind":"pause_timer"}),
        json!({"kind":"resume_timer"}),
        json!({"kind":"add_time","seconds":60}),
        json!({"kind":"clear_timer"}),
        json!({"kind":"set_focus","item":statement}),
        json!({"kind":"set_clustering_open","open":true}),
        json!({"kind":"set_rule_status","rule":"r1","status":"adopted"}),
        json!({"kind":"start_rating_round","rule":"r1"}),
        json!({"kind":"set_equal_group_weight","equal":true}),
        json!({"kind":"set_anonymous","phase":1,"anonymous":false}),
        json!({"kind":"add_proxy","name":"Gerrit","group":"ict"}),
        json!({"kind":"remove_participant","participant":"p1"}),
        json!({"kind":"close_session"}),
    ]
}

fn participant_intents(statement: &str, rule: &str, rev: u64) -> Vec<(Value, &'static str)> {
    vec![
        (json!({"kind":"add_statement","text":"x"}), "brainstorm"),
        (
            json!({"kind":"edit_statement","statement":statement,"rev":rev,"pos":0,"insert":"x"}),
            "brainstorm",
        ),
        (
            json!({"kind":"delete_statement","statement":statement}),
            "brainstorm",
        ),
        (json!({"kind":"place_dot","statement":statement}), "vote"),
        (json!({"kind":"remove_dot","statement":statement}), "vote"),
        (json!({"kind":"propose_rule","text":"x"}), "rules"),
        (
            json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":0,"insert":"x"}),
            "rules",
        ),
        (json!({"kind":"rate_rule","rule":rule,"score":3}), "rules"),
        (
            json!({"kind":"link_rule","rule":rule,"anchor":statement}),
            "rules",
        ),
        (
            json!({"kind":"review_rule","rule":rule,"applied":"yes","still_right":"no"}),
            "review",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_intents_are_rejected_with_their_code() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Rechten").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (mut anna, anna_welcome) = Raw::join(&ws, join::participant(&s.code, "Anna", "ict")).await;
    let (mut bert, _) = Raw::join(&ws, join::participant(&s.code, "Bert", "business")).await;
    let (mut projector, _) = Raw::join(&ws, join::projector(&s.code)).await;
    fac.ok("f1", json!({"kind":"go_to_phase","index":1})).await;
    let st = anna
        .ok("a1", json!({"kind":"add_statement","text":"van Anna"}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    fac.ok("f2", json!({"kind":"go_to_phase","index":4})).await;
    let rule = anna
        .ok("a2", json!({"kind":"propose_rule","text":"regel"}))
        .await["created"]
        .as_str()
        .unwrap()
        .to_string();
    let before = fac.snapshot().await;
    let rev = fac.live.as_ref().unwrap().0;

    let mut id = 0;
    let mut next_id = || {
        id += 1;
        format!("t{id}")
    };
    // Participants may not steer; the projector may do nothing at all.
    for intent in facilitator_intents(&st) {
        let v = bert.act(&next_id(), intent.clone()).await;
        assert_eq!(
            (v["type"].as_str(), v["code"].as_str()),
            (Some("reject"), Some("forbidden")),
            "{intent}"
        );
        let v = projector.act(&next_id(), intent.clone()).await;
        assert_eq!(v["code"], "forbidden", "{intent}");
    }
    for (intent, _) in participant_intents(&st, &rule, rev) {
        let v = projector.act(&next_id(), intent.clone()).await;
        assert_eq!(v["code"], "forbidden", "projector: {intent}");
        if matches!(
            intent["kind"].as_str(),
            Some(
                "link_rule"
                    | "add_statement"
                    | "edit_statement"
                    | "delete_statement"
                    | "propose_rule"
                    | "edit_rule"
            )
        ) {
            continue; // the facilitator may write and link too (as the facilitator)
        }
        let v = fac.act(&next_id(), intent.clone()).await;
        assert_eq!(v["code"], "forbidden", "facilitator: {intent}");
    }
    // Clustering: the facilitator may, participants only once it is opened to them.
    fac.ok(&next_id(), json!({"kind":"go_to_phase","index":2}))
        .await;
    let cluster_intents = [
        json!({"kind":"create_cluster","statements":[st, st],"title":"x"}),
        json!({"kind":"add_to_cluster","cluster":"c1","statements":[st]}),
        json!({"kind":"remove_from_cluster","statement":st}),
        json!({"kind":"dissolve_cluster","cluster":"c1"}),
        json!({"kind":"rename_cluster","cluster":"c1","title":"x"}),
    ];
    for intent in &cluster_intents {
        let v = bert.act(&next_id(), intent.clone()).await;
        assert_eq!(v["code"], "forbidden", "closed clustering: {intent}");
        let v = projector.act(&next_id(), intent.clone()).await;
        assert_eq!(v["code"], "forbidden", "projector: {intent}");
    }
    // Only the facilitator acts for someone else, and only for a participant without a device.
    let v = bert
        .act_for(&next_id(), json!({"kind":"set_ready","ready":true}), "p1")
        .await;
    assert_eq!(v["code"], "forbidden");
    let anna_id = anna_welcome["participant"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = fac
        .act_for(
            &next_id(),
            json!({"kind":"set_ready","ready":true}),
            &anna_id,
        )
        .await;
    assert_eq!(v["code"], "not_proxy");
    // Each participant intent outside its phase: wrong_phase. Phases: 0 lobby, 1 brainstorm,
    // 2 cluster, 3 vote, 4 rules, 13 summary.
    for (phase, kind) in [
        (0, "lobby"),
        (1, "brainstorm"),
        (2, "cluster"),
        (3, "vote"),
        (4, "rules"),
        (13, "summary"),
    ] {
        fac.ok(&next_id(), json!({"kind":"go_to_phase","index":phase}))
            .await;
        for (intent, allowed) in participant_intents(&st, &rule, rev) {
            if allowed == kind {
                continue;
            }
            let v = anna.act(&next_id(), intent.clone()).await;
            assert_eq!(v["code"], "wrong_phase", "{intent} in {kind}");
        }
    }
    // While locked: input_locked, in the right phase.
    fac.ok(&next_id(), json!({"kind":"set_locked","locked":true}))
        .await;
    for (phase, kind) in [(1, "brainstorm"), (3, "vote"), (4, "rules")] {
        fac.ok(&next_id(), json!({"kind":"go_to_phase","index":phase}))
            .await;
        for (intent, allowed) in participant_intents(&st, &rule, rev) {
            if allowed != kind {
                continue;
            }
            let v = anna.act(&next_id(), intent.clone()).await;
            assert_eq!(v["code"], "input_locked", "{intent} in {kind}");
        }
    }
    fac.ok(&next_id(), json!({"kind":"set_locked","locked":false}))
        .await;
    // Someone else's statement: not_owner. Revealing outside vote/rules: wrong_phase.
    fac.ok(&next_id(), json!({"kind":"go_to_phase","index":1}))
        .await;
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"delete_statement","statement":st}),
        )
        .await;
    assert_eq!(v["code"], "not_owner");
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"edit_statement","statement":st,"rev":rev,"pos":0,"insert":"x"}),
        )
        .await;
    assert_eq!(v["code"], "not_owner");
    let v = fac.act(&next_id(), json!({"kind":"reveal_votes"})).await;
    assert_eq!(v["code"], "wrong_phase");
    // Bad values.
    fac.ok(&next_id(), json!({"kind":"go_to_phase","index":4}))
        .await;
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"rate_rule","rule":rule,"score":0}),
        )
        .await;
    assert_eq!(v["code"], "invalid_score");
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"rate_rule","rule":"r999","score":3}),
        )
        .await;
    assert_eq!(v["code"], "not_found");
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"edit_rule","rule":rule,"rev":rev + 1000,"pos":0,"insert":"x"}),
        )
        .await;
    assert_eq!(v["code"], "stale_revision");
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"edit_rule","rule":rule,"rev":rev,"pos":99,"insert":"x"}),
        )
        .await;
    assert_eq!(v["code"], "invalid_splice");
    let v = bert
        .act(
            &next_id(),
            json!({"kind":"propose_rule","text":"x".repeat(1001)}),
        )
        .await;
    assert_eq!(v["code"], "text_too_long");
    let v = bert
        .act(&next_id(), json!({"kind":"propose_rule","text":"   "}))
        .await;
    assert_eq!(v["code"], "empty_text");
    let v = bert
        .act("", json!({"kind":"propose_rule","text":"x"}))
        .await;
    assert_eq!(v["code"], "invalid_intent_id");

    // None of it changed anything but the phase and lock the facilitator set.
    let after = fac.snapshot().await;
    assert_eq!(after["statements"], before["statements"]);
    assert_eq!(after["rules"], before["rules"]);
    assert_eq!(after["locked"], false);
    server.stop().await;
}
