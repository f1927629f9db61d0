//! One simulated connection of a load run: a participant that acts on the stages its session
//! publishes, or a facilitator that sends the intents its coordinator asks for.
//!
//! Every frame is read with a light parse (type, base, rev, id, created, code) and a substring
//! scan for markers; only the facilitator, the `full_views` sample and the rare deltas that change
//! the phase or reveal votes are parsed as whole JSON. That keeps ten thousand clients in one
//! process affordable.
//!
//! Why this file is long: one simulated connection's state machine (participant and facilitator
//! share it), kept in one place so that its per-frame cost stays visible.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use draagvlak_protocol::{ClientMessage, Intent, JoinRequest, PROTOCOL_VERSION};
use futures_util::{SinkExt as _, StreamExt as _};
use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use serde::Deserialize;
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::failure::Failure;
use super::{
    EV_BRAINSTORM, EV_DOTS_REVEALED, EV_RATINGS_REVEALED, EV_RULES, EV_VOTE, EVENTS,
    PHASE_BRAINSTORM, PHASE_RULES, PHASE_VOTE, SessionShared, Shared, Stage, lock, report,
};

pub(crate) type Ws = WebSocketStream<TcpStream>;

/// Who a connection is.
pub(crate) enum Role {
    Participant {
        name: String,
        group: String,
        /// Held while connecting, to bound the handshakes in flight.
        permit: Option<OwnedSemaphorePermit>,
    },
    Facilitator {
        secret: String,
        commands: mpsc::Receiver<FacCmd>,
    },
    /// A read-only connection of the public audience (idle runs).
    Projector {
        permit: Option<OwnedSemaphorePermit>,
    },
}

/// Something the coordinator asks the facilitator's connection to do.
pub(crate) enum FacCmd {
    Intent {
        intent: Intent,
        /// The change every participant will see, for the fan-out measurement.
        marker: Option<u32>,
        /// The created id on ack; the code on reject.
        reply: oneshot::Sender<Result<Option<String>, Failure>>,
    },
}

pub(crate) struct ClientSpec {
    pub shared: Arc<Shared>,
    pub session: Arc<SessionShared>,
    /// Participant number within the session (`usize::MAX` for the facilitator).
    pub index: usize,
    pub role: Role,
    /// Apply every delta and compare the whole view at the end.
    pub full_view: bool,
    pub source: Option<IpAddr>,
    pub addr: SocketAddr,
    pub url: String,
}

/// How the final view was checked.
#[derive(Debug)]
pub(crate) enum Check {
    None,
    /// The patched view (and `me`) compared with a fresh snapshot.
    Full(Result<(), Failure>),
    /// The revision the client ended at (compared with the session's public snapshot).
    Revision(u64),
}

/// What one connection reports when it ends.
#[derive(Debug)]
pub(crate) struct ClientOutcome {
    pub session: usize,
    pub index: usize,
    /// (marker, ns since the run started) for every change this client saw.
    pub deliveries: Vec<(u32, u64)>,
    pub gaps: u64,
    pub resyncs: u64,
    /// Frames received after joining, and how many of them were deltas.
    pub frames: u64,
    pub deltas: u64,
    /// Bytes of every frame received, from the welcome on, and of the deltas among them.
    pub bytes: u64,
    pub delta_bytes: u64,
    pub check: Check,
    pub error: Option<String>,
}

/// The fields of a server message that every client reads.
#[derive(Deserialize)]
struct Light<'a> {
    #[serde(rename = "type", borrow)]
    ty: &'a str,
    #[serde(default)]
    base: Option<u64>,
    #[serde(default)]
    rev: Option<u64>,
    #[serde(default, borrow)]
    id: Option<&'a str>,
    #[serde(default, borrow)]
    created: Option<&'a str>,
    #[serde(default, borrow)]
    code: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Statement,
    Rule,
    Dot,
    Rating,
    Other,
}

