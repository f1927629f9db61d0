//! The registry of live sessions: session id -> the handle of its actor.
//!
//! A session is created or loaded exactly once, even when a hundred people join in the same
//! second: [`Registry::get_or_spawn`] inserts the handle under the map's entry lock and spawns
//! the actor in the same step, without awaiting; the actor loads the document inside its own task
//! while joins wait in its mailbox. No DashMap guard is ever held across an `.await` (clippy
//! enforces this through `await-holding-invalid-types`).

use std::sync::Arc;

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use tokio_util::task::TaskTracker;

use crate::session::actor::{self, ActorContext, SessionHandle};

/// Live sessions.
#[derive(Debug, Clone)]
pub struct Registry {
    sessions: Arc<DashMap<Arc<str>, SessionHandle>>,
    ctx: ActorContext,
    tracker: TaskTracker,
}

impl Registry {
    pub fn new(
        store: crate::store::Store,
        config: &crate::config::Config,
        shutdown: tokio_util::sync::CancellationToken,
        tracker: TaskTracker,
    ) -> Registry {
        let sessions = Arc::new(DashMap::new());
        Registry {
            sessions: sessions.clone(),
            ctx: ActorContext {
                store,
                sessions,
                limits: config.limits.clone(),
                idle: config.session_idle,
                shutdown,
                metrics: crate::metrics::Metrics::new(),
            },
            tracker,
        }
    }

    /// Record the sessions' figures in `metrics` (the server's) instead of a registry of their
    /// own.
    pub fn with_metrics(mut self, metrics: crate::metrics::Metrics) -> Registry {
        self.ctx.metrics = metrics;
        self
    }

    /// The handle of a live session, starting its actor if it is not running.
    pub fn get_or_spawn(&self, session_id: &str) -> SessionHandle {
        if let Some(h) = self.sessions.get(session_id) {
            return h.clone();
        }
        match self.sessions.entry(Arc::from(session_id)) {
            Entry::Occupied(e) => e.get().clone(),
            Entry::Vacant(v) => {
                let (handle, pending) = actor::new(session_id, self.ctx.clone());
                self.tracker.spawn(actor::run(pending));
                v.insert(handle.clone());
                handle
            }
        }
    }

    /// The handle of a session if it is loaded.
    pub fn get(&self, session_id: &str) -> Option<SessionHandle> {
        self.sessions.get(session_id).map(|h| h.clone())
    }

    /// How many sessions are loaded.
    pub fn live(&self) -> usize {
        self.sessions.len()
    }

    /// Whether a session is loaded (for tests of loading and unloading).
    pub fn is_live(&self, session_id: &str) -> bool {
        self.sessions.contains_key(session_id)
    }
}
