//! Logging setup for the binaries: a tracing subscriber writing to standard error, as readable
//! text or as one JSON object per line (`--log-format json`) for log collectors.
//!
//! Only binaries call [`init`] (the library never installs a subscriber). Standard error, so that
//! what a command prints on standard output (a report) is never mixed with log lines. In JSON,
//! each line carries the spans it was logged in: `conn` (the connection id) and `session` (the
//! session id) for everything a connection or a session actor logs.
//!
//! What must never be logged (SECURITY.md): facilitator secrets, resume tokens, the operator
//! token, and what participants typed or are called. Spans and events carry ids only;
//! `tests/tests/logs.rs` runs a workshop with debug logs and greps them for all of these.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The `--log` filter is not valid `EnvFilter` syntax.
#[derive(Debug, thiserror::Error)]
#[error("invalid --log filter {filter:?}: {source}")]
pub struct LogFilterError {
    filter: String,
    source: tracing_subscriber::filter::ParseError,
}

/// Install the process's subscriber. Call once, from `main`.
pub fn init(filter: &str, format: LogFormat) -> Result<(), LogFilterError> {
    let env_filter = EnvFilter::try_new(filter).map_err(|source| LogFilterError {
        filter: filter.to_string(),
        source,
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
    Ok(())
}
