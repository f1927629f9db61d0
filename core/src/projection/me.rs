//! A participant's private part ([`MeView`]): their own dots, ratings, reasons, reviews and
//! statements, indexed once per tick ([`MeIndex`]) so the fan-out does not scan the session per
//! person.

use std::collections::{BTreeMap, HashMap};

use draagvlak_protocol::intent::Answer;
use draagvlak_protocol::view::*;
use draagvlak_protocol::{ParticipantId, RuleId, StatementId};

use crate::workshop::State;

/// A participant's private part, or `None` for an unknown id.
pub fn me(state: &State, participant: &ParticipantId) -> Option<MeView> {
    let p = state.participants.get(participant)?;
    let dots = state.dots.get(participant).cloned().unwrap_or_default();
    let dots_left = Level::ALL
        .into_iter()
        .map(|l| {
            (
                l,
                state
                    .dot_budget(l)
                    .saturating_sub(state.dots_used(participant, l)),
            )
        })
        .collect();
    let ratings = state
        .ratings
        .iter()
        .filter_map(|(rid, m)| m.get(participant).map(|s| (rid.clone(), *s)))
        .collect();
    let mut own: Vec<(u64, StatementId)> = state
        .statements
        .iter()
        .filter(|(_, s)| s.author == *participant)
        .map(|(id, s)| (s.seq, id.clone()))
        .collect();
    own.sort();
    Some(MeView {
        id: participant.clone(),
        name: p.name.clone(),
        group: p.group.clone(),
        dots,
        dots_left,
        ratings,
        statements: own.into_iter().map(|(_, id)| id).collect(),
        reasons: own_reasons(state, participant),
        reviews: own_reviews(state, participant),
        ready: state.is_ready(participant),
        pending_group: p.pending_group.clone(),
        assessment: state
            .assessment_scores
            .get(participant)
            .cloned()
            .unwrap_or_default(),
    })
}

fn own_reasons(state: &State, participant: &ParticipantId) -> BTreeMap<RuleId, String> {
    state
        .reasons
        .iter()
        .filter_map(|(rid, m)| m.get(participant).map(|r| (rid.clone(), r.clone())))
        .collect()
}

fn own_reviews(state: &State, participant: &ParticipantId) -> BTreeMap<RuleId, [Answer; 2]> {
    state
        .reviews
        .iter()
        .filter_map(|(rid, m)| m.get(participant).map(|(a, b)| (rid.clone(), [*a, *b])))
        .collect()
}

/// The inputs of every participant's private part, indexed once, so that the part of one
/// participant costs O(own statements, dots and ratings) instead of a scan of all statements and
/// rules. The actor's fan-out looks at every connected participant each tick: with this, a tick
/// costs O(statements + ratings + participants), not O(participants × (statements + rules)).
#[derive(Debug)]
pub struct MeIndex<'a> {
    state: &'a State,
    /// Author -> own statements as (seq, id).
    statements: HashMap<&'a str, Vec<(u64, &'a StatementId)>>,
    /// Participant -> own ratings as (rule id, score).
    ratings: HashMap<&'a str, Vec<(&'a RuleId, u8)>>,
    /// Participant -> own reasons as (rule id, reason).
    reasons: HashMap<&'a str, Vec<(&'a RuleId, &'a str)>>,
    /// Participant -> own reviews as (rule id, [applied, still right]).
    reviews: HashMap<&'a str, Vec<(&'a RuleId, [Answer; 2])>>,
    budgets: [u32; 3],
}

fn level_index(level: Level) -> usize {
    match level {
        Level::Richten => 0,
        Level::Inrichten => 1,
        Level::Verrichten => 2,
    }
}

