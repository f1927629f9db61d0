//! One WebSocket connection: a reader (this task) and a writer task, ended together.
//!
//! The reader parses each text frame into a [`ClientMessage`], answers protocol errors itself
//! (they never reach the session, and never disturb other participants), handles `join` by
//! finding the session and registering with its actor, and forwards intents to the actor's
//! mailbox. The writer drains the connection's bounded outbound queue into the socket, pings the
//! peer, and closes with a reason when the actor, the reader or shutdown asks it to.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::error::close;
use draagvlak_protocol::limits::MAX_MESSAGE_BYTES;
use draagvlak_protocol::{ClientMessage, ErrorCode, JoinRequest, PROTOCOL_VERSION, ServerMessage};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info_span, warn};

use crate::guard::{ConnectionSlot, NoSlot};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::metrics::ConnMetrics;
use crate::session::Refusal;
use crate::session::actor::{CloseReason, Cmd, ConnLink, SessionHandle};
use crate::{credentials, normalize};

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// The window in which invalid frames are counted.
const STRIKE_WINDOW: Duration = Duration::from_secs(10);

/// After the close frame is sent, how long the reader keeps reading (and discarding) until the
/// peer answers with its own close frame. Closing the socket while the peer's frames (pongs, a
/// flood) are still unread makes the kernel answer with a TCP reset, which can destroy the error
/// message and the close frame before the peer reads them; reading on for a moment lets the
/// reason arrive.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// On shutdown, how long the writer waits for its session to flush (acks and deltas of changes
/// that are already durable) and to say goodbye, and then to send what is queued. A connection
/// without a session (never joined) waits this long before its close frame; a peer that does
/// not read gets its close frame, or a dropped socket, after it. At the end of any connection
/// the reader waits this long for the writer to send what is queued.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

/// tungstenite's read buffer per connection. Intents are a few hundred bytes; a larger frame
/// gets room for its full length when its header arrives, so this bounds idle memory, not the
/// message size.
pub const READ_BUFFER_BYTES: usize = 1024;

/// Serve one upgraded socket until it closes.
pub async fn serve(socket: WebSocket, app: AppState, peer: SocketAddr, slot: ConnectionSlot) {
    let conn_id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let _open = app.metrics.websocket();
    let metrics = app.metrics.conn();
    let span = info_span!("conn", conn = conn_id, session = tracing::field::Empty);
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::channel::<Arc<str>>(app.config.limits.outbound_queue);
    let (close_tx, close_rx) = watch::channel::<CloseReason>(None);
    let close = Arc::new(close_tx);
    let last_seen = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let writer = app.tracker.spawn(tracing::Instrument::instrument(
        writer(
            sink,
            rx,
            close_rx,
            app.clone(),
            last_seen.clone(),
            started,
            metrics.clone(),
        ),
        span.clone(),
    ));
    let link = ConnLink {
        id: conn_id,
        tx: tx.clone(),
        close: close.clone(),
    };
    let mut reader = Reader {
        frames: app.guard.frame_limiter(),
        app: app.clone(),
        link,
        joined: None,
        last_seen,
        started,
        peer,
        strikes: 0,
        strike_window: Instant::now(),
        unread_input: false,
        _slot: slot,
        metrics,
    };
    tracing::Instrument::instrument(reader.run(stream, writer), span).await;
    if let Some(handle) = reader.joined.take() {
        // Boxed, like the other rare awaits here: an idle connection keeps its future's
        // largest state alive, so the big rarely-used ones live on the heap only while used.
        let _ = Box::pin(handle.send(Cmd::Leave { conn: conn_id })).await;
    }
}

struct Reader {
    app: AppState,
    link: ConnLink,
    joined: Option<SessionHandle>,
    last_seen: Arc<AtomicU64>,
    started: Instant,
    peer: SocketAddr,
    /// Token bucket for inbound frames.
    frames: governor::DefaultDirectRateLimiter,
    /// Invalid frames in the current window; the connection closes past a limit.
    strikes: u32,
    strike_window: Instant,
    /// The stream ended on an error that may leave the peer's bytes unread (an oversized frame
    /// is refused from its header, before its payload is read; after invalid UTF-8 the stream
    /// reads nothing more). The socket is then held open
    /// for [`CLOSE_LINGER`] after the close frame, because closing it with unread input makes
    /// the kernel send a TCP reset that can destroy the error message and the close frame.
    unread_input: bool,
    /// This connection's place in the per-address count, given back on drop.
    _slot: ConnectionSlot,
    /// Times intents until their replies leave (ack latency).
    metrics: Arc<ConnMetrics>,
}

