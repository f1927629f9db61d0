//! The organisation's logo of a session: one image per session, uploaded by its facilitator
//! (the HTTP handler checks its type, size and pixels before it gets here), deleted with the
//! session. Kept in the database like everything else of a session, so every node serves it and
//! a backup holds it.

use super::{Store, StoreError};

/// A stored logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    /// `image/png` (the only type taken).
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Store {
    /// Store (or replace) a session's logo.
    pub async fn set_logo(&self, session_id: &str, logo: &Logo) -> Result<(), StoreError> {
        self.injected(session_id)?;
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO session_logos (session_id, content_type, width, height, data)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (session_id) DO UPDATE SET content_type = excluded.content_type,
                     width = excluded.width, height = excluded.height, data = excluded.data",
            )
            .bind(session_id)
            .bind(&logo.content_type)
            .bind(i64::from(logo.width))
            .bind(i64::from(logo.height))
            .bind(&logo.data)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A session's logo, if it has one.
    pub async fn logo(&self, session_id: &str) -> Result<Option<Logo>, StoreError> {
        let row: Option<(String, i64, i64, Vec<u8>)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT content_type, width, height, data FROM session_logos
                 WHERE session_id = $1",
            )
            .bind(session_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(content_type, width, height, data)| Logo {
            content_type,
            width: u32::try_from(width).unwrap_or(0),
            height: u32::try_from(height).unwrap_or(0),
            data,
        }))
    }

    /// Whether a session has a logo (without reading it).
    pub async fn has_logo(&self, session_id: &str) -> Result<bool, StoreError> {
        let n: i64 = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM session_logos WHERE session_id = $1")
                .bind(session_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n > 0)
    }

    /// Remove a session's logo; `false` when it had none.
    pub async fn delete_logo(&self, session_id: &str) -> Result<bool, StoreError> {
        self.injected(session_id)?;
        let n = with_pool!(self, pool => {
            sqlx::query("DELETE FROM session_logos WHERE session_id = $1")
                .bind(session_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}
