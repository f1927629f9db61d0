//! Sessions: the actor task that owns a live session, persists each tick and fans out views.
//! The workshop logic it drives is the `draagvlak-core` crate (synchronous, over one Automerge
//! document); its modules are re-exported here so that the server reads `session::workshop`,
//! `session::apply` and so on as one namespace.

pub mod actor;
pub mod incremental;

pub use draagvlak_core::{
    Refusal, apply, demo, follow_up, groups, new_session, permissions, projection, suggest,
    template, text, workshop,
};

/// Property tests that drive the real actor (with its store) through random intents.
#[cfg(test)]
mod proptests {
    mod convergence;
}
