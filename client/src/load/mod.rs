//! The load generator behind `draagvlak-load`: many participant connections playing a scripted
//! workshop against a server on this machine, with latencies, losses and final views measured.
//!
//! A run creates `sessions` sessions over HTTP, connects one facilitator per session (the
//! coordinator that steers the phases), then `participants` participants per session, spread over
//! several loopback source addresses. When everyone has joined, every session plays the script at
//! once:
//!
//! 1. `next_phase` to the brainstorm; `statements` statements are added within
//!    `brainstorm_secs`, each carrying a unique marker (`#LM<n>#`) in its text;
//! 2. `go_to_phase` to the vote (past the clustering); every participant places `dots` dots at random moments within
//!    `dot_window_secs`; the facilitator reveals them;
//! 3. `next_phase` to the rules; `rules` rules are proposed (with markers), then every
//!    participant rates `ratings` of them within `rating_window_secs`; the facilitator reveals
//!    them;
//! 4. every client checks its final view, then all disconnect.
//!
//! With `idle_secs` the script is replaced by holding the connections idle, to measure the
//! server's memory per connection.
//!
//! Measured: connect time; ack latency (send to ack); fan-out latency (from the ack at the
//! sender until every other client's view shows the change: statement and rule markers are found
//! by a substring scan of each raw frame, phase changes and reveals by reading the few deltas that
//! touch `current_phase` or `*_revealed`); deliveries versus expected; intents acked versus
//! scheduled; the server's CPU time and memory from `/proc`. To keep the load generator cheap,
//! only `full_views` clients per session (and the facilitators) apply every JSON Patch; the others
//! check that each delta's `base` is their revision. At the end the full clients compare their
//! view (and `me`) with a fresh snapshot, the others their revision with the snapshot's.
//!
//! [`run`] is the library entry point (used by the CI test); the binary adds the table and the JSON
//! file.
//!
//! Why this file is long: the load generator's one run: options, the coordinator of each session's
//! script, and the measuring; they share the run's state and are read in that order.

mod client;
mod failure;
mod flood;
pub mod report;
pub mod sys;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use clap::Parser;
use draagvlak_protocol::api::{CreateSession, SessionCreated};
use draagvlak_protocol::{ErrorCode, Intent};
use hdrhistogram::Histogram;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::Instant;

pub use report::Report;

use client::{ClientOutcome, ClientSpec, FacCmd, Role};
use failure::Failure;

