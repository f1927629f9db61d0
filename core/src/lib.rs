//! The workshop logic of Draagvlak: one session's Automerge document, who may do what, how an
//! intent changes the document, and what each audience may see of it. Everything here is plain
//! synchronous code over one document: no tokio, no database, no HTTP. The compiler enforces it
//! (this crate depends on none of them), so the server's actor, the tests, the property tests,
//! the benchmarks and the fuzz targets all drive the same logic the same way.
//!
//! - [`workshop`]: the document and its mirror; every mutation;
//! - [`template`]: agendas a session starts from;
//! - [`new_session`]: the one way a new session document is made;
//! - [`permissions`]: the table of who may do what in which phase;
//! - [`apply`]: one intent, checked and applied;
//! - [`text`]: collaborative text edits mapped with Automerge cursors;
//! - [`projection`]: what each audience may see;
//! - [`suggest`]: suggested clusters of near-duplicate statements, for the facilitator;
//! - [`demo`]: a session filled with sample content;
//! - [`follow_up`]: what a follow-up session carries over, and where a phase ended (history).

pub mod apply;
pub mod assessment;
pub mod demo;
pub mod follow_up;
pub mod groups;
pub mod new_session;
pub mod permissions;
pub mod projection;
pub mod suggest;
pub mod template;
pub mod text;
pub mod workshop;

use draagvlak_protocol::ErrorCode;

/// Why an intent or a join was refused: a stable code for the client and a readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// An unexpected failure: logged with its cause, shown to the client without it.
    pub fn internal(cause: impl std::fmt::Display) -> Refusal {
        tracing::error!(%cause, "internal error while applying an intent");
        Refusal::new(ErrorCode::Internal, "unexpected server error")
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;

#[cfg(any(test, feature = "test-support"))]
pub mod method_tests;

#[cfg(test)]
mod decision_tests;

#[cfg(test)]
mod assessment_tests;
