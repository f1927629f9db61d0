//! Reviews in a follow-up session: was a carried-over rule applied, and is it still right.

use draagvlak_protocol::{ErrorCode, Intent};

use super::{Call, Outcome, doc_err, done, misrouted, not_found};
use crate::Refusal;
use crate::workshop::Workshop;

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::ReviewRule {
            rule,
            applied,
            still_right,
        } => {
            let r = state
                .rules
                .get(rule)
                .ok_or_else(|| not_found("rule", rule))?;
            if r.support_then.is_none() && state.follows.is_none() {
                return Err(Refusal::new(
                    ErrorCode::WrongPhase,
                    "only rules carried over from an earlier session are reviewed",
                ));
            }
            workshop
                .set_review(rule, call.me, *applied, *still_right)
                .map_err(doc_err)?;
            done()
        }
        _ => Err(misrouted(intent)),
    }
}
