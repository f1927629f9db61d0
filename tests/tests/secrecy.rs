//! The raw frames a participant or the projector receives never contain another participant's
//! dots or ratings before the facilitator reveals them, nor the author of an anonymous
//! statement.
//!
//! And more strictly: played twice with different secret inputs, a whole workshop looks the same
//! to everyone else, frame for frame, until the reveal.

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

/// What Anna and Dirk keep to themselves in one play of the workshop: which anonymous statement
/// each wrote, where Anna's dots go, and how she rates.
struct Secrets {
    /// Whether Anna writes the first of the two anonymous statements (and Dirk the second) or
    /// the other way round.
    anna_writes_first: bool,
    /// Anna's dots, by statement ("A" the first anonymous one, "D" the second, "B1", "cluster");
    /// "-" takes the last one back.
    anna_dots: &'static [&'static str],
    /// Anna's ratings of her rule and of Bert's: (score, reason).
    anna_rates: [(u8, Option<&'static str>); 2],
}

/// One play: every observer's view and revision after every step, and the answer to each of
/// their own intents, up to the first reveal; then the same after it.
struct Recording {
    before_reveal: Vec<(String, Value)>,
    after_reveal: Vec<(String, Value)>,
}

/// A scripted workshop with the people who do not know Anna's and Dirk's secrets watching.
struct Play {
    /// The join code and session id (random per session).
    ids: Vec<String>,
    fac: Raw,
    bert: Raw,
    projector: Raw,
    anna: Raw,
    dirk: Raw,
    trace: Vec<(String, Value)>,
    n: usize,
}

/// A frame as it would be the same in another play: the join code (random per session) and
/// clock readings taken out.
fn normalise(ids: &[String], v: &Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if ["at", "created_at", "deadline", "remaining_ms"].contains(&k.as_str()) {
                        *x = Value::Null;
                    } else {
                        strip(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut text = v.to_string();
    for id in ids {
        text = text.replace(id.as_str(), "RANDOM");
    }
    let mut out: Value = serde_json::from_str(&text).unwrap();
    strip(&mut out);
    out
}

/// Where two JSON values differ: one line per path.
fn differences(a: &Value, b: &Value, path: &str) -> Vec<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = Vec::new();
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let (u, v) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                out.extend(differences(u, v, &format!("{path}/{k}")));
            }
            out
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .flat_map(|(i, (u, v))| differences(u, v, &format!("{path}/{i}")))
            .collect(),
        _ if a == b => Vec::new(),
        _ => vec![format!("{path}: {a} | {b}")],
    }
}

impl Play {
    /// After a step: what each observer's view and revision now are (a `sync` goes through the
    /// session's actor, so the snapshot holds every change of the step).
    async fn settle(&mut self, step: &str) {
        for (who, c) in [
            ("bert", &mut self.bert),
            ("projector", &mut self.projector),
            ("facilitator", &mut self.fac),
        ] {
            c.send_json(json!({"type":"sync"})).await;
            let snap = c.until_type("snapshot").await;
            let seen = json!({"rev": snap["rev"], "view": normalise(&self.ids, &snap["view"])});
            self.trace.push((format!("{step}: {who}'s view"), seen));
        }
    }

    /// An intent by an observer: its answer is part of what they see.
    async fn seen(&mut self, who: &str, intent: Value) -> Value {
        self.n += 1;
        let id = format!("i{}", self.n);
        let c = match who {
            "bert" => &mut self.bert,
            _ => &mut self.fac,
        };
        let answer = c.act(&id, intent.clone()).await;
        let mut a = normalise(&self.ids, &answer);
        a.as_object_mut().unwrap().remove("id");
        self.trace
            .push((format!("{who} sends {intent}: the answer"), a));
        self.settle(&format!("after {who}'s {}", intent["kind"]))
            .await;
        answer
    }

