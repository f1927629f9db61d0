//! A joined connection to one session: the typed, stateful client.
//!
//! [`Connection::connect`] opens a WebSocket, sends `join`, and returns once the server has
//! answered `welcome` and `snapshot` (and, for a participant, `me`), so a caller always has a view
//! to read. From then on every server message goes through one place,
//! [`Connection::next_event`], which keeps the view current (applying deltas, asking for `sync`
//! after a gap), tracks intents, and tells the caller what happened as an [`Event`].
//!
//! Intents are tracked from send to answer. [`Connection::send_intent`] does not wait;
//! [`Connection::intent`] and the typed helpers (`next_phase`, `add_statement`, …) wait for the
//! `ack` or `reject` while processing everything else that arrives. Because the server sends a
//! tick's deltas before its acks, the view already contains the change when the ack is returned.
//! Every intent not yet answered stays in [`Connection::pending`]; [`Connection::reconnect`]
//! joins again (a participant with the resume token, others with the same credentials) and
//! resends them with their original ids, which the server applies at most once.
//!
//! There is no background task: the connection only reads when asked to. A caller that waits
//! for its own input (the command-line tool) selects on [`Connection::next_event`], which is
//! cancel-safe for reading: a frame that was read is processed before the future can be dropped.
//!
//! Why this file is long: one type, the connection, whose methods (join, intents tracked from send
//! to answer, resume, the typed helpers) all share its state; the frame parsing and the types it
//! returns are the rest. A split is planned when the typed helpers grow (issue 14 follow-up).

use std::collections::VecDeque;
use std::time::Duration;

use draagvlak_protocol::message::ParticipantIdentity;
use draagvlak_protocol::{
    ClientMessage, ErrorCode, Intent, ItemId, JoinRequest, MeView, PROTOCOL_VERSION, Role, RuleId,
    ServerMessage, Splice, StatementId, View,
};
use serde_json::Value;
use tokio::time::Instant;

use crate::error::{ClientError, parse_code};
use crate::ids::IdGenerator;
use crate::socket::{RawFrame, RawSocket};
use crate::state::{DeltaOutcome, ViewState};

/// How a [`Connection`] behaves. `Options::default()` suits tests and the command-line tool.
#[derive(Clone, Debug)]
pub struct Options {
    /// How long to wait for the join handshake, an intent's answer, or a snapshot.
    pub timeout: Duration,
    /// How often to try joining again when the server answers `unavailable` (the session is
    /// being reloaded), with a doubling delay starting at `retry_delay`.
    pub join_retries: u32,
    /// The first delay between join attempts.
    pub retry_delay: Duration,
    /// While waiting for an answer ([`Connection::intent`], [`Connection::wait_until`]): when the
    /// server closes with `slow_consumer` or `unavailable`, reconnect, resume and resend pending
    /// intents instead of failing.
    pub auto_reconnect: bool,
    /// Keep every text frame received, for [`Connection::frames_received`].
    pub record_frames: bool,
    /// A fixed prefix for intent ids instead of a random one. Ids must never repeat for the same
    /// participant, so only set this when each client has its own prefix.
    pub id_prefix: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(10),
            join_retries: 10,
            retry_delay: Duration::from_millis(50),
            auto_reconnect: true,
            record_frames: false,
            id_prefix: None,
        }
    }
}

/// What the server said in `welcome`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    pub protocol: u32,
    /// The session id (not the join code).
    pub session: String,
    pub role: Role,
    /// For a participant: who they are.
    pub participant: Option<ParticipantIdentity>,
    /// For a participant: the token to resume as the same person.
    pub resume_token: Option<String>,
    /// The server clock at join, milliseconds since the Unix epoch.
    pub server_time: u64,
}

/// An intent sent and not yet answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingIntent {
    pub id: String,
    pub intent: Intent,
}

/// An intent was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    pub id: String,
    /// The revision from which every view contains the change.
    pub rev: u64,
    /// The id of the statement or rule the intent created, if any.
    pub created: Option<String>,
    /// For a text edit: where its inserted text begins in the edited text as of `rev`.
    pub at: Option<u32>,
    /// The intent, when it was sent through this connection.
    pub intent: Option<Intent>,
}

/// An intent was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub id: String,
    pub code: ErrorCode,
    pub message: String,
    /// The intent, when it was sent through this connection.
    pub intent: Option<Intent>,
}

impl From<Rejection> for ClientError {
    fn from(r: Rejection) -> Self {
        ClientError::Rejected {
            id: r.id,
            code: r.code,
            message: r.message,
        }
    }
}