struct Pending {
    sent: Instant,
    marker: Option<u32>,
    kind: Kind,
    reply: Option<oneshot::Sender<Result<Option<String>, Failure>>>,
}

struct Planned {
    at: Instant,
    intent: Intent,
    marker: Option<u32>,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verify {
    Idle,
    WaitSnapshot,
    WaitMe,
    Done,
}

struct Client {
    shared: Arc<Shared>,
    sess: Arc<SessionShared>,
    index: usize,
    facilitator: bool,
    projector: bool,
    full: bool,
    rev: u64,
    awaiting_snapshot: bool,
    snapshots: u64,
    view: Option<Value>,
    me: Option<Value>,
    seen: Vec<bool>,
    pending: HashMap<String, Pending>,
    prefix: String,
    next_id: u64,
    actions: VecDeque<Planned>,
    verify: Verify,
    closing: bool,
    rng: StdRng,
    outcome: ClientOutcome,
}

/// Open a TCP connection from `source` (a loopback address) and upgrade it to a WebSocket with
/// small buffers.
pub(crate) async fn open(
    addr: SocketAddr,
    source: Option<IpAddr>,
    url: &str,
) -> Result<Ws, Failure> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|source| Failure::Io {
        what: "socket".into(),
        source,
    })?;
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip, 0))
            .map_err(|source| Failure::Io {
                what: format!("bind {ip}"),
                source,
            })?;
    }
    let stream = socket.connect(addr).await.map_err(|e| Failure::Io {
        what: format!("connect from {source:?}"),
        source: e,
    })?;
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(64 << 20));
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
        .await
        .map_err(Failure::ws("websocket upgrade"))?;
    Ok(ws)
}

/// A random moment within `secs` after `start`.
fn within(rng: &mut StdRng, start: Instant, secs: f64) -> Instant {
    if secs <= 0.0 {
        return start;
    }
    start + Duration::from_secs_f64(rng.random_range(0.0..secs))
}

