//! The message envelopes. Every WebSocket frame is one JSON object with a `type` field.
//!
//! A connection starts with `join`. The server answers `welcome` followed by a `snapshot` (and,
//! for a participant, a `me`), then keeps the client current with `delta` and `me` messages.
//! Each `intent` gets exactly one `ack` or `reject`. Protocol errors that are not about one intent
//! come as `error`; a fatal one is followed by a close frame with the same code as reason.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::id::ParticipantId;
use crate::intent::Intent;
use crate::view::{Group, MeView, Role, View};

/// How a client identifies itself in `join`. Its `Debug` form leaves out the name, the device
/// id, the resume token and the facilitator secret, so that logging a request never logs them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum JoinRequest {
    /// A new participant: a display name and a group.
    Participant {
        code: String,
        name: String,
        group: Group,
        /// A random id the device keeps across sessions (the browser app keeps one in
        /// `localStorage`). The server stores only a hash of it with the participant, so that a
        /// removed participant cannot join the same session again under a new name from the same
        /// device until the facilitator lets them in again (`readmit`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<String>,
    },
    /// A participant coming back (after a reload, a lost connection, or on another device).
    Resume { code: String, token: String },
    /// The facilitator, with the secret returned when the session was created.
    Facilitator { code: String, secret: String },
    /// The read-only big-screen view.
    Projector { code: String },
}

impl std::fmt::Debug for JoinRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const HIDDEN: &str = "<hidden>";
        match self {
            JoinRequest::Participant {
                code,
                group,
                device,
                ..
            } => f
                .debug_struct("Participant")
                .field("code", code)
                .field("name", &HIDDEN)
                .field("group", group)
                .field("device", &device.as_ref().map(|_| HIDDEN))
                .finish(),
            JoinRequest::Resume { code, .. } => f
                .debug_struct("Resume")
                .field("code", code)
                .field("token", &HIDDEN)
                .finish(),
            JoinRequest::Facilitator { code, .. } => f
                .debug_struct("Facilitator")
                .field("code", code)
                .field("secret", &HIDDEN)
                .finish(),
            JoinRequest::Projector { code } => {
                f.debug_struct("Projector").field("code", code).finish()
            }
        }
    }
}

impl JoinRequest {
    /// The join code this request names.
    pub fn code(&self) -> &str {
        match self {
            JoinRequest::Participant { code, .. }
            | JoinRequest::Resume { code, .. }
            | JoinRequest::Facilitator { code, .. }
            | JoinRequest::Projector { code } => code,
        }
    }
}

/// A message from a client to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First message on a connection.
    Join {
        /// Must be [`crate::PROTOCOL_VERSION`].
        protocol: u32,
        #[serde(flatten)]
        join: JoinRequest,
    },
    /// Ask the session to do something. `id` is chosen by the client, unique per participant.
    Intent {
        id: String,
        intent: Intent,
        /// Facilitator only: act for a participant added with `add_proxy` (someone in the room
        /// without a device). Their input is marked as entered by the facilitator.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<ParticipantId>,
    },
    /// Ask for a fresh snapshot (after noticing a gap in revisions).
    Sync,
    /// Keep-alive; answered with `pong`.
    Ping,
}

impl ClientMessage {
    /// The `type` of every client message, in the order PROTOCOL.md lists them.
    pub const TYPES: [&'static str; 4] = ["join", "intent", "sync", "ping"];

    /// Read one text frame. A frame that is not a client message says why, with the code the
    /// server answers with, and with the intent id when the frame looks like an intent (so that
    /// a client waiting for that id gets its one `reject` instead of waiting forever).
    pub fn decode(text: &str) -> Result<ClientMessage, DecodeError> {
        let error = match serde_json::from_str::<ClientMessage>(text) {
            Ok(msg) => return Ok(msg),
            Err(e) => e,
        };
        let value = serde_json::from_str::<serde_json::Value>(text).ok();
        let kind = value
            .as_ref()
            .and_then(|v| v.get("type"))
            .and_then(serde_json::Value::as_str);
        let unknown = matches!(kind, Some(k) if !Self::TYPES.contains(&k));
        let intent_id = match (kind, &value) {
            (Some("intent"), Some(v)) => v
                .get("id")
                .and_then(serde_json::Value::as_str)
                .filter(|id| !id.is_empty() && id.len() <= crate::limits::MAX_INTENT_ID_BYTES)
                .map(str::to_string),
            _ => None,
        };
        Err(if unknown {
            DecodeError {
                code: ErrorCode::UnknownType,
                message: format!("unknown message type; known: {}", Self::TYPES.join(", ")),
                intent_id,
            }
        } else {
            DecodeError {
                code: ErrorCode::BadMessage,
                message: format!("not a valid message: {error}"),
                intent_id,
            }
        })
    }
}

/// Why a text frame is not a [`ClientMessage`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// `unknown_type` for a `type` that is no client message, `bad_message` otherwise.
    pub code: ErrorCode,
    /// What is wrong, for a person reading the reply.
    pub message: String,
    /// The id of a frame of type `intent` that did not parse as one (if it has a usable id).
    pub intent_id: Option<String>,
}

