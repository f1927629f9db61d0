//! The server binary, built inside the tests package so that tests can start it as a separate
//! process (and kill it with SIGKILL) through `CARGO_BIN_EXE_draagvlak-test-server`.
//!
//! Unlike the real binary it prints one line, `listening <addr>`, on stdout once the listener is
//! bound: the harness starts it on port 0 and reads the address from there, so two tests can
//! never race for the same "free" port.

use std::io::Write as _;

use clap::Parser as _;
use draagvlak_server::{Args, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The same logging as the real binary (standard error, text or JSON).
    draagvlak_server::logging::init(&args.log, args.log_format)?;
    if args.command.is_some() {
        draagvlak_server::run(args).await?;
        return Ok(());
    }
    let server = draagvlak_server::start(Config::from_args(args)?).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening {}", server.addr)?;
        out.flush()?;
    }
    // The same signal handling as the real binary.
    server.wait_for_signal().await;
    Ok(())
}
