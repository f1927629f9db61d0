//! Who may send which intent in which phase: one table, checked before any intent is applied.
//!
//! The table is the single place to read (and review) the permission model. Checks that depend
//! on the item an intent names (ownership, budgets, levels) happen afterwards, in `apply`.

use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::intent::IntentKind;
use draagvlak_protocol::view::{PhaseKind, Role};

use super::Refusal;

/// In which phases an intent is allowed.
#[derive(Debug, Clone, Copy)]
pub enum Phases {
    Any,
    Only(&'static [PhaseKind]),
}

/// One row of the permission table.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    pub kind: IntentKind,
    /// The roles that may send it.
    pub roles: &'static [Role],
    pub phases: Phases,
    /// Refused for participants while the facilitator has locked input (the facilitator is
    /// never locked out).
    pub lockable: bool,
}

use IntentKind as K;
use PhaseKind as P;

const FAC: &[Role] = &[Role::Facilitator];
const PART: &[Role] = &[Role::Participant];
const BOTH: &[Role] = &[Role::Facilitator, Role::Participant];

/// The permission table. Facilitator rows are steering, in any phase unless noted; participant
/// rows are content, each in its own phase, and only while input is open. The facilitator may
/// write content too (statements and rules as the facilitator, edits of rules in drafting), but
/// never votes, rates or reviews. Clustering is open to participants only when the facilitator
/// allows it (checked in `apply`, it is session state).
#[rustfmt::skip]
pub const TABLE: [Permission; 43] = [
    Permission { kind: K::NextPhase, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::PreviousPhase, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::GoToPhase, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetLocked, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::RevealVotes, roles: FAC, phases: Phases::Only(&[P::Vote, P::Rules, P::Review, P::Assessment]), lockable: false },
    Permission { kind: K::HideStatement, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::StartTimer, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::PauseTimer, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::ResumeTimer, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::AddTime, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::ClearTimer, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetFocus, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetClusteringOpen, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetRuleStatus, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::StartRatingRound, roles: FAC, phases: Phases::Only(&[P::Rules]), lockable: false },
    Permission { kind: K::StartVoteRound, roles: FAC, phases: Phases::Only(&[P::Vote]), lockable: false },
    Permission { kind: K::SetEqualGroupWeight, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetAnonymous, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::AddProxy, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::RemoveParticipant, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::Readmit, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::DecideGroup, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::CloseSession, roles: FAC, phases: Phases::Any, lockable: false },
    Permission { kind: K::CreateCluster, roles: BOTH, phases: Phases::Only(&[P::Cluster]), lockable: true },
    Permission { kind: K::AddToCluster, roles: BOTH, phases: Phases::Only(&[P::Cluster]), lockable: true },
    Permission { kind: K::RemoveFromCluster, roles: BOTH, phases: Phases::Only(&[P::Cluster]), lockable: true },
    Permission { kind: K::DissolveCluster, roles: BOTH, phases: Phases::Only(&[P::Cluster]), lockable: true },
    Permission { kind: K::RenameCluster, roles: BOTH, phases: Phases::Only(&[P::Cluster]), lockable: true },
    Permission { kind: K::AddStatement, roles: BOTH, phases: Phases::Only(&[P::Brainstorm]), lockable: true },
    Permission { kind: K::EditStatement, roles: BOTH, phases: Phases::Only(&[P::Brainstorm]), lockable: true },
    Permission { kind: K::DeleteStatement, roles: BOTH, phases: Phases::Only(&[P::Brainstorm]), lockable: true },
    Permission { kind: K::PlaceDot, roles: PART, phases: Phases::Only(&[P::Vote]), lockable: true },
    Permission { kind: K::RemoveDot, roles: PART, phases: Phases::Only(&[P::Vote]), lockable: true },
    Permission { kind: K::ProposeRule, roles: BOTH, phases: Phases::Only(&[P::Rules]), lockable: true },
    Permission { kind: K::EditRule, roles: BOTH, phases: Phases::Only(&[P::Rules]), lockable: true },
    Permission { kind: K::LinkRule, roles: BOTH, phases: Phases::Only(&[P::Rules]), lockable: true },
    Permission { kind: K::RateRule, roles: PART, phases: Phases::Only(&[P::Rules]), lockable: true },
    Permission { kind: K::SetReady, roles: PART, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetRemote, roles: PART, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetName, roles: PART, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetGroup, roles: PART, phases: Phases::Any, lockable: false },
    Permission { kind: K::ReviewRule, roles: PART, phases: Phases::Only(&[P::Review]), lockable: true },
    Permission { kind: K::Assess, roles: PART, phases: Phases::Only(&[P::Assessment]), lockable: true },
];