/// How a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseInfo {
    /// The close frame's code, if the server sent one.
    pub code: Option<u16>,
    /// The close frame's reason (the server puts the error code there).
    pub reason: String,
    /// The last `error` message before the close, if any.
    pub error: Option<(ErrorCode, String)>,
}

impl CloseInfo {
    /// The error code behind the close: from the last `error` message or the close reason.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.error
            .as_ref()
            .map(|(code, _)| *code)
            .or_else(|| parse_code(&self.reason))
    }

    /// True when the server asked the client to come back: `slow_consumer` or `unavailable`.
    pub fn is_resumable(&self) -> bool {
        matches!(
            self.error_code(),
            Some(ErrorCode::SlowConsumer | ErrorCode::Unavailable)
        )
    }

    fn to_error(&self) -> ClientError {
        ClientError::Closed {
            code: self.code,
            reason: self.reason.clone(),
        }
    }
}

/// One thing that happened on the connection, as returned by [`Connection::next_event`].
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A snapshot replaced the view; it is at `rev`.
    Snapshot { rev: u64 },
    /// A delta was applied; the view went from `base` to `rev`.
    ViewChanged { base: u64, rev: u64 },
    /// The private part was replaced.
    MeChanged { rev: u64 },
    /// A delta did not follow the view held (at `have`): `sync` was sent and deltas are ignored
    /// until the snapshot.
    SyncRequested {
        have: u64,
        base: u64,
        rev: u64,
        reason: String,
    },
    /// A delta was ignored: older than the view, or a snapshot is awaited.
    DeltaSkipped { base: u64, rev: u64 },
    /// An intent was applied.
    Acked(Ack),
    /// An intent was refused.
    Rejected(Rejection),
    /// An `error` message (often followed by a close).
    Error { code: ErrorCode, message: String },
    /// Answer to `ping`.
    Pong,
    /// A message that makes no sense at this point (for example a second `welcome`).
    Unexpected(Box<ServerMessage>),
    /// The connection is closed. Later calls to `next_event` return [`ClientError::Closed`].
    Closed(CloseInfo),
}

/// An intent's answer kept until someone asks for it (see [`Connection::wait_for`]).
#[derive(Clone, Debug)]
enum Outcome {
    Acked(Ack),
    Rejected(Rejection),
}

/// How many answers of intents nobody waited for yet are kept.
const MAX_KEPT_OUTCOMES: usize = 1024;

/// A joined connection to one session.
pub struct Connection {
    /// Where to reconnect.
    url: String,
    /// How to join again: the original request, or `resume` with the participant's token.
    join: JoinRequest,
    options: Options,
    socket: RawSocket,
    welcome: Welcome,
    state: ViewState,
    ids: IdGenerator,
    /// Sent and unanswered intents, in send order.
    pending: Vec<PendingIntent>,
    /// Answers of tracked intents, so `wait_for` finds an answer that arrived while waiting for
    /// something else. Bounded by [`MAX_KEPT_OUTCOMES`].
    outcomes: VecDeque<(String, Outcome)>,
    /// Messages read during a handshake after the view was complete, handed out as events first.
    backlog: VecDeque<ServerMessage>,
    /// A gap was seen and `sync` still has to be sent.
    sync_due: bool,
    /// The last `error` message, reported with the close that follows it.
    last_error: Option<(ErrorCode, String)>,
    /// Set once the socket closed; cleared by a reconnect.
    closed: Option<CloseInfo>,
    /// Every text frame received (all sockets of this connection), when recording.
    frames: Option<Vec<String>>,
}

/// What a successful handshake produced.
struct Joined {
    socket: RawSocket,
    welcome: Welcome,
    state: ViewState,
    backlog: VecDeque<ServerMessage>,
    sync_due: bool,
}

impl Connection {
    /// Join a session with default [`Options`].
    pub async fn connect(ws_url: &str, join: JoinRequest) -> Result<Connection, ClientError> {
        Connection::connect_with(ws_url, join, Options::default()).await
    }

    /// Join a session: returns once the view (and for a participant the private part) is there.
    pub async fn connect_with(
        ws_url: &str,
        join: JoinRequest,
        options: Options,
    ) -> Result<Connection, ClientError> {
        let mut frames = options.record_frames.then(Vec::new);
        let joined = handshake_with_retries(ws_url, &join, &options, &mut frames).await?;
        let ids = match &options.id_prefix {
            Some(prefix) => IdGenerator::with_prefix(prefix.clone()),
            None => IdGenerator::new(),
        };
        let mut conn = Connection {
            url: ws_url.to_owned(),
            join,
            options,
            socket: joined.socket,
            welcome: joined.welcome,
            state: joined.state,
            ids,
            pending: Vec::new(),
            outcomes: VecDeque::new(),
            backlog: joined.backlog,
            sync_due: joined.sync_due,
            last_error: None,
            closed: None,
            frames,
        };
        conn.remember_resume_token();
        Ok(conn)
    }

