//! The maturity self-assessment in a view: the same for every audience. Its progress (how many
//! took it) is public; its results only once revealed, and only as means per dimension and group.
//! No one's scores are in any view (a participant sees their own in `me.assessment`).

use draagvlak_protocol::view::AssessmentView;

use crate::assessment;
use crate::workshop::State;

/// The assessment part of a view; `None` when the agenda has no assessment.
pub(super) fn assessment(state: &State) -> Option<AssessmentView> {
    if state.assessment.is_empty() {
        return None;
    }
    let (respondents, complete) = assessment::progress(state);
    Some(AssessmentView {
        dimensions: state.assessment.clone(),
        respondents,
        complete,
        revealed: state.revealed_assessment,
        results: state
            .revealed_assessment
            .then(|| assessment::results(state)),
        then: state.assessment_then.clone(),
    })
}
