//! The report's model: what the room saw and decided, built once from a session's state
//! (`build.rs`) and read by every format. Keeping one model is what makes the formats agree: a
//! figure, a rank or a hidden name is decided here, never in a renderer, so that the Markdown,
//! the spreadsheet and the printed page cannot tell different stories about the same session.
//! Everything here is data in the session's words (texts as typed, levels, statuses); how it is
//! written per language and format is in `words.rs` and the format modules.

mod build;

pub use build::{build, build_in};
/// The model's types are wire types: they live in the protocol crate.
pub use draagvlak_protocol::report::*;

/// A difference in support between groups from which an adopted rule is marked.
pub use draagvlak_protocol::limits::LARGE_GAP;

/// Groups with fewer people than this are counted, not named: their figures would be one
/// person's.
pub const MIN_NAMED_GROUP: u32 = 2;
