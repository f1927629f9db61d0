//! A workshop played step by step with both audiences' views kept by parts: after every step the
//! kept view equals the whole projection, and the operations turn the view a client had into it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_protocol::{Intent, ItemId, ParticipantId, StatementId};
use json_patch::PatchOperation;
use serde_json::Value;

use super::{update, whole};
use crate::session::actor::harness::new_workshop;
use crate::session::apply::{self, Context, Created, Sender, ViewTouched};
use crate::session::projection::{Audience, Presence, Projector};
use crate::session::workshop::Workshop;

const AUDIENCES: [Audience; 2] = [Audience::Facilitator, Audience::Public];

/// A workshop with its kept views, as an outbox holds them.
struct Room {
    workshop: Workshop,
    presence: Presence,
    kept: [Value; 2],
}

impl Room {
    fn new() -> Room {
        let workshop = new_workshop("strategic-framework").unwrap();
        let presence = Presence::new();
        let projector = Projector::new(workshop.state(), &presence);
        let kept = AUDIENCES.map(|a| whole(&projector, a));
        Room {
            workshop,
            presence,
            kept,
        }
    }

    /// Someone joins (and is connected): their entry is touched, as the outbox does.
    fn join(&mut self, name: &str, group: &str) -> ParticipantId {
        let pid = self.workshop.add_participant(name, group).unwrap();
        self.presence.insert(pid.clone(), 1);
        self.patch(ViewTouched::participant(pid.clone()));
        pid
    }

    /// Apply an intent and patch both views with what it says it touched; the operations per
    /// audience.
    fn run(
        &mut self,
        sender: Sender<'_>,
        intent: Intent,
    ) -> (Option<Created>, [Vec<PatchOperation>; 2]) {
        let heads = self.workshop.heads().to_vec();
        let lookup = move |_rev: u64| Ok(heads.clone());
        let ctx = Context::new(&lookup, 1_000_000);
        let applied = apply::apply(&mut self.workshop, sender, &intent, &ctx)
            .unwrap_or_else(|r| panic!("{intent:?} refused: {r:?}"));
        self.workshop.commit();
        let ops = self.patch(applied.views);
        (applied.created, ops)
    }

    fn patch(&mut self, touched: ViewTouched) -> [Vec<PatchOperation>; 2] {
        let projector = Projector::new(self.workshop.state(), &self.presence);
        let mut all = [Vec::new(), Vec::new()];
        for (i, audience) in AUDIENCES.into_iter().enumerate() {
            let mut client = self.kept[i].clone();
            let ops = update(&mut self.kept[i], &projector, audience, &touched).unwrap();
            let reference = whole(&projector, audience);
            let missed = json_patch::diff(&self.kept[i], &reference);
            assert!(
                missed.0.is_empty(),
                "{audience:?}: the view kept by parts differs from the whole projection by {}",
                serde_json::to_string(&missed).unwrap()
            );
            json_patch::patch(&mut client, &ops).unwrap();
            let missed = json_patch::diff(&client, &reference);
            assert!(
                missed.0.is_empty(),
                "{audience:?}: the delta misses {}",
                serde_json::to_string(&missed).unwrap()
            );
            all[i] = ops;
        }
        all
    }
}

fn statement(created: Option<Created>) -> StatementId {
    created.and_then(Created::statement).unwrap()
}

fn paths(ops: &[PatchOperation]) -> Vec<String> {
    ops.iter().map(|op| op.path().to_string()).collect()
}

