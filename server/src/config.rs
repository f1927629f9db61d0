//! Configuration: raw command-line flags (each with an environment variable), validated into
//! one [`Config`] that the rest of the server takes. Two steps, as in ripgrep: parsing never
//! fails halfway through the program, and tests build a `Config` directly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use draagvlak_protocol::limits::MAX_TEXT_CHARS;

use crate::store::{Backend, DatabaseUrl, UrlError};

/// Flags of the `draagvlak-server` binary.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "draagvlak-server",
    version,
    about = "Draagvlak workshop server"
)]
pub struct Args {
    /// What to do; without a command, run the server.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address and port to listen on.
    #[arg(long, env = "DRAAGVLAK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the SQLite database (created if missing).
    #[arg(
        long,
        env = "DRAAGVLAK_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Where the data lives: leave it out for SQLite (`draagvlak.sqlite3` in `--data-dir`), or
    /// `postgres://user:password@host:port/database` for PostgreSQL. The password is never
    /// logged or shown.
    #[arg(
        long,
        env = "DRAAGVLAK_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub database_url: Option<DatabaseUrl>,
    /// The address people use to reach this server (for links and QR codes), e.g.
    /// `https://workshop.example.nl`. Defaults to `http://<listen>`.
    #[arg(long, env = "DRAAGVLAK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a session without connections stays loaded before it is unloaded.
    #[arg(long, env = "DRAAGVLAK_SESSION_IDLE_SECS", default_value_t = 120)]
    pub session_idle_secs: u64,
    /// Origins (besides this server's own) whose pages may open WebSockets, comma-separated,
    /// e.g. `https://intranet.example.nl`.
    #[arg(long, env = "DRAAGVLAK_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Host names (with an optional `:port`) besides the public URL's under which this server
    /// is reached, comma-separated, e.g. the name a reverse proxy sends as `Host`. Requests with
    /// any other `Host` are refused (against DNS rebinding). Loopback names are allowed when
    /// listening on a loopback address, IP literals when listening on all addresses.
    #[arg(long, env = "DRAAGVLAK_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// When set, creating a session requires `Authorization: Bearer <token>`. Off by default
    /// (for local use); set it on a server reachable from the internet.
    #[arg(long, env = "DRAAGVLAK_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// Frames one connection may send per second (sustained; bursts of three times as many).
    /// Faster clients are slowed down, not cut off.
    #[arg(long, env = "DRAAGVLAK_FRAMES_PER_SECOND", default_value_t = 50)]
    pub frames_per_second: u32,
    /// Join attempts per IP address per minute (sustained; a room behind one NAT may burst).
    #[arg(long, env = "DRAAGVLAK_JOINS_PER_MINUTE", default_value_t = 600)]
    pub joins_per_minute: u32,
    /// Sessions one IP address may create per hour.
    #[arg(long, env = "DRAAGVLAK_SESSIONS_PER_HOUR", default_value_t = 60)]
    pub sessions_per_hour: u32,
    /// Open WebSocket connections per IP address.
    #[arg(long, env = "DRAAGVLAK_MAX_CONNECTIONS_PER_IP", default_value_t = 2000)]
    pub max_connections_per_ip: usize,
    /// Open connections per session.
    #[arg(
        long,
        env = "DRAAGVLAK_MAX_CONNECTIONS_PER_SESSION",
        default_value_t = 5000
    )]
    pub max_connections_per_session: usize,
    /// Open WebSocket connections of the whole process; more are refused with `server_full`.
    #[arg(long, env = "DRAAGVLAK_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: usize,
    /// Sessions loaded at the same time (each with its document in memory); joining another
    /// session, or creating one, is refused with `server_full` while this many are live.
    #[arg(long, env = "DRAAGVLAK_MAX_LIVE_SESSIONS", default_value_t = 1_000)]
    pub max_live_sessions: usize,
    /// Seconds between WebSocket pings the server sends to each connection. Browsers answer
    /// pings by themselves, so a quiet but healthy client is never idle.
    #[arg(long, env = "DRAAGVLAK_PING_INTERVAL_SECS", default_value_t = 20)]
    pub ping_interval_secs: u64,
    /// Seconds without any frame from a client (messages or pong) after which its connection
    /// is closed with `idle_timeout`. Must be longer than the ping interval.
    #[arg(long, env = "DRAAGVLAK_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Characters a statement or rule text may have. At most the protocol's
    /// `MAX_TEXT_CHARS` (1,000), which is also what the browser app enforces; a server may only
    /// lower it. One value per process.
    #[arg(long, env = "DRAAGVLAK_MAX_TEXT_CHARS", default_value_t = MAX_TEXT_CHARS)]
    pub max_text_chars: usize,
    /// Least milliseconds between two view deltas of one session: faster ticks are coalesced
    /// into one delta per audience (acks wait for it). 0 sends a delta after every tick.
    #[arg(
        long,
        env = "DRAAGVLAK_MIN_DELTA_INTERVAL_MS",
        default_value_t = DEFAULT_MIN_DELTA_INTERVAL_MS
    )]
    pub min_delta_interval_ms: u64,
    /// Microseconds the least interval between two view deltas grows per connection of the
    /// session (10 µs: 100 ms at 10,000 people), so that a big room never asks for more
    /// deliveries a second than the machine can write. 0 keeps `--min-delta-interval-ms` for
    /// every size.
    #[arg(
        long,
        env = "DRAAGVLAK_DELTA_INTERVAL_PER_MEMBER_US",
        default_value_t = DEFAULT_DELTA_INTERVAL_PER_MEMBER_US
    )]
    pub delta_interval_per_member_us: u64,
    /// Time zone of the dates and times in reports (an IANA name, e.g. `Europe/Brussels`), from
    /// the time-zone database built into the binary.
    #[arg(
        long,
        env = "DRAAGVLAK_TIME_ZONE",
        default_value = crate::report::DEFAULT_TIME_ZONE,
        global = true
    )]
    pub time_zone: String,
    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `draagvlak_server=debug`.
    #[arg(long, env = "DRAAGVLAK_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Log lines as readable text, or as one JSON object per line for log collectors.
    #[arg(
        long,
        env = "DRAAGVLAK_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,
    /// Delete closed sessions created more than this many days ago (checked every hour).
    /// Without it, sessions are kept until the facilitator deletes them.
    #[arg(long, env = "DRAAGVLAK_DELETE_CLOSED_AFTER_DAYS")]
    pub delete_closed_after_days: Option<u64>,
    /// Anonymise closed sessions created more than this many days ago (checked every hour):
    /// every name becomes a label ("ICT 1"), the history is rewritten without the names and
    /// resume tokens are deleted. Must be shorter than `--delete-closed-after-days`.
    #[arg(long, env = "DRAAGVLAK_ANONYMISE_CLOSED_AFTER_DAYS")]
    pub anonymise_closed_after_days: Option<u64>,
    /// Serve `/metrics` (Prometheus text format) on this separate address, without a token,
    /// instead of on `--listen` behind the operator token. Bind it to an internal address.
    #[arg(long, env = "DRAAGVLAK_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event (the default).
    Text,
    /// One JSON object per line, with the spans (session, connection) as fields.
    Json,
}