/// The run's settings. Every flag can also be given as an environment variable.
#[derive(Clone, Debug, Parser, serde::Serialize)]
#[command(
    name = "draagvlak-load",
    version,
    about = "Load generator for a Draagvlak server on this machine: many participants play a scripted workshop; latencies, losses and final views are reported."
)]
pub struct Config {
    /// Base URL of the server. Only loopback addresses (127.0.0.0/8, ::1) are accepted.
    #[arg(
        long,
        env = "DRAAGVLAK_LOAD_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// Sessions to create and play at once.
    #[arg(long, env = "DRAAGVLAK_LOAD_SESSIONS", default_value_t = 1)]
    pub sessions: usize,
    /// Participants per session.
    #[arg(long, env = "DRAAGVLAK_LOAD_PARTICIPANTS", default_value_t = 100)]
    pub participants: usize,
    /// Loopback source addresses to spread connections over (127.0.0.2, 127.0.0.3, …); 0 picks
    /// one per 1,000 connections (127.0.0.1 alone for up to 1,000).
    #[arg(long, env = "DRAAGVLAK_LOAD_SOURCE_ADDRESSES", default_value_t = 0)]
    pub source_addresses: usize,
    /// New connections per second (0: as fast as `connect_concurrency` allows).
    #[arg(long, env = "DRAAGVLAK_LOAD_CONNECT_RATE", default_value_t = 1000)]
    pub connect_rate: u32,
    /// Connection handshakes (TCP, WebSocket, join) in flight at once.
    #[arg(long, env = "DRAAGVLAK_LOAD_CONNECT_CONCURRENCY", default_value_t = 64)]
    pub connect_concurrency: usize,
    /// Statements added per session during the brainstorm (by participants in turn).
    #[arg(long, env = "DRAAGVLAK_LOAD_STATEMENTS", default_value_t = 20)]
    pub statements: usize,
    /// Seconds over which the statements are added.
    #[arg(long, env = "DRAAGVLAK_LOAD_BRAINSTORM_SECS", default_value_t = 2.0)]
    pub brainstorm_secs: f64,
    /// Dots each participant places (at most the template's budget, 3).
    #[arg(long, env = "DRAAGVLAK_LOAD_DOTS", default_value_t = 3)]
    pub dots: u32,
    /// Seconds within which every participant places their dots (each dot at a random moment).
    #[arg(long, env = "DRAAGVLAK_LOAD_DOT_WINDOW_SECS", default_value_t = 10.0)]
    pub dot_window_secs: f64,
    /// Rules of thumb proposed per session.
    #[arg(long, env = "DRAAGVLAK_LOAD_RULES", default_value_t = 3)]
    pub rules: usize,
    /// Rules each participant rates (at most `rules`).
    #[arg(long, env = "DRAAGVLAK_LOAD_RATINGS", default_value_t = 1)]
    pub ratings: usize,
    /// Seconds within which every participant rates.
    #[arg(long, env = "DRAAGVLAK_LOAD_RATING_WINDOW_SECS", default_value_t = 5.0)]
    pub rating_window_secs: f64,
    /// Pause between the steps of the script, milliseconds.
    #[arg(long, env = "DRAAGVLAK_LOAD_PAUSE_MS", default_value_t = 300)]
    pub pause_ms: u64,
    /// Instead of the script: hold the connections idle this many seconds (memory per
    /// connection).
    #[arg(long, env = "DRAAGVLAK_LOAD_IDLE_SECS")]
    pub idle_secs: Option<f64>,
    /// With `idle_secs`: connect as projectors (read-only, no participant is created), to measure
    /// the cost of a connection alone.
    #[arg(long, env = "DRAAGVLAK_LOAD_IDLE_PROJECTORS")]
    pub idle_projectors: bool,
    /// Participants per session that apply every delta in full and compare their view with a
    /// fresh snapshot at the end (the facilitator always does). The others track revisions only.
    #[arg(long, env = "DRAAGVLAK_LOAD_FULL_VIEWS", default_value_t = 20)]
    pub full_views: usize,
    /// Longest wait for one step (all joined, all answered, a change seen by everyone), seconds.
    #[arg(
        long,
        env = "DRAAGVLAK_LOAD_STEP_TIMEOUT_SECS",
        default_value_t = 120.0
    )]
    pub step_timeout_secs: f64,
    /// The server's process id, to read its CPU time and memory from /proc.
    #[arg(long, env = "DRAAGVLAK_LOAD_SERVER_PID")]
    pub server_pid: Option<u32>,
    /// Write the report as JSON to this file.
    #[arg(long, env = "DRAAGVLAK_LOAD_JSON")]
    pub json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, env = "DRAAGVLAK_LOAD_QUIET")]
    pub quiet: bool,
    /// Also run a flooding client: this many malformed frames per second from its own
    /// connection (and loopback address) while the script plays (0: none). See `BENCHMARKS.md`,
    /// "Abuse".
    #[arg(long, env = "DRAAGVLAK_LOAD_FLOOD_RATE", default_value_t = 0)]
    pub flood_rate: u32,
    /// The flood stops after this many seconds (or when the script ends).
    #[arg(long, env = "DRAAGVLAK_LOAD_FLOOD_SECS", default_value_t = 30.0)]
    pub flood_secs: f64,
    /// After the server disconnects the flooder, connect again and go on flooding.
    #[arg(long, env = "DRAAGVLAK_LOAD_FLOOD_RECONNECT")]
    pub flood_reconnect: bool,
    /// Seed of the random choices (which statements get dots, when).
    #[arg(long, env = "DRAAGVLAK_LOAD_SEED", default_value_t = 1)]
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config::parse_from(["draagvlak-load"])
    }
}

/// The run could not be carried out at all (as opposed to a run that measured losses, which is a
/// [`Report`] whose `failures` are not empty).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid settings: {0}")]
    Config(String),
    #[error("cannot create a session: {0}")]
    CreateSession(String),
    #[error("the facilitator of session {session} cannot join: {reason}")]
    Facilitator { session: usize, reason: String },
}

/// Markers of the facilitator's steps, in every session: the first `EVENTS` marker numbers.
const EV_BRAINSTORM: u32 = 0;
const EV_VOTE: u32 = 1;
const EV_DOTS_REVEALED: u32 = 2;
const EV_RULES: u32 = 3;
const EV_RATINGS_REVEALED: u32 = 4;
const EVENTS: u32 = 5;
/// Phase indexes of the default template (`strategic-framework`), checked at the start.
/// (Phase 2 is the clustering of the first level, which the load run skips.)
const PHASE_BRAINSTORM: u64 = 1;
const PHASE_VOTE: u64 = 3;
const PHASE_RULES: u64 = 4;

/// What participants are asked to do now.
#[derive(Clone, Debug)]
pub(crate) enum Stage {
    Lobby,
    Brainstorm {
        start: Instant,
    },
    Vote {
        start: Instant,
        statements: Arc<Vec<String>>,
    },
    Propose {
        start: Instant,
    },
    Rate {
        start: Instant,
        rules: Arc<Vec<String>>,
    },
    Verify,
    Done,
}

/// One visible change: a statement, a rule, a phase change or a reveal.
#[derive(Debug, Default)]
pub(crate) struct Marker {
    /// When the sender got the ack, ns since the run started; `u64::MAX` until then.
    pub ack_ns: AtomicU64,
    /// When the sender sent the intent, ns since the run started.
    pub sent_ns: AtomicU64,
    /// Clients (other than the sender) whose view shows it.
    pub seen: AtomicU32,
    /// When the last of them saw it.
    pub last_seen_ns: AtomicU64,
}

