//! The server binary, built inside the tests package so that tests can start it as a separate
//! process (and kill it with SIGKILL) through `CARGO_BIN_EXE_draagvlak-test-server`.

use clap::Parser as _;
use draagvlak_server::Args;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&args.log)?)
        .init();
    draagvlak_server::run(args).await?;
    Ok(())
}
