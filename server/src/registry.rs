//! The registry of live sessions: session id -> the handle of its actor.
//!
//! A session is created or loaded exactly once, even when a hundred people join in the same
//! second: [`Registry::get_or_spawn`] inserts the handle under the map's entry lock and spawns
//! the actor in the same step, without awaiting; the actor loads the document inside its own task
//! while joins wait in its mailbox. No DashMap guard is ever held across an `.await` (clippy
//! enforces this through `await-holding-invalid-types`).
//!
//! The number of live sessions is capped (`--max-live-sessions`): [`Registry::try_get_or_spawn`]
//! refuses to load one more. Loading is rare, so the check and the insertion happen under one
//! plain mutex (never held across an await), which makes the cap exact.

use std::sync::{Arc, Mutex};

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
    /// Most sessions loaded at the same time.
    max_live: usize,
    /// Held while a session is checked against the cap and inserted.
    loading: Arc<Mutex<()>>,
}

/// The server already holds `--max-live-sessions` live sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server holds as many live sessions as it may")]
pub struct Full;

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
            max_live: config.limits.max_live_sessions,
            loading: Arc::new(Mutex::new(())),
        }
    }

    /// Record the sessions' figures in `metrics` (the server's) instead of a registry of their
    /// own.
    pub fn with_metrics(mut self, metrics: crate::metrics::Metrics) -> Registry {
        self.ctx.metrics = metrics;
        self
    }

    /// Like [`Registry::get_or_spawn`], but a session that is not loaded is only started while
    /// fewer than `--max-live-sessions` are.
    pub fn try_get_or_spawn(&self, session_id: &str) -> Result<SessionHandle, Full> {
        if let Some(h) = self.sessions.get(session_id) {
            return Ok(h.clone());
        }
        let _loading = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        if !self.sessions.contains_key(session_id) && self.sessions.len() >= self.max_live {
            return Err(Full);
        }
        Ok(self.get_or_spawn(session_id))
    }

    /// Whether one more session may be loaded now (for refusing to create one that could not
    /// be joined).
    pub fn has_room(&self) -> bool {
        self.sessions.len() < self.max_live
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