/// What the clients of one session share.
#[derive(Debug)]
pub(crate) struct SessionShared {
    pub index: usize,
    pub code: String,
    pub stage: watch::Sender<Stage>,
    pub markers: Vec<Marker>,
    /// Participants that joined.
    pub connected: AtomicUsize,
    /// Participants that have taken in the current stage, intents they scheduled for it, and
    /// answers (acks and rejects) they received.
    pub reacted: AtomicUsize,
    pub scheduled: AtomicUsize,
    pub answered: AtomicUsize,
    /// Bytes of the deltas the participants (not the facilitator) received.
    pub participant_delta_bytes: AtomicU64,
    /// Created statements and rules: (marker, id).
    pub created_statements: Mutex<Vec<(u32, String)>>,
    pub created_rules: Mutex<Vec<(u32, String)>>,
    /// Dots and ratings acknowledged, compared with the revealed totals at the end.
    pub dots_acked: AtomicU64,
    pub ratings_acked: AtomicU64,
    /// Clients that finished the final check.
    pub verified: AtomicUsize,
    /// Participants whose connection ended early (an error is reported for each).
    pub dead: AtomicUsize,
    /// Revision of the public snapshot taken at the final check.
    pub public_rev: AtomicU64,
    /// Totals in the facilitator's final snapshot: dots over all statements, raters over all
    /// rules.
    pub dots_in_view: AtomicU64,
    pub raters_in_view: AtomicU64,
    pub failures: Mutex<Vec<String>>,
}

impl SessionShared {
    fn statement_marker(&self, k: usize) -> u32 {
        EVENTS + k as u32
    }

    fn fail(&self, what: String) {
        lock(&self.failures).push(format!("session {}: {what}", self.index));
    }
}

/// What every client of the run shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub start: std::time::Instant,
    pub config: Config,
    pub connected: AtomicUsize,
    pub connect_failed: AtomicUsize,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub rejected: AtomicU64,
    pub scheduled: AtomicU64,
    pub stage_name: Mutex<&'static str>,
    pub connect: Mutex<Histogram<u64>>,
    pub ack: Mutex<Histogram<u64>>,
    pub facilitator_ack: Mutex<Histogram<u64>>,
    pub reject_codes: Mutex<std::collections::BTreeMap<String, u64>>,
    pub errors: Mutex<Vec<String>>,
    pub stopping: AtomicBool,
    /// How long each participant stage of session 0 took, with its intents.
    pub stages: Mutex<Vec<report::StageTiming>>,
    /// Delta bytes per participant and statement in session 0's statement burst.
    pub statement_burst: Mutex<Option<report::Burst>>,
}