    // --- reading the state ---

    /// The current view.
    pub fn view(&self) -> &View {
        self.state.view()
    }

    /// The current view as the JSON the server's patches apply to.
    pub fn view_json(&self) -> &Value {
        self.state.json()
    }

    /// The revision of the current view. Use it as `Splice::rev`.
    pub fn rev(&self) -> u64 {
        self.state.rev()
    }

    /// The private part (participants only).
    pub fn me(&self) -> Option<&MeView> {
        self.state.me()
    }

    /// The role this connection joined as.
    pub fn role(&self) -> Role {
        self.welcome.role
    }

    /// For a participant: who they joined as.
    pub fn participant(&self) -> Option<&ParticipantIdentity> {
        self.welcome.participant.as_ref()
    }

    /// For a participant: the token to resume as the same person.
    pub fn resume_token(&self) -> Option<&str> {
        self.welcome.resume_token.as_deref()
    }

    /// Everything the last `welcome` said.
    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// The join request a reconnect will use.
    pub fn join_request(&self) -> &JoinRequest {
        &self.join
    }

    /// The WebSocket URL of this connection.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The options this connection was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Intents sent and not yet answered, in send order.
    pub fn pending(&self) -> &[PendingIntent] {
        &self.pending
    }

    /// True while a gap was detected and the snapshot asked for has not arrived.
    pub fn awaiting_snapshot(&self) -> bool {
        self.state.awaiting_snapshot()
    }

    /// How the connection ended, once it did.
    pub fn close_info(&self) -> Option<&CloseInfo> {
        self.closed.as_ref()
    }

    /// Every text frame received so far on every socket of this connection (empty unless
    /// [`Options::record_frames`]).
    pub fn frames_received(&self) -> &[String] {
        self.frames.as_deref().unwrap_or(&[])
    }

    /// Take the recorded frames, leaving an empty log.
    pub fn take_frames(&mut self) -> Vec<String> {
        self.frames.as_mut().map(std::mem::take).unwrap_or_default()
    }

    // --- sending ---

    /// Send an intent with a fresh id and return the id at once; the answer comes later as an
    /// [`Event`] (or through [`Connection::wait_for`]).
    ///
    /// Refuses a second unacknowledged edit of the same text ([`ClientError::EditInFlight`]), as
    /// the protocol asks of clients. If the socket is gone the intent stays pending, is resent by
    /// [`Connection::reconnect`], and the error is returned.
    pub async fn send_intent(&mut self, intent: Intent) -> Result<String, ClientError> {
        if let Some(target) = edit_target(&intent)
            && let Some(p) = self
                .pending
                .iter()
                .find(|p| edit_target(&p.intent) == Some(target))
        {
            return Err(ClientError::EditInFlight {
                target: target.1.to_owned(),
                pending_id: p.id.clone(),
            });
        }
        let id = self.ids.next_id();
        self.pending.push(PendingIntent {
            id: id.clone(),
            intent: intent.clone(),
        });
        self.socket
            .send_message(&ClientMessage::Intent {
                id: id.clone(),
                intent,
                on_behalf_of: None,
            })
            .await?;
        Ok(id)
    }

    /// Send an intent and wait for its answer: the ack, or [`ClientError::Rejected`].
    pub async fn intent(&mut self, intent: Intent) -> Result<Ack, ClientError> {
        let id = self.send_intent(intent).await?;
        self.wait_for(&id).await
    }

    /// Wait for the answer to intent `id` (sent with [`Connection::send_intent`]), processing
    /// every other message meanwhile. If the ack finds a resynchronisation under way, waits for
    /// the snapshot too, so the view contains the change on return.
    pub async fn wait_for(&mut self, id: &str) -> Result<Ack, ClientError> {
        let deadline = Instant::now() + self.options.timeout;
        let mut answer = self.take_outcome(id);
        if answer.is_none() && !self.pending.iter().any(|p| p.id == id) {
            return Err(ClientError::Usage(format!(
                "intent {id} was not sent through this connection, or its answer was already taken"
            )));
        }
        while answer.is_none() {
            self.next_event_resilient(deadline, "an answer").await?;
            answer = self.take_outcome(id);
        }
        match answer {
            Some(Outcome::Acked(ack)) => {
                while self.state.awaiting_snapshot() {
                    self.next_event_resilient(deadline, "a snapshot").await?;
                }
                Ok(ack)
            }
            Some(Outcome::Rejected(r)) => Err(r.into()),
            None => Err(ClientError::Timeout(format!("answer to {id}"))),
        }
    }

