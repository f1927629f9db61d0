//! A whole workshop played through over real sockets: a facilitator, a projector and twenty
//! participants (ten ICT, ten business) through every phase of the strategic-framework agenda.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::HashMap;

use draagvlak_tests::{InProcess, Raw, create_session, join};
use serde_json::{Value, json};

const N: usize = 20;

fn group(p: usize) -> &'static str {
    if p.is_multiple_of(2) {
        "ict"
    } else {
        "business"
    }
}

/// Send one intent per participant, then collect every reply; returns the acks by participant.
async fn all(clients: &mut [Raw], make: impl Fn(usize) -> Option<(String, Value)>) -> Vec<Value> {
    let mut ids = Vec::new();
    for (p, c) in clients.iter_mut().enumerate() {
        match make(p) {
            Some((id, intent)) => {
                c.intent(&id, intent).await;
                ids.push(Some(id));
            }
            None => ids.push(None),
        }
    }
    let mut out = Vec::new();
    for (c, id) in clients.iter_mut().zip(ids) {
        let Some(id) = id else {
            out.push(Value::Null);
            continue;
        };
        loop {
            let v = c.json().await;
            if v["id"] == id.as_str() {
                assert_eq!(v["type"], "ack", "{v}");
                out.push(v);
                break;
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facilitator_and_twenty_participants_play_every_phase() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "ICT-strategie 2027").await;
    let ws = server.ws();
    let (mut fac, _) = Raw::join(&ws, join::facilitator(&s.code, &s.facilitator_secret)).await;
    let (mut projector, _) = Raw::join(&ws, join::projector(&s.code)).await;
    let mut clients = Vec::new();
    for p in 0..N {
        let (c, w) = Raw::join(
            &ws,
            join::participant(&s.code, &format!("Deelnemer {p}"), group(p)),
        )
        .await;
        assert_eq!(w["participant"]["group"], group(p));
        clients.push(c);
    }
    let view = projector.snapshot().await;
    assert_eq!(view["groups"]["ict"]["joined"], 10);
    assert_eq!(view["groups"]["business"]["connected"], 10);
    assert_eq!(view["phases"].as_array().unwrap().len(), 14);

    let mut n = 0;
    let next = |fac_id: &mut usize| {
        *fac_id += 1;
        format!("f{fac_id}")
    };
    for (li, level) in ["richten", "inrichten", "verrichten"]
        .into_iter()
        .enumerate()
    {
        // Brainstorm: everyone adds a statement.
        fac.ok(&next(&mut n), json!({"kind":"next_phase"})).await;
        let acks = all(&mut clients, |p| {
            Some((
                format!("{level}-s"),
                json!({"kind":"add_statement","text":format!("{level}: uitspraak van {p}")}),
            ))
        })
        .await;
        let statements: Vec<String> = acks
            .iter()
            .map(|a| a["created"].as_str().unwrap().to_string())
            .collect();
        // Cluster: the facilitator merges the last two statements; participants may rename
        // the cluster only once clustering is opened to them. Three say they are ready.
        fac.ok(&next(&mut n), json!({"kind":"next_phase"})).await;
        let cluster = fac
            .ok(
                &next(&mut n),
                json!({"kind":"create_cluster","statements":[statements[8], statements[9]],"title":"dubbel"}),
            )
            .await["created"]
            .as_str()
            .unwrap()
            .to_string();
        let rename = json!({"kind":"rename_cluster","cluster":cluster,"title":"samen"});
        let v = clients[2].act(&format!("{level}-c1"), rename.clone()).await;
        assert_eq!(v["code"], "forbidden", "clustering is not open yet");
        fac.ok(
            &next(&mut n),
            json!({"kind":"set_clustering_open","open":true}),
        )
        .await;
        clients[2].ok(&format!("{level}-c2"), rename).await;
        fac.ok(
            &next(&mut n),
            json!({"kind":"set_clustering_open","open":false}),
        )
        .await;
        for c in clients.iter_mut().take(3) {
            c.ok(
                &format!("{level}-ready"),
                json!({"kind":"set_ready","ready":true}),
            )
            .await;
        }
        let view = fac.snapshot().await;
        assert_eq!(view["clusters"][&cluster]["title"], "samen");
        assert_eq!(
            view["clusters"][&cluster]["statements"],
            json!([statements[8], statements[9]])
        );
        assert_eq!(
            view["statements"][&statements[9]]["cluster"],
            cluster.as_str()
        );
        let log = view["cluster_log"].as_array().unwrap();
        assert_eq!(
            log.len(),
            2 * (li + 1),
            "the history keeps every level's steps"
        );
        let this_level = &log[2 * li..];
        assert_eq!(
            this_level
                .iter()
                .map(|e| e["action"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["create", "rename"][..]
        );
        assert_eq!(this_level[0]["by"], "facilitator");
        assert_eq!(this_level[1]["by"], "participant");
        assert_eq!(view["ready"], 3);
        assert!(
            projector.snapshot().await.get("cluster_log").is_none(),
            "the clustering history is the facilitator's"
        );
        // Vote: participant p puts 2 dots on statement 0 and 1 on statement (p % 5) + 1.
        fac.ok(&next(&mut n), json!({"kind":"next_phase"})).await;
        assert_eq!(
            fac.snapshot().await["ready"],
            0,
            "ready resets with the phase"
        );
        let v = clients[0]
            .act(
                &format!("{level}-dc"),
                json!({"kind":"place_dot","statement":statements[9]}),
            )
            .await;
        assert_eq!(v["code"], "clustered", "dots go to the cluster");
        for round in 0..3 {
            let st = statements.clone();
            all(&mut clients, |p| {
                let target = if round < 2 { &st[0] } else { &st[p % 5 + 1] };
                Some((
                    format!("{level}-d{round}"),
                    json!({"kind":"place_dot","statement":target}),
                ))
            })
            .await;
        }
        // A fourth dot is over budget for everyone.
        let v = clients[3]
            .act(
                &format!("{level}-d3"),
                json!({"kind":"place_dot","statement":cluster}),
            )
            .await;
        assert_eq!(v["code"], "budget_exhausted");
        let view = fac.snapshot().await;
        assert_eq!(view["progress"][level]["voters"], N);
        assert!(
            view["statements"][&statements[0]].get("dots").is_none(),
            "not revealed yet"
        );
        fac.ok(&next(&mut n), json!({"kind":"reveal_votes"})).await;
        let view = projector.snapshot().await;
        assert_eq!(view["statements"][&statements[0]]["dots"], 2 * N);
        assert_eq!(view["clusters"][&cluster]["dots"], 0);
        for k in 1..=5 {
            assert_eq!(
                view["statements"][&statements[k]]["dots"], 4,
                "statement {k}"
            );
        }
        // Rules: two proposals; ICT agrees with rule A, business does not; both like rule B.
        fac.ok(&next(&mut n), json!({"kind":"next_phase"})).await;
        let a = clients[0]
            .ok(
                &format!("{level}-ra"),
                json!({"kind":"propose_rule","text":format!("{level}: eerst hergebruiken")}),
            )
            .await["created"]
            .as_str()
            .unwrap()
            .to_string();
        let b = clients[1]
            .ok(
                &format!("{level}-rb"),
                json!({"kind":"propose_rule","text":format!("{level}: data bij de bron")}),
            )
            .await["created"]
            .as_str()
            .unwrap()
            .to_string();
        all(&mut clients, |p| {
            let rating = if group(p) == "ict" {
                json!({"kind":"rate_rule","rule":a,"score":5})
            } else {
                json!({"kind":"rate_rule","rule":a,"score":1,"reason":"te star"})
            };
            Some((format!("{level}-rate-a"), rating))
        })
        .await;
        all(&mut clients, |_| {
            Some((
                format!("{level}-rate-b"),
                json!({"kind":"rate_rule","rule":b,"score":4}),
            ))
        })
        .await;
        fac.ok(&next(&mut n), json!({"kind":"reveal_votes"})).await;
        let view = clients[7].snapshot().await;
        let sa = &view["rules"][&a]["support"];
        assert_eq!(sa["histogram"], json!([10, 0, 0, 0, 10]));
        assert_eq!(sa["overall"], 0.5);
        assert_eq!(sa["by_group"]["ict"], 1.0);
        assert_eq!(sa["by_group"]["business"], 0.0);
        assert_eq!(sa["gap"], 1.0);
        let sb = &view["rules"][&b]["support"];
        assert_eq!(sb["overall"], 1.0);
        assert_eq!(sb["gap"], 0.0);
        assert_eq!(view["current_phase"], 4 * (li + 1));
    }
    fac.ok(&next(&mut n), json!({"kind":"next_phase"})).await;
    let v = fac.act(&next(&mut n), json!({"kind":"next_phase"})).await;
    assert_eq!(v["code"], "no_change", "summary is the last phase");

    // Every participant's private part agrees: all dots placed on every level.
    for c in clients.iter_mut() {
        c.send_json(json!({"type":"sync"})).await;
        let me = c.until_type("me").await;
        let left: HashMap<String, u64> =
            serde_json::from_value(me["me"]["dots_left"].clone()).unwrap();
        assert!(left.values().all(|n| *n == 0), "{me}");
    }
    // Every live view (one snapshot + every delta since) equals a fresh snapshot.
    for c in std::iter::once(&mut projector)
        .chain(std::iter::once(&mut fac))
        .chain(clients.iter_mut())
    {
        while let Some(draagvlak_tests::RawEvent::Json(_)) =
            c.next(std::time::Duration::from_millis(100)).await
        {}
        let (_, live) = c.live.clone().expect("a live view");
        assert_eq!(c.gaps, 0);
        let fresh = c.snapshot().await;
        assert_eq!(live, fresh);
    }
    let view = projector.snapshot().await;
    assert_eq!(view["current_phase"], 13);
    assert_eq!(view["statements"].as_object().unwrap().len(), 3 * N);
    assert_eq!(view["rules"].as_object().unwrap().len(), 6);
    server.stop().await;
}
