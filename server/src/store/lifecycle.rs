//! Deleting sessions: the facilitator's "delete this session" and the retention sweep.
//!
//! A session is deleted from every table in one transaction. `secure_delete` is on for every
//! connection (see `Store::open`), so SQLite overwrites the freed pages instead of leaving the
//! text in free space, and the write-ahead log is checkpointed and truncated afterwards, so no
//! copy stays in the `-wal` file either. Backups made earlier still hold the session.

use super::{Store, StoreError};

impl Store {
    /// Delete a session and everything stored with it. Returns false when it did not exist.
    pub async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        self.injected(id)?;
        let mut tx = self.pool.begin().await?;
        for statement in [
            "DELETE FROM applied_intents WHERE session_id = ?",
            "DELETE FROM doc_changes WHERE session_id = ?",
            "DELETE FROM doc_snapshots WHERE session_id = ?",
            "DELETE FROM participants WHERE session_id = ?",
        ] {
            sqlx::query(statement).bind(id).execute(&mut *tx).await?;
        }
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(deleted > 0)
    }

    /// Ids of closed sessions created at or before `created_before` (Unix seconds).
    pub async fn closed_sessions_created_before(
        &self,
        created_before: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM sessions WHERE status != 'open' AND created_at <= ? ORDER BY created_at",
        )
        .bind(created_before)
        .fetch_all(&self.pool)
        .await?)
    }
}