    /// An intent by a facilitator on behalf of the proxy: seen by the facilitator.
    async fn proxy(&mut self, carla: &str, intent: Value) -> Value {
        self.n += 1;
        let answer = self
            .fac
            .act_for(&format!("i{}", self.n), intent.clone(), carla)
            .await;
        let mut a = normalise(&self.ids, &answer);
        a.as_object_mut().unwrap().remove("id");
        self.trace
            .push((format!("proxy sends {intent}: the answer"), a));
        self.settle(&format!("after the proxy's {}", intent["kind"]))
            .await;
        answer
    }

    /// An intent by someone whose answer is theirs alone (what the others see after it is
    /// recorded by the next `settle`: secret steps may differ in number between plays).
    async fn unseen(&mut self, who: &str, intent: Value) -> Value {
        self.n += 1;
        let id = format!("i{}", self.n);
        let c = match who {
            "anna" => &mut self.anna,
            _ => &mut self.dirk,
        };
        c.act(&id, intent).await
    }
}

fn created(answer: &Value) -> String {
    assert_eq!(answer["type"], "ack", "{answer}");
    answer["created"].as_str().unwrap().to_string()
}

async fn play(secrets: &Secrets) -> Recording {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Niets verraden").await;
    let ws = server.ws();
    let code = s.code.clone();
    let mut p = Play {
        fac: join(&ws, json!({"type":"join","protocol":1,"role":"facilitator","code":code,"secret":s.facilitator_secret})).await,
        bert: join(&ws, json!({"type":"join","protocol":1,"role":"participant","code":code,"name":"Bert","group":"business"})).await,
        projector: join(&ws, json!({"type":"join","protocol":1,"role":"projector","code":code})).await,
        anna: join(&ws, json!({"type":"join","protocol":1,"role":"participant","code":code,"name":"Anna","group":"ict"})).await,
        dirk: join(&ws, json!({"type":"join","protocol":1,"role":"participant","code":code,"name":"Dirk","group":"ict"})).await,
        ids: Vec::new(),
        trace: Vec::new(),
        n: 0,
    };
    let session_id = p.fac.live.as_ref().unwrap().1["session"]["id"].clone();
    p.ids = vec![code, session_id.as_str().unwrap().to_string()];
    p.settle("joined").await;
    let carla = created(
        &p.seen(
            "facilitator",
            json!({"kind":"add_proxy","name":"Carla","group":"business"}),
        )
        .await,
    );

    // Richten, brainstorm (anonymous): who wrote what is a secret.
    p.seen("facilitator", json!({"kind":"next_phase"})).await;
    // The same texts in the same order (so the same ids), written by Anna or by Dirk.
    let (first, second) = if secrets.anna_writes_first {
        ("anna", "dirk")
    } else {
        ("dirk", "anna")
    };
    let a = created(
        &p.unseen(
            first,
            json!({"kind":"add_statement","text":"Samen sturen op informatie"}),
        )
        .await,
    );
    let d = created(
        &p.unseen(
            second,
            json!({"kind":"add_statement","text":"Minder maatwerk"}),
        )
        .await,
    );
    p.settle("after the anonymous statements").await;
    let b1 = created(
        &p.seen(
            "bert",
            json!({"kind":"add_statement","text":"Eén digitaal loket"}),
        )
        .await,
    );
    let b2 = created(
        &p.seen(
            "bert",
            json!({"kind":"add_statement","text":"Data op orde"}),
        )
        .await,
    );
    let c1 = created(
        &p.proxy(
            &carla,
            json!({"kind":"add_statement","text":"Informatie op orde"}),
        )
        .await,
    );
    // Probes on the anonymous statements: editing or deleting someone else's is refused alike.
    p.seen(
        "bert",
        json!({"kind":"edit_statement","statement":a,"rev":0,"pos":0,"delete":0,"insert":"x"}),
    )
    .await;
    p.seen("bert", json!({"kind":"delete_statement","statement":d}))
        .await;

    // Clustering, with clustering open to participants.
    p.seen("facilitator", json!({"kind":"next_phase"})).await;
    p.seen(
        "facilitator",
        json!({"kind":"set_clustering_open","open":true}),
    )
    .await;
    let cluster = created(
        &p.seen(
            "bert",
            json!({"kind":"create_cluster","statements":[b2, c1],"title":"Op orde"}),
        )
        .await,
    );

    // The vote: Anna's dots are secret; everyone else's acts and answers are the same.
    p.seen("facilitator", json!({"kind":"next_phase"})).await;
    let name = |n: &str| match n {
        "A" => a.clone(),
        "D" => d.clone(),
        "B1" => b1.clone(),
        _ => cluster.clone(),
    };
    let mut last = String::new();
    for dot in secrets.anna_dots {
        if *dot == "-" {
            p.unseen("anna", json!({"kind":"remove_dot","statement":last}))
                .await;
        } else {
            last = name(dot);
            p.unseen("anna", json!({"kind":"place_dot","statement":last}))
                .await;
        }
    }
    p.settle("after Anna's dots").await;
    p.seen("bert", json!({"kind":"place_dot","statement":a}))
        .await;
    p.seen("bert", json!({"kind":"place_dot","statement":cluster}))
        .await;
    p.proxy(&carla, json!({"kind":"place_dot","statement":b1}))
        .await;
    p.unseen("dirk", json!({"kind":"place_dot","statement":d}))
        .await;
    p.settle("after Dirk's dot").await;
    // Probes while votes are in: none of these answers may depend on where the dots are.
    p.seen(
        "bert",
        json!({"kind":"create_cluster","statements":[a, d],"title":"Samen"}),
    )
    .await;
    p.seen("bert", json!({"kind":"remove_from_cluster","statement":b2}))
        .await;
    p.seen("bert", json!({"kind":"dissolve_cluster","cluster":cluster}))
        .await;
    p.seen("bert", json!({"kind":"place_dot","statement":b2}))
        .await; // inside a cluster
    p.seen(
        "facilitator",
        json!({"kind":"dissolve_cluster","cluster":cluster}),
    )
    .await;
    p.seen(
        "facilitator",
        json!({"kind":"hide_statement","statement":a,"hidden":true}),
    )
    .await;
    p.seen(
        "facilitator",
        json!({"kind":"hide_statement","statement":a,"hidden":false}),
    )
    .await;
    // Dirk, who voted, is removed.
    let dirk = p.fac.live.as_ref().unwrap().1["participants"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["name"] == "Dirk")
        .map(|(id, _)| id.clone())
        .unwrap();
    p.seen(
        "facilitator",
        json!({"kind":"remove_participant","participant":dirk}),
    )
    .await;
    // Anna, who voted (where is her secret), moves to business and the facilitator allows it;
    // Bert asks too and is refused (issue 13, B6). Before the reveal no view has figures per
    // group, so nothing the others see may depend on where her dots are.
    let id_of = |p: &Play, name: &str| {
        p.fac.live.as_ref().unwrap().1["participants"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, v)| v["name"] == name)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let (anna, bert) = (id_of(&p, "Anna"), id_of(&p, "Bert"));
    let answer = p
        .unseen("anna", json!({"kind":"set_group","group":"business"}))
        .await;
    assert_eq!(answer["type"], "ack", "{answer}");
    p.settle("after Anna asked for another group").await;
    p.seen(
        "facilitator",
        json!({"kind":"decide_group","participant":anna,"accept":true}),
    )
    .await;
    p.seen("bert", json!({"kind":"set_group","group":"ict"}))
        .await;
    p.seen(
        "facilitator",
        json!({"kind":"decide_group","participant":bert,"accept":false}),
    )
    .await;

    // Rules: ratings are secret; the reasons too until the reveal.
    p.seen("facilitator", json!({"kind":"next_phase"})).await;
    let ra = created(
        &p.unseen(
            "anna",
            json!({"kind":"propose_rule","text":"Open standaarden, tenzij","anchors":[a]}),
        )
        .await,
    );
    p.settle("after Anna's rule").await;
    let rb = created(
        &p.seen(
            "bert",
            json!({"kind":"propose_rule","text":"Eerst hergebruik","anchors":[cluster]}),
        )
        .await,
    );
    for (rule, (score, reason)) in [&ra, &rb].into_iter().zip(secrets.anna_rates) {
        let mut intent = json!({"kind":"rate_rule","rule":rule,"score":score});
        if let Some(r) = reason {
            intent["reason"] = json!(r);
        }
        let answer = p.unseen("anna", intent).await;
        assert_eq!(answer["type"], "ack", "{answer}");
    }
    p.settle("after Anna's ratings").await;
    p.seen("bert", json!({"kind":"rate_rule","rule":ra,"score":4}))
        .await;
    p.proxy(&carla, json!({"kind":"rate_rule","rule":rb,"score":3}))
        .await;
    // Probes while ratings are in: text frozen, a decision refused before the reveal (whatever
    // the gap between the groups would be), a new round refused alike.
    p.seen(
        "bert",
        json!({"kind":"edit_rule","rule":ra,"rev":0,"pos":0,"delete":0,"insert":"x"}),
    )
    .await;
    p.seen(
        "facilitator",
        json!({"kind":"set_rule_status","rule":ra,"status":"adopted"}),
    )
    .await;
    p.seen(
        "facilitator",
        json!({"kind":"set_rule_status","rule":rb,"status":"adopted","confirm":true}),
    )
    .await;
    p.seen(
        "facilitator",
        json!({"kind":"start_rating_round","rule":ra}),
    )
    .await;
    // A late dot on the closed vote.
    p.seen("bert", json!({"kind":"place_dot","statement":b1}))
        .await;
    let before_reveal = std::mem::take(&mut p.trace);

    // The reveal: now the totals are everyone's.
    p.seen("facilitator", json!({"kind":"reveal_votes"})).await;
    p.seen("facilitator", json!({"kind":"previous_phase"}))
        .await;
    p.seen("facilitator", json!({"kind":"reveal_votes"})).await;
    let after_reveal = std::mem::take(&mut p.trace);
    server.stop().await;
    Recording {
        before_reveal,
        after_reveal,
    }
}