#[test]
fn a_workshop_kept_by_parts_equals_the_whole_projection_at_every_step() {
    let mut room = Room::new();
    let f = Sender::Facilitator;
    let ann = room.join("Ann", "ict");
    let bob = room.join("Bob", "business");
    let cas = room.join("Cas", "ict");
    room.run(f, Intent::NextPhase);
    let s1 = statement(
        room.run(
            Sender::Participant(&ann),
            Intent::AddStatement {
                text: "ICT is een partner".into(),
            },
        )
        .0,
    );
    let s2 = statement(
        room.run(
            Sender::Participant(&bob),
            Intent::AddStatement {
                text: "ICT is een partner!".into(),
            },
        )
        .0,
    );
    let s3 = statement(
        room.run(
            Sender::Participant(&cas),
            Intent::AddStatement {
                text: "Data is van iedereen".into(),
            },
        )
        .0,
    );
    room.run(
        Sender::Participant(&bob),
        Intent::SetName {
            name: "Bob B.".into(),
        },
    );
    room.run(Sender::Participant(&cas), Intent::SetReady { ready: true });
    room.run(
        f,
        Intent::HideStatement {
            statement: s3.clone(),
            hidden: true,
        },
    );
    room.run(
        f,
        Intent::HideStatement {
            statement: s3.clone(),
            hidden: false,
        },
    );
    // Cluster: the suggestions, the log, the members.
    room.run(f, Intent::NextPhase);
    let (cluster, _) = room.run(
        f,
        Intent::CreateCluster {
            statements: vec![s1.clone(), s2.clone()],
            title: "Partner".into(),
        },
    );
    let cluster = match cluster.unwrap() {
        Created::Cluster(c) => c,
        other => panic!("{other:?}"),
    };
    // Vote, reveal.
    room.run(f, Intent::NextPhase);
    room.run(
        Sender::Participant(&ann),
        Intent::PlaceDot {
            statement: ItemId::from(&cluster),
        },
    );
    room.run(
        Sender::Participant(&bob),
        Intent::PlaceDot {
            statement: ItemId::from(&s3),
        },
    );
    room.run(
        Sender::Participant(&bob),
        Intent::RemoveDot {
            statement: ItemId::from(&s3),
        },
    );
    room.run(
        Sender::Participant(&cas),
        Intent::PlaceDot {
            statement: ItemId::from(&s3),
        },
    );
    room.run(f, Intent::RevealVotes);
    // Rules: proposed, rated, revealed.
    room.run(f, Intent::NextPhase);
    let rule = match room
        .run(
            Sender::Participant(&ann),
            Intent::ProposeRule {
                text: "Eerst hergebruiken".into(),
                anchors: vec![],
            },
        )
        .0
        .unwrap()
    {
        Created::Rule(r) => r,
        other => panic!("{other:?}"),
    };
    room.run(
        Sender::Participant(&bob),
        Intent::RateRule {
            rule: rule.clone(),
            score: 4,
            reason: None,
        },
    );
    room.run(
        Sender::Participant(&ann),
        Intent::RateRule {
            rule: rule.clone(),
            score: 2,
            reason: Some("te vaag".into()),
        },
    );
    room.run(
        Sender::Participant(&bob),
        Intent::SetGroup {
            group: "ict".into(),
        },
    );
    room.run(f, Intent::SetEqualGroupWeight { equal: true });
    room.run(f, Intent::RevealVotes);
    room.run(
        f,
        Intent::RemoveParticipant {
            participant: cas.clone(),
        },
    );
    room.run(f, Intent::CloseSession);
}

#[test]
fn one_dot_in_a_big_room_patches_the_voters_entry_and_the_counts_only() {
    let mut room = Room::new();
    let people: Vec<ParticipantId> = (0..300)
        .map(|i| {
            room.join(
                &format!("P{i}"),
                if i % 2 == 0 { "ict" } else { "business" },
            )
        })
        .collect();
    room.run(Sender::Facilitator, Intent::NextPhase);
    let s = statement(
        room.run(
            Sender::Participant(&people[0]),
            Intent::AddStatement {
                text: "Eén loket".into(),
            },
        )
        .0,
    );
    room.run(Sender::Facilitator, Intent::GoToPhase { index: 3 });
    let (_, [facilitator, public]) = room.run(
        Sender::Participant(&people[7]),
        Intent::PlaceDot {
            statement: ItemId::from(&s),
        },
    );
    // The facilitator sees that P7 voted and one more voter; the room only the count.
    assert_eq!(
        paths(&facilitator),
        vec![
            "/progress/richten/voters".to_string(),
            format!("/participants/{}/voted/0", people[7]),
        ],
        "{facilitator:?}"
    );
    assert_eq!(paths(&public), vec!["/progress/richten/voters".to_string()]);
}

#[test]
fn the_fields_kept_apart_are_named_as_the_view_serialises_them() {
    let mut room = Room::new();
    let ann = room.join("Ann", "ict");
    room.run(Sender::Facilitator, Intent::NextPhase);
    room.run(
        Sender::Participant(&ann),
        Intent::AddStatement {
            text: "Eén loket".into(),
        },
    );
    room.run(
        Sender::Participant(&ann),
        Intent::AddStatement {
            text: "Eén loket!".into(),
        },
    );
    room.run(Sender::Facilitator, Intent::NextPhase);
    let Value::Object(view) = &room.kept[0] else {
        panic!("not an object")
    };
    for field in [super::STATEMENTS, super::RULES, super::PARTICIPANTS]
        .into_iter()
        .chain(super::CLUSTER_PARTS)
        .chain(super::PEOPLE_PARTS)
    {
        assert!(view.contains_key(field), "the view has no field {field:?}");
    }
}
