//! `draagvlak-server`: parse flags, set up logging, run until SIGINT or SIGTERM.

use anyhow::Context as _;
use clap::Parser as _;
use draagvlak_server::Args;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&args.log).context("invalid --log filter")?)
        .init();
    draagvlak_server::run(args).await?;
    Ok(())
}
