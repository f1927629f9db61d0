//! Convergence of the session actor under different deliveries: random intent scripts from four
//! participants, delivered in different interleavings, with resends of acknowledged intents and
//! with reconnects (resume token, unacknowledged intents resent), always end in the same views.
//!
//! Level: the real actor with a real SQLite store (on `/dev/shm` when there is one), set up by
//! the actor's test harness (`session/actor/harness.rs`) and driven through its mailbox exactly
//! as `ws.rs` drives it, but without sockets. This
//! covers what matters here — the order of commands in the mailbox, ticks, the applied-intent
//! table, resume tokens — and is fast enough for many cases. Over the wire the same paths are
//! covered by `tests/tests/crash.rs` (resends after a restart) and
//! `tests/tests/client_library.rs` (a dropped connection resumed, pending intents resent).
//!
//! What may differ between deliveries, and what may not. Intents of different participants
//! only commute when none can change the outcome of another's, so a case is a series of
//! *rounds*, and the facilitator's intents (which change the phase for everyone) are barriers
//! between rounds. Within a round a participant only refers to their own statements and rules,
//! or to items that existed when the round began (dots, ratings); their own order is kept, as a
//! real client keeps it. Statement and rule ids (`s<seq>`) and `seq` come from one counter in
//! the order intents arrive, so they legitimately depend on the interleaving: the comparison
//! renames every item to "the k-th item created by participant p" and drops `seq` (it only
//! orders items for display). Everything else must be equal: texts, levels, authors, hidden
//! flags, dots, ratings, support, progress counts, presence, and every participant's private
//! part.
//!
//! Duplicates: a participant sends an acknowledged intent id again; it must be acknowledged
//! again with the same created id (and a revision no lower than the first ack's), and never
//! applied twice (the reference run has no duplicates, so a second application shows as a
//! difference). Reconnects: a participant drops its connection, sometimes right after sending
//! an intent (its reply is lost), keeps working offline, then resumes with its token and resends
//! what was not acknowledged, in order, before anything new — as `client/src/connection.rs` and
//! the browser app do.
//!
//! Checked on every reply: an intent that the phase does not allow is refused with
//! `wrong_phase` (`input_locked` while locked), never applied; a dot over the budget is refused
//! with `budget_exhausted`. Checked on every private part: dots placed plus dots left equal the
//! budget, and no item carries more than the per-item limit.
//!
//! Why this file is long: the scripts, the client model that delivers them and the
//! normalised comparison are one argument, read together; the session setup is the shared
//! harness (`session/actor/harness.rs`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use draagvlak_protocol::view::{Level, MeView};
use draagvlak_protocol::{ErrorCode, Intent, JoinRequest, ParticipantId, ServerMessage, Splice};
use proptest::prelude::*;
use serde_json::Value;

use crate::config::Limits;
use crate::session::actor::Cmd;
use crate::session::actor::harness::{JOIN_CODE as CODE, REPLY_WITHIN, TestConn, TestSession};
use crate::session::template;

const PARTICIPANTS: usize = 4;
/// The `short` template: lobby, brainstorm (anonymous), vote (5 dots, at most 3 per item),
/// rules, summary.
const TEMPLATE: &str = "short";
const BUDGET: u32 = 5;
const PER_ITEM: u32 = 3;

/// The rounds of a case, each in one phase (or locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    Brainstorm,
    Vote,
    /// The vote phase with input locked by the facilitator.
    Locked,
    Propose,
    Rate,
}

const ROUNDS: [Round; 5] = [
    Round::Brainstorm,
    Round::Vote,
    Round::Locked,
    Round::Propose,
    Round::Rate,
];

