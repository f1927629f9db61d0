//! Wire types of Draagvlak: every message that crosses the WebSocket, and the HTTP API bodies.
//!
//! This is the only crate that knows the JSON format. Serialisation is a compatibility promise, so
//! the server and the clients never define wire types of their own; they import them from here.
//! `PROTOCOL.md` at the repository root shows an example of every message, and a test parses those
//! examples with these types so the document cannot drift from the code.
//!
//! Layout:
//! - [`message`]: the envelopes, [`ClientMessage`] and [`ServerMessage`];
//! - [`report`]: a session's report as data (the JSON report, and the model of every format);
//! - [`intent`]: what a client asks the session to do;
//! - [`view`]: what a client is shown (snapshots, patched by deltas);
//! - [`error`]: the stable error codes;
//! - [`id`]: typed ids (statement, rule, cluster, participant), plain strings on the wire;
//! - [`api`]: HTTP request and response bodies;
//! - [`limits`]: the explicit limits every client can rely on.

pub mod api;
pub mod error;
pub mod id;
pub mod intent;
pub mod limits;
pub mod message;
pub mod report;
pub mod view;

pub use error::ErrorCode;
pub use id::{ClusterId, ItemId, ParticipantId, RuleId, StatementId};
pub use intent::{Intent, Splice};
pub use message::{ClientMessage, DecodeError, JoinRequest, ServerMessage};
pub use view::{Group, Level, MeView, PhaseKind, Role, View};

/// The protocol version this crate speaks. A client names it in its `join` message; the server
/// refuses any other version with [`ErrorCode::UnsupportedVersion`].
pub const PROTOCOL_VERSION: u32 = 1;