impl Reader {
    async fn run(
        &mut self,
        mut stream: SplitStream<WebSocket>,
        mut writer: tokio::task::JoinHandle<()>,
    ) {
        loop {
            tokio::select! {
                _ = &mut writer => {
                    linger(&mut stream, self.unread_input).await;
                    return;
                }
                frame = stream.next() => {
                    self.last_seen
                        .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
                    match frame {
                        None => break,
                        Some(Err(e)) => {
                            match read_error(&e) {
                                Some(ErrorCode::MessageTooLarge) => {
                                    self.unread_input = true;
                                    self.close(
                                        ErrorCode::MessageTooLarge,
                                        format!(
                                            "a message may be at most {} bytes",
                                            draagvlak_protocol::limits::MAX_MESSAGE_BYTES
                                        ),
                                    );
                                }
                                Some(code) => {
                                    self.unread_input = true;
                                    self.close(
                                        code,
                                        "a text frame must be valid UTF-8; the connection is closed",
                                    );
                                }
                                None => debug!(error = %e, "read error"),
                            }
                            break;
                        }
                        Some(Ok(Message::Text(_) | Message::Binary(_)))
                            if !self.throttle().await =>
                        {
                            break;
                        }
                        Some(Ok(Message::Text(text))) => {
                            // Boxed: the join path's future (store lookup, mailbox send, retries)
                            // is large, and inline it would be part of every idle connection.
                            if !Box::pin(self.text(text.as_str())).await {
                                break;
                            }
                        }
                        Some(Ok(Message::Binary(_))) => self.error(
                            ErrorCode::BinaryFrame,
                            "binary frames are not part of the protocol; send JSON text frames",
                        ),
                        Some(Ok(Message::Close(_))) => break,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    }
                }
            }
        }
        // Let the writer finish sending what is queued (and a close frame), but not forever:
        // `None` asks it to flush and close normally, unless a reason is already set.
        if self.link.close.borrow().is_none() {
            let _ = self.link.close.send(None);
        }
        if Box::pin(tokio::time::timeout(SHUTDOWN_DRAIN, writer))
            .await
            .is_ok()
        {
            linger(&mut stream, self.unread_input).await;
        }
    }

    /// Rate limiting of inbound frames. A frame over the rate is not dropped: the reader waits
    /// for a token, so a fast client is slowed down by backpressure and loses nothing. A client
    /// that keeps sending invalid frames is closed (returns false).
    async fn throttle(&mut self) -> bool {
        if self.frames.check().is_err() {
            Box::pin(self.frames.until_ready()).await;
        }
        if self.strike_window.elapsed() > STRIKE_WINDOW {
            self.strike_window = Instant::now();
            self.strikes = 0;
        }
        if self.strikes > self.app.config.limits.max_invalid_frames {
            warn!(peer = %self.peer, "connection sending invalid frames closed");
            self.close(
                ErrorCode::RateLimited,
                "too many invalid messages; the connection is closed",
            );
            return false;
        }
        true
    }

    fn send(&self, msg: &ServerMessage) {
        if let Ok(text) = serde_json::to_string(msg) {
            // A full queue here means the client does not read; the actor will close it.
            let _ = self.link.tx.try_send(Arc::from(text));
        }
    }

    fn error(&mut self, code: ErrorCode, message: impl Into<String>) {
        self.strikes += 1;
        self.send(&ServerMessage::Error {
            code,
            message: message.into(),
        });
    }

    /// Ask the writer to close with this reason. The first reason wins: a connection its
    /// session already closed (shutdown, removal, deletion) keeps that reason, whatever the
    /// reader runs into afterwards.
    fn close(&self, code: ErrorCode, message: impl Into<String>) {
        let message = message.into();
        self.link.close.send_if_modified(|reason| {
            if reason.is_some() {
                return false;
            }
            *reason = Some((code, message));
            true
        });
    }

    /// The session's mailbox is closed: the server is shutting down (the session said so, or is
    /// about to), or the session stopped and a reconnect loads it again.
    fn session_gone(&self) {
        if self.app.shutdown.is_cancelled() {
            self.close(ErrorCode::ShuttingDown, "the server is shutting down");
        } else {
            self.close(ErrorCode::Unavailable, "the session stopped; reconnect");
        }
    }