/// One scripted intent; references are resolved when it is sent, from what the participant
/// knows then (its own created ids, and the items that existed when the round began).
#[derive(Debug, Clone)]
enum Act {
    Add(String),
    /// Edit own k-th statement.
    Edit(usize, u32, u32, String),
    /// Delete own k-th statement.
    Delete(usize),
    /// Dot on the k-th statement that existed when the round began.
    Dot(usize),
    Undot(usize),
    Propose(String),
    /// Edit own k-th rule.
    EditRule(usize, u32, u32, String),
    /// Rate the k-th rule that existed when the round began.
    Rate(usize, u8),
}

/// What a participant does next in a round.
#[derive(Debug, Clone)]
enum Ev {
    Send(Act),
    /// Send the k-th acknowledged intent of this participant again, with the same id.
    Dup(usize),
    /// Send the next act, then drop the connection before its reply arrives.
    SendAndDrop(Act),
    /// Drop the connection; what follows is queued until `Resume`.
    Drop,
    Resume,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z ]{1,10}",
        1 => Just("é😀 ß".to_string()),
        1 => Just(String::new()),
        1 => Just("x".repeat(1001)),
    ]
}

fn act(round: Round) -> BoxedStrategy<Act> {
    let splice = || (0u32..12, 0u32..4, text());
    let any_phase = prop_oneof![
        text().prop_map(Act::Add),
        (0usize..6).prop_map(Act::Dot),
        text().prop_map(Act::Propose),
    ];
    match round {
        Round::Brainstorm => prop_oneof![
            4 => text().prop_map(Act::Add),
            2 => (0usize..4, splice()).prop_map(|(k, (p, d, t))| Act::Edit(k, p, d, t)),
            1 => (0usize..4).prop_map(Act::Delete),
            1 => any_phase,
        ]
        .boxed(),
        Round::Vote | Round::Locked => prop_oneof![
            5 => (0usize..12).prop_map(Act::Dot),
            2 => (0usize..12).prop_map(Act::Undot),
            1 => any_phase,
        ]
        .boxed(),
        Round::Propose => prop_oneof![
            3 => text().prop_map(Act::Propose),
            2 => (0usize..3, splice()).prop_map(|(k, (p, d, t))| Act::EditRule(k, p, d, t)),
            1 => any_phase,
        ]
        .boxed(),
        // No edits while rating: a rule's text freezes with its first rating, so an edit and
        // another person's rating of the same rule do not commute (which one lands first
        // decides whether the edit is refused with `rule_frozen`).
        Round::Rate => prop_oneof![
            4 => (0usize..8, 0u8..7).prop_map(|(k, s)| Act::Rate(k, s)),
            1 => any_phase,
        ]
        .boxed(),
    }
}

fn ev(round: Round) -> impl Strategy<Value = Ev> {
    prop_oneof![
        10 => act(round).prop_map(Ev::Send),
        2 => (0usize..8).prop_map(Ev::Dup),
        1 => act(round).prop_map(Ev::SendAndDrop),
        1 => Just(Ev::Drop),
        1 => Just(Ev::Resume),
    ]
}

/// Per round, per participant, the events.
type Script = Vec<Vec<Vec<Ev>>>;

fn script() -> impl Strategy<Value = Script> {
    ROUNDS
        .iter()
        .map(|r| prop::collection::vec(prop::collection::vec(ev(*r), 0..8), PARTICIPANTS))
        .collect::<Vec<_>>()
}