/// Commands besides running the server.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Write a session's report from the data directory (no running server needed).
    Report {
        /// The session's join code.
        #[arg(long)]
        code: String,
        /// md, csv (the dialect of the session's language), csv-en, csv-nl, json, html, xlsx or
        /// docx.
        #[arg(long, default_value = "md")]
        format: String,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Write a consistent copy of the database to a new file; safe while the server runs.
    Backup {
        /// The backup file to write (must not exist yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// Write one session (by join code) to a single file, to move or archive it; safe while the
    /// server runs.
    Export {
        /// The session's join code.
        #[arg(long)]
        code: String,
        /// The file to write (must not exist yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// Add a session from a file written by `export` (refused if this server has its id or
    /// join code already).
    Import {
        /// The session file.
        #[arg(long)]
        from: PathBuf,
    },
    /// Replace the database in the data directory with a backup. The server must be stopped;
    /// the database it replaces is kept next to it.
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
    },
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// SQLite in `data_dir` (the default) or PostgreSQL (`--database-url`).
    pub database: Backend,
    /// Without a trailing slash. `None`: `http://` and the address actually bound.
    pub public_url: Option<String>,
    pub session_idle: Duration,
    /// Extra origins allowed to open WebSockets (the server's own always are).
    pub allowed_origins: Vec<String>,
    /// Extra names (`host[:port]`) a request's `Host` may carry (see `guard::Names`).
    pub allowed_hosts: Vec<String>,
    /// Required bearer token for creating sessions (and for `/metrics` on `listen`), if any.
    pub operator_token: Option<String>,
    /// A separate address for `/metrics`; `None`: served on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    /// Time zone of the dates and times in reports.
    pub time_zone: jiff::tz::TimeZone,
    /// Closed sessions older than this are deleted (`retention.rs`); `None`: kept.
    pub delete_closed_after: Option<Duration>,
    /// Closed sessions older than this are anonymised (`retention.rs`); `None`: never.
    pub anonymise_closed_after: Option<Duration>,
    pub limits: Limits,
}

/// Default of [`Limits::min_delta_interval`], in milliseconds: at 10,000 members that is at
/// most 25 broadcasts a second, and a small session hardly notices it (see BENCHMARKS.md).
pub const DEFAULT_MIN_DELTA_INTERVAL_MS: u64 = 40;

/// Default of [`Limits::delta_interval_per_member`], in microseconds: writing one frame to one
/// socket costs about 10–15 µs here (BENCHMARKS.md), so a fan-out to n members never comes more
/// often than it takes to write.
pub const DEFAULT_DELTA_INTERVAL_PER_MEMBER_US: u64 = 10;

/// Server-side limits with their defaults. The wire limits every client sees are in
/// `draagvlak_protocol::limits`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Frames a connection's outbound queue holds before the connection counts as slow.
    pub outbound_queue: usize,
    /// Commands a session's mailbox holds; senders wait when it is full.
    pub session_mailbox: usize,
    /// How long a slow connection may stay out of date before it is closed.
    pub slow_consumer_grace: Duration,
    /// Interval of WebSocket pings the server sends.
    pub ping_interval: Duration,
    /// A connection with no frame from the peer (message or pong) for this long is closed with
    /// `idle_timeout`. Longer than `ping_interval`, so that answering pings keeps a quiet peer.
    pub idle_timeout: Duration,
    /// Characters a statement or rule text may have (at most the protocol's `MAX_TEXT_CHARS`).
    /// Applied to the whole process when the server starts (see `guard::Guard::new`).
    pub max_text_chars: usize,
    /// Compact a session's change log into a snapshot after this many changes.
    pub compact_after_changes: u32,
    /// How long shutdown waits for connections and sessions to finish.
    pub shutdown_grace: Duration,
    /// Frames per second per connection (sustained); bursts of three times as many.
    pub frames_per_second: u32,
    /// Invalid frames (errors) per 10 s after which a connection is closed.
    pub max_invalid_frames: u32,
    /// Join attempts per IP per minute.
    pub joins_per_minute: u32,
    /// Session creations per IP per hour.
    pub sessions_per_hour: u32,
    pub max_connections_per_ip: usize,
    pub max_connections_per_session: usize,
    /// Open WebSocket connections of the whole process.
    pub max_connections: usize,
    /// Sessions loaded at the same time.
    pub max_live_sessions: usize,
    /// Least time between two view fan-outs of one session (deltas and `me`). Ticks that come
    /// faster are coalesced: their changes go out together in one delta per audience, and
    /// their acks wait for it. Bounds the broadcasts per second a big session makes (each one
    /// a frame to every member) at the cost of up to this much ack latency. Zero fans out
    /// after every tick.
    pub min_delta_interval: Duration,
    /// How much the least interval between fan-outs grows per connection of the session; the
    /// interval is the larger of `min_delta_interval` and this times the connections (not when
    /// `min_delta_interval` is zero).
    pub delta_interval_per_member: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            outbound_queue: 256,
            session_mailbox: 1024,
            slow_consumer_grace: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_text_chars: MAX_TEXT_CHARS,
            compact_after_changes: 500,
            shutdown_grace: Duration::from_secs(10),
            frames_per_second: 50,
            max_invalid_frames: 50,
            joins_per_minute: 600,
            sessions_per_hour: 60,
            max_connections_per_ip: 2000,
            max_connections_per_session: 5000,
            max_connections: 20_000,
            max_live_sessions: 1_000,
            min_delta_interval: Duration::from_millis(DEFAULT_MIN_DELTA_INTERVAL_MS),
            delta_interval_per_member: Duration::from_micros(DEFAULT_DELTA_INTERVAL_PER_MEMBER_US),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("public URL {0:?} must start with http:// or https://")]
    PublicUrl(String),
    #[error("allowed origin {0:?} must start with http:// or https://")]
    Origin(String),
    #[error("allowed host {0:?} must be a host name or address with an optional :port")]
    Host(String),
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("the operator token must have at least 16 characters")]
    WeakToken,
    #[error(
        "--idle-timeout-secs ({idle}) must be longer than --ping-interval-secs ({ping}), or \
         quiet clients that answer every ping would be closed"
    )]
    IdleNotAbovePing { idle: u64, ping: u64 },
    #[error(
        "--max-text-chars must be between 1 and {MAX_TEXT_CHARS} (the protocol's limit), not {0}"
    )]
    TextLimit(usize),
    #[error("unknown time zone {0:?} (use an IANA name such as Europe/Amsterdam): {1}")]
    TimeZone(String, jiff::Error),
    #[error(
        "--anonymise-closed-after-days ({anonymise}) must be less than \
         --delete-closed-after-days ({delete}), or sessions would be deleted first"
    )]
    AnonymiseNotBeforeDelete { anonymise: u64, delete: u64 },
    #[error(transparent)]
    DatabaseUrl(#[from] UrlError),
}