    /// Handle one text frame. Returns false when the connection must end.
    async fn text(&mut self, text: &str) -> bool {
        let msg = match ClientMessage::decode(text) {
            Ok(msg) => msg,
            Err(e) => {
                // An intent the server cannot read still gets its one reply, so that a client
                // waiting for that id is not left waiting.
                if let Some(id) = e.intent_id {
                    self.strikes += 1;
                    self.send(&ServerMessage::Reject {
                        id,
                        code: e.code,
                        message: e.message,
                    });
                } else {
                    self.error(e.code, e.message);
                }
                return true;
            }
        };
        match msg {
            ClientMessage::Ping => {
                self.send(&ServerMessage::Pong);
                true
            }
            ClientMessage::Join { protocol, join } => {
                if self.joined.is_some() {
                    self.error(
                        ErrorCode::AlreadyJoined,
                        "this connection has joined already",
                    );
                    return true;
                }
                if protocol != PROTOCOL_VERSION {
                    self.close(
                        ErrorCode::UnsupportedVersion,
                        format!("this server speaks protocol version {PROTOCOL_VERSION}"),
                    );
                    return false;
                }
                match self.join(join).await {
                    Ok(()) => true,
                    Err(r) if r.code == ErrorCode::ServerFull => {
                        self.close(r.code, r.message);
                        false
                    }
                    Err(r) => {
                        self.error(r.code, r.message);
                        true
                    }
                }
            }
            ClientMessage::Intent {
                id,
                mut intent,
                on_behalf_of,
            } => {
                normalize::intent(&mut intent);
                let Some(handle) = &self.joined else {
                    self.error(ErrorCode::NotJoined, "send join first");
                    return true;
                };
                self.metrics.intent_read(&id);
                let cmd = Cmd::Intent {
                    conn: self.link.id,
                    id,
                    intent,
                    on_behalf_of,
                };
                if handle.send(cmd).await.is_err() {
                    self.session_gone();
                    return false;
                }
                true
            }
            ClientMessage::Sync => {
                let Some(handle) = &self.joined else {
                    self.error(ErrorCode::NotJoined, "send join first");
                    return true;
                };
                if handle.send(Cmd::Sync { conn: self.link.id }).await.is_err() {
                    self.session_gone();
                    return false;
                }
                true
            }
        }
    }

    async fn join(&mut self, mut request: JoinRequest) -> Result<(), Refusal> {
        if let Err(wait) = self.app.guard.join_attempt(self.peer.ip()) {
            return Err(Refusal::new(
                ErrorCode::RateLimited,
                format!(
                    "too many join attempts from this address; try again in {} s",
                    wait.as_secs() + 1
                ),
            ));
        }
        normalize::join(&mut request);
        let code = credentials::normalise_code(request.code());
        let row = self
            .app
            .store
            .session_by_code(&code)
            .await
            .map_err(|e| {
                warn!(error = %e, "session lookup failed");
                Refusal::new(
                    ErrorCode::StorageFailed,
                    "storage is unavailable; try again",
                )
            })?
            .ok_or_else(|| {
                Refusal::new(ErrorCode::SessionNotFound, "no session has this join code")
            })?;
        tracing::Span::current().record("session", row.id.as_str());
        // A session that is unloading answers `unavailable`; the next try starts a new actor.
        for attempt in 0..20u64 {
            let handle = self.app.registry.try_get_or_spawn(&row.id).map_err(|_| {
                warn!("join refused: the server holds --max-live-sessions live sessions");
                Refusal::new(
                    ErrorCode::ServerFull,
                    "this server is full: it holds as many live sessions as it may; try again later",
                )
            })?;
            let (reply_tx, reply_rx) = oneshot::channel();
            let cmd = Cmd::Join {
                conn: self.link.clone(),
                request: request.clone(),
                reply: reply_tx,
            };
            if handle.send(cmd).await.is_ok() {
                match reply_rx.await {
                    Ok(Ok(())) => {
                        self.joined = Some(handle);
                        return Ok(());
                    }
                    Ok(Err(r)) if r.code != ErrorCode::Unavailable => return Err(r),
                    _ => {}
                }
            }
            tokio::time::sleep(Duration::from_millis(5 * (attempt + 1))).await;
        }
        Err(Refusal::new(
            ErrorCode::Unavailable,
            "the session is not available right now; try again",
        ))
    }
}

