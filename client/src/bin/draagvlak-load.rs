//! `draagvlak-load`: play a scripted workshop with many participants against a Draagvlak server on
//! this machine and report latencies, losses, and the server's CPU time and memory.
//!
//! Exit codes: 0 when nothing was lost and every final view matched, 1 when something was lost or
//! differed, 2 when the run could not be carried out. See `BENCHMARKS.md` for the commands used
//! there.

use clap::Parser as _;
use draagvlak_client::load::{Config, run};

fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("draagvlak-load: cannot start the runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let json = config.json.clone();
    let report = match runtime.block_on(run(config)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("draagvlak-load: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    if let Some(path) = json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => {
                if let Err(e) = std::fs::write(&path, text + "\n") {
                    eprintln!("draagvlak-load: cannot write {}: {e}", path.display());
                    return std::process::ExitCode::from(2);
                }
            }
            Err(e) => {
                eprintln!("draagvlak-load: cannot serialise the report: {e}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    if report.ok() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