impl Shared {
    pub(crate) fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    pub(crate) fn error(&self, e: String) {
        let mut errors = lock(&self.errors);
        if errors.len() < 1000 {
            errors.push(e);
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The server's socket address from its URL; refused unless it is a loopback address.
fn target(server: &str) -> Result<(SocketAddr, String), LoadError> {
    let ws = crate::http::ws_url(server).map_err(|e| LoadError::Config(e.to_string()))?;
    let authority = ws
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .ok_or_else(|| LoadError::Config(format!("no host in {server}")))?;
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| LoadError::Config(format!("cannot resolve {authority}: {e}")))?
        .find(|a| a.ip().is_loopback())
        .ok_or_else(|| {
            LoadError::Config(format!(
                "{authority} is not a loopback address: the load generator only targets this machine"
            ))
        })?;
    Ok((addr, ws))
}

fn validate(c: &Config) -> Result<(), LoadError> {
    let bad = |m: &str| Err(LoadError::Config(m.to_string()));
    if c.sessions == 0 || c.participants == 0 {
        return bad("--sessions and --participants must be at least 1");
    }
    if c.dots > 3 {
        return bad("--dots must be at most 3 (the template's budget)");
    }
    if c.dots > 0 && c.statements == 0 {
        return bad("placing dots needs --statements of at least 1");
    }
    if c.dots as usize > 2 * c.statements {
        return bad("--dots must be at most twice --statements (2 dots per statement at most)");
    }
    if c.statements > 200 * c.participants {
        return bad("at most 200 statements per participant");
    }
    if c.rules > 500 {
        return bad("at most 500 rules per session");
    }
    if c.ratings > c.rules {
        return bad("--ratings must be at most --rules");
    }
    for w in [c.brainstorm_secs, c.dot_window_secs, c.rating_window_secs] {
        if !(0.0..=3600.0).contains(&w) {
            return bad("windows are 0 to 3600 seconds");
        }
    }
    if c.source_addresses > 250 {
        return bad("--source-addresses is at most 250");
    }
    if c.flood_rate > 100_000 || !(0.0..=3600.0).contains(&c.flood_secs) {
        return bad("--flood-rate is at most 100000 and --flood-secs 0 to 3600");
    }
    Ok(())
}

/// Play the workload described by `config` and report what happened. Errors only when the run
/// could not start; losses and differing views are in [`Report::failures`].
pub async fn run(config: Config) -> Result<Report, LoadError> {
    validate(&config)?;
    let (addr, ws_url) = target(&config.server)?;
    let total = config.sessions * config.participants;
    let sources = match config.source_addresses {
        0 => total.div_ceil(1000).max(1),
        n => n,
    };
    if let Some(limit) = sys::open_file_limit()
        && (limit as usize) < total + config.sessions + 64
    {
        return Err(LoadError::Config(format!(
            "{total} connections need more open files than this process may have ({limit}); raise it with `ulimit -n` (at most `ulimit -Hn`)"
        )));
    }
    let source_ips: Vec<Option<IpAddr>> = if sources <= 1 {
        vec![None]
    } else {
        (0..sources)
            .map(|i| Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + i as u8))))
            .collect()
    };
    let ticks = sys::clock_ticks();
    let shared = Arc::new(Shared {
        start: std::time::Instant::now(),
        config: config.clone(),
        connected: AtomicUsize::new(0),
        connect_failed: AtomicUsize::new(0),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
        scheduled: AtomicU64::new(0),
        stage_name: Mutex::new("create sessions"),
        connect: Mutex::new(report::histogram()),
        ack: Mutex::new(report::histogram()),
        facilitator_ack: Mutex::new(report::histogram()),
        reject_codes: Mutex::new(Default::default()),
        errors: Mutex::new(Vec::new()),
        stopping: AtomicBool::new(false),
        stages: Mutex::new(Vec::new()),
        statement_burst: Mutex::new(None),
    });
    let server_start = config.server_pid.and_then(|p| sys::sample(p, ticks));
    let client_start = sys::sample(std::process::id(), ticks);
    let peak_rss = Arc::new(AtomicU64::new(server_start.map(|s| s.rss_kib).unwrap_or(0)));
    let client_peak = Arc::new(AtomicU64::new(0));

    // Progress bar and /proc sampling.
    let bar = if config.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let ticker = {
        let shared = shared.clone();
        let bar = bar.clone();
        let peak = peak_rss.clone();
        let client_peak = client_peak.clone();
        let pid = config.server_pid;
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(200));
            loop {
                every.tick().await;
                if let Some(s) = pid.and_then(|p| sys::sample(p, ticks)) {
                    peak.fetch_max(s.rss_kib, Ordering::Relaxed);
                }
                if let Some(s) = sys::sample(std::process::id(), ticks) {
                    client_peak.fetch_max(s.rss_kib, Ordering::Relaxed);
                }
                let stage = *lock(&shared.stage_name);
                let connected = shared.connected.load(Ordering::Relaxed) as u64;
                let total = (shared.config.sessions * shared.config.participants) as u64;
                if connected < total && stage == "connect" {
                    bar.set_length(total);
                    bar.set_position(connected);
                    bar.set_message("connected");
                } else {
                    let answered = shared.acked.load(Ordering::Relaxed)
                        + shared.rejected.load(Ordering::Relaxed);
                    bar.set_length(shared.scheduled.load(Ordering::Relaxed).max(answered));
                    bar.set_position(answered);
                    bar.set_message(format!("intents answered · {stage}"));
                }
                if shared.stopping.load(Ordering::Relaxed) {
                    return;
                }
            }
        })
    };

    // Sessions.
    let mut sessions = Vec::new();
    for index in 0..config.sessions {
        let created = create_session(&config.server, index).await?;
        let markers = (0..(EVENTS as usize + config.statements + config.rules))
            .map(|_| Marker {
                ack_ns: AtomicU64::new(u64::MAX),
                ..Marker::default()
            })
            .collect();
        let sess = Arc::new(SessionShared {
            index,
            code: created.code.clone(),
            stage: watch::channel(Stage::Lobby).0,
            markers,
            connected: AtomicUsize::new(0),
            reacted: AtomicUsize::new(0),
            scheduled: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            participant_delta_bytes: AtomicU64::new(0),
            created_statements: Mutex::new(Vec::new()),
            created_rules: Mutex::new(Vec::new()),
            dots_acked: AtomicU64::new(0),
            ratings_acked: AtomicU64::new(0),
            verified: AtomicUsize::new(0),
            dead: AtomicUsize::new(0),
            public_rev: AtomicU64::new(0),
            dots_in_view: AtomicU64::new(0),
            raters_in_view: AtomicU64::new(0),
            failures: Mutex::new(Vec::new()),
        });
        sessions.push((sess, created.facilitator_secret));
    }

    // Facilitators first: they see everything from the start.
    let mut facilitators = Vec::new();
    let mut handles = Vec::new();
    for (sess, secret) in &sessions {
        let (tx, rx) = mpsc::channel::<FacCmd>(4);
        let spec = ClientSpec {
            shared: shared.clone(),
            session: sess.clone(),
            index: usize::MAX,
            role: Role::Facilitator {
                secret: secret.clone(),
                commands: rx,
            },
            full_view: true,
            source: source_ips[0],
            addr,
            url: ws_url.clone(),
        };
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        handles.push(tokio::spawn(client::run(spec, Some(ready_tx))));
        match ready_rx.await {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => {
                return Err(LoadError::Facilitator {
                    session: sess.index,
                    reason: reason.to_string(),
                });
            }
            Err(_) => {
                return Err(LoadError::Facilitator {
                    session: sess.index,
                    reason: "the connection task ended".into(),
                });
            }
        }
        facilitators.push(tx);
    }

    // Participants, interleaved over sessions, paced.
    *lock(&shared.stage_name) = "connect";
    let rss_before = config.server_pid.and_then(|p| sys::sample(p, ticks));
    let client_rss_before = sys::sample(std::process::id(), ticks);
    let connect_started = Instant::now();
    let gate = Arc::new(Semaphore::new(config.connect_concurrency.max(1)));
    let mut pace = (config.connect_rate > 0).then(|| {
        let mut i = tokio::time::interval(Duration::from_secs_f64(
            1.0 / f64::from(config.connect_rate),
        ));
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        i
    });
    let mut n = 0usize;
    for i in 0..config.participants {
        for (sess, _) in &sessions {
            if let Some(p) = &mut pace {
                p.tick().await;
            }
            let permit = match gate.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => break,
            };
            let spec = ClientSpec {
                shared: shared.clone(),
                session: sess.clone(),
                index: i,
                role: if config.idle_secs.is_some() && config.idle_projectors {
                    Role::Projector {
                        permit: Some(permit),
                    }
                } else {
                    Role::Participant {
                        name: format!("load-{}-{i}", sess.index),
                        group: if i % 2 == 0 { "ict" } else { "business" }.into(),
                        permit: Some(permit),
                    }
                },
                full_view: i < config.full_views.max(1),
                source: source_ips[n % source_ips.len()],
                addr,
                url: ws_url.clone(),
            };
            n += 1;
            handles.push(tokio::spawn(client::run(spec, None)));
        }
    }
    let step_timeout = Duration::from_secs_f64(config.step_timeout_secs);
    let all_joined = wait_until(step_timeout, || {
        shared.connected.load(Ordering::Relaxed) + shared.connect_failed.load(Ordering::Relaxed)
            >= total
    })
    .await;
    let connect_phase_secs = connect_started.elapsed().as_secs_f64();
    let mut run_failures = Vec::new();
    if !all_joined {
        run_failures.push(format!(
            "only {} of {total} participants joined within {:.0} s",
            shared.connected.load(Ordering::Relaxed),
            config.step_timeout_secs
        ));
    }
    let failed = shared.connect_failed.load(Ordering::Relaxed);
    if failed > 0 {
        run_failures.push(format!("{failed} participants could not connect or join"));
    }

    // The script (or the idle hold), every session at once.
    let mut idle = None;
    if let Some(secs) = config.idle_secs {
        *lock(&shared.stage_name) = "idle";
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = config.server_pid.and_then(|p| sys::sample(p, ticks));
        let client_after = sys::sample(std::process::id(), ticks);
        let connections = shared.connected.load(Ordering::Relaxed) as u64;
        let per = |a: Option<sys::ProcSample>, b: Option<sys::ProcSample>| match (a, b) {
            (Some(a), Some(b)) if connections > 0 => {
                Some(a.rss_kib.saturating_sub(b.rss_kib) * 1024 / connections)
            }
            _ => None,
        };
        idle = Some(report::Idle {
            connections,
            held_secs: secs,
            rss_before_kib: rss_before.map(|s| s.rss_kib),
            rss_after_kib: after.map(|s| s.rss_kib),
            bytes_per_connection: per(after, rss_before),
            client_bytes_per_connection: per(client_after, client_rss_before),
        });
        tokio::time::sleep(Duration::from_secs_f64((secs - 2.0).max(0.0))).await;
    }
    *lock(&shared.stage_name) = "script";
    // The flooder starts with the script, from its own address (the last of 127.0.0.0/8 that
    // the participants do not use), and stops when the script ends at the latest.
    let flood_stop = Arc::new(AtomicBool::new(false));
    let flooder = (config.flood_rate > 0).then(|| {
        let spec = flood::FloodSpec {
            addr,
            url: ws_url.clone(),
            source: addr
                .is_ipv4()
                .then_some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 254))),
            rate: config.flood_rate,
            duration: Duration::from_secs_f64(config.flood_secs),
            reconnect: config.flood_reconnect,
        };
        tokio::spawn(flood::run(spec, flood_stop.clone()))
    });
    let mut coordinators = Vec::new();
    for ((sess, _), fac) in sessions.iter().zip(facilitators) {
        coordinators.push(tokio::spawn(coordinate(
            shared.clone(),
            sess.clone(),
            fac,
            config.idle_secs.is_some(),
        )));
    }
    for c in coordinators {
        if let Err(e) = c.await {
            run_failures.push(format!("a coordinator task failed: {e}"));
        }
    }
    flood_stop.store(true, Ordering::Relaxed);
    let flood = match flooder {
        Some(f) => match f.await {
            Ok(report) => Some(report),
            Err(e) => {
                run_failures.push(format!("the flooding task failed: {e}"));
                None
            }
        },
        None => None,
    };
    *lock(&shared.stage_name) = "close";
    let mut outcomes: Vec<ClientOutcome> = Vec::new();
    for h in handles {
        match h.await {
            Ok(o) => outcomes.push(o),
            Err(e) => run_failures.push(format!("a client task failed: {e}")),
        }
    }
    shared.stopping.store(true, Ordering::Relaxed);
    let _ = ticker.await;
    bar.finish_and_clear();

    // The report.
    let server_end = config.server_pid.and_then(|p| sys::sample(p, ticks));
    let client_end = sys::sample(std::process::id(), ticks);
    let mut report = Report {
        sessions: config.sessions as u64,
        participants_per_session: config.participants as u64,
        connected: shared.connected.load(Ordering::Relaxed) as u64,
        source_addresses: source_ips.len() as u64,
        duration_secs: shared.start.elapsed().as_secs_f64(),
        connect_phase_secs,
        connect: report::Latency::from_histogram(&lock(&shared.connect)),
        ack: report::Latency::from_histogram(&lock(&shared.ack)),
        facilitator_ack: report::Latency::from_histogram(&lock(&shared.facilitator_ack)),
        idle,
        flood,
        stages: lock(&shared.stages).clone(),
        statement_burst: lock(&shared.statement_burst).clone(),
        ..Report::default()
    };
    report.server = report::ServerFigures {
        pid: config.server_pid,
        cpu_secs: match (server_start, server_end) {
            (Some(a), Some(b)) => Some(((b.cpu_secs - a.cpu_secs) * 100.0).round() / 100.0),
            _ => None,
        },
        peak_rss_kib: server_end.map(|e| peak_rss.load(Ordering::Relaxed).max(e.rss_kib)),
        hwm_kib: server_end.map(|e| e.hwm_kib),
        rss_start_kib: server_start.map(|s| s.rss_kib),
        rss_end_kib: server_end.map(|s| s.rss_kib),
    };
    report.client_cpu_secs = match (client_start, client_end) {
        (Some(a), Some(b)) => Some(((b.cpu_secs - a.cpu_secs) * 100.0).round() / 100.0),
        _ => None,
    };
    report.client_peak_rss_kib =
        client_end.map(|e| client_peak.load(Ordering::Relaxed).max(e.rss_kib));

    // Intents.
    let sent = shared.sent.load(Ordering::Relaxed);
    let acked = shared.acked.load(Ordering::Relaxed);
    let rejected = shared.rejected.load(Ordering::Relaxed);
    let expected = shared.scheduled.load(Ordering::Relaxed);
    report.intents = report::Intents {
        expected,
        sent,
        acked,
        rejected,
        lost: expected.saturating_sub(acked + rejected),
        reject_codes: lock(&shared.reject_codes).clone(),
    };
    if report.intents.lost > 0 {
        run_failures.push(format!(
            "{} intents were never answered",
            report.intents.lost
        ));
    }
    if rejected > 0 {
        run_failures.push(format!(
            "{rejected} intents were rejected: {:?}",
            report.intents.reject_codes
        ));
    }

    // Fan-out, from the markers and the clients' deliveries.
    let mut items = report::histogram();
    let mut events = report::histogram();
    let mut items_send = report::histogram();
    let mut events_send = report::histogram();
    let mut deliveries = report::histogram();
    let mut d = report::Deliveries::default();
    for (sess, _) in &sessions {
        let receivers = sess.connected.load(Ordering::Relaxed) as u64;
        for (m, marker) in sess.markers.iter().enumerate() {
            let ack = marker.ack_ns.load(Ordering::Relaxed);
            if ack == u64::MAX || config.idle_secs.is_some() {
                continue; // never applied (its intent was not sent or refused)
            }
            d.markers += 1;
            d.expected += receivers;
            let seen = u64::from(marker.seen.load(Ordering::Relaxed));
            d.seen += seen;
            if seen < receivers {
                d.incomplete += 1;
                sess.fail(format!(
                    "change #{m} reached {seen} of {receivers} other clients"
                ));
                continue;
            }
            let last = marker.last_seen_ns.load(Ordering::Relaxed);
            let us = last.saturating_sub(ack) / 1000;
            let from_send = last.saturating_sub(marker.sent_ns.load(Ordering::Relaxed)) / 1000;
            if (m as u32) < EVENTS {
                report::record(&mut events, us);
                report::record(&mut events_send, from_send);
            } else {
                report::record(&mut items, us);
                report::record(&mut items_send, from_send);
            }
        }
    }
    let mut views = report::Views::default();
    for o in &outcomes {
        if let Some(e) = &o.error {
            run_failures.push(e.clone());
        }
        let sess = &sessions[o.session].0;
        for (m, ns) in &o.deliveries {
            let ack = sess.markers[*m as usize].ack_ns.load(Ordering::Relaxed);
            if ack != u64::MAX {
                report::record(&mut deliveries, ns.saturating_sub(ack) / 1000);
            }
        }
        report.frames_received += o.frames;
        report.deltas_received += o.deltas;
        report.bytes_received += o.bytes;
        report.delta_bytes_received += o.delta_bytes;
        views.gaps += o.gaps;
        views.resyncs += o.resyncs;
        match &o.check {
            client::Check::Full(Ok(())) => views.compared_full += 1,
            client::Check::Full(Err(e)) => {
                views.compared_full += 1;
                views.mismatched += 1;
                sess.fail(e.to_string());
            }
            client::Check::Revision(rev) => {
                views.compared_revision += 1;
                let want = sess.public_rev.load(Ordering::Relaxed);
                if *rev != want {
                    views.mismatched += 1;
                    sess.fail(format!(
                        "participant {} ended at revision {rev}, the snapshot is at {want}",
                        o.index
                    ));
                }
            }
            client::Check::None => {}
        }
    }
    d.expected = d.expected.max(d.seen);
    report.deliveries = d;
    report.views = views;
    report.fanout_items = report::Latency::from_histogram(&items);
    report.fanout_events = report::Latency::from_histogram(&events);
    report.visible_items = report::Latency::from_histogram(&items_send);
    report.visible_events = report::Latency::from_histogram(&events_send);
    report.fanout_deliveries = report::Latency::from_histogram(&deliveries);

    // Totals in the revealed views against what was acknowledged.
    if config.idle_secs.is_none() {
        for (sess, _) in &sessions {
            let dots = sess.dots_acked.load(Ordering::Relaxed);
            let in_view = sess.dots_in_view.load(Ordering::Relaxed);
            if dots != in_view {
                sess.fail(format!(
                    "{dots} dots acknowledged, {in_view} in the revealed view"
                ));
            }
            let ratings = sess.ratings_acked.load(Ordering::Relaxed);
            let raters = sess.raters_in_view.load(Ordering::Relaxed);
            if ratings != raters {
                sess.fail(format!(
                    "{ratings} ratings acknowledged, {raters} raters in the view"
                ));
            }
        }
    }
    for (sess, _) in &sessions {
        run_failures.extend(lock(&sess.failures).drain(..));
    }
    let errors = lock(&shared.errors).clone();
    run_failures.extend(errors);
    report.failures = run_failures;
    Ok(report)
}

