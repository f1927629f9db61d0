//! Projections: the part of the workshop each audience may see.
//!
//! This is where secrecy is enforced. Invariants (tested below and over the wire):
//! - before the facilitator reveals a level, no [`View`] contains anyone's dots or ratings on it,
//!   only how many people voted or rated; a participant sees their own in [`MeView`];
//! - a statement added in an anonymous phase has no author in any view, the facilitator's too;
//! - hidden statements are absent from the public view;
//! - only the facilitator's view lists participants by name, and never how they voted.

use std::collections::{BTreeMap, HashMap};

use draagvlak_protocol::intent::Answer;
use draagvlak_protocol::view::{
    AnswerCounts, AuthorView, ClusterEvent, ClusterView, FollowsView, GroupCount, Level,
    LevelProgress, MeView, ParticipantView, PhaseView, RemovedView, ReviewView, Role, RuleStage,
    RuleView, SessionInfo, StatementView, SupportView, TimerView, View,
};

use super::workshop::{FACILITATOR_AUTHOR, State};

/// Who a view is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The facilitator console.
    Facilitator,
    /// Participants and the projector: the same bytes go to all of them.
    Public,
}

/// Connection counts per participant id (a person may have several devices open).
pub type Presence = HashMap<String, usize>;

fn author(state: &State, id: &str, anonymous: bool) -> Option<AuthorView> {
    if anonymous {
        return None;
    }
    state.participants.get(id).map(|p| AuthorView {
        id: id.to_string(),
        name: p.name.clone(),
        group: p.group.clone(),
    })
}

/// Share of scores of 4 or 5.
fn share(scores: &[u8]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let agree = scores.iter().filter(|s| **s >= 4).count();
    // Rounded to 3 decimals so that views (and patches) stay small and stable.
    Some(((agree as f64 / scores.len() as f64) * 1000.0).round() / 1000.0)
}

/// Support in the current round of a rule.
pub fn support(state: &State, rule: &str) -> SupportView {
    support_of(state, state.ratings.get(rule))
}

/// Support from one round's ratings. With equal group weight, overall support is the mean of
/// the groups' support, so a small group counts as much as a large one.
pub fn support_of(state: &State, ratings: Option<&BTreeMap<String, u8>>) -> SupportView {
    let mut histogram = [0u32; 5];
    let mut removed = 0;
    let mut all = Vec::new();
    let mut per_group: BTreeMap<String, Vec<u8>> = state
        .groups
        .iter()
        .map(|g| (g.clone(), Vec::new()))
        .collect();
    if let Some(ratings) = ratings {
        for (pid, score) in ratings {
            if (1..=5).contains(score) {
                histogram[(*score - 1) as usize] += 1;
            }
            all.push(*score);
            if let Some(p) = state.participants.get(pid) {
                per_group.entry(p.group.clone()).or_default().push(*score);
                removed += u32::from(p.removed);
            }
        }
    }
    let by_group: BTreeMap<String, Option<f64>> = per_group
        .iter()
        .map(|(g, s)| (g.clone(), share(s)))
        .collect();
    let histogram_by_group = per_group
        .iter()
        .map(|(g, scores)| {
            let mut h = [0u32; 5];
            for score in scores.iter().filter(|s| (1..=5).contains(*s)) {
                h[usize::from(*score - 1)] += 1;
            }
            (g.clone(), h)
        })
        .collect();
    let known: Vec<f64> = by_group.values().filter_map(|v| *v).collect();
    let gap = if known.len() >= 2 {
        let max = known.iter().cloned().fold(f64::MIN, f64::max);
        let min = known.iter().cloned().fold(f64::MAX, f64::min);
        Some(((max - min) * 1000.0).round() / 1000.0)
    } else {
        None
    };
    let overall = if state.equal_group_weight {
        (!known.is_empty()).then(|| {
            let mean = known.iter().sum::<f64>() / known.len() as f64;
            (mean * 1000.0).round() / 1000.0
        })
    } else {
        share(&all)
    };
    SupportView {
        histogram,
        overall,
        by_group,
        histogram_by_group,
        gap,
        equal_group_weight: state.equal_group_weight,
        removed,
    }
}