/// The reference delivery: each participant in turn, no duplicates, no reconnects.
fn reference(script: &Script) -> Script {
    script
        .iter()
        .map(|round| {
            round
                .iter()
                .map(|evs| {
                    evs.iter()
                        .filter_map(|e| match e {
                            Ev::Send(a) | Ev::SendAndDrop(a) => Some(Ev::Send(a.clone())),
                            _ => None,
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// An interleaving that keeps each participant's own order: `choices[i] % (participants with
/// events left)` picks who goes next.
fn interleave(round: &[Vec<Ev>], choices: &[usize]) -> Vec<usize> {
    let mut left: Vec<usize> = round.iter().map(Vec::len).collect();
    let mut order = Vec::new();
    let mut c = choices.iter().cycle();
    while left.iter().any(|n| *n > 0) {
        let live: Vec<usize> = (0..left.len()).filter(|p| left[*p] > 0).collect();
        let pick = live[c.next().copied().unwrap_or(0) % live.len()];
        left[pick] -= 1;
        order.push(pick);
    }
    order
}

/// A participant as its client sees itself.
struct Client {
    pid: ParticipantId,
    token: String,
    conn: Option<TestConn>,
    /// Sent (or to send) and not acknowledged or refused yet, in order: the id, the act, and
    /// the intent once it was first sent (a resend sends the same intent again). An act queued
    /// offline is resolved when it is first sent, after the resends before it were answered, so
    /// that it refers to what the participant knows by then — as a person who sees their
    /// statement appear would.
    pending: Vec<(String, Act, Option<Intent>)>,
    /// Acknowledged ids with (rev, created), in the order acknowledged.
    acked: Vec<(String, u64, Option<String>)>,
    /// Ids of the statements and rules this participant created, in order.
    own_statements: Vec<String>,
    own_rules: Vec<String>,
    /// The highest revision seen.
    rev: u64,
    last_me: Option<MeView>,
    next_id: u32,
}

/// One delivery of a script against a fresh store and actor.
struct Run {
    session: TestSession,
    facilitator: TestConn,
    clients: Vec<Client>,
    /// Items that existed when the current round began (sorted by canonical name).
    statements_at_start: Vec<String>,
    rules_at_start: Vec<String>,
    round: Round,
}

/// Facilitator intent ids.
static NEXT: AtomicU64 = AtomicU64::new(1);

fn fail(message: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(message.to_string())
}

/// A connection that joined, and what its welcome and snapshot said.
struct Joined {
    conn: TestConn,
    participant: Option<ParticipantId>,
    resume_token: Option<String>,
    view: Value,
}

/// Join through the mailbox and read up to the snapshot.
async fn join(session: &TestSession, request: JoinRequest) -> Result<Joined, TestCaseError> {
    // Large enough that the actor never marks a test connection stale.
    let mut conn = TestConn::new(4096);
    session
        .join(&conn, request)
        .await
        .map_err(fail)?
        .map_err(|r| fail(format!("join refused: {r:?}")))?;
    // Welcome, snapshot (and `me`) follow.
    let (mut participant, mut resume_token) = (None, None);
    loop {
        match conn.next().await.map_err(fail)? {
            ServerMessage::Welcome {
                participant: p,
                resume_token: t,
                ..
            } => (participant, resume_token) = (p.map(|p| p.id), t),
            ServerMessage::Snapshot { view, .. } => {
                let view = serde_json::to_value(&view).map_err(fail)?;
                return Ok(Joined {
                    conn,
                    participant,
                    resume_token,
                    view,
                });
            }
            _ => {}
        }
    }
}

impl Run {
    async fn start() -> Result<Run, TestCaseError> {
        // A short coalescing interval: still exercised (replies wait for their delta), but
        // a case of many sequential intents does not wait 40 ms for each.
        let limits = Limits {
            min_delta_interval: Duration::from_millis(2),
            ..Limits::default()
        };
        let session = TestSession::start(TEMPLATE, limits).await.map_err(fail)?;
        let facilitator = join(&session, session.facilitator()).await?.conn;
        let mut run = Run {
            session,
            facilitator,
            clients: Vec::new(),
            statements_at_start: Vec::new(),
            rules_at_start: Vec::new(),
            round: Round::Brainstorm,
        };
        for p in 0..PARTICIPANTS {
            let joined = join(
                &run.session,
                JoinRequest::Participant {
                    code: CODE.into(),
                    name: format!("P{p}"),
                    group: template::DEFAULT_GROUPS[p % 2].to_string(),
                    device: None,
                },
            )
            .await?;
            run.clients.push(Client {
                pid: joined
                    .participant
                    .ok_or_else(|| fail("no participant id in welcome"))?,
                token: joined
                    .resume_token
                    .ok_or_else(|| fail("no resume token in welcome"))?,
                conn: Some(joined.conn),
                pending: Vec::new(),
                acked: Vec::new(),
                own_statements: Vec::new(),
                own_rules: Vec::new(),
                rev: 0,
                last_me: None,
                next_id: 0,
            });
        }
        // Lobby -> brainstorm.
        run.facilitate(Intent::NextPhase).await?;
        Ok(run)
    }

    /// A facilitator intent (a barrier): everything before it has been answered.
    async fn facilitate(&mut self, intent: Intent) -> Result<(), TestCaseError> {
        let id = format!("f{}", NEXT.fetch_add(1, Ordering::Relaxed));
        self.session
            .intent(self.facilitator.id, &id, intent.clone())
            .await
            .map_err(fail)?;
        loop {
            match self.facilitator.next().await.map_err(fail)? {
                ServerMessage::Ack { id: got, .. } if got == id => break,
                ServerMessage::Reject { id: got, code, .. } if got == id => {
                    return Err(fail(format!("facilitator {intent:?} refused: {code}")));
                }
                _ => {}
            }
        }
        self.drain_all()?;
        Ok(())
    }

    /// Read whatever is queued for every connection (so that none fills up).
    fn drain_all(&mut self) -> Result<(), TestCaseError> {
        while self.facilitator.rx.try_recv().is_ok() {}
        for p in 0..self.clients.len() {
            while let Some(conn) = &mut self.clients[p].conn {
                let Ok(frame) = conn.rx.try_recv() else { break };
                self.frame(p, &frame)?;
            }
        }
        Ok(())
    }

    /// Take note of one frame to participant `p`; returns a reply (id, result) if it is one.
    #[allow(clippy::type_complexity)]
    fn frame(
        &mut self,
        p: usize,
        frame: &str,
    ) -> Result<Option<(String, Result<(u64, Option<String>), ErrorCode>)>, TestCaseError> {
        let msg = serde_json::from_str::<ServerMessage>(frame).map_err(fail)?;
        let c = &mut self.clients[p];
        Ok(match msg {
            ServerMessage::Ack {
                id, rev, created, ..
            } => {
                c.rev = c.rev.max(rev);
                Some((id, Ok((rev, created))))
            }
            ServerMessage::Reject { id, code, .. } => Some((id, Err(code))),
            ServerMessage::Snapshot { rev, .. } | ServerMessage::Delta { rev, .. } => {
                c.rev = c.rev.max(rev);
                None
            }
            ServerMessage::Me { rev, me } => {
                c.rev = c.rev.max(rev);
                check_me(&me)?;
                c.last_me = Some(me);
                None
            }
            ServerMessage::Error { code, message } => {
                return Err(fail(format!("error to P{p}: {code} {message}")));
            }
            _ => None,
        })
    }

    /// Resolve an act into an intent from what participant `p` knows now.
    fn intent(&self, p: usize, act: &Act) -> Intent {
        let c = &self.clients[p];
        let own = |ids: &[String], k: usize| {
            if ids.is_empty() {
                "s999999".to_string()
            } else {
                ids[k % ids.len()].clone()
            }
        };
        let splice = |pos: u32, delete: u32, insert: &str| Splice {
            rev: c.rev,
            pos,
            delete,
            insert: insert.to_string(),
        };
        match act {
            Act::Add(t) => Intent::AddStatement { text: t.clone() },
            Act::Edit(k, pos, del, t) => Intent::EditStatement {
                statement: (own(&c.own_statements, *k)).into(),
                splice: splice(*pos, *del, t),
            },
            Act::Delete(k) => Intent::DeleteStatement {
                statement: (own(&c.own_statements, *k)).into(),
            },
            Act::Dot(k) => Intent::PlaceDot {
                statement: (own(&self.statements_at_start, *k)).into(),
            },
            Act::Undot(k) => Intent::RemoveDot {
                statement: (own(&self.statements_at_start, *k)).into(),
            },
            Act::Propose(t) => Intent::ProposeRule {
                text: t.clone(),
                anchors: Vec::new(),
            },
            Act::EditRule(k, pos, del, t) => Intent::EditRule {
                rule: (own(&c.own_rules, *k)).into(),
                splice: splice(*pos, *del, t),
            },
            Act::Rate(k, score) => Intent::RateRule {
                rule: (own(&self.rules_at_start, *k)).into(),
                score: *score,
                // The lowest two steps need a reason.
                reason: (*score <= 2).then(|| "te vaag".to_string()),
            },
        }
    }

    /// Send one intent of participant `p` and wait for its reply (unless `drop_after`).
    async fn send(
        &mut self,
        p: usize,
        id: String,
        act: &Act,
        drop_after: bool,
    ) -> Result<(), TestCaseError> {
        let Some(conn) = &self.clients[p].conn else {
            return Err(fail("send while offline"));
        };
        let conn = conn.id;
        let intent = match self.clients[p].pending.iter().find(|(i, ..)| *i == id) {
            Some((_, _, Some(sent))) => sent.clone(),
            _ => self.intent(p, act),
        };
        if let Some(entry) = self.clients[p].pending.iter_mut().find(|(i, ..)| *i == id) {
            entry.2 = Some(intent.clone());
        }
        self.session
            .intent(conn, &id, intent.clone())
            .await
            .map_err(fail)?;
        if drop_after {
            // The reply is lost with the connection; the client resends after resuming.
            self.drop_conn(p).await?;
            return Ok(());
        }
        let result = self.reply(p, &id).await?;
        self.clients[p].pending.retain(|(i, ..)| *i != id);
        self.check_reply(p, &intent, &result)?;
        if let Ok((rev, created)) = result {
            let c = &mut self.clients[p];
            if !c.acked.iter().any(|(i, ..)| *i == id) {
                match (&intent, &created) {
                    (Intent::AddStatement { .. }, Some(s)) => c.own_statements.push(s.clone()),
                    (Intent::ProposeRule { .. }, Some(r)) => c.own_rules.push(r.clone()),
                    _ => {}
                }
                c.acked.push((id, rev, created));
            }
        }
        Ok(())
    }

    async fn reply(
        &mut self,
        p: usize,
        id: &str,
    ) -> Result<Result<(u64, Option<String>), ErrorCode>, TestCaseError> {
        loop {
            let Some(conn) = &mut self.clients[p].conn else {
                return Err(fail("offline while waiting"));
            };
            let frame = tokio::time::timeout(REPLY_WITHIN, conn.rx.recv())
                .await
                .map_err(|_| fail(format!("no reply to {id}")))?
                .ok_or_else(|| fail("connection closed"))?;
            if let Some((got, result)) = self.frame(p, &frame)? {
                if got == id {
                    return Ok(result);
                }
                return Err(fail(format!("reply to {got} while waiting for {id}")));
            }
        }
    }

    /// Phase and lock rules, and the dot budget, seen from the replies.
    fn check_reply(
        &self,
        p: usize,
        intent: &Intent,
        result: &Result<(u64, Option<String>), ErrorCode>,
    ) -> Result<(), TestCaseError> {
        use draagvlak_protocol::intent::IntentKind as K;
        let allowed: &[K] = match self.round {
            Round::Brainstorm => &[K::AddStatement, K::EditStatement, K::DeleteStatement],
            Round::Vote | Round::Locked => &[K::PlaceDot, K::RemoveDot],
            Round::Propose | Round::Rate => &[K::ProposeRule, K::EditRule, K::RateRule],
        };
        if !allowed.contains(&intent.kind()) {
            prop_assert_eq!(
                result.as_ref().err(),
                Some(&ErrorCode::WrongPhase),
                "P{} {:?} in {:?}",
                p,
                intent,
                self.round
            );
        } else if self.round == Round::Locked {
            prop_assert_eq!(result.as_ref().err(), Some(&ErrorCode::InputLocked));
        }
        if let (Intent::PlaceDot { .. }, Err(ErrorCode::BudgetExhausted)) = (intent, result) {
            let used: u32 = self.clients[p]
                .last_me
                .as_ref()
                .map(|m| m.dots.values().sum())
                .unwrap_or(0);
            prop_assert_eq!(used, BUDGET, "refused a dot with budget left");
        }
        Ok(())
    }

    async fn drop_conn(&mut self, p: usize) -> Result<(), TestCaseError> {
        if let Some(conn) = self.clients[p].conn.take() {
            self.session
                .send(Cmd::Leave { conn: conn.id })
                .await
                .map_err(fail)?;
        }
        Ok(())
    }

    async fn resume(&mut self, p: usize) -> Result<(), TestCaseError> {
        if self.clients[p].conn.is_some() {
            return Ok(());
        }
        let token = self.clients[p].token.clone();
        let joined = join(
            &self.session,
            JoinRequest::Resume {
                code: CODE.into(),
                token,
            },
        )
        .await?;
        prop_assert_eq!(
            joined.participant.as_deref(),
            Some(self.clients[p].pid.as_str())
        );
        self.clients[p].conn = Some(joined.conn);
        // The snapshot's revision is the newest; then resend what is pending, in order.
        self.drain_all()?;
        let pending = self.clients[p].pending.clone();
        for (id, act, _) in pending {
            self.send(p, id, &act, false).await?;
        }
        Ok(())
    }

    async fn event(&mut self, p: usize, ev: &Ev) -> Result<(), TestCaseError> {
        match ev {
            Ev::Send(act) | Ev::SendAndDrop(act) => {
                let c = &mut self.clients[p];
                c.next_id += 1;
                let id = format!("i{}", c.next_id);
                c.pending.push((id.clone(), act.clone(), None));
                if self.clients[p].conn.is_some() {
                    let drop_after = matches!(ev, Ev::SendAndDrop(_));
                    self.send(p, id, act, drop_after).await?;
                }
            }
            Ev::Dup(k) => {
                let c = &self.clients[p];
                if c.conn.is_some() && !c.acked.is_empty() {
                    let (id, rev, created) = c.acked[k % c.acked.len()].clone();
                    let conn = c.conn.as_ref().map(|c| c.id).unwrap_or_default();
                    // The intent itself does not matter: the id is what makes it a resend.
                    let again = Intent::AddStatement {
                        text: "zou dubbel zijn".into(),
                    };
                    self.session.intent(conn, &id, again).await.map_err(fail)?;
                    let result = self.reply(p, &id).await?;
                    // The same created id; the revision is the audience's now, which already
                    // contains the change (it never goes back).
                    match result {
                        Ok((again, made)) => {
                            prop_assert_eq!(made, created, "resend of {}", id);
                            prop_assert!(again >= rev, "resend of {}: rev {} < {}", id, again, rev);
                        }
                        Err(code) => return Err(fail(format!("resend of {id} refused: {code:?}"))),
                    }
                }
            }
            Ev::Drop => self.drop_conn(p).await?,
            Ev::Resume => self.resume(p).await?,
        }
        self.drain_all()
    }

    /// Everyone back online with nothing pending; then note which items exist.
    async fn settle(&mut self) -> Result<(), TestCaseError> {
        for p in 0..self.clients.len() {
            self.resume(p).await?;
            prop_assert!(self.clients[p].pending.is_empty());
        }
        let (view, _) = self.snapshot(None).await?;
        let mut names = Names::default();
        names.learn(&self.clients);
        let sorted = |key: &str| -> Vec<String> {
            let mut ids: Vec<String> = view[key]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            ids.sort_by_key(|id| names.name(id));
            ids
        };
        self.statements_at_start = sorted("statements");
        self.rules_at_start = sorted("rules");
        Ok(())
    }

    /// A fresh snapshot for a new facilitator (None) or projector connection... or the view and
    /// private part of participant `p`.
    async fn snapshot(
        &mut self,
        p: Option<usize>,
    ) -> Result<(Value, Option<Value>), TestCaseError> {
        let Some(p) = p else {
            let join = self.session.facilitator();
            return Ok((self.fresh_view(join).await?, None));
        };
        let conn = self.clients[p]
            .conn
            .as_ref()
            .map(|c| c.id)
            .ok_or_else(|| fail("offline"))?;
        self.session.send(Cmd::Sync { conn }).await.map_err(fail)?;
        let mut view = None;
        loop {
            let Some(conn) = &mut self.clients[p].conn else {
                return Err(fail("offline"));
            };
            let frame = tokio::time::timeout(REPLY_WITHIN, conn.rx.recv())
                .await
                .map_err(|_| fail("no snapshot"))?
                .ok_or_else(|| fail("closed"))?;
            match serde_json::from_str::<ServerMessage>(&frame).map_err(fail)? {
                ServerMessage::Snapshot { view: v, .. } => {
                    view = Some(serde_json::to_value(&v).map_err(fail)?)
                }
                ServerMessage::Me { me, .. } if view.is_some() => {
                    check_me(&me)?;
                    let me = serde_json::to_value(&me).map_err(fail)?;
                    return Ok((view.unwrap_or_default(), Some(me)));
                }
                _ => {}
            }
        }
    }

    /// The view a new connection gets in its snapshot; the connection leaves again.
    async fn fresh_view(&mut self, join_as: JoinRequest) -> Result<Value, TestCaseError> {
        let joined = join(&self.session, join_as).await?;
        self.session
            .send(Cmd::Leave {
                conn: joined.conn.id,
            })
            .await
            .map_err(fail)?;
        Ok(joined.view)
    }

    /// Play a script; returns the normalised final views.
    async fn play(
        mut self,
        script: &Script,
        orders: &[Vec<usize>],
    ) -> Result<Value, TestCaseError> {
        for (r, round) in ROUNDS.iter().enumerate() {
            self.round = *round;
            match round {
                Round::Brainstorm => {}
                // Past the clustering, which this test leaves alone.
                Round::Vote => self.facilitate(Intent::GoToPhase { index: 3 }).await?,
                Round::Locked => self.facilitate(Intent::SetLocked { locked: true }).await?,
                Round::Propose => {
                    self.facilitate(Intent::SetLocked { locked: false }).await?;
                    self.facilitate(Intent::RevealVotes).await?;
                    self.facilitate(Intent::NextPhase).await?;
                }
                Round::Rate => {}
            }
            self.settle().await?;
            let mut next = [0usize; PARTICIPANTS];
            for p in interleave(&script[r], &orders[r]) {
                let ev = script[r][p][next[p]].clone();
                next[p] += 1;
                self.event(p, &ev).await?;
            }
            self.settle().await?;
        }
        self.facilitate(Intent::RevealVotes).await?;
        self.settle().await?;
        let result = self.normalised().await;
        self.finish().await;
        result
    }

    async fn normalised(&mut self) -> Result<Value, TestCaseError> {
        let mut names = Names::default();
        names.learn(&self.clients);
        let (facilitator, _) = self.snapshot(None).await?;
        let projector = self
            .fresh_view(JoinRequest::Projector { code: CODE.into() })
            .await?;
        let mut out = serde_json::Map::new();
        out.insert("facilitator".into(), names.normalise(facilitator));
        out.insert("projector".into(), names.normalise(projector));
        for p in 0..PARTICIPANTS {
            let (view, me) = self.snapshot(Some(p)).await?;
            out.insert(format!("P{p} view"), names.normalise(view));
            out.insert(format!("P{p} me"), names.normalise(me.unwrap_or_default()));
        }
        Ok(Value::Object(out))
    }

    async fn finish(self) {
        self.session.finish().await;
    }
}

/// The private part never breaks the budget or the per-item limit.
fn check_me(me: &MeView) -> Result<(), TestCaseError> {
    let placed: u32 = me.dots.values().sum();
    for n in me.dots.values() {
        prop_assert!(*n >= 1 && *n <= PER_ITEM, "per-item limit: {:?}", me.dots);
    }
    // Every statement is on the one level of the `short` template.
    let left = me.dots_left.get(&Level::Richten).copied().unwrap_or(0);
    prop_assert_eq!(placed + left, BUDGET, "dots placed plus left: {:?}", me);
    for score in me.ratings.values() {
        prop_assert!((1..=5).contains(score));
    }
    Ok(())
}

/// Canonical names for items: "P<p>.s<k>" for the k-th statement participant p created.
#[derive(Default)]
struct Names {
    names: HashMap<String, String>,
}

impl Names {
    fn learn(&mut self, clients: &[Client]) {
        for (p, c) in clients.iter().enumerate() {
            for (k, s) in c.own_statements.iter().enumerate() {
                self.names.insert(s.clone(), format!("P{p}.s{k}"));
            }
            for (k, r) in c.own_rules.iter().enumerate() {
                self.names.insert(r.clone(), format!("P{p}.r{k}"));
            }
        }
    }

    fn name(&self, id: &str) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("unknown {id}"))
    }

    /// Rename item ids wherever they occur as keys or values, and drop `seq`.
    fn normalise(&self, value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| k != "seq")
                    .map(|(k, v)| {
                        let k = self.names.get(&k).cloned().unwrap_or(k);
                        (k, self.normalise(v))
                    })
                    .collect::<serde_json::Map<_, _>>(),
            ),
            Value::Array(items) => {
                let mut items: Vec<Value> = items.into_iter().map(|v| self.normalise(v)).collect();
                // Lists of ids (a participant's statements) are in creation order; sort them.
                if items.iter().all(Value::is_string) {
                    items.sort_by_key(|v| v.as_str().map(str::to_string));
                }
                Value::Array(items)
            }
            Value::String(s) => Value::String(self.names.get(&s).cloned().unwrap_or(s)),
            other => other,
        }
    }
}

/// The first difference between two values, for a readable failure.
fn difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeMap<&String, ()> = x.keys().chain(y.keys()).map(|k| (k, ())).collect();
            keys.keys().find_map(|k| {
                let path = format!("{path}/{k}");
                match (x.get(*k), y.get(*k)) {
                    (Some(u), Some(v)) => difference(u, v, &path),
                    (u, v) => Some(format!("{path}: {u:?} vs {v:?}")),
                }
            })
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

fn orders() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(
        prop::collection::vec(0usize..PARTICIPANTS, 1..12),
        ROUNDS.len(),
    )
}

proptest! {
    // Each case plays its script three times (reference and two deliveries), each against a
    // fresh store; a case takes a tenth to a quarter of a second here.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn deliveries_in_any_order_with_resends_and_reconnects_end_in_the_same_views(
        script in script(),
        first in orders(),
        second in orders(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(fail)?;
        rt.block_on(async {
            let sequential: Vec<Vec<usize>> = vec![vec![0]; ROUNDS.len()];
            let expected = Run::start().await?.play(&reference(&script), &sequential).await?;
            for order in [&first, &second] {
                let got = Run::start().await?.play(&script, order).await?;
                if let Some(diff) = difference(&expected, &got, "") {
                    return Err(fail(format!("views differ at {diff}")));
                }
            }
            Ok(())
        })?;
    }
}