    /// Send any protocol message as is, untracked (tests: duplicate ids, odd messages).
    pub async fn send_message(&mut self, msg: &ClientMessage) -> Result<(), ClientError> {
        self.socket.send_message(msg).await
    }

    /// Send a text frame as is.
    pub async fn send_raw_text(&mut self, text: impl Into<String>) -> Result<(), ClientError> {
        self.socket.send_text(text).await
    }

    /// Send a binary frame as is (the server answers `binary_frame`).
    pub async fn send_raw_binary(&mut self, bytes: impl Into<Vec<u8>>) -> Result<(), ClientError> {
        self.socket.send_binary(bytes).await
    }

    /// Resend every pending intent with its original id (the server applies each at most once).
    pub async fn resend_pending(&mut self) -> Result<(), ClientError> {
        for p in self.pending.clone() {
            self.socket
                .send_message(&ClientMessage::Intent {
                    id: p.id,
                    intent: p.intent,
                    on_behalf_of: None,
                })
                .await?;
        }
        Ok(())
    }

    /// Ask for a fresh snapshot and wait for it.
    pub async fn sync(&mut self) -> Result<(), ClientError> {
        let deadline = Instant::now() + self.options.timeout;
        self.state.expect_snapshot();
        self.socket.send_message(&ClientMessage::Sync).await?;
        while self.state.awaiting_snapshot() {
            self.next_event_until(deadline, "a snapshot").await?;
        }
        Ok(())
    }

    /// Send `ping` and wait for `pong`.
    pub async fn ping(&mut self) -> Result<(), ClientError> {
        let deadline = Instant::now() + self.options.timeout;
        self.socket.send_message(&ClientMessage::Ping).await?;
        loop {
            if let Event::Pong = self.next_event_until(deadline, "pong").await? {
                return Ok(());
            }
        }
    }

    // --- receiving ---

    /// Read and process one server message and say what happened. After [`Event::Closed`],
    /// returns [`ClientError::Closed`].
    pub async fn next_event(&mut self) -> Result<Event, ClientError> {
        if let Some(msg) = self.backlog.pop_front() {
            let event = self.handle(msg);
            self.flush_sync().await?;
            return Ok(event);
        }
        if let Some(info) = &self.closed {
            return Err(info.to_error());
        }
        self.flush_sync().await?;
        let event = match self.socket.next_frame().await? {
            RawFrame::Text(text) => {
                if let Some(log) = self.frames.as_mut() {
                    log.push(text.clone());
                }
                match parse_incoming(&text)? {
                    Incoming::Snapshot { rev, view } => {
                        self.state.apply_snapshot(rev, view)?;
                        Event::Snapshot { rev }
                    }
                    Incoming::Other(msg) => self.handle(msg),
                }
            }
            RawFrame::Binary(_) => {
                return Err(ClientError::Protocol(
                    "the server sent a binary frame".into(),
                ));
            }
            RawFrame::Close { code, reason } => {
                let info = CloseInfo {
                    code,
                    reason,
                    error: self.last_error.take(),
                };
                self.closed = Some(info.clone());
                return Ok(Event::Closed(info));
            }
        };
        self.flush_sync().await?;
        Ok(event)
    }

    /// [`Connection::next_event`] with a timeout.
    pub async fn next_event_timeout(&mut self, timeout: Duration) -> Result<Event, ClientError> {
        self.next_event_until(Instant::now() + timeout, "an event")
            .await
    }

