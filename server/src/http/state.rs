//! The state every handler shares.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::guard::{Guard, Names};
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::store::Store;

/// State shared by every handler; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub registry: Registry,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    /// Base of links handed out, without a trailing slash.
    pub public_url: Arc<str>,
    pub websocket_url: String,
    /// Rate limits and connection caps per address.
    pub guard: Arc<Guard>,
    /// What `/metrics` shows.
    pub metrics: Metrics,
    /// The names this server answers to (`Host` and `Origin` checks).
    pub names: Arc<Names>,
    /// Each session's group names, for the join screen.
    pub group_names: Arc<super::group_names::GroupNames>,
}
