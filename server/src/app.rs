//! The server as a whole: start (store, listeners, router) and the lifecycle.
//!
//! One shutdown tree: a [`CancellationToken`] that SIGINT/SIGTERM (or a test) cancels, and a
//! [`TaskTracker`] that every connection and session task is spawned on. On shutdown the
//! listener stops accepting, session actors finish their current tick (so everything
//! acknowledged is stored) and close their connections with a reason, writers send close frames,
//! and [`Server::wait`] returns once every tracked task is done and the database is closed.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::guard::{Guard, Names};
use crate::http::{self, AppState};
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::store::{Backend, DataDirLock, Store, StoreError};

/// Failure to start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    /// Where `/metrics` is served when `--metrics-listen` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    serve: tokio::task::JoinHandle<()>,
    /// This server's claim on its data directory (SQLite only); released when the server is
    /// dropped.
    _lock: Option<DataDirLock>,
}

/// Open the store, bind the listener and start serving.
pub async fn start(config: Config) -> Result<Server, StartError> {
    // One server per data directory (SQLite has one writer; restore checks this lock too).
    // PostgreSQL has no data directory of ours to guard.
    let lock = match config.database {
        Backend::Sqlite => Some(DataDirLock::acquire(&config.data_dir)?),
        Backend::Postgres(_) => None,
    };
    let store = Store::connect(&config.data_dir, &config.database).await?;
    tracing::info!(
        storage = %config.database.describe(&config.data_dir),
        "storage opened"
    );
    let (listener, addr) = bind(config.listen).await?;
    let metrics_listener = match config.metrics_listen {
        Some(at) => Some(bind(at).await?),
        None => None,
    };
    let public_url: Arc<str> = Arc::from(
        config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
    );
    let websocket_url = match public_url.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}/ws"),
        None => format!(
            "ws://{}/ws",
            public_url.strip_prefix("http://").unwrap_or(&public_url)
        ),
    };
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let metrics = Metrics::new();
    let registry = Registry::new(store.clone(), &config, shutdown.clone(), tracker.clone())
        .with_metrics(metrics.clone());
    let config_limits = config.limits.clone();
    let names = Arc::new(Names::new(&config, addr, &public_url));
    let state = AppState {
        config: Arc::new(config),
        store,
        registry,
        shutdown: shutdown.clone(),
        tracker,
        public_url,
        websocket_url,
        guard: Arc::new(Guard::new(&config_limits)),
        metrics,
        names,
        group_names: Arc::default(),
    };
    let app = http::router(state.clone());
    let token = shutdown.clone();
    let serve = tokio::spawn(async move {
        let result = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "server error");
        }
    });
    crate::retention::spawn(state.clone());
    // Forget idle addresses in the rate limiters now and then.
    let guard = state.guard.clone();
    let token = shutdown.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = token.cancelled() => return,
                _ = every.tick() => guard.forget_idle(),
            }
        }
    });
    let metrics_addr = metrics_listener.map(|(listener, at)| {
        let app = Router::new()
            .route("/metrics", get(http::operations::metrics_unguarded))
            .with_state(state.clone());
        let token = shutdown.clone();
        tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await;
            if let Err(e) = result {
                tracing::error!(error = %e, "metrics listener error");
            }
        });
        tracing::info!(addr = %at, "metrics on a separate address");
        at
    });
    tracing::info!(%addr, "listening");
    Ok(Server {
        addr,
        metrics_addr,
        state,
        serve,
        _lock: lock,
    })
}

/// Bind a listener and learn the address it got (port 0 picks one).
async fn bind(at: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(at)
        .await
        .map_err(|source| StartError::Listen { addr: at, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr: at, source })?;
    Ok((listener, addr))
}

impl Server {
    /// Ask the server to stop (as SIGTERM does).
    pub fn shutdown(&self) {
        self.state.shutdown.cancel();
    }

    /// Wait until the server has stopped: listener closed, sessions flushed, sockets closed.
    pub async fn wait(self) {
        self.state.shutdown.cancelled().await;
        let _ = self.serve.await;
        self.state.tracker.close();
        let grace = self.state.config.limits.shutdown_grace;
        if tokio::time::timeout(grace, self.state.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some tasks did not finish within the shutdown grace period");
        }
        self.state.store.close().await;
        tracing::info!("stopped");
    }
}

/// Run until SIGINT or SIGTERM, then shut down cleanly (what the binary does).
pub async fn run_until_signal(config: Config) -> Result<(), StartError> {
    start(config).await?.wait_for_signal().await;
    Ok(())
}

