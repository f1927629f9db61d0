//! `PROTOCOL.md` cannot drift from the code: every typed JSON example in it is parsed with the
//! wire types, serialised again and compared with the original, and the document must show every
//! message type, intent kind and join role, and list every error code.
//!
//! A typed example is a fenced block whose info string is `json <type>`, where `<type>` is one of
//! [`KINDS`]. A `json` block without a known type fails the test, so no JSON example escapes the
//! check.

use std::collections::BTreeSet;

use draagvlak_protocol::api::{
    AgendaCheck, AgendaChecked, AgendaRefused, ApiError, CreateSession, ParticipantErased,
    SessionCreated, SessionPublic,
};
use draagvlak_protocol::error;
use draagvlak_protocol::intent::IntentKind;
use draagvlak_protocol::{ClientMessage, Intent, JoinRequest, MeView, ServerMessage, View};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../PROTOCOL.md");

fn doc() -> String {
    std::fs::read_to_string(DOC_PATH).unwrap_or_else(|e| panic!("cannot read {DOC_PATH}: {e}"))
}

/// The block types the document may use, as written after `json` in the info string.
const KINDS: [&str; 12] = [
    "client",
    "server",
    "create-session",
    "session-created",
    "session-public",
    "api-error",
    "participant-erased",
    "view",
    "me",
    "agenda-check",
    "agenda-checked",
    "agenda-refused",
];

/// One fenced block of the document.
struct Block {
    /// 1-based line number of the opening fence.
    line: usize,
    /// The info string after the opening fence, trimmed.
    info: String,
    body: String,
}

/// Every fenced block (``` fences) of `doc`, or an error naming an unterminated one.
fn fenced_blocks(doc: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in doc.lines().enumerate() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with("```") {
            if let Some(b) = &mut open {
                b.body.push_str(line);
                b.body.push('\n');
            }
            continue;
        }
        match open.take() {
            Some(b) => {
                if trimmed.trim() != "```" {
                    return Err(format!(
                        "PROTOCOL.md:{}: a fence with an info string inside the block opened at line {}",
                        i + 1,
                        b.line
                    ));
                }
                out.push(b);
            }
            None => {
                open = Some(Block {
                    line: i + 1,
                    info: trimmed.trim_start_matches('`').trim().to_string(),
                    body: String::new(),
                })
            }
        }
    }
    match open {
        Some(b) => Err(format!(
            "PROTOCOL.md:{}: the block opened here is never closed",
            b.line
        )),
        None => Ok(out),
    }
}

/// Parse `body` as `T`, serialise it again and compare with the original JSON.
fn round_trip<T: Serialize + DeserializeOwned>(block: &Block) -> Result<T, String> {
    let at = format!("PROTOCOL.md:{} (`{}`)", block.line, block.info);
    let original: Value =
        serde_json::from_str(&block.body).map_err(|e| format!("{at}: not valid JSON: {e}"))?;
    let typed: T = serde_json::from_str(&block.body).map_err(|e| {
        format!(
            "{at}: does not parse as {}: {e}",
            std::any::type_name::<T>()
        )
    })?;
    let again =
        serde_json::to_value(&typed).map_err(|e| format!("{at}: does not serialise: {e}"))?;
    if again != original {
        let mut diffs = Vec::new();
        differences(&original, &again, String::new(), &mut diffs);
        return Err(format!(
            "{at}: does not round-trip unchanged (written -> serialised):\n    {}",
            diffs.join("\n    ")
        ));
    }
    Ok(typed)
}

/// Where two JSON values differ, as `path: written -> serialised` lines.
fn differences(written: &Value, serialised: &Value, path: String, out: &mut Vec<String>) {
    match (written, serialised) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let sub = format!("{path}/{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => differences(x, y, sub, out),
                    (Some(x), None) => out.push(format!("{sub}: {x} -> (absent)")),
                    (None, Some(y)) => out.push(format!("{sub}: (absent) -> {y}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, format!("{path}/{i}"), out);
            }
        }
        (a, b) if a != b => {
            let hint = if a.is_number() && b.is_number() {
                " (an integer where the type has a decimal? write 0.0, not 0)"
            } else {
                ""
            };
            out.push(format!("{path}: {a} -> {b}{hint}"));
        }
        _ => {}
    }
}

fn client_type(m: &ClientMessage) -> &'static str {
    match m {
        ClientMessage::Join { .. } => "join",
        ClientMessage::Intent { .. } => "intent",
        ClientMessage::Sync => "sync",
        ClientMessage::Ping => "ping",
    }
}
const CLIENT_TYPES: [&str; 4] = ["join", "intent", "sync", "ping"];

fn join_role(j: &JoinRequest) -> &'static str {
    match j {
        JoinRequest::Participant { .. } => "participant",
        JoinRequest::Resume { .. } => "resume",
        JoinRequest::Facilitator { .. } => "facilitator",
        JoinRequest::Projector { .. } => "projector",
    }
}
const JOIN_ROLES: [&str; 4] = ["participant", "resume", "facilitator", "projector"];

fn server_type(m: &ServerMessage) -> &'static str {
    match m {
        ServerMessage::Welcome { .. } => "welcome",
        ServerMessage::Snapshot { .. } => "snapshot",
        ServerMessage::Delta { .. } => "delta",
        ServerMessage::Me { .. } => "me",
        ServerMessage::Ack { .. } => "ack",
        ServerMessage::Reject { .. } => "reject",
        ServerMessage::Error { .. } => "error",
        ServerMessage::Pong => "pong",
    }
}
const SERVER_TYPES: [&str; 8] = [
    "welcome", "snapshot", "delta", "me", "ack", "reject", "error", "pong",
];