/// The row for an intent kind.
pub fn permission(kind: IntentKind) -> &'static Permission {
    // Every kind has a row; the test `every_kind_has_exactly_one_row` holds this.
    TABLE.iter().find(|p| p.kind == kind).unwrap_or(&TABLE[0])
}

/// May `role` send `kind` now? Checks role first, then phase, then the lock.
pub fn check(role: Role, kind: IntentKind, phase: PhaseKind, locked: bool) -> Result<(), Refusal> {
    let p = permission(kind);
    if !p.roles.contains(&role) {
        let who = if p.roles.contains(&Role::Participant) {
            "participants"
        } else {
            "the facilitator"
        };
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            format!("only {who} may do this"),
        ));
    }
    if let Phases::Only(allowed) = p.phases
        && !allowed.contains(&phase)
    {
        let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
        return Err(Refusal::new(
            ErrorCode::WrongPhase,
            format!(
                "this is possible in a {} phase, and the session is in a {} phase",
                names.join(" or "),
                phase.as_str()
            ),
        ));
    }
    if p.lockable && locked && role == Role::Participant {
        return Err(Refusal::new(
            ErrorCode::InputLocked,
            "the facilitator has paused input",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_PHASES: [PhaseKind; 8] = [
        P::Lobby,
        P::Brainstorm,
        P::Cluster,
        P::Vote,
        P::Rules,
        P::Review,
        P::Assessment,
        P::Summary,
    ];
    const ROLES: [Role; 3] = [Role::Facilitator, Role::Participant, Role::Projector];
    const F: &[Role] = &[Role::Facilitator];
    const PP: &[Role] = &[Role::Participant];
    const FP: &[Role] = &[Role::Facilitator, Role::Participant];

    #[test]
    fn every_kind_has_exactly_one_row() {
        for kind in IntentKind::ALL {
            assert_eq!(
                TABLE.iter().filter(|p| p.kind == kind).count(),
                1,
                "{kind:?}"
            );
        }
    }

    /// Every cell: role x intent x phase x lock. The expected outcome is written out per
    /// intent here, independently of the table above, so a slip in the table fails.
    #[test]
    fn every_cell_of_the_table() {
        for kind in IntentKind::ALL {
            let (roles, phases, lockable): (&[Role], &[PhaseKind], bool) = match kind {
                K::NextPhase
                | K::PreviousPhase
                | K::GoToPhase
                | K::SetLocked
                | K::HideStatement
                | K::StartTimer
                | K::PauseTimer
                | K::ResumeTimer
                | K::AddTime
                | K::ClearTimer
                | K::SetFocus
                | K::SetClusteringOpen
                | K::SetRuleStatus
                | K::SetEqualGroupWeight
                | K::SetAnonymous
                | K::AddProxy
                | K::RemoveParticipant
                | K::Readmit
                | K::DecideGroup
                | K::CloseSession => (F, &ALL_PHASES, false),
                K::RevealVotes => (F, &[P::Vote, P::Rules, P::Review, P::Assessment], false),
                K::StartRatingRound => (F, &[P::Rules], false),
                K::StartVoteRound => (F, &[P::Vote], false),
                K::CreateCluster
                | K::AddToCluster
                | K::RemoveFromCluster
                | K::DissolveCluster
                | K::RenameCluster => (FP, &[P::Cluster], true),
                K::AddStatement | K::EditStatement | K::DeleteStatement => {
                    (FP, &[P::Brainstorm], true)
                }
                K::PlaceDot | K::RemoveDot => (PP, &[P::Vote], true),
                K::ProposeRule | K::EditRule => (FP, &[P::Rules], true),
                K::RateRule => (PP, &[P::Rules], true),
                K::LinkRule => (FP, &[P::Rules], true),
                K::SetReady | K::SetRemote | K::SetName | K::SetGroup => (PP, &ALL_PHASES, false),
                K::ReviewRule => (PP, &[P::Review], true),
                K::Assess => (PP, &[P::Assessment], true),
            };
            for r in ROLES {
                for phase in ALL_PHASES {
                    for locked in [false, true] {
                        let got = check(r, kind, phase, locked).map_err(|e| e.code);
                        let want = if !roles.contains(&r) {
                            Err(ErrorCode::Forbidden)
                        } else if !phases.contains(&phase) {
                            Err(ErrorCode::WrongPhase)
                        } else if lockable && locked && r == Role::Participant {
                            Err(ErrorCode::InputLocked)
                        } else {
                            Ok(())
                        };
                        assert_eq!(got, want, "{r:?} {kind:?} in {phase:?} locked={locked}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_projector_may_do_nothing() {
        for kind in IntentKind::ALL {
            for phase in ALL_PHASES {
                assert_eq!(
                    check(Role::Projector, kind, phase, false).map_err(|e| e.code),
                    Err(ErrorCode::Forbidden)
                );
            }
        }
    }
}
