//! Projections: the part of the workshop each audience may see.
//!
//! This is where secrecy is enforced. Invariants (tested in `tests.rs`, by the property tests and
//! over the wire in `tests/tests/secrecy.rs`):
//! - before the facilitator reveals a level, no [`View`] contains anyone's dots or ratings on it,
//!   only how many people voted or rated; a participant sees their own in
//!   [`MeView`](draagvlak_protocol::view::MeView);
//! - a statement added in an anonymous phase has no author in any view, the facilitator's too;
//! - hidden statements are absent from the public view;
//! - only the facilitator's view lists participants by name, and never how they voted.
//!
//! [`view`] assembles a view from one module per domain, the same split as the document and
//! `apply`: `phases` (progress per level), `statements` (and dots), `clusters`, `rules` (support,
//! reasons, stages, reviews), `people`; `me` is a participant's private part.

use std::collections::HashMap;

use draagvlak_protocol::ParticipantId;
use draagvlak_protocol::view::{FollowsView, PhaseView, SessionInfo, TimerView, View};

mod clusters;
mod me;
mod people;
mod phases;
mod rules;
mod statements;

pub use me::{MeIndex, me};
use people::author;
use phases::{level_bit, levels};
pub use rules::{review, stage, support, support_of};
use statements::{Tally, revealed_dots, visible_statement};

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
pub type Presence = HashMap<ParticipantId, usize>;

/// The view of the session for an audience.
pub fn view(state: &State, presence: &Presence, audience: Audience) -> View {
    let facilitator = audience == Audience::Facilitator;
    let tally = Tally::of(state);
    // Computed for the facilitator in a cluster phase only: the projection runs every tick.
    let suggestions = if facilitator {
        super::suggest::suggest(state)
    } else {
        None
    };
    View {
        removed: people::removed(state, facilitator),
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
        groups: people::groups(state, presence),
        statements: statements::statements(state, facilitator, &tally),
        rules: rules::rules(state),
        progress: phases::progress(state, &tally),
        timer: state.timer.as_ref().map(|t| TimerView {
            running: t.running,
            deadline: t.running.then_some(t.deadline),
            remaining_ms: (!t.running).then_some(t.remaining_ms),
            duration_ms: t.duration_ms,
        }),
        focus: state.focus.clone().filter(|id| {
            state.rules.contains_key(id.as_str())
                || state.clusters.contains_key(id.as_str())
                || visible_statement(state, id, facilitator)
        }),
        participants: people::participants(state, presence, &tally, facilitator),
        clusters: clusters::clusters(state, facilitator, &tally),
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
        cluster_log: clusters::log(state, facilitator),
    }
}
