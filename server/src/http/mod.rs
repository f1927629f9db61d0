//! Everything HTTP: the router and its layers ([`mod@router`]), the state handlers share
//! ([`state`]), errors as the client sees them ([`error`]), the session routes ([`sessions`]),
//! checking and exporting agendas ([`agendas`]), each session's group names for the join screen
//! ([`group_names`]), the organisation's logo ([`logo`]),
//! health, readiness and metrics ([`operations`]), the browser app's files ([`web`]) and the
//! OpenAPI description ([`openapi`]). The WebSocket upgrade lives with the socket, in `ws.rs`.

pub mod agendas;
pub mod error;
pub mod group_names;
pub mod logo;
pub mod openapi;
pub mod operations;
pub mod router;
pub mod sessions;
pub mod state;
pub mod web;

pub use router::router;
pub use state::AppState;
