//! Explicit limits. The server enforces them and answers with a stable error code when one is
//! exceeded; clients can use them to stop a user before the server has to.

/// Largest WebSocket text frame the server reads, in bytes. A larger frame is answered with
/// `message_too_large` and the connection is closed (the peer is not speaking the protocol).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Longest statement or rule text, in Unicode characters.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Longest display name, in Unicode characters.
pub const MAX_NAME_CHARS: usize = 60;
/// Longest session title or organisation, in Unicode characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest client-chosen intent id, in bytes.
pub const MAX_INTENT_ID_BYTES: usize = 64;
/// Most statements one participant may add in one session.
pub const MAX_STATEMENTS_PER_PARTICIPANT: usize = 200;
/// Most rules of thumb one session may hold.
pub const MAX_RULES_PER_SESSION: usize = 500;
/// How many revisions back a text edit may be based on. An older base is refused with
/// `stale_revision`; the client asks for a snapshot and edits again.
pub const MAX_REVISION_AGE: u64 = 1_000;
/// Longest reason given with a low rating, in Unicode characters.
pub const MAX_REASON_CHARS: usize = 280;
/// Longest cluster title, in Unicode characters.
pub const MAX_CLUSTER_TITLE_CHARS: usize = 200;
/// Most priorities one rule may anchor.
pub const MAX_ANCHORS_PER_RULE: usize = 20;
/// Most participants the facilitator may add without a device, per session.
pub const MAX_PROXIES_PER_SESSION: usize = 200;

/// The difference in support between two groups (0.0 to 1.0) from which the groups "differ
/// strongly": adopting such a rule needs the facilitator's confirmation and is marked in the
/// record, the reports and the app.
pub const LARGE_GAP: f64 = 0.3;

/// Fewest groups a session may have.
pub const MIN_GROUPS: usize = 2;
/// Most groups a session may have.
pub const MAX_GROUPS: usize = 4;
/// Longest group name the facilitator may give, in Unicode characters.
pub const MAX_GROUP_NAME_CHARS: usize = 30;

/// Largest logo the facilitator may upload, in bytes (a PNG image).
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Largest logo, in pixels each way (and smallest: 16).
pub const MAX_LOGO_PIXELS: usize = 4096;

/// Most phases an agenda (template) may have.
pub const MAX_AGENDA_PHASES: usize = 60;
/// Largest dot budget of a vote phase.
pub const MAX_DOT_BUDGET: u32 = 20;
/// Longest agenda name, in bytes (after trimming).
pub const MAX_AGENDA_NAME_BYTES: usize = 80;
/// Longest title or question of a phase, in Unicode characters, in each language.
pub const MAX_AGENDA_TEXT_CHARS: usize = 300;
/// Longest agenda as TOML text, in bytes.
pub const MAX_AGENDA_BYTES: usize = 64 * 1024;