impl Config {
    /// Validate raw flags.
    pub fn from_args(args: Args) -> Result<Config, ConfigError> {
        let public_url = match args.public_url {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::PublicUrl(url));
                }
                Some(url.trim_end_matches('/').to_string())
            }
            None => None,
        };
        for origin in &args.allowed_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(ConfigError::Origin(origin.clone()));
            }
        }
        for host in &args.allowed_hosts {
            let valid = host
                .parse::<axum::http::uri::Authority>()
                .is_ok_and(|a| !a.as_str().contains('@') && !a.host().is_empty());
            if !valid {
                return Err(ConfigError::Host(host.clone()));
            }
        }
        let nonzero = |name: &'static str, v: u64| {
            if v == 0 {
                Err(ConfigError::Zero(name))
            } else {
                Ok(())
            }
        };
        nonzero("--frames-per-second", args.frames_per_second.into())?;
        nonzero("--joins-per-minute", args.joins_per_minute.into())?;
        nonzero("--sessions-per-hour", args.sessions_per_hour.into())?;
        nonzero(
            "--max-connections-per-ip",
            args.max_connections_per_ip as u64,
        )?;
        nonzero(
            "--max-connections-per-session",
            args.max_connections_per_session as u64,
        )?;
        nonzero("--max-connections", args.max_connections as u64)?;
        nonzero("--max-live-sessions", args.max_live_sessions as u64)?;
        nonzero("--ping-interval-secs", args.ping_interval_secs)?;
        if let Some(days) = args.delete_closed_after_days {
            nonzero("--delete-closed-after-days", days)?;
        }
        if let Some(days) = args.anonymise_closed_after_days {
            nonzero("--anonymise-closed-after-days", days)?;
        }
        if let (Some(anonymise), Some(delete)) = (
            args.anonymise_closed_after_days,
            args.delete_closed_after_days,
        ) && anonymise >= delete
        {
            return Err(ConfigError::AnonymiseNotBeforeDelete { anonymise, delete });
        }
        if args.idle_timeout_secs <= args.ping_interval_secs {
            return Err(ConfigError::IdleNotAbovePing {
                idle: args.idle_timeout_secs,
                ping: args.ping_interval_secs,
            });
        }
        if args.max_text_chars == 0 || args.max_text_chars > MAX_TEXT_CHARS {
            return Err(ConfigError::TextLimit(args.max_text_chars));
        }
        if let Some(token) = &args.operator_token
            && token.len() < 16
        {
            return Err(ConfigError::WeakToken);
        }
        let time_zone = crate::report::time_zone(&args.time_zone)
            .map_err(|e| ConfigError::TimeZone(args.time_zone.clone(), e))?;
        let database = Backend::from_url(args.database_url.as_ref())?;
        Ok(Config {
            time_zone,
            listen: args.listen,
            data_dir: args.data_dir,
            database,
            public_url,
            session_idle: Duration::from_secs(args.session_idle_secs),
            allowed_origins: args
                .allowed_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_string())
                .collect(),
            allowed_hosts: args.allowed_hosts,
            operator_token: args.operator_token,
            metrics_listen: args.metrics_listen,
            delete_closed_after: args
                .delete_closed_after_days
                .map(|d| Duration::from_secs(d.saturating_mul(86_400))),
            anonymise_closed_after: args
                .anonymise_closed_after_days
                .map(|d| Duration::from_secs(d.saturating_mul(86_400))),
            limits: Limits {
                frames_per_second: args.frames_per_second,
                joins_per_minute: args.joins_per_minute,
                sessions_per_hour: args.sessions_per_hour,
                max_connections_per_ip: args.max_connections_per_ip,
                max_connections_per_session: args.max_connections_per_session,
                max_connections: args.max_connections,
                max_live_sessions: args.max_live_sessions,
                ping_interval: Duration::from_secs(args.ping_interval_secs),
                idle_timeout: Duration::from_secs(args.idle_timeout_secs),
                max_text_chars: args.max_text_chars,
                min_delta_interval: Duration::from_millis(args.min_delta_interval_ms),
                delta_interval_per_member: Duration::from_micros(args.delta_interval_per_member_us),
                ..Limits::default()
            },
        })
    }

    /// A configuration for tests: port 0 on loopback, the given data directory.
    pub fn for_tests(data_dir: PathBuf) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database: Backend::Sqlite,
            public_url: None,
            session_idle: Duration::from_secs(120),
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            operator_token: None,
            metrics_listen: None,
            time_zone: crate::report::time_zone(crate::report::DEFAULT_TIME_ZONE)
                .unwrap_or(jiff::tz::TimeZone::UTC),
            delete_closed_after: None,
            anonymise_closed_after: None,
            limits: Limits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(flags: &[&str]) -> Result<Config, ConfigError> {
        let args =
            Args::try_parse_from(std::iter::once("draagvlak-server").chain(flags.iter().copied()))
                .map_err(|e| ConfigError::PublicUrl(e.to_string()))?;
        Config::from_args(args)
    }

    #[test]
    fn timeouts_and_text_limit_have_their_documented_defaults() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.limits.ping_interval, Duration::from_secs(20));
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.limits.max_text_chars, 1_000);
        let d = Limits::default();
        assert_eq!(
            (d.ping_interval, d.idle_timeout, d.max_text_chars),
            (
                c.limits.ping_interval,
                c.limits.idle_timeout,
                c.limits.max_text_chars
            )
        );
    }

    #[test]
    fn timeouts_and_text_limit_are_set_by_flags() {
        let c = config(&[
            "--ping-interval-secs",
            "5",
            "--idle-timeout-secs",
            "16",
            "--max-text-chars",
            "280",
        ])
        .expect("valid");
        assert_eq!(c.limits.ping_interval, Duration::from_secs(5));
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(16));
        assert_eq!(c.limits.max_text_chars, 280);
    }

    #[test]
    fn an_idle_timeout_not_above_the_ping_interval_is_refused() {
        assert!(matches!(
            config(&["--ping-interval-secs", "30", "--idle-timeout-secs", "30"]),
            Err(ConfigError::IdleNotAbovePing { idle: 30, ping: 30 })
        ));
        assert!(matches!(
            config(&["--ping-interval-secs", "0"]),
            Err(ConfigError::Zero(_))
        ));
    }

    #[test]
    fn capacity_and_hosts_are_set_by_flags() {
        let c = config(&[
            "--max-connections",
            "10",
            "--max-live-sessions",
            "2",
            "--allowed-hosts",
            "workshop.example.nl,proxy.internal:8080",
        ])
        .expect("valid");
        assert_eq!(
            (c.limits.max_connections, c.limits.max_live_sessions),
            (10, 2)
        );
        assert_eq!(
            c.allowed_hosts,
            vec!["workshop.example.nl", "proxy.internal:8080"]
        );
        let d = config(&[]).expect("defaults");
        assert_eq!(
            (d.limits.max_connections, d.limits.max_live_sessions),
            (20_000, 1_000)
        );
        assert!(matches!(
            config(&["--allowed-hosts", "user@evil.example"]),
            Err(ConfigError::Host(_))
        ));
        assert!(matches!(
            config(&["--max-live-sessions", "0"]),
            Err(ConfigError::Zero(_))
        ));
    }

    #[test]
    fn reports_use_amsterdam_time_unless_told_otherwise() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.time_zone.iana_name(), Some("Europe/Amsterdam"));
        let c = config(&["--time-zone", "America/Curacao"]).expect("valid");
        assert_eq!(c.time_zone.iana_name(), Some("America/Curacao"));
        assert!(matches!(
            config(&["--time-zone", "Europe/Zaandam"]),
            Err(ConfigError::TimeZone(..))
        ));
    }

    #[test]
    fn operations_flags_are_read_and_checked() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!((c.metrics_listen, c.delete_closed_after), (None, None));
        let c = config(&[
            "--metrics-listen",
            "127.0.0.1:9090",
            "--delete-closed-after-days",
            "30",
        ])
        .expect("valid");
        assert_eq!(
            c.metrics_listen,
            Some(SocketAddr::from(([127, 0, 0, 1], 9090)))
        );
        assert_eq!(
            c.delete_closed_after,
            Some(Duration::from_secs(30 * 86_400))
        );
        assert!(matches!(
            config(&["--delete-closed-after-days", "0"]),
            Err(ConfigError::Zero("--delete-closed-after-days"))
        ));
        let c = config(&[
            "--anonymise-closed-after-days",
            "30",
            "--delete-closed-after-days",
            "365",
        ])
        .expect("valid");
        assert_eq!(
            c.anonymise_closed_after,
            Some(Duration::from_secs(30 * 86_400))
        );
        assert!(config(&["--anonymise-closed-after-days", "30"]).is_ok());
        assert!(matches!(
            config(&["--anonymise-closed-after-days", "0"]),
            Err(ConfigError::Zero("--anonymise-closed-after-days"))
        ));
        assert!(matches!(
            config(&[
                "--anonymise-closed-after-days",
                "30",
                "--delete-closed-after-days",
                "30"
            ]),
            Err(ConfigError::AnonymiseNotBeforeDelete {
                anonymise: 30,
                delete: 30
            })
        ));
        let args =
            Args::try_parse_from(["draagvlak-server", "--log-format", "json"]).expect("parses");
        assert_eq!(args.log_format, LogFormat::Json);
        assert!(Args::try_parse_from(["draagvlak-server", "--log-format", "xml"]).is_err());
    }

    #[test]
    fn the_database_url_chooses_the_backend() {
        let c = config(&[]).expect("defaults are valid");
        assert!(matches!(c.database, Backend::Sqlite));
        let c = config(&[
            "--database-url",
            "postgres://draagvlak:pw@127.0.0.1:5432/draagvlak",
        ])
        .expect("valid");
        assert!(matches!(c.database, Backend::Postgres(_)));
        assert!(matches!(
            config(&["--database-url", "redis://127.0.0.1"]),
            Err(ConfigError::DatabaseUrl(UrlError::Scheme(_)))
        ));
        // The command's flags and their Debug form never show the password.
        let args = Args::try_parse_from([
            "draagvlak-server",
            "--database-url",
            "postgres://draagvlak:geheim-wachtwoord@db/draagvlak",
        ])
        .expect("parses");
        assert!(!format!("{args:?}").contains("geheim"));
        let c = Config::from_args(args).expect("valid");
        assert!(!format!("{c:?}").contains("geheim"));
    }

    #[test]
    fn the_text_limit_cannot_exceed_the_protocol() {
        assert!(matches!(
            config(&["--max-text-chars", "1001"]),
            Err(ConfigError::TextLimit(1001))
        ));
        assert!(matches!(
            config(&["--max-text-chars", "0"]),
            Err(ConfigError::TextLimit(0))
        ));
    }
}
