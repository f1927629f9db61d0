//! Idle and ping timeouts over the wire, with short settings: a connection from which nothing
//! comes (no message, no pong) is closed with `idle_timeout`, joined or not; a quiet client that
//! answers the server's pings stays connected. No timing is asserted beyond "closed" or "still
//! open".

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::time::Duration;

use draagvlak_tests::{InProcess, Raw, RawEvent, create_session, join};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const PING: Duration = Duration::from_millis(100);
const IDLE: Duration = Duration::from_millis(600);

async fn server() -> InProcess {
    InProcess::start_with(|c| {
        c.limits.ping_interval = PING;
        c.limits.idle_timeout = IDLE;
    })
    .await
}

/// A peer that stops: after the WebSocket handshake (and maybe one frame) it writes nothing, not
/// even a pong, as a phone that lost its network would. It reads only at the end, so its socket
/// never answers the server's pings; a WebSocket library would answer them as soon as it read.
struct SilentPeer {
    tcp: TcpStream,
}

impl SilentPeer {
    async fn connect(http: &str, first: Option<serde_json::Value>) -> SilentPeer {
        let addr = http.trim_start_matches("http://");
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        // The response head ends with an empty line.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        if let Some(msg) = first {
            // A client frame: FIN + text, masked (with a zero key, so the payload is as is).
            let payload = msg.to_string().into_bytes();
            assert!(payload.len() < 126);
            let mut frame = vec![0x81, 0x80 | payload.len() as u8, 0, 0, 0, 0];
            frame.extend_from_slice(&payload);
            tcp.write_all(&frame).await.unwrap();
        }
        SilentPeer { tcp }
    }

    /// Everything the server sent, up to its end of the connection: the text frames, and the
    /// close frame's code and reason.
    async fn read_to_end(mut self) -> (Vec<serde_json::Value>, Option<(u16, String)>) {
        let mut bytes = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), self.tcp.read_to_end(&mut bytes))
            .await
            .expect("the server ended the connection")
            .unwrap();
        let (mut texts, mut close, mut at) = (Vec::new(), None, 0);
        while at + 2 <= bytes.len() {
            let opcode = bytes[at] & 0x0f;
            let (len, start) = match bytes[at + 1] & 0x7f {
                126 => (
                    u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize,
                    at + 4,
                ),
                127 => {
                    let mut n = [0u8; 8];
                    n.copy_from_slice(&bytes[at + 2..at + 10]);
                    (u64::from_be_bytes(n) as usize, at + 10)
                }
                n => (n as usize, at + 2),
            };
            let payload = &bytes[start..start + len];
            match opcode {
                1 => texts.push(serde_json::from_slice(payload).unwrap()),
                8 if len >= 2 => {
                    let code = u16::from_be_bytes([payload[0], payload[1]]);
                    close = Some((code, String::from_utf8_lossy(&payload[2..]).into_owned()));
                }
                _ => {} // pings
            }
            at = start + len;
        }
        (texts, close)
    }
}

#[tokio::test]
async fn a_connection_that_sends_nothing_and_answers_no_ping_is_closed_with_idle_timeout() {
    let server = server().await;
    let s = create_session(&server.http(), "Stil").await;
    // Joined, then silent; and one that never even joined.
    let joined = SilentPeer::connect(&server.http(), Some(join::projector(&s.code))).await;
    let mute = SilentPeer::connect(&server.http(), None).await;
    for peer in [joined, mute] {
        let (texts, close) = peer.read_to_end().await;
        let last = texts.last().cloned().unwrap_or_default();
        assert_eq!(last["type"], "error", "{texts:?}");
        assert_eq!(last["code"], "idle_timeout");
        assert_eq!(close, Some((1001, "idle_timeout".to_string())));
    }
    server.stop().await;
}

#[tokio::test]
async fn a_quiet_client_that_answers_pings_stays_connected() {
    let server = server().await;
    let s = create_session(&server.http(), "Luisteren").await;
    let (mut quiet, _) = Raw::join(&server.ws(), join::projector(&s.code)).await;
    // Reading answers the server's pings (tungstenite replies to each ping it reads); the
    // client itself sends nothing for several idle timeouts.
    let until = tokio::time::Instant::now() + IDLE * 4;
    while tokio::time::Instant::now() < until {
        if let Some(RawEvent::Closed(close)) = quiet.next(PING).await {
            panic!("a client answering pings was closed: {close:?}");
        }
    }
    quiet.send_json(json!({"type":"ping"})).await;
    assert_eq!(quiet.until_type("pong").await["type"], "pong");
    server.stop().await;
}