impl Server {
    /// Serve until SIGINT or SIGTERM, then shut down cleanly and wait until stopped.
    pub async fn wait_for_signal(self) {
        let token = self.state.shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("signal received; shutting down");
            token.cancel();
        });
        self.wait().await;
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Why the binary could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error("unknown report format {0:?}; use one of {formats}", formats = crate::report::FORMATS)]
    Format(String),
    #[error("cannot write the report: {0}")]
    Write(String),
    #[error(transparent)]
    Backup(StoreError),
    #[error(transparent)]
    Transfer(#[from] crate::transfer::TransferError),
}

/// What the binary does with its flags: run the server, or one of the commands.
pub async fn run(args: crate::config::Args) -> Result<(), RunError> {
    let database =
        Backend::from_url(args.database_url.as_ref()).map_err(crate::config::ConfigError::from)?;
    let sqlite_only = |command: &'static str| match database {
        Backend::Sqlite => Ok(()),
        Backend::Postgres(_) => Err(RunError::Backup(StoreError::SqliteOnly(command))),
    };
    match args.command.clone() {
        Some(crate::config::Command::Report {
            code,
            format,
            output,
        }) => {
            let format =
                crate::report::Format::parse(&format).ok_or(RunError::Format(format.clone()))?;
            let store = Store::connect(&args.data_dir, &database)
                .await
                .map_err(StartError::from)?;
            let (_, ws) = crate::report::load(&store, &code).await?;
            store.close().await;
            let tz = crate::report::time_zone(&args.time_zone)
                .map_err(|e| crate::config::ConfigError::TimeZone(args.time_zone.clone(), e))?;
            let bytes = crate::report::render(&crate::report::build_in(ws.state(), &tz), format)
                .map_err(|e| RunError::Write(e.to_string()))?;
            match output {
                Some(path) => std::fs::write(&path, bytes)
                    .map_err(|e| RunError::Write(format!("{}: {e}", path.display())))?,
                None => {
                    use std::io::Write as _;
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes)
                        .and_then(|()| out.flush())
                        .map_err(|e| RunError::Write(e.to_string()))?;
                }
            }
            Ok(())
        }
        Some(crate::config::Command::Backup { to }) => {
            sqlite_only("backup")?;
            let store = Store::connect(&args.data_dir, &database)
                .await
                .map_err(StartError::from)?;
            let made = store.backup_to(&to).await;
            store.close().await;
            let info = made.map_err(RunError::Backup)?;
            println!(
                "backup written to {}: {} sessions, {} bytes, integrity checked",
                to.display(),
                info.sessions,
                info.bytes
            );
            Ok(())
        }
        Some(crate::config::Command::Export { code, to }) => {
            if to.exists() {
                return Err(RunError::Write(format!(
                    "{} exists already; choose a new name",
                    to.display()
                )));
            }
            let store = Store::connect(&args.data_dir, &database)
                .await
                .map_err(StartError::from)?;
            let file = crate::transfer::export(&store, &code).await;
            store.close().await;
            let text = serde_json::to_string(&file?).map_err(|e| RunError::Write(e.to_string()))?;
            std::fs::write(&to, text)
                .map_err(|e| RunError::Write(format!("{}: {e}", to.display())))?;
            println!("session {code} written to {}", to.display());
            Ok(())
        }
        Some(crate::config::Command::Import { from }) => {
            let text = std::fs::read_to_string(&from)
                .map_err(|e| RunError::Write(format!("{}: {e}", from.display())))?;
            let file = serde_json::from_str(&text).map_err(|e| {
                crate::transfer::TransferError::Invalid(format!("{}: {e}", from.display()))
            })?;
            let store = Store::connect(&args.data_dir, &database)
                .await
                .map_err(StartError::from)?;
            let imported = crate::transfer::import(&store, file).await;
            store.close().await;
            println!("imported session {}", imported?);
            Ok(())
        }
        Some(crate::config::Command::Restore { from }) => {
            sqlite_only("restore")?;
            let restored = crate::store::restore(&args.data_dir, &from)
                .await
                .map_err(RunError::Backup)?;
            println!(
                "restored {} ({} sessions) into {}",
                from.display(),
                restored.info.sessions,
                args.data_dir.display()
            );
            if let Some(previous) = restored.previous {
                println!("the database it replaced is kept as {}", previous.display());
            }
            Ok(())
        }
        None => Ok(run_until_signal(Config::from_args(args)?).await?),
    }
}
