//! Follow-up sessions and the history view: reading a session's document to start another one,
//! or to show it as it was.
//!
//! A follow-up is a new session, months later, that checks whether the rules of thumb still
//! hold. It starts from the earlier session's *result*: its adopted rules (with the support they
//! had then) and its top priorities (with their dots). Those are copied into the new document, so
//! the follow-up never depends on the earlier one being loaded, and its report can put then and
//! now side by side on its own.

use draagvlak_protocol::intent::RuleStatus;
use draagvlak_protocol::view::{Level, SupportView};
use draagvlak_protocol::{ParticipantId, RuleId};

use super::projection;
use super::workshop::{DocError, Follows, NewRule, NewStatement, State, Workshop};

/// Priorities carried over per level.
pub const TOP_PRIORITIES: usize = 3;

/// Copy what a follow-up needs from `earlier` into the new session `workshop`.
pub fn carry(earlier: &State, workshop: &mut Workshop) -> Result<(), DocError> {
    workshop.set_follows(Follows {
        code: earlier.meta.code.clone(),
        title: earlier.meta.title.clone(),
        created_at: earlier.phase_log.first().map(|e| e.at_ms).unwrap_or(0),
    })?;
    for level in Level::ALL {
        for (text, dots) in top_priorities(earlier, level) {
            workshop.add_statement(
                &ParticipantId::default(),
                level,
                &text,
                NewStatement {
                    anonymous: true,
                    dots_then: Some(dots),
                    ..NewStatement::default()
                },
            )?;
        }
    }
    let mut adopted: Vec<_> = earlier
        .rules
        .iter()
        .filter(|(_, r)| r.status == RuleStatus::Adopted)
        .collect();
    adopted.sort_by_key(|(_, r)| (r.level, r.seq));
    for (id, rule) in adopted {
        let extra = NewRule {
            anonymous: true,
            status: RuleStatus::Adopted,
            support_then: Some(support_then(earlier, id)),
            ..NewRule::default()
        };
        workshop.add_rule_with(&ParticipantId::default(), rule.level, &rule.text, extra)?;
    }
    // The assessment taken then (only as far as it was revealed: scores stay secret), to compare
    // with the one taken now.
    if !earlier.assessment.is_empty() {
        let then = earlier
            .revealed_assessment
            .then(|| crate::assessment::results(earlier));
        workshop.carry_assessment(&earlier.assessment, then.as_deref())?;
    }
    Ok(())
}

/// The phase a follow-up on the built-in agenda gets when the earlier session took the
/// assessment: the same statements again, before the summary, so the report can put then and now
/// side by side.
pub fn assessment_again() -> crate::template::PhaseSpec {
    use draagvlak_protocol::view::{Localized, PhaseKind};
    crate::template::PhaseSpec {
        kind: PhaseKind::Assessment,
        level: None,
        title: Localized {
            nl: "Zelfevaluatie, opnieuw".into(),
            en: "Self-assessment, again".into(),
        },
        question: Localized {
            nl: "Hoe staat onze organisatie er nu voor? Geef bij elke uitspraak aan in hoeverre die klopt, van 1 (helemaal niet) tot 5 (helemaal).".into(),
            en: "Where does our organisation stand now? For each statement, say how far it holds, from 1 (not at all) to 5 (fully).".into(),
        },
        anonymous: false,
        dot_budget: 0,
        max_dots_per_item: 0,
    }
}

/// The support a rule had at the end of the earlier session: its last revealed round (empty
/// when its ratings were never revealed: they stay secret).
fn support_then(state: &State, rule: &RuleId) -> SupportView {
    let Some(r) = state.rules.get(rule) else {
        return projection::support_of(state, None);
    };
    if r.revealed_round >= r.round {
        return projection::support(state, rule);
    }
    let earlier = state.earlier_ratings.get(rule);
    let last_revealed = (r.revealed_round as usize).checked_sub(1);
    match (earlier, last_revealed) {
        (Some(rounds), Some(i)) => projection::support_of(state, rounds.get(i)),
        _ => projection::support_of(state, None),
    }
}

/// The statements and clusters of a level with the most dots, once its dots were revealed
/// (never before: they are secret until then).
pub fn top_priorities(state: &State, level: Level) -> Vec<(String, u32)> {
    if !state.revealed_dots.contains(&level) {
        return Vec::new();
    }
    let mut totals: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for dots in state.dots.values() {
        for (item, n) in dots {
            *totals.entry(item.as_str()).or_default() += n;
        }
    }
    let mut items: Vec<(u32, u64, String)> = Vec::new();
    for (id, c) in &state.clusters {
        if c.level == level {
            let n = totals.get(id.as_str()).copied().unwrap_or(0);
            items.push((n, c.seq, c.title.clone()));
        }
    }
    for (id, s) in &state.statements {
        if s.level == level && s.cluster.is_none() && !s.hidden {
            let n = totals.get(id.as_str()).copied().unwrap_or(0);
            items.push((n, s.seq, s.text.clone()));
        }
    }
    items.retain(|(n, _, _)| *n > 0);
    items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    items
        .into_iter()
        .take(TOP_PRIORITIES)
        .map(|(n, _, text)| (text, n))
        .collect()
}

/// Where the phase `phase` ended: the last time the session left it. `None` while it has not
/// ended (or for a document older than the phase log's heads).
pub fn end_of_phase(state: &State, phase: usize) -> Option<&super::workshop::PhaseEntry> {
    let mut previous = 0usize;
    let mut found = None;
    for entry in &state.phase_log {
        if previous == phase && entry.phase != phase && !entry.heads_before.is_empty() {
            found = Some(entry);
        }
        previous = entry.phase;
    }
    found
}