/// The whole workshop played twice, with different secrets of Anna's and Dirk's (who wrote which
/// anonymous statement, where Anna's dots go and how many, her scores and reasons) and
/// everything else the same: until the facilitator reveals, every view, every revision and
/// every answer that Bert, the projector and the facilitator get is the same in both plays,
/// also for the probes that could tell (clustering and hiding voted-on statements, decisions
/// before the reveal, a late dot, a removed voter, a voter moved to another group, a proxy). After the reveal they differ,
/// which shows that the recording can tell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_anyone_receives_depends_on_someone_elses_secret_input() {
    let one = play(&Secrets {
        anna_writes_first: true,
        anna_dots: &["A", "cluster", "B1", "-"],
        anna_rates: [(5, None), (1, Some("eerst de eigen reden"))],
    })
    .await;
    let two = play(&Secrets {
        anna_writes_first: false,
        anna_dots: &["D"],
        anna_rates: [(2, Some("een andere reden")), (4, None)],
    })
    .await;
    assert_eq!(one.before_reveal.len(), two.before_reveal.len());
    assert!(one.before_reveal.len() > 100, "{}", one.before_reveal.len());
    for ((what, a), (_, b)) in one.before_reveal.iter().zip(&two.before_reveal) {
        let d = differences(a, b, "");
        assert!(
            d.is_empty(),
            "before the reveal, {what} depends on someone else's secret: {d:#?}"
        );
    }
    // The probes were answered (some refused, some applied): the recording holds both kinds.
    let answers: Vec<&Value> = one
        .before_reveal
        .iter()
        .filter(|(w, _)| w.ends_with("the answer"))
        .map(|(_, v)| v)
        .collect();
    assert!(answers.iter().any(|v| v["type"] == "reject"));
    assert!(answers.iter().any(|v| v["type"] == "ack"));
    let differs = one
        .after_reveal
        .iter()
        .zip(&two.after_reveal)
        .filter(|((_, a), (_, b))| a != b)
        .count();
    assert!(differs > 0, "after the reveal the two plays must differ");
}
