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
    /// The only role that may send it.
    pub role: Role,
    pub phases: Phases,
    /// Refused while the facilitator has locked input.
    pub lockable: bool,
}

use IntentKind as K;
use PhaseKind as P;

/// The permission table.
#[rustfmt::skip]
pub const TABLE: [Permission; 20] = [
    // Facilitator: steering, in any phase unless noted. Never locked out.
    Permission { kind: K::NextPhase, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::PreviousPhase, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::GoToPhase, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetLocked, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::RevealVotes, role: Role::Facilitator, phases: Phases::Only(&[P::Vote, P::Rules]), lockable: false },
    Permission { kind: K::HideStatement, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::StartTimer, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::PauseTimer, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::ResumeTimer, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::AddTime, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::ClearTimer, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    Permission { kind: K::SetFocus, role: Role::Facilitator, phases: Phases::Any, lockable: false },
    // Participants: content, each in its own phase, and only while input is open.
    Permission { kind: K::AddStatement, role: Role::Participant, phases: Phases::Only(&[P::Brainstorm]), lockable: true },
    Permission { kind: K::EditStatement, role: Role::Participant, phases: Phases::Only(&[P::Brainstorm]), lockable: true },
    Permission { kind: K::DeleteStatement, role: Role::Participant, phases: Phases::Only(&[P::Brainstorm]), lockable: true },
    Permission { kind: K::PlaceDot, role: Role::Participant, phases: Phases::Only(&[P::Vote]), lockable: true },
    Permission { kind: K::RemoveDot, role: Role::Participant, phases: Phases::Only(&[P::Vote]), lockable: true },
    Permission { kind: K::ProposeRule, role: Role::Participant, phases: Phases::Only(&[P::Rules]), lockable: true },
    Permission { kind: K::EditRule, role: Role::Participant, phases: Phases::Only(&[P::Rules]), lockable: true },
    Permission { kind: K::RateRule, role: Role::Participant, phases: Phases::Only(&[P::Rules]), lockable: true },
];

/// The row for an intent kind.
pub fn permission(kind: IntentKind) -> &'static Permission {
    // Every kind has a row; the test `every_kind_has_exactly_one_row` holds this.
    TABLE.iter().find(|p| p.kind == kind).unwrap_or(&TABLE[0])
}

/// May `role` send `kind` now? Checks role first, then phase, then the lock.
pub fn check(role: Role, kind: IntentKind, phase: PhaseKind, locked: bool) -> Result<(), Refusal> {
    let p = permission(kind);
    if role != p.role {
        let who = match p.role {
            Role::Facilitator => "the facilitator",
            Role::Participant => "participants",
            Role::Projector => "the projector",
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
    if p.lockable && locked {
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

    const ALL_PHASES: [PhaseKind; 7] = [
        P::Lobby,
        P::Brainstorm,
        P::Cluster,
        P::Vote,
        P::Rules,
        P::Review,
        P::Summary,
    ];
    const ROLES: [Role; 3] = [Role::Facilitator, Role::Participant, Role::Projector];

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
            let (role, phases, lockable): (Role, &[PhaseKind], bool) = match kind {
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
                | K::SetFocus => (Role::Facilitator, &ALL_PHASES, false),
                K::RevealVotes => (Role::Facilitator, &[P::Vote, P::Rules], false),
                K::AddStatement | K::EditStatement | K::DeleteStatement => {
                    (Role::Participant, &[P::Brainstorm], true)
                }
                K::PlaceDot | K::RemoveDot => (Role::Participant, &[P::Vote], true),
                K::ProposeRule | K::EditRule | K::RateRule => {
                    (Role::Participant, &[P::Rules], true)
                }
            };
            for r in ROLES {
                for phase in ALL_PHASES {
                    for locked in [false, true] {
                        let got = check(r, kind, phase, locked).map_err(|e| e.code);
                        let want = if r != role {
                            Err(ErrorCode::Forbidden)
                        } else if !phases.contains(&phase) {
                            Err(ErrorCode::WrongPhase)
                        } else if lockable && locked {
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