/// Create a session; when the server's creation rate limit answers `rate_limited`, wait and try
/// again (for up to a minute: the server's burst is 20 sessions, then one per
/// `3600 / --sessions-per-hour` seconds).
async fn create_session(server: &str, index: usize) -> Result<SessionCreated, LoadError> {
    let request = CreateSession {
        title: format!("Load test {index}"),
        organisation: "draagvlak-load".into(),
        place: String::new(),
        language: "nl".into(),
        template: "strategic-framework".into(),
        agenda: None,
        follows: None,
        groups: None,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match crate::http::create_session(server, &request).await {
            Ok(created) => return Ok(created),
            Err(e) if e.code() == Some(ErrorCode::RateLimited) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(LoadError::CreateSession(e.to_string())),
        }
    }
}

/// Poll `cond` every 10 ms until it holds or `timeout` passes; returns whether it held.
async fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Send a facilitator intent through its connection task; returns the created id, if any.
async fn facilitator(
    fac: &mpsc::Sender<FacCmd>,
    intent: Intent,
    marker: Option<u32>,
) -> Result<Option<String>, Failure> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    fac.send(FacCmd::Intent {
        intent,
        marker,
        reply,
    })
    .await
    .map_err(|_| Failure::FacilitatorGone)?;
    answer.await.map_err(|_| Failure::FacilitatorGone)?
}

