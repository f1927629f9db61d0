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

use std::collections::{BTreeMap, HashMap};

use draagvlak_protocol::view::{
    FollowsView, ParticipantView, PhaseView, RuleView, SessionInfo, StatementView, TimerView, View,
};
use draagvlak_protocol::{ParticipantId, RuleId, StatementId};

mod assessment;
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

use super::apply::{Keys, ViewTouched};
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

/// The view of the session for an audience: the reference projection, whole.
pub fn view(state: &State, presence: &Presence, audience: Audience) -> View {
    Projector::new(state, presence).view(audience, &ViewTouched::everything())
}

/// Projects views of one state: what every part needs is counted once (the dots and ratings),
/// for both audiences and for single entries. A fan-out makes one and asks it for the parts an
/// intent touched ([`ViewTouched`]) and for single statements, rules and participants.
pub struct Projector<'a> {
    state: &'a State,
    presence: &'a Presence,
    tally: Tally<'a>,
}

impl<'a> Projector<'a> {
    pub fn new(state: &'a State, presence: &'a Presence) -> Projector<'a> {
        Projector {
            state,
            presence,
            tally: Tally::of(state),
        }
    }

    /// One statement as `audience` sees it; `None` when it is absent from that view.
    pub fn statement(&self, id: &StatementId, audience: Audience) -> Option<StatementView> {
        statements::statement(
            self.state,
            id,
            audience == Audience::Facilitator,
            &self.tally,
        )
    }

    /// One rule (the same for both audiences); `None` when it does not exist.
    pub fn rule(&self, id: &RuleId) -> Option<RuleView> {
        rules::rule(self.state, id)
    }

    /// One participant as the facilitator sees them; `None` for the public audience and for
    /// someone unknown or removed.
    pub fn participant(&self, id: &ParticipantId, audience: Audience) -> Option<ParticipantView> {
        if audience != Audience::Facilitator {
            return None;
        }
        people::participant(self.state, self.presence, &self.tally, id)
    }

    /// The view for an audience with the maps that `touched` names only in part left empty
    /// (statements, rules, participants: ask for their entries one by one), and the clusters,
    /// their log and the suggestions, and the counts of people, left empty unless `touched`
    /// names them. With
    /// [`ViewTouched::everything`] it is the whole view.
    pub fn view(&self, audience: Audience, touched: &ViewTouched) -> View {
        let state = self.state;
        let presence = self.presence;
        let tally = &self.tally;
        let facilitator = audience == Audience::Facilitator;
        let whole_clusters = touched.clusters;
        // Computed for the facilitator in a cluster phase only: the projection runs every tick.
        let suggestions = if facilitator && whole_clusters {
            super::suggest::suggest(state)
        } else {
            None
        };
        View {
            removed: people::removed(state, facilitator && touched.people),
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
            groups: if touched.people {
                people::groups(state, presence)
            } else {
                BTreeMap::new()
            },
            statements: match touched.statements {
                Keys::All => statements::statements(state, facilitator, tally),
                Keys::Some(_) => BTreeMap::new(),
            },
            rules: match touched.rules {
                Keys::All => rules::rules(state),
                Keys::Some(_) => BTreeMap::new(),
            },
            progress: phases::progress(state, tally),
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
            participants: match touched.participants {
                Keys::All => people::participants(state, presence, tally, facilitator),
                Keys::Some(_) => facilitator.then(BTreeMap::new),
            },
            clusters: if whole_clusters {
                clusters::clusters(state, facilitator, tally)
            } else {
                BTreeMap::new()
            },
            clustering_open: state.clustering_open,
            equal_group_weight: state.equal_group_weight,
            ready: if touched.people {
                state
                    .participants
                    .iter()
                    .filter(|(id, p)| !p.removed && (p.proxy || state.is_ready(id)))
                    .count() as u32
            } else {
                0
            },
            closed: state.closed,
            follows: state.follows.as_ref().map(|f| FollowsView {
                code: f.code.clone(),
                title: f.title.clone(),
                created_at: f.created_at,
            }),
            cluster_log: clusters::log(state, facilitator && whole_clusters),
            assessment: if touched.assessment {
                assessment::assessment(state)
            } else {
                None
            },
        }
    }
}
