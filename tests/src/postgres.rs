//! A real PostgreSQL server for tests, from Debian's `postgresql` package (scripts/test.sh
//! installs it on a fresh machine).
//!
//! One server per test binary, started by the first test that asks for a database: `initdb`
//! into a temporary directory, `pg_ctl start` on a free loopback port with its socket in that
//! directory (never the system's), `fsync` off (the tests kill our server, not PostgreSQL's
//! machine; our connections still commit with `synchronous_commit = on`). Each test gets a
//! database of its own (`CREATE DATABASE`), so tests run in parallel on one server. A watchdog
//! (its own session, so Ctrl-C in a terminal does not take it along) waits for the test process
//! to end, then stops the server and removes the directory: a panicking or killed test binary
//! leaves nothing running.
//!
//! PostgreSQL refuses to run as root, and these machines run tests as root: then `initdb`,
//! `pg_ctl` and the server run as the `postgres` user (`runuser`), in a directory given to it.
//!
//! When PostgreSQL cannot be started the test fails, with what went wrong: a backend that is not
//! tested must not look like one that passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use draagvlak_server::store::{Backend, DatabaseUrl, Store};

/// The test binary's PostgreSQL server.
struct Server {
    port: u16,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(1);

/// The URL of a new, empty database on this test binary's PostgreSQL server (started on first
/// use). Panics, failing the test, when PostgreSQL cannot be started.
pub async fn database_url() -> String {
    let port = match SERVER.get_or_init(start) {
        Ok(server) => server.port,
        Err(why) => panic!(
            "PostgreSQL for the store tests could not be started: {why}\n\
             (install Debian's postgresql package; scripts/test.sh does it on a fresh machine)"
        ),
    };
    let name = format!("t{}", NEXT_DATABASE.fetch_add(1, Ordering::Relaxed));
    let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL at {admin}: {e}"));
    let create = format!("CREATE DATABASE {name}");
    sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(create))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = sqlx::Connection::close(conn).await;
    format!("postgres://postgres@127.0.0.1:{port}/{name}")
}

/// A store on a new, empty PostgreSQL database (see [`database_url`]).
pub async fn store() -> Store {
    let url: DatabaseUrl = database_url().await.parse().unwrap_or_else(|e| match e {});
    let backend = Backend::from_url(Some(&url)).expect("a postgres URL");
    Store::connect(Path::new("/nonexistent"), &backend)
        .await
        .expect("the store opens on PostgreSQL")
}

fn start() -> Result<Server, String> {
    let bin = binaries()?;
    let dir = tempfile::Builder::new()
        .prefix("draagvlak-pg-")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?
        .keep();
    let as_postgres = is_root();
    if as_postgres {
        run(Command::new("chown").arg("-R").arg("postgres:").arg(&dir))?;
    }
    let data = dir.join("data");
    watchdog(&bin, &dir, &data, as_postgres)?;
    run(command(as_postgres, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
        .arg("--no-locale"))?;
    let mut last = String::new();
    // A port found free can be taken before the server binds it: try a few.
    for _ in 0..3 {
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c full_page_writes=off -c max_connections=300",
            dir.display()
        );
        let started = run(command(as_postgres, &bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]));
        match started {
            Ok(()) => return Ok(Server { port }),
            Err(e) => {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                last = format!("{e}\n{log}");
            }
        }
    }
    Err(last)
}

/// `/usr/lib/postgresql/<version>/bin` of the newest version installed.
fn binaries() -> Result<PathBuf, String> {
    let root = Path::new("/usr/lib/postgresql");
    let entries = std::fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
        .ok_or_else(|| format!("no {}/<version>/bin/initdb", root.display()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program`, run as the `postgres` user when `as_postgres`.
fn command(as_postgres: bool, program: &Path) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Stop the server and remove `dir` once this process has ended, however it ends.
fn watchdog(bin: &Path, dir: &Path, data: &Path, as_postgres: bool) -> Result<(), String> {
    let runuser = if as_postgres {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         if [ -f '{data}/postmaster.pid' ]; then {runuser}'{pg_ctl}' -D '{data}' -m immediate stop; fi; \
         rm -rf '{dir}'",
        pid = std::process::id(),
        data = data.display(),
        pg_ctl = bin.join("pg_ctl").display(),
        dir = dir.display(),
    );
    Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the clean-up watchdog: {e}"))
}
