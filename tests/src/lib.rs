//! Test harness: start the real server on a loopback port (in this process, or as a separate
//! process that can be killed), and create sessions through its HTTP API.
//!
//! The tests themselves live in `tests/tests/*.rs` and talk to the server only over sockets,
//! through the Rust client library or raw WebSocket frames.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use draagvlak_protocol::api::{CreateSession, SessionCreated};
use draagvlak_server::{Config, Server};

/// A server running inside the test process.
pub struct InProcess {
    pub addr: SocketAddr,
    server: Option<Server>,
    /// Keeps the data directory alive for the server's lifetime.
    pub data: tempfile::TempDir,
}

impl InProcess {
    /// Start a server on 127.0.0.1, port 0, with a fresh data directory.
    pub async fn start() -> InProcess {
        let data = tempfile::tempdir().expect("temp dir");
        Self::start_in(data).await
    }

    /// Start a server with a given configuration tweak.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> InProcess {
        let data = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_tests(data.path().to_path_buf());
        tweak(&mut config);
        let server = draagvlak_server::start(config).await.expect("server starts");
        InProcess {
            addr: server.addr,
            server: Some(server),
            data,
        }
    }

    async fn start_in(data: tempfile::TempDir) -> InProcess {
        let config = Config::for_tests(data.path().to_path_buf());
        let server = draagvlak_server::start(config).await.expect("server starts");
        InProcess {
            addr: server.addr,
            server: Some(server),
            data,
        }
    }

    pub fn http(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The server's state, for white-box checks (e.g. is a session loaded).
    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("running")
    }

    /// Shut down cleanly and wait until everything is stopped.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(server) = self.server.take() {
            server.shutdown();
            server.wait().await;
        }
        self.data
    }
}

/// The server binary running as a child process.
pub struct Process {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    child: Child,
}

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl Process {
    /// Start the server binary (pass `env!("CARGO_BIN_EXE_draagvlak-test-server")`) with
    /// `data_dir`, and wait until it listens.
    pub fn start(binary: &str, data_dir: &Path) -> Process {
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let child = Command::new(binary)
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--log")
            .arg("warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server binary starts");
        let p = Process {
            addr,
            data_dir: data_dir.to_path_buf(),
            child,
        };
        p.wait_healthy();
        p
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not start listening on {}", self.addr);
    }

    pub fn http(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for the process to exit; returns its exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Create a session through the HTTP API.
pub async fn create_session(http: &str, title: &str) -> SessionCreated {
    let body = CreateSession {
        title: title.to_string(),
        organisation: "Gemeente Zaanstad".into(),
        language: "nl".into(),
        template: "strategic-framework".into(),
    };
    let resp = reqwest::Client::new()
        .post(format!("{http}/api/sessions"))
        .json(&body)
        .send()
        .await
        .expect("POST /api/sessions");
    assert_eq!(resp.status().as_u16(), 201, "session created");
    resp.json().await.expect("SessionCreated body")
}