impl<'a> MeIndex<'a> {
    pub fn new(state: &'a State) -> MeIndex<'a> {
        let mut statements: HashMap<&str, Vec<(u64, &StatementId)>> = HashMap::new();
        for (id, s) in &state.statements {
            statements
                .entry(s.author.as_str())
                .or_default()
                .push((s.seq, id));
        }
        for own in statements.values_mut() {
            own.sort_unstable();
        }
        let mut ratings: HashMap<&str, Vec<(&RuleId, u8)>> = HashMap::new();
        for (rid, m) in &state.ratings {
            for (pid, score) in m {
                ratings.entry(pid.as_str()).or_default().push((rid, *score));
            }
        }
        let mut reasons: HashMap<&str, Vec<(&RuleId, &str)>> = HashMap::new();
        for (rid, m) in &state.reasons {
            for (pid, reason) in m {
                reasons
                    .entry(pid.as_str())
                    .or_default()
                    .push((rid, reason.as_str()));
            }
        }
        let mut reviews: HashMap<&str, Vec<(&RuleId, [Answer; 2])>> = HashMap::new();
        for (rid, m) in &state.reviews {
            for (pid, (a, b)) in m {
                reviews
                    .entry(pid.as_str())
                    .or_default()
                    .push((rid, [*a, *b]));
            }
        }
        MeIndex {
            state,
            statements,
            ratings,
            reasons,
            reviews,
            budgets: Level::ALL.map(|l| state.dot_budget(l)),
        }
    }

    /// Dots left per level (in `Level::ALL` order).
    fn dots_left(&self, participant: &str) -> [u32; 3] {
        let mut used = [0u32; 3];
        if let Some(dots) = self.state.dots.get(participant) {
            for (item, n) in dots {
                if let Some(level) = self.state.item_level(item) {
                    used[level_index(level)] += n;
                }
            }
        }
        [0, 1, 2].map(|i| self.budgets[i].saturating_sub(used[i]))
    }

    /// The same as [`me`], from the index.
    pub fn me(&self, participant: &ParticipantId) -> Option<MeView> {
        let p = self.state.participants.get(participant)?;
        let left = self.dots_left(participant);
        Some(MeView {
            id: participant.clone(),
            name: p.name.clone(),
            group: p.group.clone(),
            dots: self
                .state
                .dots
                .get(participant.as_str())
                .cloned()
                .unwrap_or_default(),
            dots_left: Level::ALL
                .into_iter()
                .map(|l| (l, left[level_index(l)]))
                .collect(),
            ratings: self
                .ratings
                .get(participant.as_str())
                .map(|r| r.iter().map(|(rid, s)| ((*rid).clone(), *s)).collect())
                .unwrap_or_default(),
            statements: self
                .statements
                .get(participant.as_str())
                .map(|own| own.iter().map(|(_, id)| (*id).clone()).collect())
                .unwrap_or_default(),
            // Reasons and reviews are few (one per rule at most): read directly.
            reasons: self
                .reasons
                .get(participant.as_str())
                .map(|r| {
                    r.iter()
                        .map(|(rid, t)| ((*rid).clone(), t.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            reviews: self
                .reviews
                .get(participant.as_str())
                .map(|r| r.iter().map(|(rid, a)| ((*rid).clone(), *a)).collect())
                .unwrap_or_default(),
            ready: self.state.is_ready(participant),
            pending_group: p.pending_group.clone(),
            assessment: self
                .state
                .assessment_scores
                .get(participant)
                .cloned()
                .unwrap_or_default(),
        })
    }

    /// Whether `last` is still this participant's private part, checked without building a new
    /// one (no allocation). `false` for an unknown participant.
    pub fn unchanged(&self, participant: &ParticipantId, last: &MeView) -> bool {
        let Some(p) = self.state.participants.get(participant) else {
            return false;
        };
        if last.id != *participant
            || last.name != p.name
            || last.group != p.group
            || last.ready != self.state.is_ready(participant)
            || last.pending_group != p.pending_group
        {
            return false;
        }
        let assessment_same = match self.state.assessment_scores.get(participant) {
            Some(own) => *own == last.assessment,
            None => last.assessment.is_empty(),
        };
        if !assessment_same {
            return false;
        }
        let own_reasons = self
            .reasons
            .get(participant.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if own_reasons.len() != last.reasons.len()
            || own_reasons
                .iter()
                .any(|(rid, t)| last.reasons.get(*rid).map(String::as_str) != Some(*t))
        {
            return false;
        }
        let own_reviews = self
            .reviews
            .get(participant.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if own_reviews.len() != last.reviews.len()
            || own_reviews
                .iter()
                .any(|(rid, a)| last.reviews.get(*rid) != Some(a))
        {
            return false;
        }
        let dots_same = match self.state.dots.get(participant) {
            Some(d) => *d == last.dots,
            None => last.dots.is_empty(),
        };
        if !dots_same {
            return false;
        }
        let left = self.dots_left(participant);
        if last.dots_left.len() != 3
            || Level::ALL
                .into_iter()
                .any(|l| last.dots_left.get(&l) != Some(&left[level_index(l)]))
        {
            return false;
        }
        let own_ratings = self
            .ratings
            .get(participant.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if own_ratings.len() != last.ratings.len()
            || own_ratings
                .iter()
                .any(|(rid, s)| last.ratings.get(*rid) != Some(s))
        {
            return false;
        }
        let own = self
            .statements
            .get(participant.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        own.len() == last.statements.len()
            && own
                .iter()
                .zip(&last.statements)
                .all(|((_, id), last)| *id == last.as_str())
    }
}

#[cfg(test)]
mod me_index_tests {
    use super::*;
    use crate::apply;
    use crate::new_session::NewSession;
    use crate::workshop::{Meta, Workshop};
    use draagvlak_protocol::{Intent, ItemId};

    fn act(workshop: &mut Workshop, p: &str, intent: Intent) {
        let heads = workshop.heads().to_vec();
        let lookup = move |_rev: u64| Ok(heads.clone());
        let ctx = apply::Context::new(&lookup, 1);
        let sender = if p.is_empty() {
            apply::Sender::Facilitator
        } else {
            apply::Sender::Participant(&ParticipantId::from(p))
        };
        apply::apply(workshop, sender, &intent, &ctx).expect("applied");
    }

    /// The index gives exactly what `me` gives, and `unchanged` notices every kind of change.
    #[test]
    fn index_agrees_with_me_and_sees_changes() {
        let meta = Meta {
            id: "0123456789abcdef".into(),
            code: "ABC234".into(),
            title: "t".into(),
            organisation: "o".into(),
            language: "nl".into(),
            template: "strategic-framework".into(),
        };
        let mut workshop = NewSession::from_template(meta)
            .and_then(NewSession::create)
            .expect("doc");
        let a = workshop.add_participant("Anna", "ict").expect("p");
        let b = workshop.add_participant("Bram", "business").expect("p");
        let check = |workshop: &Workshop, before: &HashMap<ParticipantId, MeView>| {
            let index = MeIndex::new(workshop.state());
            let mut now = HashMap::new();
            for p in [&a, &b] {
                let me = me(workshop.state(), p).expect("me");
                assert_eq!(index.me(p).as_ref(), Some(&me));
                assert!(index.unchanged(p, &me));
                if let Some(old) = before.get(p) {
                    assert_eq!(index.unchanged(p, old), *old == me, "{p}");
                }
                now.insert(p.clone(), me);
            }
            now
        };
        let mut last = check(&workshop, &HashMap::new());
        act(&mut workshop, "", Intent::NextPhase);
        for text in ["Een", "Twee", "Drie"] {
            act(
                &mut workshop,
                &a,
                Intent::AddStatement { text: text.into() },
            );
            last = check(&workshop, &last);
        }
        act(
            &mut workshop,
            &b,
            Intent::AddStatement {
                text: "Vier".into(),
            },
        );
        last = check(&workshop, &last);
        let ids: Vec<StatementId> = workshop.state().statements.keys().cloned().collect();
        act(
            &mut workshop,
            &a,
            Intent::DeleteStatement {
                statement: ids[0].clone(),
            },
        );
        last = check(&workshop, &last);
        // Cluster two statements: dots then go to the cluster.
        act(&mut workshop, "", Intent::NextPhase);
        let ids: Vec<StatementId> = workshop.state().statements.keys().cloned().collect();
        act(
            &mut workshop,
            "",
            Intent::CreateCluster {
                statements: vec![ids[1].clone(), ids[2].clone()],
                title: "Samen".into(),
            },
        );
        let cluster = workshop
            .state()
            .clusters
            .keys()
            .next()
            .cloned()
            .expect("cluster");
        act(&mut workshop, "", Intent::NextPhase);
        for (p, s) in [
            (&a, ItemId::from(&ids[0])),
            (&a, ItemId::from(&ids[0])),
            (&b, ItemId::from(&cluster)),
        ] {
            act(
                &mut workshop,
                p,
                Intent::PlaceDot {
                    statement: s.clone(),
                },
            );
            last = check(&workshop, &last);
        }
        act(
            &mut workshop,
            &a,
            Intent::RemoveDot {
                statement: ids[0].clone().into(),
            },
        );
        last = check(&workshop, &last);
        act(&mut workshop, "", Intent::NextPhase);
        act(
            &mut workshop,
            &b,
            Intent::ProposeRule {
                text: "Regel".into(),
                anchors: Vec::new(),
            },
        );
        let rule = workshop.state().rules.keys().next().cloned().expect("rule");
        for (p, score) in [(&a, 4), (&b, 2), (&a, 5)] {
            act(
                &mut workshop,
                p,
                Intent::RateRule {
                    rule: rule.clone(),
                    score,
                    reason: (score <= 2).then(|| "te vaag".into()),
                },
            );
            last = check(&workshop, &last);
        }
        act(&mut workshop, &a, Intent::SetReady { ready: true });
        last = check(&workshop, &last);
        assert!(last[&a].ready);
        assert_eq!(last[&b].reasons[&rule], "te vaag");
        // A participant whose last part is someone else's is never "unchanged".
        let index = MeIndex::new(workshop.state());
        assert!(!index.unchanged(&b, &last[&a]));
        assert!(!index.unchanged(&ParticipantId::from("p999"), &last[&a]));
    }
}
