//! The WebSocket itself, frame by frame, with no protocol logic.
//!
//! [`RawSocket`] is what [`crate::Connection`] is built on, and what tests use when they need to
//! misbehave (binary frames, invalid JSON, messages before `join`) or to look at the exact bytes a
//! client receives. It can record every text frame it reads, so a test can check afterwards that
//! nothing secret ever reached a participant.

use std::time::Duration;

use draagvlak_protocol::{ClientMessage, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::ClientError;

/// One frame as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawFrame {
    /// A text frame (every protocol message is one).
    Text(String),
    /// A binary frame (the server never sends one; kept so a test can notice).
    Binary(Vec<u8>),
    /// The peer closed: close code and reason, if it sent a close frame. The socket is done.
    Close { code: Option<u16>, reason: String },
}

/// A WebSocket connection that sends and receives frames as they are.
pub struct RawSocket {
    /// The socket; `None` once it is closed, so reads after the close return `Close` at once.
    ws: Option<WebSocketStream<MaybeTlsStream<TcpStream>>>,
    /// Every text frame received, when recording is on.
    recorded: Option<Vec<String>>,
    /// The close seen, repeated to every later read.
    closed: Option<(Option<u16>, String)>,
}

impl RawSocket {
    /// Open a WebSocket to `ws_url` (`ws://host:port/ws`).
    pub async fn connect(ws_url: &str) -> Result<RawSocket, ClientError> {
        let mut config = WebSocketConfig::default();
        // Snapshots of a large session can be big; a frame never is larger than this.
        config.max_message_size = Some(64 << 20);
        let (ws, _response) =
            tokio_tungstenite::connect_async_with_config(ws_url, Some(config), true).await?;
        Ok(RawSocket {
            ws: Some(ws),
            recorded: None,
            closed: None,
        })
    }

    /// Start (or keep) recording every text frame received from now on.
    pub fn record_frames(&mut self, on: bool) {
        match (on, self.recorded.is_some()) {
            (true, false) => self.recorded = Some(Vec::new()),
            (false, true) => self.recorded = None,
            _ => {}
        }
    }

    /// The text frames recorded so far (empty when recording is off).
    pub fn frames_received(&self) -> &[String] {
        self.recorded.as_deref().unwrap_or(&[])
    }

    /// Take the recorded frames, leaving recording on with an empty log.
    pub fn take_frames(&mut self) -> Vec<String> {
        self.recorded
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Send a text frame as is.
    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<(), ClientError> {
        self.send(Message::text(text.into())).await
    }

    /// Send a binary frame as is.
    pub async fn send_binary(&mut self, bytes: impl Into<Vec<u8>>) -> Result<(), ClientError> {
        self.send(Message::binary(bytes.into())).await
    }

    /// Serialise and send one protocol message.
    pub async fn send_message(&mut self, msg: &ClientMessage) -> Result<(), ClientError> {
        let text = serde_json::to_string(msg)
            .map_err(|e| ClientError::Protocol(format!("cannot serialise message: {e}")))?;
        self.send_text(text).await
    }

    async fn send(&mut self, msg: Message) -> Result<(), ClientError> {
        match self.ws.as_mut() {
            Some(ws) => Ok(ws.send(msg).await?),
            None => Err(self.closed_error()),
        }
    }

    /// The next frame. Pings are answered and skipped. After the close, every call returns the
    /// same `Close` again. Cancel-safe: no frame is lost when the future is dropped.
    pub async fn next_frame(&mut self) -> Result<RawFrame, ClientError> {
        loop {
            let Some(ws) = self.ws.as_mut() else {
                let (code, reason) = self.closed.clone().unwrap_or((None, String::new()));
                return Ok(RawFrame::Close { code, reason });
            };
            let frame = match ws.next().await {
                None => self.mark_closed(None, String::new()),
                Some(Err(e)) => {
                    use tokio_tungstenite::tungstenite::Error as WsError;
                    match e {
                        WsError::ConnectionClosed | WsError::AlreadyClosed => {
                            self.mark_closed(None, String::new())
                        }
                        WsError::Protocol(_) | WsError::Io(_) => {
                            // A reset or an abrupt end: report it as a close without a frame.
                            self.mark_closed(None, e.to_string())
                        }
                        other => {
                            self.ws = None;
                            self.closed = Some((None, other.to_string()));
                            return Err(other.into());
                        }
                    }
                }
                Some(Ok(Message::Text(text))) => {
                    let text = text.as_str().to_owned();
                    if let Some(log) = self.recorded.as_mut() {
                        log.push(text.clone());
                    }
                    RawFrame::Text(text)
                }
                Some(Ok(Message::Binary(bytes))) => RawFrame::Binary(bytes.to_vec()),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (Some(u16::from(f.code)), f.reason.as_str().to_owned()))
                        .unwrap_or((None, String::new()));
                    let ws = self.ws.take();
                    let frame = self.mark_closed(code, reason);
                    // Let tungstenite send its answering close frame; errors no longer matter.
                    if let Some(mut ws) = ws {
                        let _ = ws.flush().await;
                    }
                    frame
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            };
            return Ok(frame);
        }
    }

    /// The next text frame within `timeout`: `Ok(None)` when the socket closed, a timeout error
    /// when nothing came. Binary frames are a protocol error.
    pub async fn next_text(&mut self, timeout: Duration) -> Result<Option<String>, ClientError> {
        match tokio::time::timeout(timeout, self.next_frame()).await {
            Err(_) => Err(ClientError::Timeout("a frame".into())),
            Ok(frame) => match frame? {
                RawFrame::Text(text) => Ok(Some(text)),
                RawFrame::Close { .. } => Ok(None),
                RawFrame::Binary(_) => Err(ClientError::Protocol(
                    "the server sent a binary frame".into(),
                )),
            },
        }
    }

    /// The next message, parsed, within `timeout`: `Ok(None)` when the socket closed.
    pub async fn next_message(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<ServerMessage>, ClientError> {
        match self.next_text(timeout).await? {
            None => Ok(None),
            Some(text) => parse_server_message(&text).map(Some),
        }
    }

    /// The close code and reason, once the socket is closed.
    pub fn close_info(&self) -> Option<(Option<u16>, &str)> {
        self.closed
            .as_ref()
            .map(|(code, reason)| (*code, reason.as_str()))
    }

    /// True once the peer closed or the socket failed.
    pub fn is_closed(&self) -> bool {
        self.ws.is_none()
    }

    /// Close politely (close frame, code 1000) and wait briefly for the peer's close.
    pub async fn close(&mut self) -> Result<(), ClientError> {
        if let Some(mut ws) = self.ws.take() {
            let _ = ws.close(None).await;
            // Drain until the peer's close frame or the end, but do not wait forever.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(_)) = ws.next().await {}
            })
            .await;
            self.closed = Some((Some(1000), "closed by client".into()));
        }
        Ok(())
    }

    fn mark_closed(&mut self, code: Option<u16>, reason: String) -> RawFrame {
        self.ws = None;
        self.closed = Some((code, reason.clone()));
        RawFrame::Close { code, reason }
    }

    fn closed_error(&self) -> ClientError {
        let (code, reason) = self.closed.clone().unwrap_or((None, String::new()));
        ClientError::Closed { code, reason }
    }
}

/// Parse one server frame.
pub fn parse_server_message(text: &str) -> Result<ServerMessage, ClientError> {
    serde_json::from_str(text).map_err(|e| {
        let mut shown: String = text.chars().take(200).collect();
        if shown.len() < text.len() {
            shown.push('…');
        }
        ClientError::Protocol(format!("cannot parse server message ({e}): {shown}"))
    })
}