/// Steer one session through the script, then have every client check its view and close.
async fn coordinate(
    shared: Arc<Shared>,
    sess: Arc<SessionShared>,
    fac: mpsc::Sender<FacCmd>,
    idle: bool,
) {
    let c = &shared.config;
    let timeout = Duration::from_secs_f64(c.step_timeout_secs);
    let pause = Duration::from_millis(c.pause_ms);
    let receivers = sess.connected.load(Ordering::Relaxed);
    if !idle && let Err(e) = script(&shared, &sess, &fac, receivers, timeout, pause).await {
        sess.fail(e.to_string());
    }
    // The final check: everyone compares, then everyone closes.
    tokio::time::sleep(pause).await;
    sess.stage.send_replace(Stage::Verify);
    if !wait_until(timeout, || {
        sess.verified.load(Ordering::Relaxed) > receivers
    })
    .await
    {
        sess.fail(format!(
            "only {} of {} clients finished the final check",
            sess.verified.load(Ordering::Relaxed),
            receivers + 1
        ));
    }
    sess.stage.send_replace(Stage::Done);
}

/// Publish a stage and wait until every participant has taken it in and every intent it
/// scheduled is answered.
async fn stage_and_wait(
    shared: &Shared,
    sess: &SessionShared,
    stage: Stage,
    receivers: usize,
    timeout: Duration,
    what: &str,
) -> Result<(), Failure> {
    sess.reacted.store(0, Ordering::SeqCst);
    sess.scheduled.store(0, Ordering::SeqCst);
    sess.answered.store(0, Ordering::SeqCst);
    let started = Instant::now();
    sess.stage.send_replace(stage);
    let done = wait_until(timeout, || {
        sess.reacted.load(Ordering::SeqCst) + sess.dead.load(Ordering::SeqCst) >= receivers
            && sess.answered.load(Ordering::SeqCst) >= sess.scheduled.load(Ordering::SeqCst)
    })
    .await;
    if sess.index == 0 {
        let intents = sess.scheduled.load(Ordering::SeqCst) as u64;
        let secs = started.elapsed().as_secs_f64();
        lock(&shared.stages).push(report::StageTiming {
            stage: what.to_string(),
            secs,
            intents,
            intents_per_sec: if secs > 0.0 {
                intents as f64 / secs
            } else {
                0.0
            },
        });
    }
    if done {
        Ok(())
    } else {
        Err(Failure::Mismatch(format!(
            "{what}: {} of {} intents answered, {} of {receivers} participants started, within {:.0} s",
            sess.answered.load(Ordering::SeqCst),
            sess.scheduled.load(Ordering::SeqCst),
            sess.reacted.load(Ordering::SeqCst),
            timeout.as_secs_f64()
        )))
    }
}