    /// Process messages until `done(view, me)` holds (checked first against the current state),
    /// or `timeout` passes. Reconnects on a resumable close when [`Options::auto_reconnect`].
    pub async fn wait_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&View, Option<&MeView>) -> bool,
    ) -> Result<(), ClientError> {
        let deadline = Instant::now() + timeout;
        loop {
            if !self.state.awaiting_snapshot() && done(self.state.view(), self.state.me()) {
                return Ok(());
            }
            self.next_event_resilient(deadline, "a condition on the view")
                .await?;
        }
    }

    /// Process every message that arrives within `quiet`, returning the events.
    pub async fn drain(&mut self, quiet: Duration) -> Result<Vec<Event>, ClientError> {
        let mut events = Vec::new();
        loop {
            match self.next_event_timeout(quiet).await {
                Ok(Event::Closed(info)) => {
                    events.push(Event::Closed(info));
                    return Ok(events);
                }
                Ok(event) => events.push(event),
                Err(ClientError::Timeout(_)) => return Ok(events),
                Err(e) => return Err(e),
            }
        }
    }

    // --- reconnecting ---

    /// Join again at the same URL and resend pending intents. See [`Connection::resume`].
    pub async fn reconnect(&mut self) -> Result<(), ClientError> {
        let url = self.url.clone();
        self.resume(&url).await
    }

    /// Join again at `ws_url` (another node, or the same server after a restart): a participant
    /// with the resume token, the facilitator with the secret, the projector with the code. The
    /// view is replaced by the new snapshot, then every pending intent is resent with its id.
    pub async fn resume(&mut self, ws_url: &str) -> Result<(), ClientError> {
        if !self.socket.is_closed() {
            let _ = self.socket.close().await;
        }
        let joined =
            handshake_with_retries(ws_url, &self.join, &self.options, &mut self.frames).await?;
        self.url = ws_url.to_owned();
        self.socket = joined.socket;
        self.welcome = joined.welcome;
        let me = self.state.me().cloned();
        self.state = joined.state;
        if self.state.me().is_none()
            && let Some(me) = me
        {
            // Only reachable if the server skipped `me`; keep the old one rather than nothing.
            self.state.apply_me(0, me);
        }
        self.backlog = joined.backlog;
        self.sync_due = joined.sync_due;
        self.last_error = None;
        self.closed = None;
        self.remember_resume_token();
        self.resend_pending().await
    }

    /// Close the connection politely. Pending intents stay pending.
    pub async fn close(&mut self) -> Result<(), ClientError> {
        self.socket.close().await?;
        if self.closed.is_none() {
            self.closed = Some(CloseInfo {
                code: Some(1000),
                reason: "closed by client".into(),
                error: None,
            });
        }
        Ok(())
    }

    // --- typed intents ---

    /// Facilitator: go to the next phase.
    pub async fn next_phase(&mut self) -> Result<Ack, ClientError> {
        self.intent(Intent::NextPhase).await
    }

    /// Facilitator: go back one phase.
    pub async fn previous_phase(&mut self) -> Result<Ack, ClientError> {
        self.intent(Intent::PreviousPhase).await
    }

    /// Facilitator: go to phase `index` of the agenda.
    pub async fn go_to_phase(&mut self, index: u32) -> Result<Ack, ClientError> {
        self.intent(Intent::GoToPhase { index }).await
    }

    /// Facilitator: lock or unlock participants' input.
    pub async fn set_locked(&mut self, locked: bool) -> Result<Ack, ClientError> {
        self.intent(Intent::SetLocked { locked }).await
    }

    /// Facilitator: reveal the votes of the current phase.
    pub async fn reveal_votes(&mut self) -> Result<Ack, ClientError> {
        self.intent(Intent::RevealVotes).await
    }

    /// Facilitator: hide a statement, or show it again.
    pub async fn hide_statement(
        &mut self,
        statement: impl Into<StatementId>,
        hidden: bool,
    ) -> Result<Ack, ClientError> {
        self.intent(Intent::HideStatement {
            statement: statement.into(),
            hidden,
        })
        .await
    }

    /// Participant: add a statement; returns its id.
    pub async fn add_statement(&mut self, text: &str) -> Result<StatementId, ClientError> {
        let ack = self
            .intent(Intent::AddStatement {
                text: text.to_owned(),
            })
            .await?;
        created(ack).map(StatementId::from)
    }

    /// Participant: splice one's own statement (UTF-16 units), against the current revision.
    pub async fn edit_statement(
        &mut self,
        statement: impl Into<StatementId>,
        pos: u32,
        delete: u32,
        insert: &str,
    ) -> Result<Ack, ClientError> {
        let splice = self.splice(pos, delete, insert);
        self.intent(Intent::EditStatement {
            statement: statement.into(),
            splice,
        })
        .await
    }

    /// Participant: delete one's own statement.
    pub async fn delete_statement(
        &mut self,
        statement: impl Into<StatementId>,
    ) -> Result<Ack, ClientError> {
        self.intent(Intent::DeleteStatement {
            statement: statement.into(),
        })
        .await
    }

    /// Participant: place a dot on a statement or cluster.
    pub async fn place_dot(&mut self, item: impl Into<ItemId>) -> Result<Ack, ClientError> {
        self.intent(Intent::PlaceDot {
            statement: item.into(),
        })
        .await
    }

    /// Participant: take a dot back from a statement or cluster.
    pub async fn remove_dot(&mut self, item: impl Into<ItemId>) -> Result<Ack, ClientError> {
        self.intent(Intent::RemoveDot {
            statement: item.into(),
        })
        .await
    }

    /// Participant: propose a rule of thumb; returns its id.
    pub async fn propose_rule(&mut self, text: &str) -> Result<RuleId, ClientError> {
        let ack = self
            .intent(Intent::ProposeRule {
                text: text.to_owned(),
                anchors: Vec::new(),
            })
            .await?;
        created(ack).map(RuleId::from)
    }

    /// Participant: splice a rule's text (UTF-16 units), against the current revision.
    pub async fn edit_rule(
        &mut self,
        rule: impl Into<RuleId>,
        pos: u32,
        delete: u32,
        insert: &str,
    ) -> Result<Ack, ClientError> {
        let splice = self.splice(pos, delete, insert);
        self.intent(Intent::EditRule {
            rule: rule.into(),
            splice,
        })
        .await
    }

    /// Participant: rate a rule, 1 (strongly disagree) to 5 (strongly agree). Scores 1 and 2
    /// need a short reason.
    pub async fn rate_rule(
        &mut self,
        rule: impl Into<RuleId>,
        score: u8,
        reason: Option<&str>,
    ) -> Result<Ack, ClientError> {
        self.intent(Intent::RateRule {
            rule: rule.into(),
            score,
            reason: reason.map(str::to_owned),
        })
        .await
    }

    /// A splice against the current revision.
    pub fn splice(&self, pos: u32, delete: u32, insert: &str) -> Splice {
        Splice {
            rev: self.state.rev(),
            pos,
            delete,
            insert: insert.to_owned(),
        }
    }

    // --- inside ---

    /// Apply one message to the state and the intent bookkeeping.
    fn handle(&mut self, msg: ServerMessage) -> Event {
        match msg {
            ServerMessage::Snapshot { rev, view } => match serde_json::to_value(&*view) {
                Ok(json) => match self.state.apply_snapshot(rev, json) {
                    Ok(()) => Event::Snapshot { rev },
                    Err(_) => Event::Unexpected(Box::new(ServerMessage::Snapshot { rev, view })),
                },
                Err(_) => Event::Unexpected(Box::new(ServerMessage::Snapshot { rev, view })),
            },
            ServerMessage::Delta { base, rev, ops } => {
                let have = self.state.rev();
                match self.state.apply_delta(base, rev, &ops) {
                    DeltaOutcome::Applied => Event::ViewChanged { base, rev },
                    DeltaOutcome::Stale | DeltaOutcome::AwaitingSnapshot => {
                        Event::DeltaSkipped { base, rev }
                    }
                    DeltaOutcome::NeedSync { reason } => {
                        tracing::debug!(have, base, rev, %reason, "view gap; asking for sync");
                        self.sync_due = true;
                        Event::SyncRequested {
                            have,
                            base,
                            rev,
                            reason,
                        }
                    }
                }
            }
            ServerMessage::Me { rev, me } => {
                self.state.apply_me(rev, me);
                Event::MeChanged { rev }
            }
            ServerMessage::Ack {
                id,
                rev,
                created,
                at,
            } => {
                let intent = self.take_pending(&id);
                let tracked = intent.is_some();
                let ack = Ack {
                    id: id.clone(),
                    rev,
                    created,
                    at,
                    intent,
                };
                if tracked {
                    self.keep_outcome(id, Outcome::Acked(ack.clone()));
                }
                Event::Acked(ack)
            }
            ServerMessage::Reject { id, code, message } => {
                let intent = self.take_pending(&id);
                let tracked = intent.is_some();
                let rejection = Rejection {
                    id: id.clone(),
                    code,
                    message,
                    intent,
                };
                if tracked {
                    self.keep_outcome(id, Outcome::Rejected(rejection.clone()));
                }
                Event::Rejected(rejection)
            }
            ServerMessage::Error { code, message } => {
                self.last_error = Some((code, message.clone()));
                Event::Error { code, message }
            }
            ServerMessage::Pong => Event::Pong,
            other @ ServerMessage::Welcome { .. } => Event::Unexpected(Box::new(other)),
        }
    }

    /// Send `sync` if a gap asked for it.
    async fn flush_sync(&mut self) -> Result<(), ClientError> {
        if self.sync_due && !self.socket.is_closed() {
            self.socket.send_message(&ClientMessage::Sync).await?;
            self.sync_due = false;
        }
        Ok(())
    }

    async fn next_event_until(
        &mut self,
        deadline: Instant,
        what: &str,
    ) -> Result<Event, ClientError> {
        match tokio::time::timeout_at(deadline, self.next_event()).await {
            Ok(result) => result,
            Err(_) => Err(ClientError::Timeout(what.to_owned())),
        }
    }

    /// The next event; a resumable close leads to a reconnect (when allowed) instead of an error.
    async fn next_event_resilient(
        &mut self,
        deadline: Instant,
        what: &str,
    ) -> Result<Event, ClientError> {
        match self.next_event_until(deadline, what).await? {
            Event::Closed(info) if self.options.auto_reconnect && info.is_resumable() => {
                tracing::debug!(reason = %info.reason, "server asked to come back; resuming");
                self.reconnect().await?;
                Ok(Event::Closed(info))
            }
            Event::Closed(info) => Err(info.to_error()),
            event => Ok(event),
        }
    }

    fn take_pending(&mut self, id: &str) -> Option<Intent> {
        let index = self.pending.iter().position(|p| p.id == id)?;
        Some(self.pending.remove(index).intent)
    }

    fn keep_outcome(&mut self, id: String, outcome: Outcome) {
        if self.outcomes.len() >= MAX_KEPT_OUTCOMES {
            self.outcomes.pop_front();
        }
        self.outcomes.push_back((id, outcome));
    }

    fn take_outcome(&mut self, id: &str) -> Option<Outcome> {
        let index = self.outcomes.iter().position(|(i, _)| i == id)?;
        self.outcomes.remove(index).map(|(_, outcome)| outcome)
    }

    /// After a participant's join, come back with the token rather than as a new person.
    fn remember_resume_token(&mut self) {
        if let Some(token) = &self.welcome.resume_token {
            self.join = JoinRequest::Resume {
                code: self.join.code().to_owned(),
                token: token.clone(),
            };
        }
    }
}

