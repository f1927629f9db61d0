//! `draagvlak-server`: parse flags, set up logging, run until SIGINT or SIGTERM.

use clap::Parser as _;
use draagvlak_server::Args;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    draagvlak_server::logging::init(&args.log, args.log_format)?;
    draagvlak_server::run(args).await?;
    Ok(())
}