/// Run one connection from connect to close.
pub(crate) async fn run(
    spec: ClientSpec,
    ready: Option<oneshot::Sender<Result<(), Failure>>>,
) -> ClientOutcome {
    let ClientSpec {
        shared,
        session,
        index,
        role,
        full_view,
        source,
        addr,
        url,
    } = spec;
    let facilitator = matches!(role, Role::Facilitator { .. });
    let projector = matches!(role, Role::Projector { .. });
    let code = session.code.clone();
    let (join, mut commands, permit) = match role {
        Role::Participant {
            name,
            group,
            permit,
        } => (
            JoinRequest::Participant {
                code,
                name,
                group,
                device: None,
            },
            None,
            permit,
        ),
        Role::Facilitator { secret, commands } => (
            JoinRequest::Facilitator { code, secret },
            Some(commands),
            None,
        ),
        Role::Projector { permit } => (JoinRequest::Projector { code }, None, permit),
    };
    let seed = shared.config.seed
        ^ (session.index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    let mut c = Client {
        shared: shared.clone(),
        sess: session.clone(),
        index,
        facilitator,
        projector,
        full: full_view || facilitator,
        rev: 0,
        awaiting_snapshot: true,
        snapshots: 0,
        view: None,
        me: None,
        seen: vec![false; session.markers.len()],
        pending: HashMap::new(),
        prefix: if facilitator {
            "F".to_string()
        } else {
            format!("L{index}")
        },
        next_id: 0,
        actions: VecDeque::new(),
        verify: Verify::Idle,
        closing: false,
        rng: StdRng::seed_from_u64(seed),
        outcome: ClientOutcome {
            session: session.index,
            index,
            deliveries: Vec::new(),
            gaps: 0,
            resyncs: 0,
            frames: 0,
            deltas: 0,
            bytes: 0,
            delta_bytes: 0,
            check: Check::None,
            error: None,
        },
    };
    if facilitator {
        // The facilitator sends the phase changes and reveals: they are not deliveries to it.
        for m in 0..EVENTS as usize {
            c.seen[m] = true;
        }
    }
    let started = Instant::now();
    let timeout = Duration::from_secs_f64(shared.config.step_timeout_secs);
    let joined = async {
        let mut ws = open(addr, source, &url).await?;
        c.handshake(&mut ws, join, timeout).await?;
        Ok::<Ws, Failure>(ws)
    }
    .await;
    drop(permit);
    let mut ws = match joined {
        Ok(ws) => ws,
        Err(e) => {
            let who = if facilitator {
                "facilitator".to_string()
            } else {
                format!("participant {index}")
            };
            if let Some(ready) = ready {
                let _ = ready.send(Err(e));
            } else {
                shared.connect_failed.fetch_add(1, Ordering::SeqCst);
                shared.error(format!("session {}: {who}: {e}", session.index));
            }
            return c.outcome;
        }
    };
    if !facilitator {
        report::record(
            &mut lock(&shared.connect),
            started.elapsed().as_micros() as u64,
        );
        session.connected.fetch_add(1, Ordering::SeqCst);
        shared.connected.fetch_add(1, Ordering::SeqCst);
    }
    if let Some(ready) = ready {
        let _ = ready.send(Ok(()));
    }
    if let Err(e) = c.main_loop(&mut ws, &mut commands).await {
        let who = if facilitator {
            "facilitator".to_string()
        } else {
            format!("participant {index}")
        };
        c.outcome.error = Some(format!("session {}: {who}: {e}", session.index));
        // Nobody should wait for this client any more.
        if c.verify != Verify::Done {
            session.verified.fetch_add(1, Ordering::SeqCst);
        }
        if !facilitator {
            session.dead.fetch_add(1, Ordering::SeqCst);
        }
    }
    c.outcome
}

async fn next_command(commands: &mut Option<mpsc::Receiver<FacCmd>>) -> Option<FacCmd> {
    match commands {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Client {
    async fn send(&mut self, ws: &mut Ws, msg: &ClientMessage) -> Result<(), Failure> {
        let text = serde_json::to_string(msg).map_err(Failure::json("message to send"))?;
        ws.send(Message::text(text))
            .await
            .map_err(Failure::ws("send"))
    }

    /// Send `join`; read until the snapshot.
    async fn handshake(
        &mut self,
        ws: &mut Ws,
        join: JoinRequest,
        timeout: Duration,
    ) -> Result<(), Failure> {
        self.send(
            ws,
            &ClientMessage::Join {
                protocol: PROTOCOL_VERSION,
                join,
            },
        )
        .await?;
        let deadline = Instant::now() + timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .map_err(|_| Failure::Timeout("snapshot"))?;
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let text = t.as_str();
                    self.outcome.bytes += text.len() as u64;
                    let light: Light<'_> =
                        serde_json::from_str(text).map_err(Failure::json("frame"))?;
                    match light.ty {
                        "snapshot" => {
                            self.on_snapshot(text)?;
                            return Ok(());
                        }
                        "error" => {
                            return Err(Failure::JoinRefused(
                                light.code.unwrap_or("unknown").to_string(),
                            ));
                        }
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(f))) => {
                    return Err(Failure::Closed(format!("closed during join: {f:?}")));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(Failure::ws("read during join")(e)),
                None => return Err(Failure::Closed("closed during join".into())),
            }
        }
    }

    async fn main_loop(
        &mut self,
        ws: &mut Ws,
        commands: &mut Option<mpsc::Receiver<FacCmd>>,
    ) -> Result<(), Failure> {
        let mut stage = self.sess.stage.subscribe();
        let mut close_deadline = Instant::now();
        loop {
            let next_at = self.actions.front().map(|a| a.at);
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(t))) => self.on_frame(ws, t.as_str()).await?,
                    Some(Ok(Message::Close(f))) => {
                        if self.closing {
                            return Ok(());
                        }
                        return Err(Failure::Closed(format!(
                            "the server closed the connection: {f:?}"
                        )));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        if self.closing {
                            return Ok(());
                        }
                        return Err(Failure::ws("read")(e));
                    }
                    None => {
                        if self.closing {
                            return Ok(());
                        }
                        return Err(Failure::Closed("the connection ended".into()));
                    }
                },
                changed = stage.changed(), if !self.closing => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    let now = stage.borrow_and_update().clone();
                    if matches!(now, Stage::Done) {
                        self.closing = true;
                        close_deadline = Instant::now() + Duration::from_secs(5);
                        let _ = ws.close(None).await;
                    } else {
                        self.take_stage(ws, now).await?;
                    }
                }
                cmd = next_command(commands), if commands.is_some() => match cmd {
                    Some(FacCmd::Intent { intent, marker, reply }) => {
                        self.shared.scheduled.fetch_add(1, Ordering::SeqCst);
                        self.send_intent(ws, intent, marker, Kind::Other, Some(reply)).await?;
                    }
                    None => *commands = None,
                },
                _ = tokio::time::sleep_until(next_at.unwrap_or_else(Instant::now)), if next_at.is_some() => {
                    while let Some(a) = self.actions.front() {
                        if a.at > Instant::now() {
                            break;
                        }
                        let Some(a) = self.actions.pop_front() else { break };
                        self.send_intent(ws, a.intent, a.marker, a.kind, None).await?;
                    }
                }
                _ = tokio::time::sleep_until(close_deadline), if self.closing => return Ok(()),
            }
        }
    }

    async fn send_intent(
        &mut self,
        ws: &mut Ws,
        intent: Intent,
        marker: Option<u32>,
        kind: Kind,
        reply: Option<oneshot::Sender<Result<Option<String>, Failure>>>,
    ) -> Result<(), Failure> {
        self.next_id += 1;
        let id = format!("{}-{}", self.prefix, self.next_id);
        self.pending.insert(
            id.clone(),
            Pending {
                sent: Instant::now(),
                marker,
                kind,
                reply,
            },
        );
        self.shared.sent.fetch_add(1, Ordering::Relaxed);
        if let Some(m) = marker {
            self.sess.markers[m as usize]
                .sent_ns
                .store(self.shared.now_ns(), Ordering::SeqCst);
        }
        self.send(
            ws,
            &ClientMessage::Intent {
                id,
                intent,
                on_behalf_of: None,
            },
        )
        .await
    }

    /// Plan this participant's part of a stage.
    async fn take_stage(&mut self, ws: &mut Ws, stage: Stage) -> Result<(), Failure> {
        if self.facilitator || self.projector {
            if matches!(stage, Stage::Verify) {
                self.start_verify(ws).await?;
            }
            return Ok(());
        }
        let config = &self.shared.config;
        let (p, i) = (config.participants, self.index);
        let mut planned = Vec::new();
        match stage {
            Stage::Lobby | Stage::Done => {}
            Stage::Verify => {
                self.start_verify(ws).await?;
                return Ok(());
            }
            Stage::Brainstorm { start } => {
                for k in (i..config.statements).step_by(p) {
                    let m = EVENTS + k as u32;
                    planned.push(Planned {
                        at: within(&mut self.rng, start, config.brainstorm_secs),
                        intent: Intent::AddStatement {
                            text: format!(
                                "Uitspraak #LM{m}#: deelnemer {i} vindt dat ICT de dienstverlening draagt."
                            ),
                        },
                        marker: Some(m),
                        kind: Kind::Statement,
                    });
                }
            }
            Stage::Vote { start, statements } => {
                // At most two dots per statement: pick from a shuffled list with each statement
                // twice, never the same one three times.
                let mut pool: Vec<&String> = statements.iter().collect();
                pool.shuffle(&mut self.rng);
                let mut chosen: Vec<&String> = pool.to_vec();
                chosen.extend(pool.iter().copied());
                for s in chosen.into_iter().take(config.dots as usize) {
                    planned.push(Planned {
                        at: within(&mut self.rng, start, config.dot_window_secs),
                        intent: Intent::PlaceDot {
                            statement: s.into(),
                        },
                        marker: None,
                        kind: Kind::Dot,
                    });
                }
            }
            Stage::Propose { start } => {
                for j in (i..config.rules).step_by(p) {
                    let m = EVENTS + (config.statements + j) as u32;
                    planned.push(Planned {
                        at: within(&mut self.rng, start, config.brainstorm_secs),
                        intent: Intent::ProposeRule {
                            text: format!(
                                "Vuistregel #LM{m}#: we leggen gegevens één keer vast (deelnemer {i})."
                            ),
                            anchors: Vec::new(),
                        },
                        marker: Some(m),
                        kind: Kind::Rule,
                    });
                }
            }
            Stage::Rate { start, rules } => {
                let mut pool: Vec<&String> = rules.iter().collect();
                pool.shuffle(&mut self.rng);
                for r in pool.into_iter().take(config.ratings) {
                    planned.push(Planned {
                        at: within(&mut self.rng, start, config.rating_window_secs),
                        intent: {
                            let score = self.rng.random_range(1..=5);
                            Intent::RateRule {
                                rule: r.into(),
                                score,
                                // The lowest two steps need a reason.
                                reason: (score <= 2).then(|| "te vaag".to_string()),
                            }
                        },
                        marker: None,
                        kind: Kind::Rating,
                    });
                }
            }
        }
        for a in &planned {
            if let Some(m) = a.marker {
                // Our own change: not a delivery.
                self.seen[m as usize] = true;
            }
        }
        let n = planned.len();
        self.actions.extend(planned);
        self.actions.make_contiguous().sort_by_key(|a| a.at);
        // Count what we will send before saying we took the stage in.
        self.sess.scheduled.fetch_add(n, Ordering::SeqCst);
        self.shared.scheduled.fetch_add(n as u64, Ordering::SeqCst);
        self.sess.reacted.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn start_verify(&mut self, ws: &mut Ws) -> Result<(), Failure> {
        if self.full {
            self.verify = Verify::WaitSnapshot;
            self.send(ws, &ClientMessage::Sync).await
        } else {
            self.outcome.check = Check::Revision(self.rev);
            self.verify_done();
            Ok(())
        }
    }

    fn verify_done(&mut self) {
        self.verify = Verify::Done;
        self.sess.verified.fetch_add(1, Ordering::SeqCst);
    }

    async fn on_frame(&mut self, ws: &mut Ws, text: &str) -> Result<(), Failure> {
        let light: Light<'_> = serde_json::from_str(text).map_err(Failure::json("frame"))?;
        self.outcome.frames += 1;
        self.outcome.bytes += text.len() as u64;
        match light.ty {
            "delta" => {
                self.outcome.deltas += 1;
                self.outcome.delta_bytes += text.len() as u64;
                if !self.facilitator {
                    self.sess
                        .participant_delta_bytes
                        .fetch_add(text.len() as u64, Ordering::Relaxed);
                }
                let (Some(base), Some(rev)) = (light.base, light.rev) else {
                    return Err(Failure::Protocol("a delta without base or rev".into()));
                };
                if self.awaiting_snapshot || rev <= self.rev {
                    return Ok(());
                }
                if base != self.rev {
                    self.outcome.gaps += 1;
                    self.awaiting_snapshot = true;
                    return self.send(ws, &ClientMessage::Sync).await;
                }
                self.rev = rev;
                let now = self.shared.now_ns();
                self.scan(text, now);
                let events = text.contains("\"/current_phase\"") || text.contains("_revealed\"");
                if self.full || events {
                    let mut v: Value =
                        serde_json::from_str(text).map_err(Failure::json("delta"))?;
                    if events {
                        self.events_from_ops(&v["ops"], now);
                    }
                    if self.full
                        && let Some(view) = &mut self.view
                    {
                        let ops: json_patch::Patch = serde_json::from_value(v["ops"].take())
                            .map_err(Failure::json("delta ops"))?;
                        json_patch::patch(view, &ops)?;
                    }
                }
            }
            "snapshot" => self.on_snapshot(text)?,
            "me" if self.full => {
                let mut v: Value = serde_json::from_str(text).map_err(Failure::json("me"))?;
                let me = v["me"].take();
                if self.verify == Verify::WaitMe {
                    let result = if self.me.as_ref() == Some(&me) {
                        Ok(())
                    } else {
                        Err(Failure::Mismatch(format!(
                            "participant {}: the private part differs from the server's",
                            self.index
                        )))
                    };
                    if let Check::Full(Ok(())) = self.outcome.check {
                        self.outcome.check = Check::Full(result);
                    }
                    self.verify_done();
                }
                self.me = Some(me);
            }
            "ack" => {
                let id = light.id.unwrap_or_default();
                let Some(p) = self.pending.remove(id) else {
                    return Ok(());
                };
                let now = self.shared.now_ns();
                let us = p.sent.elapsed().as_micros() as u64;
                if self.facilitator {
                    report::record(&mut lock(&self.shared.facilitator_ack), us);
                } else {
                    report::record(&mut lock(&self.shared.ack), us);
                }
                self.shared.acked.fetch_add(1, Ordering::SeqCst);
                if let Some(m) = p.marker {
                    self.sess.markers[m as usize]
                        .ack_ns
                        .store(now, Ordering::SeqCst);
                    if let Some(created) = light.created {
                        let list = match p.kind {
                            Kind::Rule => &self.sess.created_rules,
                            _ => &self.sess.created_statements,
                        };
                        lock(list).push((m, created.to_string()));
                    }
                }
                match p.kind {
                    Kind::Dot => {
                        self.sess.dots_acked.fetch_add(1, Ordering::SeqCst);
                    }
                    Kind::Rating => {
                        self.sess.ratings_acked.fetch_add(1, Ordering::SeqCst);
                    }
                    Kind::Statement | Kind::Rule | Kind::Other => {}
                }
                if let Some(reply) = p.reply {
                    let _ = reply.send(Ok(light.created.map(str::to_string)));
                }
                if !self.facilitator {
                    self.sess.answered.fetch_add(1, Ordering::SeqCst);
                }
            }
            "reject" => {
                let id = light.id.unwrap_or_default();
                let code = light.code.unwrap_or("unknown").to_string();
                let Some(p) = self.pending.remove(id) else {
                    return Ok(());
                };
                self.shared.rejected.fetch_add(1, Ordering::SeqCst);
                *lock(&self.shared.reject_codes)
                    .entry(code.clone())
                    .or_default() += 1;
                if let Some(reply) = p.reply {
                    let _ = reply.send(Err(Failure::Rejected(code.clone())));
                }
                if !self.facilitator {
                    self.sess.answered.fetch_add(1, Ordering::SeqCst);
                }
            }
            "error" => {
                self.shared.error(format!(
                    "session {}: client {} got error {}",
                    self.sess.index,
                    self.index,
                    light.code.unwrap_or("unknown")
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn on_snapshot(&mut self, text: &str) -> Result<(), Failure> {
        let mut v: Value = serde_json::from_str(text).map_err(Failure::json("snapshot"))?;
        let rev = v["rev"]
            .as_u64()
            .ok_or_else(|| Failure::Protocol("a snapshot without rev".into()))?;
        let view = v["view"].take();
        let now = self.shared.now_ns();
        self.scan(text, now);
        self.events_from_view(&view, now);
        self.snapshots += 1;
        if self.snapshots > 1 && self.verify != Verify::WaitSnapshot {
            self.outcome.resyncs += 1;
        }
        if self.verify == Verify::WaitSnapshot {
            let result = match &self.view {
                Some(mine) if *mine == view => Ok(()),
                _ => Err(Failure::Mismatch(if self.facilitator {
                    "the facilitator's view differs from a fresh snapshot".to_string()
                } else {
                    format!(
                        "participant {}: the view differs from a fresh snapshot",
                        self.index
                    )
                })),
            };
            self.outcome.check = Check::Full(result);
            if self.facilitator {
                self.totals(&view);
                self.verify_done();
            } else {
                self.sess.public_rev.fetch_max(rev, Ordering::SeqCst);
                if self.projector {
                    self.verify_done();
                } else {
                    self.verify = Verify::WaitMe;
                }
            }
        }
        self.rev = rev;
        self.awaiting_snapshot = false;
        if self.full {
            self.view = Some(view);
        }
        Ok(())
    }

    /// Dots over all statements and raters over all rules in the (facilitator's) final view.
    fn totals(&self, view: &Value) {
        let sum = |coll: &str, field: &str| -> u64 {
            view[coll]
                .as_object()
                .map(|m| m.values().filter_map(|s| s[field].as_u64()).sum())
                .unwrap_or(0)
        };
        self.sess
            .dots_in_view
            .store(sum("statements", "dots"), Ordering::SeqCst);
        self.sess
            .raters_in_view
            .store(sum("rules", "raters"), Ordering::SeqCst);
    }

    /// Find `#LM<n>#` markers in a frame.
    fn scan(&mut self, text: &str, now: u64) {
        let mut rest = text;
        while let Some(i) = rest.find("#LM") {
            rest = &rest[i + 3..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if let Ok(m) = rest[..digits].parse::<u32>() {
                self.mark(m, now);
            }
        }
    }

    fn mark(&mut self, m: u32, now: u64) {
        let Some(seen) = self.seen.get_mut(m as usize) else {
            return;
        };
        if *seen {
            return;
        }
        *seen = true;
        self.outcome.deliveries.push((m, now));
        let marker = &self.sess.markers[m as usize];
        marker.seen.fetch_add(1, Ordering::SeqCst);
        marker.last_seen_ns.fetch_max(now, Ordering::SeqCst);
    }

    fn phase_event(&mut self, phase: u64, now: u64) {
        for (p, ev) in [
            (PHASE_BRAINSTORM, EV_BRAINSTORM),
            (PHASE_VOTE, EV_VOTE),
            (PHASE_RULES, EV_RULES),
        ] {
            if phase == p {
                self.mark(ev, now);
            }
        }
    }

    fn events_from_ops(&mut self, ops: &Value, now: u64) {
        let Some(ops) = ops.as_array() else { return };
        for op in ops {
            let path = op["path"].as_str().unwrap_or_default();
            if path == "/current_phase" {
                if let Some(p) = op["value"].as_u64() {
                    self.phase_event(p, now);
                }
            } else if op["value"] == Value::Bool(true) {
                if path == "/progress/richten/dots_revealed" {
                    self.mark(EV_DOTS_REVEALED, now);
                } else if path == "/progress/richten/ratings_revealed" {
                    self.mark(EV_RATINGS_REVEALED, now);
                }
            }
        }
    }

    fn events_from_view(&mut self, view: &Value, now: u64) {
        if let Some(phase) = view["current_phase"].as_u64() {
            for p in PHASE_BRAINSTORM..=phase.min(PHASE_RULES) {
                self.phase_event(p, now);
            }
        }
        let progress = &view["progress"]["richten"];
        if progress["dots_revealed"] == Value::Bool(true) {
            self.mark(EV_DOTS_REVEALED, now);
        }
        if progress["ratings_revealed"] == Value::Bool(true) {
            self.mark(EV_RATINGS_REVEALED, now);
        }
    }
}
