//! The maturity self-assessment: a participant scores one statement, 1 to 5 or "don't know",
//! until the facilitator reveals the results.

use draagvlak_protocol::{ErrorCode, Intent};

use super::{Call, Outcome, doc_err, done, misrouted};
use crate::Refusal;
use crate::assessment;
use crate::workshop::Workshop;

/// Apply one of this domain's intents (the dispatcher in `apply/mod.rs` routes them here).
pub(super) fn apply(workshop: &mut Workshop, call: &Call<'_>, intent: &Intent) -> Outcome {
    let state = workshop.state();
    match intent {
        Intent::Assess { statement, score } => {
            if !assessment::has_statement(state, statement) {
                return Err(Refusal::new(
                    ErrorCode::NotFound,
                    "no statement of the assessment has this id",
                ));
            }
            if score.is_some_and(|s| !(1..=5).contains(&s)) {
                return Err(Refusal::new(
                    ErrorCode::InvalidScore,
                    "a score is 1 to 5, or null for \"don't know\"",
                ));
            }
            if state.revealed_assessment {
                return Err(Refusal::new(
                    ErrorCode::VoteClosed,
                    "the results of the assessment are revealed; scores can no longer change",
                ));
            }
            let current = state
                .assessment_scores
                .get(call.me)
                .and_then(|own| own.get(statement.as_str()));
            // The same score again (a resend, a second tap) changes nothing and is no error.
            if current == Some(score) {
                return done();
            }
            workshop
                .set_assessment_score(call.me, statement, *score)
                .map_err(doc_err)?;
            done()
        }
        _ => Err(misrouted(intent)),
    }
}
