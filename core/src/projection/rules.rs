//! Rules of thumb in a view: support per round (overall, per group, the gap, equal group
//! weight) once revealed, reasons without names, the stage of each rule, reviews in a follow-up.

use std::collections::BTreeMap;

use draagvlak_protocol::view::*;
use draagvlak_protocol::{ParticipantId, RuleId};

use super::*;
use crate::workshop::{FACILITATOR_AUTHOR, State};

/// The rules of a view.
pub(super) fn rules(state: &State) -> BTreeMap<RuleId, RuleView> {
    state
        .rules
        .keys()
        .filter_map(|id| Some((id.clone(), rule(state, id)?)))
        .collect()
}

/// One rule of a view; `None` when it does not exist.
pub(super) fn rule(state: &State, id: &RuleId) -> Option<RuleView> {
    let r = state.rules.get(id)?;
    let revealed = r.revealed_round >= r.round;
    let earlier = state.earlier_ratings.get(id);
    let carried = carried(state, r);
    Some(RuleView {
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
        from_facilitator: r.author == *FACILITATOR_AUTHOR,
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
        reviewers: carried.then(|| state.reviews.get(id).map(|m| m.len() as u32).unwrap_or(0)),
        review: (carried && state.revealed_review).then(|| review(state, id)),
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
pub fn support_of(state: &State, ratings: Option<&BTreeMap<ParticipantId, u8>>) -> SupportView {
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
fn anonymous_reasons(reasons: Option<&BTreeMap<ParticipantId, String>>) -> Vec<String> {
    let mut out: Vec<String> = reasons
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether a rule comes from an earlier session (and is reviewed in this one).
fn carried(state: &State, rule: &crate::workshop::Rule) -> bool {
    state.follows.is_some() && rule.support_then.is_some()
}

/// Where a rule is in its life cycle.
pub fn stage(state: &State, id: &str, rule: &crate::workshop::Rule) -> RuleStage {
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