/// Read and discard until the peer's close frame, the end of the stream, or [`CLOSE_LINGER`].
/// With `unread_input` the stream cannot be read any more (it ended on an error) but the peer's
/// bytes may still wait in the socket: the socket is then held open for [`CLOSE_LINGER`], so that
/// the peer reads the error and the close frame before the socket is closed.
async fn linger(stream: &mut SplitStream<WebSocket>, unread_input: bool) {
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        while let Some(Ok(msg)) = stream.next().await {
            if matches!(msg, Message::Close(_)) {
                return;
            }
        }
        if unread_input {
            std::future::pending::<()>().await;
        }
    })
    .await;
}

/// Refuse a connection the server has no room for: `server_full`, then the close frame (1013),
/// then a moment for the peer to read both.
pub async fn refuse_full(socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let err = ServerMessage::Error {
        code: ErrorCode::ServerFull,
        message: "this server is full: it holds as many connections as it may; try again later"
            .into(),
    };
    if let Ok(text) = serde_json::to_string(&err) {
        let _ = sink.send(Message::Text(text.into())).await;
    }
    let frame = CloseFrame {
        code: ErrorCode::ServerFull.close_code(),
        reason: Utf8Bytes::from_static("server_full"),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
    linger(&mut stream, false).await;
}

/// The code of a read error the peer caused and must be told about: a frame over the size
/// limit, or a text frame that is not UTF-8. Read by type: axum's error wraps tungstenite's
/// (the integration tests `protocol_errors` and `hostile_inputs` fail if it no longer does).
fn read_error(e: &axum::Error) -> Option<ErrorCode> {
    use tungstenite::error::{CapacityError, Error};
    match std::error::Error::source(e)?.downcast_ref::<Error>()? {
        Error::Capacity(CapacityError::MessageTooLong { .. }) => Some(ErrorCode::MessageTooLarge),
        Error::Utf8(_) => Some(ErrorCode::InvalidUtf8),
        _ => None,
    }
}

/// Send everything already queued; false when the socket is gone.
async fn send_queued(
    sink: &mut SplitSink<WebSocket, Message>,
    rx: &mut mpsc::Receiver<Arc<str>>,
    metrics: &ConnMetrics,
) -> bool {
    while let Ok(frame) = rx.try_recv() {
        metrics.frame_out(&frame, rx.len());
        if sink
            .send(Message::Text(Utf8Bytes::from(&*frame)))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

/// Drain the outbound queue into the socket; ping every `ping_interval`; close with
/// `idle_timeout` a peer from which nothing (no message, no pong) came for `idle_timeout`; close
/// with a reason when asked.
///
/// Idle means that nothing *arrived*, judged after reading what is there. Silence is checked at
/// each ping, and a connection is closed only when it is still silent at the next ping as well,
/// a full ping interval later (so at most two ping intervals after the idle timeout). A process
/// that was paused (SIGSTOP, a stalled VM) wakes with every connection's last frame long ago and
/// the frames its peers kept sending still unread in the socket buffers; this tick may run before
/// the reader has read them. The second look comes after the reader has had a whole interval to
/// do so. Missed ticks are delayed, not fired in a burst, for the same reason.
async fn writer(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Arc<str>>,
    mut close_rx: watch::Receiver<CloseReason>,
    app: AppState,
    last_seen: Arc<AtomicU64>,
    started: Instant,
    metrics: Arc<ConnMetrics>,
) {
    let ping_every = app.config.limits.ping_interval;
    let idle_timeout = app.config.limits.idle_timeout;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The `last_seen` value at a tick that found the peer silent for the idle timeout.
    let mut silent_since: Option<u64> = None;
    let shutting_down = || {
        Some((
            ErrorCode::ShuttingDown,
            "the server is shutting down".into(),
        ))
    };
    // Set when the server shuts down: until then the session flushes what is durable into the
    // queue and says goodbye with `shutting_down` (handled like any close request below); the
    // queue is sent until that goodbye, for at most `SHUTDOWN_DRAIN`, so that no ack is lost.
    let mut drain_until: Option<tokio::time::Instant> = None;
    let reason: Option<(ErrorCode, String)> = loop {
        // Only polled while draining (a branch's future is built even when it is disabled).
        let deadline = drain_until.unwrap_or_else(tokio::time::Instant::now);
        tokio::select! {
            biased;
            changed = close_rx.changed() => {
                if changed.is_err() {
                    break if drain_until.is_some() { shutting_down() } else { None };
                }
                let reason = close_rx.borrow_and_update().clone();
                // `None` is the reader saying "finish up", `shutting_down` the session saying
                // goodbye after its last flush: send what is queued, then close. Other reasons
                // (a slow consumer, a removed participant) close at once.
                let drain = match &reason {
                    None => true,
                    Some((code, _)) => *code == ErrorCode::ShuttingDown,
                };
                if drain {
                    // Bounded: a peer that does not read must not hold up the close.
                    let sent = tokio::time::timeout(SHUTDOWN_DRAIN, send_queued(&mut sink, &mut rx, &metrics)).await;
                    if sent == Ok(false) {
                        return;
                    }
                }
                break reason;
            }
            _ = app.shutdown.cancelled(), if drain_until.is_none() => {
                drain_until = Some(tokio::time::Instant::now() + SHUTDOWN_DRAIN);
            }
            _ = tokio::time::sleep_until(deadline), if drain_until.is_some() => {
                break shutting_down();
            }
            frame = rx.recv() => {
                let Some(frame) = frame else {
                    break if drain_until.is_some() { shutting_down() } else { None };
                };
                metrics.frame_out(&frame, rx.len());
                // A peer that does not read blocks this send; a close request or shutdown
                // must still end the connection, so both are watched while sending. While
                // draining, the drain deadline bounds it instead.
                tokio::select! {
                    sent = sink.send(Message::Text(Utf8Bytes::from(&*frame))) => {
                        if sent.is_err() {
                            return;
                        }
                    }
                    _ = close_rx.changed(), if drain_until.is_none() => {
                        debug!("closing a connection whose peer does not read");
                        return;
                    }
                    _ = app.shutdown.cancelled(), if drain_until.is_none() => return,
                    _ = tokio::time::sleep_until(deadline), if drain_until.is_some() => return,
                }
            }
            _ = ping.tick() => {
                let seen = last_seen.load(Ordering::Relaxed);
                let silent_ms = (started.elapsed().as_millis() as u64).saturating_sub(seen);
                let silent = Duration::from_millis(silent_ms) >= idle_timeout;
                let confirmed = silent && silent_since == Some(seen);
                silent_since = silent.then_some(seen);
                if confirmed {
                    debug!(silent_ms, "peer silent; closing");
                    break Some((
                        ErrorCode::IdleTimeout,
                        format!(
                            "nothing came from this connection for {} s (no message, no pong); \
                             it is closed",
                            idle_timeout.as_secs_f64()
                        ),
                    ));
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    };
    let frame = match reason {
        Some((code, message)) => {
            // First the reason as a protocol message, then the close frame with the code.
            let err = ServerMessage::Error {
                code,
                message: message.clone(),
            };
            if let Ok(text) = serde_json::to_string(&err) {
                let _ = sink.send(Message::Text(text.into())).await;
            }
            CloseFrame {
                code: code.close_code(),
                reason: Utf8Bytes::from(code.as_str()),
            }
        }
        None => CloseFrame {
            code: close::NORMAL,
            reason: Utf8Bytes::from_static("bye"),
        },
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
    let _ = sink.close().await;
}

/// `GET /ws`: the WebSocket upgrade. Checks the `Origin` (against cross-site WebSocket
/// hijacking) and takes a connection slot for the address before the socket is served.
pub async fn upgrade(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return AppError::new(
            StatusCode::UPGRADE_REQUIRED,
            ErrorCode::UpgradeRequired,
            "this address takes WebSocket connections only; open the join link in a browser",
        )
        .into_response();
    };
    let origin = headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    if !app.names.origin_allowed(origin) {
        tracing::warn!(?origin, "WebSocket upgrade from a foreign origin refused");
        return AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OriginNotAllowed,
            "this page may not connect to this server",
        )
        .into_response();
    }
    let slot = match app.guard.connect(peer.ip()) {
        Ok(slot) => Some(slot),
        Err(NoSlot::Address) => {
            return AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::LimitReached,
                "too many open connections from this address",
            )
            .into_response();
        }
        // Upgraded and then refused with a reason a browser can read (it cannot read the
        // status of a failed upgrade).
        Err(NoSlot::Server) => {
            tracing::warn!("connection refused: the server holds --max-connections connections");
            None
        }
    };
    upgrade
        // Small buffers: an idle connection costs a few KiB instead of ~136 KiB (DESIGN.md).
        // Intents are a few hundred bytes; a larger frame gets room for its full length.
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| {
            // Tracked by us: axum's graceful shutdown does not see upgraded sockets. Run in
            // axum's upgrade task rather than a second task (one task fewer per connection).
            let tracker = app.tracker.clone();
            async move {
                match slot {
                    Some(slot) => tracker.track_future(serve(socket, app, peer, slot)).await,
                    None => tracker.track_future(refuse_full(socket)).await,
                }
            }
        })
}
