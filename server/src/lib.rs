//! The Draagvlak workshop server.
//!
//! Layout (see ARCHITECTURE.md for the whole picture):
//! - [`config`]: flags and environment, validated into a `Config`;
//! - [`app`]: start and graceful shutdown;
//! - [`http`]: the router, the HTTP API (sessions, health, metrics), the embedded browser app,
//!   security headers and the OpenAPI description;
//! - [`ws`]: the WebSocket upgrade and one connection (reader and writer);
//! - [`registry`]: live sessions, each loaded exactly once;
//! - [`session`]: the workshop logic and the per-session actor;
//! - [`store`]: SQLite, the only module that touches the database;
//! - [`credentials`]: secrets, tokens, join codes;
//! - [`normalize`]: display names in one canonical form (NFC, no invisible characters);
//! - [`guard`]: rate limits, connection caps, the Origin check;
//! - [`logging`]: the binaries' log subscriber (text or JSON);
//! - [`metrics`]: the figures `/metrics` shows (Prometheus text format);
//! - [`retention`]: deleting closed sessions after a set time;
//! - [`transfer`]: one session exported to a file and imported again;
//! - [`report`]: reports of a session in Markdown, CSV, JSON and HTML.
//!
//! The binary (`main.rs`) only parses flags, sets up logging and signals, and calls
//! [`app::start`].

pub mod app;
pub mod config;
pub mod credentials;
pub mod guard;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod normalize;
pub mod registry;
pub mod report;
pub mod retention;
pub mod session;
pub mod store;
pub mod transfer;
pub mod ws;

pub use app::{RunError, Server, run, run_until_signal, start};
pub use config::{Args, Config};
