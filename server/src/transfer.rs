//! Export and import of one session as a single file, to move it to another server or keep it
//! in an archive.
//!
//! The file is JSON (`format: "draagvlak-session"`, `version: 1`): the session's index row, its
//! whole Automerge document saved as one snapshot (base64), its participants' resume-token
//! hashes, the ids of the intents it applied, and the organisation's logo when it has one
//! (base64 PNG, checked again on import like an upload). Secrets travel only as the hashes the database
//! holds, so the facilitator secret and the resume tokens keep working on the new server and the
//! file reveals none of them; but it holds everything else the session holds (names, statements,
//! votes): keep it like the database.
//!
//! Exporting reads the durable state (the same check of stored heads as loading a session), so it
//! may run next to the server. Importing checks that the document loads and belongs to the row,
//! and refuses a session whose id or join code the target server already has. Revisions start
//! afresh on the new server (the snapshot is revision 0; clients resynchronise on their next
//! join anyway).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use draagvlak_protocol::api::SessionStatus;
use serde::{Deserialize, Serialize};

use crate::credentials;
use crate::session::workshop::Workshop;
use crate::store::{AppliedIntent, Chunk, LoadError, SessionRow, Store, StoreError, load_durable};

/// The `format` field of a session file.
pub const FORMAT: &str = "draagvlak-session";
/// The version of the session file this server writes and reads.
pub const VERSION: u32 = 1;

/// One session as a file.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionFile {
    pub format: String,
    pub version: u32,
    pub session: SessionEntry,
    /// The Automerge document, saved whole, base64.
    pub document: String,
    pub participants: Vec<ParticipantEntry>,
    pub applied: Vec<AppliedEntry>,
    /// The organisation's logo (a PNG, base64), when the session has one. Absent in files made
    /// before logos existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

/// The session's index row.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionEntry {
    pub id: String,
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub template: String,
    pub status: String,
    /// SHA-256 of the facilitator secret, base64.
    pub facilitator_hash: String,
}

/// A participant's resume-token hash.
#[derive(Debug, Serialize, Deserialize)]
pub struct ParticipantEntry {
    pub id: String,
    /// SHA-256 of the resume token, base64.
    pub token_hash: String,
}

/// An intent the session applied (so that a resend after the move is not applied twice).
#[derive(Debug, Serialize, Deserialize)]
pub struct AppliedEntry {
    pub sender: String,
    pub intent_id: String,
    pub created: Option<String>,
}

/// Why a session could not be exported or imported.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("no session has the join code {0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored session does not load: {0}")]
    Load(#[from] LoadError),
    #[error("not a Draagvlak session file: {0}")]
    Invalid(String),
}

/// The session with this join code, as a file.
pub async fn export(store: &Store, code: &str) -> Result<SessionFile, TransferError> {
    let row = store
        .session_by_code(&credentials::normalise_code(code))
        .await?
        .ok_or_else(|| TransferError::NotFound(code.to_string()))?;
    let (stored, mut workshop) = load_durable(store, &row.id).await?;
    let logo = store.logo(&row.id).await?.map(|l| STANDARD.encode(l.data));
    Ok(SessionFile {
        logo,
        format: FORMAT.into(),
        version: VERSION,
        session: SessionEntry {
            id: row.id,
            code: row.code,
            title: row.title,
            organisation: row.organisation,
            language: row.language,
            template: row.template,
            status: row.status.as_str().to_string(),
            facilitator_hash: STANDARD.encode(&row.facilitator_hash),
        },
        document: STANDARD.encode(workshop.save()),
        participants: stored
            .participants
            .into_iter()
            .map(|(id, hash)| ParticipantEntry {
                id,
                token_hash: STANDARD.encode(hash),
            })
            .collect(),
        applied: stored
            .applied
            .into_iter()
            .map(|a| AppliedEntry {
                sender: a.sender,
                intent_id: a.intent_id,
                created: a.created,
            })
            .collect(),
    })
}

/// Store a session file as a new session; returns its join code.
pub async fn import(store: &Store, file: SessionFile) -> Result<String, TransferError> {
    if file.format != FORMAT || file.version != VERSION {
        return Err(TransferError::Invalid(format!(
            "format {:?} version {}; this server reads {FORMAT:?} version {VERSION}",
            file.format, file.version
        )));
    }
    let bytes = |what: &str, text: &str| {
        STANDARD
            .decode(text)
            .map_err(|e| TransferError::Invalid(format!("{what}: {e}")))
    };
    let s = file.session;
    let data = bytes("document", &file.document)?;
    let workshop = Workshop::load(&s.id, &data, std::iter::empty())
        .map_err(|e| TransferError::Invalid(format!("the document does not load: {e}")))?;
    let meta = &workshop.state().meta;
    if meta.id != s.id || meta.code != s.code {
        return Err(TransferError::Invalid(
            "the document belongs to another session than its row".into(),
        ));
    }
    let row = SessionRow {
        facilitator_hash: bytes("facilitator_hash", &s.facilitator_hash)?,
        id: s.id,
        code: s.code,
        title: s.title,
        organisation: s.organisation,
        language: s.language,
        template: s.template,
        status: SessionStatus::parse(&s.status)
            .ok_or_else(|| TransferError::Invalid(format!("session status {:?}", s.status)))?,
    };
    let logo = match &file.logo {
        Some(text) => Some(
            crate::http::logo::check(&bytes("logo", text)?, &row.language)
                .map_err(|e| TransferError::Invalid(format!("the logo: {}", e.message())))?,
        ),
        None => None,
    };
    let snapshot = Chunk::first_from(&workshop, data);
    let participants = file
        .participants
        .into_iter()
        .map(|p| Ok((p.id, bytes("token_hash", &p.token_hash)?)))
        .collect::<Result<Vec<_>, TransferError>>()?;
    // Revision 0, below every revision this server writes: applied before the session came
    // here. The actor acks a resend of any applied intent with its current revision.
    // Ids with control characters (kept by servers before such ids were refused) are left
    // out: a resend of one is refused now anyway, and PostgreSQL cannot store U+0000.
    let applied: Vec<AppliedIntent> = file
        .applied
        .into_iter()
        .filter(|a| !a.intent_id.chars().any(char::is_control))
        .map(|a| AppliedIntent {
            sender: a.sender,
            intent_id: a.intent_id,
            rev: 0,
            created: a.created,
        })
        .collect();
    store
        .import_session(&row, &snapshot, &participants, &applied)
        .await?;
    if let Some(logo) = &logo {
        store.set_logo(&row.id, logo).await?;
    }
    Ok(row.code)
}
