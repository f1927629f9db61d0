//! Projections: the part of the workshop each audience may see.
//!
//! This is where secrecy is enforced. Invariants (tested below and over the wire):
//! - before the facilitator reveals a level, no [`View`] contains anyone's dots or ratings on it,
//!   only how many people voted or rated; a participant sees their own in [`MeView`];
//! - a statement added in an anonymous phase has no author in any view, the facilitator's too;
//! - hidden statements are absent from the public view;
//! - only the facilitator's view lists participants by name, and never how they voted.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use draagvlak_protocol::view::{
    AuthorView, GroupCount, Level, LevelProgress, MeView, ParticipantView, PhaseView, RuleView,
    SessionInfo, StatementView, SupportView, TimerView, View,
};

use super::workshop::State;

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

fn support(state: &State, rule: &str) -> SupportView {
    let mut histogram = [0u32; 5];
    let mut all = Vec::new();
    let mut per_group: BTreeMap<String, Vec<u8>> = state
        .groups
        .iter()
        .map(|g| (g.clone(), Vec::new()))
        .collect();
    if let Some(ratings) = state.ratings.get(rule) {
        for (pid, score) in ratings {
            if (1..=5).contains(score) {
                histogram[(*score - 1) as usize] += 1;
            }
            all.push(*score);
            if let Some(p) = state.participants.get(pid) {
                per_group.entry(p.group.clone()).or_default().push(*score);
            }
        }
    }
    let by_group: BTreeMap<String, Option<f64>> = per_group
        .iter()
        .map(|(g, s)| (g.clone(), share(s)))
        .collect();
    let known: Vec<f64> = by_group.values().filter_map(|v| *v).collect();
    let gap = if known.len() >= 2 {
        let max = known.iter().cloned().fold(f64::MIN, f64::max);
        let min = known.iter().cloned().fold(f64::MAX, f64::min);
        Some(((max - min) * 1000.0).round() / 1000.0)
    } else {
        None
    };
    SupportView {
        histogram,
        overall: share(&all),
        by_group,
        gap,
    }
}

/// The view of the session for an audience.
pub fn view(state: &State, presence: &Presence, audience: Audience) -> View {
    let facilitator = audience == Audience::Facilitator;
    let mut groups: BTreeMap<String, GroupCount> = state
        .groups
        .iter()
        .map(|g| (g.clone(), GroupCount::default()))
        .collect();
    for (id, p) in &state.participants {
        let g = groups.entry(p.group.clone()).or_default();
        g.joined += 1;
        if presence.get(id).copied().unwrap_or(0) > 0 {
            g.connected += 1;
        }
    }
    // Total dots per statement, and who voted / rated on which level.
    let mut totals: HashMap<&str, u32> = HashMap::new();
    let mut voted: BTreeMap<&str, BTreeSet<Level>> = BTreeMap::new();
    for (pid, dots) in &state.dots {
        for (sid, n) in dots {
            if let Some(s) = state.statements.get(sid) {
                *totals.entry(sid.as_str()).or_default() += n;
                if *n > 0 {
                    voted.entry(pid.as_str()).or_default().insert(s.level);
                }
            }
        }
    }
    let mut rated: BTreeMap<&str, BTreeSet<Level>> = BTreeMap::new();
    for (rid, ratings) in &state.ratings {
        if let Some(r) = state.rules.get(rid) {
            for pid in ratings.keys() {
                rated.entry(pid.as_str()).or_default().insert(r.level);
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
                },
            )
        })
        .collect();
    for levels in voted.values() {
        for l in levels {
            if let Some(p) = progress.get_mut(l) {
                p.voters += 1;
            }
        }
    }
    for levels in rated.values() {
        for l in levels {
            if let Some(p) = progress.get_mut(l) {
                p.raters += 1;
            }
        }
    }
    let statements = state
        .statements
        .iter()
        .filter(|(_, s)| facilitator || !s.hidden)
        .map(|(id, s)| {
            let revealed = state.revealed_dots.contains(&s.level);
            (
                id.clone(),
                StatementView {
                    seq: s.seq,
                    level: s.level,
                    text: s.text.clone(),
                    author: author(state, &s.author, s.anonymous),
                    hidden: s.hidden,
                    dots: revealed.then(|| totals.get(id.as_str()).copied().unwrap_or(0)),
                },
            )
        })
        .collect();
    let rules = state
        .rules
        .iter()
        .map(|(id, r)| {
            let revealed = state.revealed_ratings.contains(&r.level);
            (
                id.clone(),
                RuleView {
                    seq: r.seq,
                    level: r.level,
                    text: r.text.clone(),
                    author: author(state, &r.author, false),
                    raters: state.ratings.get(id).map(|m| m.len() as u32).unwrap_or(0),
                    support: revealed.then(|| support(state, id)),
                },
            )
        })
        .collect();
    let participants = facilitator.then(|| {
        state
            .participants
            .iter()
            .map(|(id, p)| {
                (
                    id.clone(),
                    ParticipantView {
                        name: p.name.clone(),
                        group: p.group.clone(),
                        connected: presence.get(id).copied().unwrap_or(0) > 0,
                        voted: voted
                            .get(id.as_str())
                            .map(|s| s.iter().copied().collect())
                            .unwrap_or_default(),
                        rated: rated
                            .get(id.as_str())
                            .map(|s| s.iter().copied().collect())
                            .unwrap_or_default(),
                    },
                )
            })
            .collect()
    });
    View {
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
        focus: state
            .focus
            .clone()
            .filter(|id| state.rules.contains_key(id) || visible_statement(state, id, facilitator)),
        participants,
    }
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
    })
}