/// The text an edit intent changes, so two edits of one text are never in flight together.
fn edit_target(intent: &Intent) -> Option<(&'static str, &str)> {
    match intent {
        Intent::EditStatement { statement, .. } => Some(("statement", statement)),
        Intent::EditRule { rule, .. } => Some(("rule", rule)),
        _ => None,
    }
}

fn created(ack: Ack) -> Result<String, ClientError> {
    ack.created
        .ok_or_else(|| ClientError::Protocol(format!("ack {} names no created item", ack.id)))
}

/// A parsed frame. A snapshot keeps its view as JSON exactly as sent, so later patches apply to
/// what the server patched, including fields this client version does not know. It lives for one
/// frame, matched by value right away, so its size does not matter (no boxing, which would make
/// every match on it clumsier).
#[allow(clippy::large_enum_variant)]
enum Incoming {
    Snapshot { rev: u64, view: Value },
    Other(ServerMessage),
}

fn parse_incoming(text: &str) -> Result<Incoming, ClientError> {
    let bad = |e: String| {
        let shown: String = text.chars().take(200).collect();
        ClientError::Protocol(format!("cannot parse server message ({e}): {shown}"))
    };
    let mut value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if value.get("type").and_then(Value::as_str) == Some("snapshot") {
        let rev = value
            .get("rev")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("snapshot without rev".into()))?;
        let view = value
            .get_mut("view")
            .map(Value::take)
            .ok_or_else(|| bad("snapshot without view".into()))?;
        return Ok(Incoming::Snapshot { rev, view });
    }
    serde_json::from_value(value)
        .map(Incoming::Other)
        .map_err(|e| bad(e.to_string()))
}

