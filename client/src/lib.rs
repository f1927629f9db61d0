//! The Rust client of Draagvlak: a typed async API over the WebSocket protocol and the HTTP API,
//! used by the integration tests, load tests and the `draagvlak` command-line tool.
//!
//! The wire types come from `draagvlak_protocol`; this crate adds the behaviour a client needs
//! around them: joining, keeping a view current from snapshots and deltas, tracking intents until
//! they are answered, and resuming after a lost connection without applying anything twice.
//!
//! Layout:
//! - [`http`]: create and look up sessions, derive the WebSocket URL;
//! - [`connection`]: [`Connection`], a joined session with typed intents and events;
//! - [`state`]: the view held by a client, patched by deltas (no I/O; unit-tested);
//! - [`socket`]: [`RawSocket`], frames as they are, for tests that misbehave on purpose;
//! - [`ids`]: unique intent ids;
//! - [`text`]: UTF-16 positions for text splices;
//! - [`load`]: the load generator behind `draagvlak-load`;
//! - [`error`]: the one error type, [`ClientError`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), draagvlak_client::ClientError> {
//! use draagvlak_client::{Connection, http};
//! use draagvlak_client::protocol::{JoinRequest, api::CreateSession};
//!
//! let base = "http://127.0.0.1:8080";
//! let created = http::create_session(base, &CreateSession {
//!     title: "ICT-strategie".into(),
//!     organisation: String::new(),
//!     place: String::new(),
//!     language: "nl".into(),
//!     template: "strategic-framework".into(),
//!     agenda: None,
//!     follows: None,
//!     groups: None,
//! }).await?;
//! let ws = http::ws_url(base)?;
//! let mut facilitator = Connection::connect(&ws, JoinRequest::Facilitator {
//!     code: created.code.clone(),
//!     secret: created.facilitator_secret.clone(),
//! }).await?;
//! let mut anna = Connection::connect(&ws, JoinRequest::Participant {
//!     code: created.code.clone(),
//!     name: "Anna".into(),
//!     group: "ict".into(),
//!     device: None,
//! }).await?;
//! facilitator.next_phase().await?;
//! anna.wait_until(std::time::Duration::from_secs(5), |view, _| view.current_phase == 1).await?;
//! let id = anna.add_statement("Cloud first").await?;
//! assert!(anna.view().statements.contains_key(&id));
//! # Ok(())
//! # }
//! ```

pub mod connection;
pub mod error;
pub mod http;
pub mod ids;
pub mod load;
pub mod socket;
pub mod state;
pub mod text;

pub use connection::{
    Ack, CloseInfo, Connection, Event, Options, PendingIntent, Rejection, Welcome,
};
pub use error::ClientError;
pub use socket::{RawFrame, RawSocket};
pub use state::ViewState;

/// The wire types, re-exported so a caller needs only this crate.
pub use draagvlak_protocol as protocol;
