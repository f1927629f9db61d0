//! Data lifecycle: deleting and anonymising sessions when their time is up, and erasing names
//! when someone asks.
//!
//! A municipality must not keep personal data (participants' names, what they wrote) longer than
//! needed. Two ways a session goes:
//! - the facilitator deletes it (`DELETE /api/sessions/{code}`, see `http::sessions::delete_session`);
//! - with `--delete-closed-after-days N`, a sweep every hour deletes closed sessions created more
//!   than N days ago.
//!
//! Either way only a closed session is deleted, and only while it is not loaded: a session that
//! still has people connected unloads `--session-idle-secs` after the last one leaves, and the
//! sweep simply tries again an hour later. Deleting is one transaction in the store
//! (`store/lifecycle.rs`), with the freed pages overwritten.
//!
//! Names go earlier than the session: the facilitator erases one person's name on request
//! (`http::sessions::erase_participant`), and with `--anonymise-closed-after-days N` the same sweep
//! anonymises closed sessions created more than N days ago (every name a label, every resume
//! token deleted, marked so it happens once). Both go through [`erase`]: the session's actor is
//! the only writer of its document, so it is loaded when it is not live.

use std::time::Duration;

use draagvlak_protocol::ErrorCode;
use tokio::sync::oneshot;

use crate::http::AppState;
use crate::session::Refusal;
use crate::session::actor::{Cmd, Erased, Erasure};
use crate::store::StoreError;

/// Erase names in a session (one participant's, or everyone's), through its actor: the actor is
/// the only writer of a session's document, so the session is loaded if it is not live (and
/// unloads again when idle). While people are connected they get a fresh view at once.
pub async fn erase(app: &AppState, session_id: &str, what: Erasure) -> Result<Erased, Refusal> {
    // An actor that is unloading answers `unavailable`; the next try gets a fresh one.
    for _ in 0..3 {
        let handle = app.registry.try_get_or_spawn(session_id).map_err(|_| {
            Refusal::new(
                ErrorCode::ServerFull,
                "the server holds as many live sessions as it may; try again later",
            )
        })?;
        let (reply, answer) = oneshot::channel();
        let cmd = Cmd::Erase {
            what: what.clone(),
            reply,
        };
        if handle.send(cmd).await.is_err() {
            continue;
        }
        match answer.await {
            Err(_) => continue,
            Ok(Err(r)) if r.code == ErrorCode::Unavailable => continue,
            Ok(result) => return result,
        }
    }
    Err(Refusal::new(
        ErrorCode::Unavailable,
        "the session is reloading; try again",
    ))
}

/// How often the sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub deleted: usize,
    pub anonymised: usize,
}

/// Unix seconds of `after` ago.
fn cutoff(after: Duration) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(now.saturating_sub(after.as_secs())).unwrap_or(i64::MAX)
}

/// Delete the closed sessions whose retention period has passed, then anonymise those whose
/// anonymisation period has.
pub async fn sweep(app: &AppState) -> Result<Swept, StoreError> {
    Ok(Swept {
        deleted: delete_expired(app).await?,
        anonymised: anonymise_expired(app).await?,
    })
}

/// Anonymise the closed sessions past `--anonymise-closed-after-days`; returns how many. One
/// that cannot be done now (the server is full of live sessions, storage fails) waits for the
/// next sweep.
async fn anonymise_expired(app: &AppState) -> Result<usize, StoreError> {
    let Some(after) = app.config.anonymise_closed_after else {
        return Ok(0);
    };
    let mut anonymised = 0;
    for id in app
        .store
        .closed_sessions_to_anonymise(cutoff(after))
        .await?
    {
        match erase(app, &id, Erasure::Everyone).await {
            Ok(erased) => {
                tracing::info!(
                    session = %id,
                    people = erased.labels.len(),
                    "session anonymised: its anonymisation period has passed"
                );
                anonymised += 1;
            }
            Err(r) => {
                tracing::warn!(session = %id, code = ?r.code, "cannot anonymise now; next sweep")
            }
        }
    }
    Ok(anonymised)
}

/// Delete the closed sessions whose retention period has passed; returns how many.
async fn delete_expired(app: &AppState) -> Result<usize, StoreError> {
    let Some(after) = app.config.delete_closed_after else {
        return Ok(0);
    };
    let mut deleted = 0;
    for id in app
        .store
        .closed_sessions_created_before(cutoff(after))
        .await?
    {
        if app.registry.is_live(&id) {
            continue;
        }
        if app.store.delete_session(&id).await? {
            tracing::info!(session = %id, "session deleted: its retention period has passed");
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Run the sweep every hour until shutdown (only when a retention period is set).
pub fn spawn(app: AppState) {
    if app.config.delete_closed_after.is_none() && app.config.anonymise_closed_after.is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                _ = app.shutdown.cancelled() => return,
                _ = every.tick() => {
                    if let Err(e) = sweep(&app).await {
                        tracing::warn!(error = %e, "retention sweep failed; trying again later");
                    }
                }
            }
        }
    });
}