/// The review of a carried-over rule, overall and per group.
pub fn review(state: &State, rule: &str) -> ReviewView {
    let mut out = ReviewView::default();
    for g in &state.groups {
        out.applied_by_group
            .insert(g.clone(), AnswerCounts::default());
        out.still_right_by_group
            .insert(g.clone(), AnswerCounts::default());
    }
    if let Some(m) = state.reviews.get(rule) {
        for (pid, (applied, still)) in m {
            out.applied.add(*applied);
            out.still_right.add(*still);
            if let Some(p) = state.active(pid) {
                out.applied_by_group
                    .entry(p.group.clone())
                    .or_default()
                    .add(*applied);
                out.still_right_by_group
                    .entry(p.group.clone())
                    .or_default()
                    .add(*still);
            }
        }
    }
    out
}

/// Reasons given in one round, without names, in a fixed order that says nothing about who
/// gave them (sorted by text).
fn anonymous_reasons(reasons: Option<&BTreeMap<String, String>>) -> Vec<String> {
    let mut out: Vec<String> = reasons
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether a rule comes from an earlier session (and is reviewed in this one).
fn carried(state: &State, rule: &super::workshop::Rule) -> bool {
    state.follows.is_some() && rule.support_then.is_some()
}

/// The view of the session for an audience.
pub fn view(state: &State, presence: &Presence, audience: Audience) -> View {
    let facilitator = audience == Audience::Facilitator;
    let mut groups: BTreeMap<String, GroupCount> = state
        .groups
        .iter()
        .map(|g| (g.clone(), GroupCount::default()))
        .collect();
    for (id, p) in state.participants.iter().filter(|(_, p)| !p.removed) {
        let g = groups.entry(p.group.clone()).or_default();
        g.joined += 1;
        // Someone without a device is in the room by definition (issue 13, bug 4).
        if p.proxy || presence.get(id).copied().unwrap_or(0) > 0 {
            g.connected += 1;
        }
    }
    // Total dots per statement, and who voted / rated on which level (a bit per level: no
    // allocation per participant, since this runs every tick).
    let mut totals: HashMap<&str, u32> = HashMap::new();
    let mut voted: HashMap<&str, u8> = HashMap::new();
    for (pid, dots) in &state.dots {
        for (item, n) in dots {
            if let Some(level) = state.item_level(item) {
                *totals.entry(item.as_str()).or_default() += n;
                if *n > 0 {
                    *voted.entry(pid.as_str()).or_default() |= level_bit(level);
                }
            }
        }
    }
    let mut rated: HashMap<&str, u8> = HashMap::new();
    for (rid, ratings) in &state.ratings {
        if let Some(r) = state.rules.get(rid) {
            for pid in ratings.keys() {
                *rated.entry(pid.as_str()).or_default() |= level_bit(r.level);
            }
        }
    }
    let mut progress: BTreeMap<Level, LevelProgress> = Level::ALL
        .into_iter()
        .map(|l| {
            (
                l,
                LevelProgress {
                    voters: 0,
                    raters: 0,
                    dots_revealed: state.revealed_dots.contains(&l),
                    ratings_revealed: state.revealed_ratings.contains(&l),
                    vote_round: state.vote_round(l),
                    earlier_vote_rounds: state
                        .earlier_vote_rounds(l)
                        .map(|r| {
                            r.totals
                                .keys()
                                .map(|item| (item.clone(), r.total(item)))
                                .collect()
                        })
                        .collect(),
                },
            )
        })
        .collect();
    for (l, p) in progress.iter_mut() {
        let bit = level_bit(*l);
        p.voters = voted.values().filter(|b| **b & bit != 0).count() as u32;
        p.raters = rated.values().filter(|b| **b & bit != 0).count() as u32;
    }
    let statements = state
        .statements
        .iter()
        .filter(|(_, s)| facilitator || !s.hidden)
        .map(|(id, s)| {
            let (dots, dots_by_group) = revealed_dots(state, s.level, id, &totals);
            (
                id.clone(),
                StatementView {
                    seq: s.seq,
                    level: s.level,
                    text: s.text.clone(),
                    author: author(state, &s.author, s.anonymous),
                    hidden: s.hidden,
                    dots,
                    cluster: s.cluster.clone(),
                    by_facilitator: s.by_facilitator,
                    dots_then: s.dots_then,
                    dots_by_group,
                    from_facilitator: s.author == FACILITATOR_AUTHOR,
                },
            )
        })
        .collect();
    let clusters = state
        .clusters
        .iter()
        .map(|(id, c)| {
            let (dots, dots_by_group) = revealed_dots(state, c.level, id, &totals);
            let members = c
                .statements
                .iter()
                .filter(|sid| visible_statement(state, sid, facilitator))
                .cloned()
                .collect();
            (
                id.clone(),
                ClusterView {
                    seq: c.seq,
                    level: c.level,
                    title: c.title.clone(),
                    statements: members,
                    dots,
                    dots_by_group,
                },
            )
        })
        .collect();
    let rules = state
        .rules
        .iter()
        .map(|(id, r)| {
            let revealed = r.revealed_round >= r.round;
            let earlier = state.earlier_ratings.get(id);
            let carried = carried(state, r);
            (
                id.clone(),
                RuleView {
                    seq: r.seq,
                    level: r.level,
                    text: r.text.clone(),
                    author: author(state, &r.author, r.anonymous),
                    raters: state.ratings.get(id).map(|m| m.len() as u32).unwrap_or(0),
                    support: revealed.then(|| support(state, id)),
                    status: r.status,
                    stage: stage(state, id, r),
                    confirmed: r.confirmed,
                    earlier_texts: r.earlier_texts.clone(),
                    from_facilitator: r.author == FACILITATOR_AUTHOR,
                    round: r.round,
                    earlier_rounds: earlier
                        .map(|rounds| {
                            rounds
                                .iter()
                                .enumerate()
                                .take_while(|(i, _)| (*i as u32) < r.revealed_round)
                                .map(|(_, m)| support_of(state, Some(m)))
                                .collect()
                        })
                        .unwrap_or_default(),
                    reasons: if revealed {
                        anonymous_reasons(state.reasons.get(id))
                    } else {
                        Vec::new()
                    },
                    anchors: r.anchors.clone(),
                    support_then: r.support_then.clone(),
                    reviewers: carried
                        .then(|| state.reviews.get(id).map(|m| m.len() as u32).unwrap_or(0)),
                    review: (carried && state.revealed_review).then(|| review(state, id)),
                },
            )
        })
        .collect();
    let participants = facilitator.then(|| {
        state
            .participants
            .iter()
            .filter(|(_, p)| !p.removed)
            .map(|(id, p)| {
                (
                    id.clone(),
                    ParticipantView {
                        name: p.name.clone(),
                        group: p.group.clone(),
                        connected: presence.get(id).copied().unwrap_or(0) > 0,
                        voted: levels(voted.get(id.as_str()).copied()),
                        rated: levels(rated.get(id.as_str()).copied()),
                        ready: p.proxy || state.is_ready(id),
                        proxy: p.proxy,
                        remote: p.remote,
                        pending_group: p.pending_group.clone(),
                    },
                )
            })
            .collect()
    });
    let removed = facilitator.then(|| {
        state
            .participants
            .iter()
            .filter(|(_, p)| p.removed)
            .map(|(id, p)| {
                (
                    id.clone(),
                    RemovedView {
                        name: p.name.clone(),
                        group: p.group.clone(),
                        blocked: p.device.is_some(),
                    },
                )
            })
            .collect()
    });
    // Computed for the facilitator in a cluster phase only: the projection runs every tick.
    let suggestions = if facilitator {
        super::suggest::suggest(state)
    } else {
        None
    };
    View {
        removed,
        suggestions,
        session: SessionInfo {
            id: state.meta.id.clone(),
            code: state.meta.code.clone(),
            title: state.meta.title.clone(),
            organisation: state.meta.organisation.clone(),
            language: state.meta.language.clone(),
            groups: state.groups.clone(),
        },
        phases: state
            .phases
            .iter()
            .map(|p| PhaseView {
                kind: p.kind,
                level: p.level,
                title: p.title.clone(),
                question: p.question.clone(),
                anonymous: p.anonymous,
                dot_budget: p.dot_budget,
                max_dots_per_item: p.max_dots_per_item,
            })
            .collect(),
        current_phase: state.current_phase as u32,
        locked: state.locked,
        groups,
        statements,
        rules,
        progress,
        timer: state.timer.as_ref().map(|t| TimerView {
            running: t.running,
            deadline: t.running.then_some(t.deadline),
            remaining_ms: (!t.running).then_some(t.remaining_ms),
            duration_ms: t.duration_ms,
        }),
        focus: state.focus.clone().filter(|id| {
            state.rules.contains_key(id)
                || state.clusters.contains_key(id)
                || visible_statement(state, id, facilitator)
        }),
        participants,
        clusters,
        clustering_open: state.clustering_open,
        equal_group_weight: state.equal_group_weight,
        ready: state
            .participants
            .iter()
            .filter(|(id, p)| !p.removed && (p.proxy || state.is_ready(id)))
            .count() as u32,
        closed: state.closed,
        follows: state.follows.as_ref().map(|f| FollowsView {
            code: f.code.clone(),
            title: f.title.clone(),
            created_at: f.created_at,
        }),
        cluster_log: facilitator.then(|| {
            state
                .cluster_log
                .iter()
                .map(|e| ClusterEvent {
                    at: e.at_ms,
                    action: e.action.clone(),
                    cluster: e.cluster.clone(),
                    statements: e.statements.clone(),
                    title: e.title.clone(),
                    by: if e.by == "facilitator" {
                        Role::Facilitator
                    } else {
                        Role::Participant
                    },
                })
                .collect()
        }),
    }
}

/// The revealed dots of an item (total and per group), from the record frozen at the reveal;
/// `None` while the level's round is open. Documents revealed before the record existed count
/// the dots as they are.
fn revealed_dots(
    state: &State,
    level: Level,
    item: &str,
    totals: &HashMap<&str, u32>,
) -> (Option<u32>, Option<BTreeMap<String, u32>>) {
    if !state.revealed_dots.contains(&level) {
        return (None, None);
    }
    match state.revealed_votes(level) {
        Some(record) => {
            let by_group = record
                .totals
                .get(item)
                .cloned()
                .unwrap_or_else(|| state.groups.iter().map(|g| (g.clone(), 0)).collect());
            (Some(record.total(item)), Some(by_group))
        }
        None => (Some(totals.get(item).copied().unwrap_or(0)), None),
    }
}

/// Where a rule is in its life cycle.
pub fn stage(state: &State, id: &str, rule: &super::workshop::Rule) -> RuleStage {
    if rule.decided() {
        RuleStage::Decided
    } else if rule.revealed() {
        RuleStage::Revealed
    } else if state.ratings.get(id).is_some_and(|m| !m.is_empty()) {
        RuleStage::Rating
    } else {
        RuleStage::Drafting
    }
}

fn level_bit(level: Level) -> u8 {
    match level {
        Level::Richten => 1,
        Level::Inrichten => 2,
        Level::Verrichten => 4,
    }
}

/// The levels whose bit is set, in workshop order.
fn levels<T: FromIterator<Level>>(bits: Option<u8>) -> T {
    let bits = bits.unwrap_or(0);
    Level::ALL
        .into_iter()
        .filter(|l| bits & level_bit(*l) != 0)
        .collect()
}

fn visible_statement(state: &State, id: &str, facilitator: bool) -> bool {
    state
        .statements
        .get(id)
        .is_some_and(|s| facilitator || !s.hidden)
}

/// A participant's private part, or `None` for an unknown id.
pub fn me(state: &State, participant: &str) -> Option<MeView> {
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
    let mut own: Vec<(u64, String)> = state
        .statements
        .iter()
        .filter(|(_, s)| s.author == participant)
        .map(|(id, s)| (s.seq, id.clone()))
        .collect();
    own.sort();
    Some(MeView {
        id: participant.to_string(),
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
    })
}

fn own_reasons(state: &State, participant: &str) -> BTreeMap<String, String> {
    state
        .reasons
        .iter()
        .filter_map(|(rid, m)| m.get(participant).map(|r| (rid.clone(), r.clone())))
        .collect()
}

fn own_reviews(state: &State, participant: &str) -> BTreeMap<String, [Answer; 2]> {
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
    statements: HashMap<&'a str, Vec<(u64, &'a str)>>,
    /// Participant -> own ratings as (rule id, score).
    ratings: HashMap<&'a str, Vec<(&'a str, u8)>>,
    /// Participant -> own reasons as (rule id, reason).
    reasons: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
    /// Participant -> own reviews as (rule id, [applied, still right]).
    reviews: HashMap<&'a str, Vec<(&'a str, [Answer; 2])>>,
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
        let mut statements: HashMap<&str, Vec<(u64, &str)>> = HashMap::new();
        for (id, s) in &state.statements {
            statements
                .entry(s.author.as_str())
                .or_default()
                .push((s.seq, id.as_str()));
        }
        for own in statements.values_mut() {
            own.sort_unstable();
        }
        let mut ratings: HashMap<&str, Vec<(&str, u8)>> = HashMap::new();
        for (rid, m) in &state.ratings {
            for (pid, score) in m {
                ratings
                    .entry(pid.as_str())
                    .or_default()
                    .push((rid.as_str(), *score));
            }
        }
        let mut reasons: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
        for (rid, m) in &state.reasons {
            for (pid, reason) in m {
                reasons
                    .entry(pid.as_str())
                    .or_default()
                    .push((rid.as_str(), reason.as_str()));
            }
        }
        let mut reviews: HashMap<&str, Vec<(&str, [Answer; 2])>> = HashMap::new();
        for (rid, m) in &state.reviews {
            for (pid, (a, b)) in m {
                reviews
                    .entry(pid.as_str())
                    .or_default()
                    .push((rid.as_str(), [*a, *b]));
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
    pub fn me(&self, participant: &str) -> Option<MeView> {
        let p = self.state.participants.get(participant)?;
        let left = self.dots_left(participant);
        Some(MeView {
            id: participant.to_string(),
            name: p.name.clone(),
            group: p.group.clone(),
            dots: self
                .state
                .dots
                .get(participant)
                .cloned()
                .unwrap_or_default(),
            dots_left: Level::ALL
                .into_iter()
                .map(|l| (l, left[level_index(l)]))
                .collect(),
            ratings: self
                .ratings
                .get(participant)
                .map(|r| r.iter().map(|(rid, s)| (rid.to_string(), *s)).collect())
                .unwrap_or_default(),
            statements: self
                .statements
                .get(participant)
                .map(|own| own.iter().map(|(_, id)| id.to_string()).collect())
                .unwrap_or_default(),
            // Reasons and reviews are few (one per rule at most): read directly.
            reasons: self
                .reasons
                .get(participant)
                .map(|r| {
                    r.iter()
                        .map(|(rid, t)| (rid.to_string(), t.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            reviews: self
                .reviews
                .get(participant)
                .map(|r| r.iter().map(|(rid, a)| (rid.to_string(), *a)).collect())
                .unwrap_or_default(),
            ready: self.state.is_ready(participant),
            pending_group: p.pending_group.clone(),
        })
    }

    /// Whether `last` is still this participant's private part, checked without building a new
    /// one (no allocation). `false` for an unknown participant.
    pub fn unchanged(&self, participant: &str, last: &MeView) -> bool {
        let Some(p) = self.state.participants.get(participant) else {
            return false;
        };
        if last.id != participant
            || last.name != p.name
            || last.group != p.group
            || last.ready != self.state.is_ready(participant)
            || last.pending_group != p.pending_group
        {
            return false;
        }
        let own_reasons = self
            .reasons
            .get(participant)
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
            .get(participant)
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
            .get(participant)
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
            .get(participant)
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
    use draagvlak_protocol::Intent;

    fn act(ws: &mut Workshop, p: &str, intent: Intent) {
        let heads = ws.heads().to_vec();
        let lookup = move |_rev: u64| Ok(heads.clone());
        let ctx = apply::Context::new(&lookup, 1);
        let sender = if p.is_empty() {
            apply::Sender::Facilitator
        } else {
            apply::Sender::Participant(p)
        };
        apply::apply(ws, sender, &intent, &ctx).expect("applied");
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
        let mut ws = NewSession::from_template(meta)
            .and_then(NewSession::create)
            .expect("doc");
        let a = ws.add_participant("Anna", "ict").expect("p");
        let b = ws.add_participant("Bram", "business").expect("p");
        let check = |ws: &Workshop, before: &HashMap<String, MeView>| {
            let index = MeIndex::new(ws.state());
            let mut now = HashMap::new();
            for p in [&a, &b] {
                let me = me(ws.state(), p).expect("me");
                assert_eq!(index.me(p).as_ref(), Some(&me));
                assert!(index.unchanged(p, &me));
                if let Some(old) = before.get(p.as_str()) {
                    assert_eq!(index.unchanged(p, old), *old == me, "{p}");
                }
                now.insert(p.clone(), me);
            }
            now
        };
        let mut last = check(&ws, &HashMap::new());
        act(&mut ws, "", Intent::NextPhase);
        for text in ["Een", "Twee", "Drie"] {
            act(&mut ws, &a, Intent::AddStatement { text: text.into() });
            last = check(&ws, &last);
        }
        act(
            &mut ws,
            &b,
            Intent::AddStatement {
                text: "Vier".into(),
            },
        );
        last = check(&ws, &last);
        let ids: Vec<String> = ws.state().statements.keys().cloned().collect();
        act(
            &mut ws,
            &a,
            Intent::DeleteStatement {
                statement: ids[0].clone(),
            },
        );
        last = check(&ws, &last);
        // Cluster two statements: dots then go to the cluster.
        act(&mut ws, "", Intent::NextPhase);
        let ids: Vec<String> = ws.state().statements.keys().cloned().collect();
        act(
            &mut ws,
            "",
            Intent::CreateCluster {
                statements: vec![ids[1].clone(), ids[2].clone()],
                title: "Samen".into(),
            },
        );
        let cluster = ws.state().clusters.keys().next().cloned().expect("cluster");
        act(&mut ws, "", Intent::NextPhase);
        for (p, s) in [(&a, &ids[0]), (&a, &ids[0]), (&b, &cluster)] {
            act(
                &mut ws,
                p,
                Intent::PlaceDot {
                    statement: s.clone(),
                },
            );
            last = check(&ws, &last);
        }
        act(
            &mut ws,
            &a,
            Intent::RemoveDot {
                statement: ids[0].clone(),
            },
        );
        last = check(&ws, &last);
        act(&mut ws, "", Intent::NextPhase);
        act(
            &mut ws,
            &b,
            Intent::ProposeRule {
                text: "Regel".into(),
                anchors: Vec::new(),
            },
        );
        let rule = ws.state().rules.keys().next().cloned().expect("rule");
        for (p, score) in [(&a, 4), (&b, 2), (&a, 5)] {
            act(
                &mut ws,
                p,
                Intent::RateRule {
                    rule: rule.clone(),
                    score,
                    reason: (score <= 2).then(|| "te vaag".into()),
                },
            );
            last = check(&ws, &last);
        }
        act(&mut ws, &a, Intent::SetReady { ready: true });
        last = check(&ws, &last);
        assert!(last[&a].ready);
        assert_eq!(last[&b].reasons[&rule], "te vaag");
        // A participant whose last part is someone else's is never "unchanged".
        let index = MeIndex::new(ws.state());
        assert!(!index.unchanged(&b, &last[&a]));
        assert!(!index.unchanged("p999", &last[&a]));
    }
}
