//! A new session document: the one way a session starts, for the HTTP API, the tests, the
//! property tests, the benchmarks and the fuzz targets alike. Before this there were a dozen
//! copies of "look up the template's phases, create the document, set the place, fill the demo,
//! carry the earlier session over", each with its own idea of which steps to take in what order.

use crate::demo::{self, DemoError};
use crate::follow_up;
use draagvlak_protocol::view::PhaseKind;

use crate::template::{self, PhaseSpec};
use crate::workshop::{DocError, Meta, State, Workshop};

/// Why a new session could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NewSessionError {
    /// `meta.template` names no built-in template.
    #[error("unknown template {0:?}; known: {known}", known = template::TEMPLATES.join(", "))]
    UnknownTemplate(String),
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error(transparent)]
    Demo(#[from] DemoError),
}

/// What a new session starts from. Build it with [`NewSession::from_template`] (the built-in
/// agenda `meta.template` names) or [`NewSession::with_agenda`] (an agenda of one's own), set
/// what else applies, then [`NewSession::create`].
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub meta: Meta,
    /// The agenda, copied into the document (a running session never depends on a file).
    pub phases: Vec<PhaseSpec>,
    /// Where the workshop takes place (for the reports); empty when not said.
    pub place: String,
    /// Fill the session with sample content in this language (`nl` or `en`), as if the
    /// workshop started at the given time (ms since the Unix epoch).
    pub demo: Option<(&'a str, u64)>,
    /// A follow-up: the earlier session whose adopted rules and top priorities it carries over.
    pub follows: Option<&'a State>,
    /// The session's groups, checked (`groups::check`); `None`: a follow-up's earlier session's
    /// groups, otherwise the default `ict` and `business`.
    pub groups: Option<Vec<String>>,
}

impl<'a> NewSession<'a> {
    /// A session on the built-in agenda named by `meta.template`.
    pub fn from_template(meta: Meta) -> Result<NewSession<'a>, NewSessionError> {
        let phases = template::phases(&meta.template)
            .ok_or_else(|| NewSessionError::UnknownTemplate(meta.template.clone()))?;
        Ok(NewSession::with_agenda(meta, phases))
    }

    /// A session on an agenda of one's own (`template::parse`).
    pub fn with_agenda(meta: Meta, phases: Vec<PhaseSpec>) -> NewSession<'a> {
        NewSession {
            meta,
            phases,
            place: String::new(),
            demo: None,
            follows: None,
            groups: None,
        }
    }

    /// The document, committed: created with its groups, then the place, the demo content and
    /// what a follow-up carries over, in that order.
    pub fn create(self) -> Result<Workshop, NewSessionError> {
        let groups = match (&self.groups, self.follows) {
            (Some(groups), _) => groups.clone(),
            (None, Some(earlier)) => earlier.groups.clone(),
            (None, None) => crate::groups::defaults(),
        };
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        let mut phases = self.phases;
        // A follow-up on the built-in agenda takes the assessment again when the earlier session
        // took it, before the summary.
        if let Some(earlier) = self.follows
            && self.meta.template == "follow-up"
            && !earlier.assessment.is_empty()
            && !phases.iter().any(|p| p.kind == PhaseKind::Assessment)
        {
            let at = match phases.last() {
                Some(p) if p.kind == PhaseKind::Summary => phases.len() - 1,
                _ => phases.len(),
            };
            phases.insert(at, follow_up::assessment_again());
        }
        let mut workshop = Workshop::create(self.meta, &groups, &phases)?;
        if !self.place.is_empty() {
            workshop.set_place(&self.place)?;
        }
        workshop.commit();
        if let Some((language, start_ms)) = self.demo {
            demo::fill(&mut workshop, language, start_ms)?;
            workshop.commit();
        }
        if let Some(earlier) = self.follows {
            follow_up::carry(earlier, &mut workshop)?;
            workshop.commit();
        }
        Ok(workshop)
    }
}
