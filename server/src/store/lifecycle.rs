//! Deleting sessions (the facilitator's "delete this session" and the retention sweep), and
//! rewriting one without the names it held (erasure and anonymisation, `session/workshop/erase.rs`).
//!
//! A session is deleted from every table in one transaction. On SQLite `secure_delete` is on for
//! every connection (see `Store::open`), so the freed pages are overwritten instead of leaving
//! the text in free space, and the write-ahead log is checkpointed and truncated afterwards, so
//! no copy stays in the `-wal` file either. On PostgreSQL the rows are gone for every reader at
//! commit, but their bytes stay in the table files until vacuum reuses the space (SECURITY.md).
//! Backups made earlier still hold the session.

use super::{Chunk, PoolExt as _, Store, StoreError};

/// Whose resume tokens a rewrite deletes.
#[derive(Debug, Clone, Copy)]
pub enum Tokens<'a> {
    /// One participant's: their device no longer opens the session as them.
    Of(&'a str),
    /// Everyone's, and the session is marked anonymised (the sweep does it once).
    AllAnonymised,
}

impl Store {
    /// Delete a session and everything stored with it. Returns false when it did not exist.
    pub async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        self.injected(id)?;
        let deleted = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for statement in [
                "DELETE FROM applied_intents WHERE session_id = $1",
                "DELETE FROM doc_changes WHERE session_id = $1",
                "DELETE FROM doc_snapshots WHERE session_id = $1",
                "DELETE FROM participants WHERE session_id = $1",
                "DELETE FROM session_logos WHERE session_id = $1",
            ] {
                sqlx::query(statement).bind(id).execute(&mut *tx).await?;
            }
            let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            pool.purge_deleted().await?;
            deleted
        });
        Ok(deleted > 0)
    }

    /// Ids of closed sessions created at or before `created_before` (Unix seconds).
    pub async fn closed_sessions_created_before(
        &self,
        created_before: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM sessions WHERE status != 'open' AND created_at <= $1
                 ORDER BY created_at",
            )
            .bind(created_before)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Replace a session's whole document by `snapshot` (a document with a history of its own,
    /// without the erased names), drop every change chunk, and delete resume tokens; one
    /// transaction. Like deleting, the freed pages are overwritten and the write-ahead log is
    /// truncated, so the old names do not linger in the files.
    pub async fn rewrite_session(
        &self,
        id: &str,
        snapshot: &Chunk,
        tokens: Tokens<'_>,
    ) -> Result<(), StoreError> {
        self.injected(id)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            put_snapshot!(tx, id, snapshot)?;
            sqlx::query("DELETE FROM doc_changes WHERE session_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            match tokens {
                Tokens::Of(participant) => {
                    sqlx::query(
                        "DELETE FROM participants WHERE session_id = $1 AND participant_id = $2",
                    )
                    .bind(id)
                    .bind(participant)
                    .execute(&mut *tx)
                    .await?;
                }
                Tokens::AllAnonymised => {
                    sqlx::query("DELETE FROM participants WHERE session_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE sessions SET anonymised_at = $1 WHERE id = $2")
                        .bind(super::unix_now())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            pool.purge_deleted().await?;
        });
        Ok(())
    }

    /// Ids of closed, not yet anonymised sessions created at or before `created_before` (Unix
    /// seconds).
    pub async fn closed_sessions_to_anonymise(
        &self,
        created_before: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM sessions
                 WHERE status != 'open' AND anonymised_at IS NULL AND created_at <= $1
                 ORDER BY created_at",
            )
            .bind(created_before)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Whether a session was anonymised (`None`: no such session).
    pub async fn anonymised(&self, id: &str) -> Result<Option<bool>, StoreError> {
        let at: Option<Option<i64>> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT anonymised_at FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(at.map(|a| a.is_some()))
    }
}