/// [`handshake`], again after `unavailable`, with a doubling delay.
async fn handshake_with_retries(
    url: &str,
    join: &JoinRequest,
    options: &Options,
    frames: &mut Option<Vec<String>>,
) -> Result<Joined, ClientError> {
    let mut delay = options.retry_delay;
    let mut attempt = 0;
    loop {
        match handshake(url, join, options.timeout, frames).await {
            Err(e)
                if e.code() == Some(ErrorCode::Unavailable) && attempt < options.join_retries =>
            {
                tracing::debug!(attempt, "session unavailable; joining again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Open a socket, join, and read until the view (and for a participant `me`) is complete.
async fn handshake(
    url: &str,
    join: &JoinRequest,
    timeout: Duration,
    frames: &mut Option<Vec<String>>,
) -> Result<Joined, ClientError> {
    let deadline = Instant::now() + timeout;
    let fut = async {
        let mut socket = RawSocket::connect(url).await?;
        socket
            .send_message(&ClientMessage::Join {
                protocol: PROTOCOL_VERSION,
                join: join.clone(),
            })
            .await?;
        let mut welcome: Option<Welcome> = None;
        let mut state: Option<ViewState> = None;
        let mut early_me = None;
        let mut backlog = VecDeque::new();
        let mut last_error: Option<(ErrorCode, String)> = None;
        let mut sync_due = false;
        loop {
            if let (Some(w), Some(s)) = (&welcome, &state)
                && (w.role != Role::Participant || s.me().is_some())
            {
                break;
            }
            let text = match socket.next_frame().await? {
                RawFrame::Text(text) => text,
                RawFrame::Binary(_) => {
                    return Err(ClientError::Protocol(
                        "the server sent a binary frame".into(),
                    ));
                }
                RawFrame::Close { code, reason } => {
                    return Err(match last_error {
                        Some((code, message)) => ClientError::Server { code, message },
                        None => ClientError::Closed { code, reason },
                    });
                }
            };
            if let Some(log) = frames.as_mut() {
                log.push(text.clone());
            }
            match parse_incoming(&text)? {
                Incoming::Snapshot { rev, view } => {
                    if welcome.is_none() {
                        return Err(ClientError::Protocol("snapshot before welcome".into()));
                    }
                    match state.as_mut() {
                        Some(s) => s.apply_snapshot(rev, view)?,
                        None => {
                            let mut s = ViewState::from_snapshot(rev, view)?;
                            if let Some((rev, me)) = early_me.take() {
                                s.apply_me(rev, me);
                            }
                            state = Some(s);
                        }
                    }
                    sync_due = false;
                }
                Incoming::Other(ServerMessage::Welcome {
                    protocol,
                    session,
                    role,
                    participant,
                    resume_token,
                    server_time,
                }) if welcome.is_none() => {
                    welcome = Some(Welcome {
                        protocol,
                        session,
                        role,
                        participant,
                        resume_token,
                        server_time,
                    });
                }
                Incoming::Other(ServerMessage::Error { code, message }) if welcome.is_none() => {
                    // The join was refused. The server may keep the socket open for another
                    // try; this client starts again on a fresh socket instead.
                    let _ = socket.close().await;
                    return Err(ClientError::Server { code, message });
                }
                Incoming::Other(ServerMessage::Error { code, message }) => {
                    last_error = Some((code, message));
                }
                Incoming::Other(ServerMessage::Me { rev, me }) => match state.as_mut() {
                    Some(s) => s.apply_me(rev, me),
                    None => early_me = Some((rev, me)),
                },
                Incoming::Other(ServerMessage::Delta { base, rev, ops }) => {
                    // Deltas before the snapshot are covered by it.
                    if let Some(s) = state.as_mut()
                        && let DeltaOutcome::NeedSync { .. } = s.apply_delta(base, rev, &ops)
                    {
                        sync_due = true;
                    }
                }
                Incoming::Other(other) => {
                    if welcome.is_none() {
                        return Err(ClientError::Protocol(format!(
                            "expected welcome, got {other:?}"
                        )));
                    }
                    backlog.push_back(other);
                }
            }
        }
        match (welcome, state) {
            (Some(welcome), Some(state)) => Ok(Joined {
                socket,
                welcome,
                state,
                backlog,
                sync_due,
            }),
            _ => Err(ClientError::Protocol("handshake ended early".into())),
        }
    };
    match tokio::time::timeout_at(deadline, fut).await {
        Ok(result) => result,
        Err(_) => Err(ClientError::Timeout("welcome and snapshot".into())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn snapshots_keep_their_json_as_sent() {
        let text = r#"{"type":"snapshot","rev":7,"view":{"future_field":1}}"#;
        match parse_incoming(text).unwrap() {
            Incoming::Snapshot { rev, view } => {
                assert_eq!(rev, 7);
                assert_eq!(view["future_field"], 1);
            }
            Incoming::Other(_) => panic!("not a snapshot"),
        }
        assert!(matches!(
            parse_incoming(r#"{"type":"pong"}"#).unwrap(),
            Incoming::Other(ServerMessage::Pong)
        ));
        assert!(parse_incoming("not json").is_err());
        assert!(parse_incoming(r#"{"type":"snapshot","view":{}}"#).is_err());
    }

    #[test]
    fn closes_name_their_code() {
        let info = CloseInfo {
            code: Some(1008),
            reason: "slow_consumer".into(),
            error: None,
        };
        assert_eq!(info.error_code(), Some(ErrorCode::SlowConsumer));
        assert!(info.is_resumable());
        let info = CloseInfo {
            code: Some(1001),
            reason: "shutting_down".into(),
            error: Some((ErrorCode::ShuttingDown, "bye".into())),
        };
        assert!(!info.is_resumable());
    }

    #[test]
    fn only_edits_of_the_same_text_conflict() {
        let splice = Splice {
            rev: 1,
            pos: 0,
            delete: 0,
            insert: "x".into(),
        };
        let a = Intent::EditRule {
            rule: "r1".into(),
            splice: splice.clone(),
        };
        let b = Intent::EditStatement {
            statement: "r1".into(),
            splice,
        };
        assert_eq!(edit_target(&a), Some(("rule", "r1")));
        assert_ne!(edit_target(&a), edit_target(&b));
        assert_eq!(edit_target(&Intent::NextPhase), None);
    }
}