/// Wait until every marker in `range` that was acknowledged has reached every other client.
async fn fanned_out(
    sess: &SessionShared,
    range: std::ops::Range<u32>,
    receivers: usize,
    timeout: Duration,
) {
    let complete = wait_until(timeout, || {
        range.clone().all(|m| {
            let marker = &sess.markers[m as usize];
            marker.ack_ns.load(Ordering::Relaxed) == u64::MAX
                || marker.seen.load(Ordering::Relaxed) as usize + sess.dead.load(Ordering::Relaxed)
                    >= receivers
        })
    })
    .await;
    if !complete {
        // Counted (and reported) from the markers at the end.
        tracing::warn!(
            session = sess.index,
            "fan-out incomplete after the step timeout"
        );
    }
}

async fn script(
    shared: &Shared,
    sess: &SessionShared,
    fac: &mpsc::Sender<FacCmd>,
    receivers: usize,
    timeout: Duration,
    pause: Duration,
) -> Result<(), Failure> {
    let c = &shared.config;
    let step = |name: &'static str| *lock(&shared.stage_name) = name;
    let statements = sess.statement_marker(0)..sess.statement_marker(c.statements);
    let rules = statements.end..statements.end + c.rules as u32;

    // Brainstorm.
    step("brainstorm");
    facilitator(fac, Intent::NextPhase, Some(EV_BRAINSTORM)).await?;
    fanned_out(sess, EV_BRAINSTORM..EV_BRAINSTORM + 1, receivers, timeout).await;
    let bytes_before = sess.participant_delta_bytes.load(Ordering::SeqCst);
    stage_and_wait(
        shared,
        sess,
        Stage::Brainstorm {
            start: Instant::now(),
        },
        receivers,
        timeout,
        "brainstorm",
    )
    .await?;
    fanned_out(sess, statements.clone(), receivers, timeout).await;
    if sess.index == 0 && c.statements > 0 && receivers > 0 {
        // What the statement burst cost each phone on the wire: every delta a participant
        // received from the brainstorm's start until everyone saw the last statement.
        let bytes = sess.participant_delta_bytes.load(Ordering::SeqCst) - bytes_before;
        let per_participant = bytes as f64 / receivers as f64;
        *lock(&shared.statement_burst) = Some(report::Burst {
            statements: c.statements as u64,
            delta_bytes_per_participant: per_participant.round() as u64,
            bytes_per_statement: per_participant / c.statements as f64,
        });
    }
    tokio::time::sleep(pause).await;

    // Vote and reveal.
    step("vote");
    facilitator(
        fac,
        Intent::GoToPhase {
            index: PHASE_VOTE as u32,
        },
        Some(EV_VOTE),
    )
    .await?;
    fanned_out(sess, EV_VOTE..EV_VOTE + 1, receivers, timeout).await;
    let mut ids = lock(&sess.created_statements).clone();
    ids.sort();
    let ids: Arc<Vec<String>> = Arc::new(ids.into_iter().map(|(_, id)| id).collect());
    if c.dots > 0 && !ids.is_empty() {
        stage_and_wait(
            shared,
            sess,
            Stage::Vote {
                start: Instant::now(),
                statements: ids,
            },
            receivers,
            timeout,
            "vote",
        )
        .await?;
    }
    tokio::time::sleep(pause).await;
    facilitator(fac, Intent::RevealVotes, Some(EV_DOTS_REVEALED)).await?;
    fanned_out(
        sess,
        EV_DOTS_REVEALED..EV_DOTS_REVEALED + 1,
        receivers,
        timeout,
    )
    .await;
    tokio::time::sleep(pause).await;

    // Rules: propose, rate, reveal.
    step("rules");
    facilitator(fac, Intent::NextPhase, Some(EV_RULES)).await?;
    fanned_out(sess, EV_RULES..EV_RULES + 1, receivers, timeout).await;
    if c.rules > 0 {
        stage_and_wait(
            shared,
            sess,
            Stage::Propose {
                start: Instant::now(),
            },
            receivers,
            timeout,
            "propose rules",
        )
        .await?;
        fanned_out(sess, rules, receivers, timeout).await;
        let mut ids = lock(&sess.created_rules).clone();
        ids.sort();
        let ids: Arc<Vec<String>> = Arc::new(ids.into_iter().map(|(_, id)| id).collect());
        if c.ratings > 0 && !ids.is_empty() {
            tokio::time::sleep(pause).await;
            stage_and_wait(
                shared,
                sess,
                Stage::Rate {
                    start: Instant::now(),
                    rules: ids,
                },
                receivers,
                timeout,
                "rate rules",
            )
            .await?;
        }
    }
    tokio::time::sleep(pause).await;
    facilitator(fac, Intent::RevealVotes, Some(EV_RATINGS_REVEALED)).await?;
    fanned_out(
        sess,
        EV_RATINGS_REVEALED..EV_RATINGS_REVEALED + 1,
        receivers,
        timeout,
    )
    .await;
    step("final check");
    Ok(())
}