/// The identity a participant joined as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantIdentity {
    pub id: ParticipantId,
    pub name: String,
    pub group: Group,
}

/// A message from the server to a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The join succeeded.
    Welcome {
        protocol: u32,
        session: String,
        role: Role,
        /// For a participant: who they are.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        participant: Option<ParticipantIdentity>,
        /// For a participant: the token to resume as the same person. Keep it secret; it is sent
        /// on every join, so a client that lost it can store it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_token: Option<String>,
        /// The server clock, milliseconds since the Unix epoch (for shared timers).
        server_time: u64,
    },
    /// A whole view at revision `rev`.
    Snapshot { rev: u64, view: Box<View> },
    /// A JSON Patch that turns this audience's view at `base` into the view at `rev`. A client
    /// whose view is not at `base` missed something and sends `sync`.
    Delta {
        base: u64,
        rev: u64,
        ops: json_patch::Patch,
    },
    /// The participant's private part, whole, as of revision `rev`.
    Me { rev: u64, me: MeView },
    /// The intent `id` is applied and durable; it is part of every view from `rev` on.
    Ack {
        id: String,
        rev: u64,
        /// The id of the statement or rule the intent created, if it created one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created: Option<String>,
        /// For a text edit that inserted text: where that text begins (UTF-16 code units) in
        /// the edited text as of `rev`, the view this connection has just been sent. Others may
        /// have typed the same characters next to it; this tells the sender which are its own.
        /// Absent when the edit inserted nothing, when the text is gone, and on the repeated ack
        /// of an intent sent again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u32>,
    },
    /// The intent `id` was not applied.
    Reject {
        id: String,
        code: ErrorCode,
        message: String,
    },
    /// A problem with the connection or a message that is not an intent.
    Error { code: ErrorCode, message: String },
    /// Answer to `ping`.
    Pong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_form_of_a_join_hides_names_tokens_and_secrets() {
        let requests = [
            JoinRequest::Participant {
                code: "ABC234".into(),
                name: "Anna de Vries".into(),
                group: "ict".into(),
                device: Some("device-id-value".into()),
            },
            JoinRequest::Resume {
                code: "ABC234".into(),
                token: "resume-token-value".into(),
            },
            JoinRequest::Facilitator {
                code: "ABC234".into(),
                secret: "facilitator-secret-value".into(),
            },
        ];
        for request in &requests {
            let shown = format!("{request:?}");
            assert!(shown.contains("ABC234"), "{shown}");
            for hidden in [
                "Anna",
                "device-id-value",
                "resume-token-value",
                "facilitator-secret-value",
            ] {
                assert!(!shown.contains(hidden), "{shown}");
            }
        }
        let message = ClientMessage::Join {
            protocol: 1,
            join: requests[2].clone(),
        };
        assert!(!format!("{message:?}").contains("facilitator-secret-value"));
    }

    #[test]
    fn a_frame_that_is_no_client_message_says_why_and_which_intent() {
        assert_eq!(
            ClientMessage::decode(r#"{"type":"ping"}"#),
            Ok(ClientMessage::Ping)
        );
        let unknown = ClientMessage::decode(r#"{"type":"shout"}"#).unwrap_err();
        assert_eq!(unknown.code, ErrorCode::UnknownType);
        assert!(unknown.message.contains("join, intent, sync, ping"));
        assert_eq!(unknown.intent_id, None);
        let bad = ClientMessage::decode(r#"{"type":"intent","id":"i-7","intent":{"kind":"fly"}}"#)
            .unwrap_err();
        assert_eq!(bad.code, ErrorCode::BadMessage);
        assert_eq!(bad.intent_id.as_deref(), Some("i-7"));
        let long_id = format!(r#"{{"type":"intent","id":"{}"}}"#, "x".repeat(65));
        assert_eq!(ClientMessage::decode(&long_id).unwrap_err().intent_id, None);
        for text in ["", "[1]", "{\"type\":3}", "not json"] {
            let e = ClientMessage::decode(text).unwrap_err();
            assert_eq!(
                (e.code, e.intent_id),
                (ErrorCode::BadMessage, None),
                "{text}"
            );
        }
    }
}