/// What the document shows, gathered while checking its blocks.
#[derive(Default)]
struct Seen {
    kinds: BTreeSet<&'static str>,
    client: BTreeSet<&'static str>,
    roles: BTreeSet<&'static str>,
    intents: BTreeSet<IntentKind>,
    server: BTreeSet<&'static str>,
}

fn check_block(block: &Block, seen: &mut Seen) -> Result<(), String> {
    let Some(kind) = block.info.strip_prefix("json") else {
        return Ok(()); // not JSON: text, js, …
    };
    let kind = kind.trim();
    let Some(kind) = KINDS.iter().find(|k| **k == kind) else {
        return Err(format!(
            "PROTOCOL.md:{}: `{}` block: a JSON example must name its type, one of `json {}`",
            block.line,
            block.info,
            KINDS.join("`, `json ")
        ));
    };
    seen.kinds.insert(kind);
    match *kind {
        "client" => {
            let m: ClientMessage = round_trip(block)?;
            seen.client.insert(client_type(&m));
            match &m {
                ClientMessage::Join { join, .. } => {
                    seen.roles.insert(join_role(join));
                }
                ClientMessage::Intent { intent, .. } => {
                    seen.intents.insert(Intent::kind(intent));
                }
                ClientMessage::Sync | ClientMessage::Ping => {}
            }
        }
        "server" => {
            let m: ServerMessage = round_trip(block)?;
            seen.server.insert(server_type(&m));
        }
        "create-session" => {
            let _: CreateSession = round_trip(block)?;
        }
        "session-created" => {
            let _: SessionCreated = round_trip(block)?;
        }
        "session-public" => {
            let _: SessionPublic = round_trip(block)?;
        }
        "api-error" => {
            let _: ApiError = round_trip(block)?;
        }
        "participant-erased" => {
            let _: ParticipantErased = round_trip(block)?;
        }
        "view" => {
            let _: View = round_trip(block)?;
        }
        "me" => {
            let _: MeView = round_trip(block)?;
        }
        "agenda-check" => {
            let _: AgendaCheck = round_trip(block)?;
        }
        "agenda-checked" => {
            let _: AgendaChecked = round_trip(block)?;
        }
        "agenda-refused" => {
            let _: AgendaRefused = round_trip(block)?;
        }
        other => return Err(format!("no check for block type {other}")),
    }
    Ok(())
}

fn missing<T: Ord + Clone>(want: impl IntoIterator<Item = T>, have: &BTreeSet<T>) -> Vec<T> {
    want.into_iter().filter(|w| !have.contains(w)).collect()
}

#[test]
fn every_example_round_trips_and_every_message_is_shown() {
    let doc = doc();
    let blocks = fenced_blocks(&doc).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = Seen::default();
    let mut failures: Vec<String> = Vec::new();
    for block in &blocks {
        if let Err(e) = check_block(block, &mut seen) {
            failures.push(e);
        }
    }
    let gaps = [
        ("block types", format!("{:?}", missing(KINDS, &seen.kinds))),
        (
            "ClientMessage types",
            format!("{:?}", missing(CLIENT_TYPES, &seen.client)),
        ),
        (
            "join roles",
            format!("{:?}", missing(JOIN_ROLES, &seen.roles)),
        ),
        (
            "intent kinds",
            format!("{:?}", missing(IntentKind::ALL, &seen.intents)),
        ),
        (
            "ServerMessage types",
            format!("{:?}", missing(SERVER_TYPES, &seen.server)),
        ),
    ];
    for (what, list) in gaps {
        if list != "[]" {
            failures.push(format!("{DOC_PATH}: no example of these {what}: {list}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) in PROTOCOL.md:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_error_code_is_in_the_code_table() {
    // A row of the error-code table starts with the code in backticks.
    let doc = doc();
    let rows: BTreeSet<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let absent: Vec<&str> = error::ALL
        .iter()
        .map(|(_, name)| *name)
        .filter(|name| !rows.contains(name))
        .collect();
    assert!(
        absent.is_empty(),
        "{DOC_PATH}: these error codes have no row (`| `code` | …`) in the error-code table: {absent:?}"
    );
}

#[test]
fn the_checker_catches_broken_examples() {
    let doc = "text\n\n```json client\n{\"type\": \"ping\"}\n```\n\n\
               ```json server\n{\"type\": \"pong\", \"extra\": 1}\n```\n\n\
               ```json intent\n{}\n```\n\n\
               ```json me\n{\"id\": \"p2\",\n```\n\n\
               ```json client\n{\"type\": \"intent\", \"id\": \"x\", \"intent\": {\"kind\": \"place_dot\"}}\n```\n";
    let blocks = fenced_blocks(doc).expect("well-formed fences");
    let mut seen = Seen::default();
    let results: Vec<(usize, Result<(), String>)> = blocks
        .iter()
        .map(|b| (b.line, check_block(b, &mut seen)))
        .collect();
    assert!(results[0].1.is_ok(), "{:?}", results[0]);
    for (line, result) in &results[1..] {
        let err = result.as_ref().expect_err("a broken example must fail");
        assert!(
            err.contains(&format!("PROTOCOL.md:{line}")),
            "names its line: {err}"
        );
    }
    let unterminated = fenced_blocks("text\n```json client\n{\"type\": \"ping\"}\n");
    assert!(
        unterminated.is_err_and(|e| e.contains("PROTOCOL.md:2")),
        "an unclosed block fails and names its line"
    );
}
