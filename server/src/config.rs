//! Configuration: raw command-line flags (each with an environment variable), validated into
//! one [`Config`] that the rest of the server takes. Two steps, as in ripgrep: parsing never
//! fails halfway through the program, and tests build a `Config` directly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Flags of the `draagvlak-server` binary.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "draagvlak-server",
    version,
    about = "Draagvlak workshop server"
)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, env = "DRAAGVLAK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "DRAAGVLAK_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// The address people use to reach this server (for links and QR codes), e.g.
    /// `https://workshop.example.nl`. Defaults to `http://<listen>`.
    #[arg(long, env = "DRAAGVLAK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a session without connections stays loaded before it is unloaded.
    #[arg(long, env = "DRAAGVLAK_SESSION_IDLE_SECS", default_value_t = 120)]
    pub session_idle_secs: u64,
    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `draagvlak_server=debug`.
    #[arg(long, env = "DRAAGVLAK_LOG", default_value = "info")]
    pub log: String,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Without a trailing slash. `None`: `http://` and the address actually bound.
    pub public_url: Option<String>,
    pub session_idle: Duration,
    pub limits: Limits,
}

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
    /// Interval of WebSocket pings; a peer silent for three intervals is dropped.
    pub ping_interval: Duration,
    /// Compact a session's change log into a snapshot after this many changes.
    pub compact_after_changes: u32,
    /// How long shutdown waits for connections and sessions to finish.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            outbound_queue: 256,
            session_mailbox: 1024,
            slow_consumer_grace: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            compact_after_changes: 500,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("public URL {0:?} must start with http:// or https://")]
    PublicUrl(String),
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
        Ok(Config {
            listen: args.listen,
            data_dir: args.data_dir,
            public_url,
            session_idle: Duration::from_secs(args.session_idle_secs),
            limits: Limits::default(),
        })
    }

    /// A configuration for tests: port 0 on loopback, the given data directory.
    pub fn for_tests(data_dir: PathBuf) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            public_url: None,
            session_idle: Duration::from_secs(120),
            limits: Limits::default(),
        }
    }
}
