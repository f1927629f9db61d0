//! An in-process harness for tests of the session actor: a real actor over a real store in a
//! fresh directory, driven through its mailbox as `ws.rs` drives it, with connection queues the
//! test owns and reads. No sockets, so a test controls exactly what is queued and when (how full
//! a queue is, which commands share a tick).
//!
//! It exists once so that the actor's tests share one way of setting up a session: the
//! coalescing test (`coalescing_tests.rs`), the convergence property test
//! (`session/proptests/convergence.rs`) and `tests/tests/backpressure.rs`, which reaches it
//! through the server's `test-support` feature.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use dashmap::DashMap;
use draagvlak_protocol::api::SessionStatus;
use draagvlak_protocol::{Intent, JoinRequest, ServerMessage};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::{ActorContext, CloseReason, Cmd, ConnId, ConnLink, SessionHandle};
use crate::config::Limits;
use crate::credentials;
use crate::session::Refusal;
use crate::session::new_session::NewSession;
use crate::session::workshop::{Meta, Workshop};
use crate::store::{Chunk, SessionRow, Store};

/// The session id of every test session (each has a store of its own).
pub const SESSION_ID: &str = "7e57000000000000000000000000e55e";
/// The join code of every test session.
pub const JOIN_CODE: &str = "TESTJN";

/// Connection ids, unique in the process.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// A session with its actor running, in a directory removed when it is dropped.
pub struct TestSession {
    pub handle: SessionHandle,
    pub store: Store,
    /// The facilitator secret.
    pub secret: String,
    shutdown: CancellationToken,
    actor: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

impl TestSession {
    /// A new session of `template` in a fresh store (on `/dev/shm` when there is one), its
    /// actor running with `limits`.
    pub async fn start(template: &str, limits: Limits) -> anyhow::Result<TestSession> {
        let dir = TempDir::new();
        let store = Store::open(&dir.0).await?;
        let mut workshop = new_workshop(template)?;
        let secret = credentials::new_secret();
        let meta = workshop.state().meta.clone();
        let row = SessionRow {
            id: meta.id,
            code: meta.code,
            title: meta.title,
            organisation: meta.organisation,
            language: meta.language,
            template: meta.template,
            status: SessionStatus::Open,
            facilitator_hash: credentials::hash_secret(&secret),
        };
        store
            .create_session(&row, &Chunk::first(&mut workshop))
            .await?;
        let shutdown = CancellationToken::new();
        let ctx = ActorContext {
            store: store.clone(),
            sessions: Arc::new(DashMap::new()),
            limits,
            idle: Duration::from_secs(3600),
            shutdown: shutdown.clone(),
            metrics: Default::default(),
        };
        let (handle, pending) = super::new(SESSION_ID, ctx);
        let actor = tokio::spawn(super::run(pending));
        Ok(TestSession {
            handle,
            store,
            secret,
            shutdown,
            actor,
            _dir: dir,
        })
    }

    /// The facilitator's join.
    pub fn facilitator(&self) -> JoinRequest {
        JoinRequest::Facilitator {
            code: JOIN_CODE.into(),
            secret: self.secret.clone(),
        }
    }

    /// Put a command in the mailbox.
    pub async fn send(&self, cmd: Cmd) -> anyhow::Result<()> {
        self.handle
            .send(cmd)
            .await
            .map_err(|_| anyhow!("the actor has stopped"))
    }

    /// Send intent `id` from connection `conn`.
    pub async fn intent(&self, conn: ConnId, id: &str, intent: Intent) -> anyhow::Result<()> {
        self.send(Cmd::Intent {
            conn,
            id: id.into(),
            intent,
            on_behalf_of: None,
        })
        .await
    }

    /// Join with `conn` and wait for the session's answer (not for the frames that follow).
    pub async fn join(
        &self,
        conn: &TestConn,
        request: JoinRequest,
    ) -> anyhow::Result<Result<(), Refusal>> {
        let (reply, answer) = oneshot::channel();
        self.send(Cmd::Join {
            conn: conn.link.clone(),
            request,
            reply,
        })
        .await?;
        tokio::time::timeout(REPLY_WITHIN, answer)
            .await
            .context("no answer to a join")?
            .context("the join's answer was dropped")
    }

    /// Shut the actor down as the server does, wait for it, close the store.
    pub async fn finish(self) {
        self.shutdown.cancel();
        let _ = self.actor.await;
        self.store.close().await;
    }
}

/// The document of a new test session of `template` (in the lobby, nobody joined yet).
pub fn new_workshop(template: &str) -> anyhow::Result<Workshop> {
    let meta = Meta {
        id: SESSION_ID.into(),
        code: JOIN_CODE.into(),
        title: "Test".into(),
        organisation: String::new(),
        language: "nl".into(),
        template: template.into(),
    };
    NewSession::from_template(meta)
        .and_then(NewSession::create)
        .map_err(|e| anyhow!("cannot create the session: {e}"))
}

/// How long a test waits for a frame or an answer (generous: the machine may be shared).
pub const REPLY_WITHIN: Duration = Duration::from_secs(20);

/// A connection whose queue the test reads.
pub struct TestConn {
    pub id: ConnId,
    pub rx: mpsc::Receiver<Arc<str>>,
    /// The close reason the actor gives, if it closes the connection.
    pub close: watch::Receiver<CloseReason>,
    link: ConnLink,
}

impl TestConn {
    /// A connection whose outbound queue holds `capacity` frames.
    pub fn new(capacity: usize) -> TestConn {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(capacity);
        let (close_tx, close) = watch::channel(None);
        TestConn {
            id,
            rx,
            close,
            link: ConnLink {
                id,
                tx,
                close: Arc::new(close_tx),
            },
        }
    }

    /// The next frame already queued, if any.
    pub fn try_next(&mut self) -> anyhow::Result<Option<ServerMessage>> {
        match self.rx.try_recv() {
            Ok(frame) => Ok(Some(parse(&frame)?)),
            Err(_) => Ok(None),
        }
    }

    /// The next frame, waiting for it at most [`REPLY_WITHIN`].
    pub async fn next(&mut self) -> anyhow::Result<ServerMessage> {
        let frame = tokio::time::timeout(REPLY_WITHIN, self.rx.recv())
            .await
            .context("no frame in time")?
            .context("the connection's queue was closed")?;
        parse(&frame)
    }
}

/// A frame as the client reads it.
pub fn parse(frame: &str) -> anyhow::Result<ServerMessage> {
    serde_json::from_str(frame).context("a frame that is not a server message")
}

/// A directory removed on drop (also when a test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        TempDir(base.join(format!(
            "draagvlak-actor-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
