//! Test harness: start the real server on a loopback port (in this process, or as a separate
//! process that can be killed), and create sessions through its HTTP API.
//!
//! The tests themselves live in `tests/tests/*.rs` and talk to the server only over sockets,
//! through the Rust client library or raw WebSocket frames.

pub mod docx;
pub mod postgres;

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
        init_logging();
        let mut config = Config::for_tests(data.path().to_path_buf());
        tweak(&mut config);
        let server = draagvlak_server::start(config)
            .await
            .expect("server starts");
        InProcess {
            addr: server.addr,
            server: Some(server),
            data,
        }
    }

    /// Start again on the data directory of a stopped server.
    pub async fn restart(data: tempfile::TempDir) -> InProcess {
        Self::start_in(data).await
    }

    async fn start_in(data: tempfile::TempDir) -> InProcess {
        init_logging();
        let config = Config::for_tests(data.path().to_path_buf());
        let server = draagvlak_server::start(config)
            .await
            .expect("server starts");
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

/// Server logs in test output, filtered by `TEST_LOG` (e.g. `TEST_LOG=debug`); off by default.
pub fn init_logging() {
    let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "off".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_test_writer()
        .try_init();
}

/// The server binary running as a child process.
pub struct Process {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    child: Child,
}

impl Process {
    /// Start the server binary (pass `env!("CARGO_BIN_EXE_draagvlak-test-server")`) with
    /// `data_dir`, and wait until it listens.
    pub fn start(binary: &str, data_dir: &Path) -> Process {
        Self::start_with(binary, data_dir, &["--log", "warn"], Stdio::inherit())
    }

    /// Like [`Process::start`], with more flags (e.g. `--idle-timeout-secs`).
    pub fn start_with_args(binary: &str, data_dir: &Path, args: &[&str]) -> Process {
        let flags: Vec<&str> = ["--log", "warn"]
            .iter()
            .copied()
            .chain(args.iter().copied())
            .collect();
        Self::start_with(binary, data_dir, &flags, Stdio::inherit())
    }

    /// Like [`Process::start`], with more flags (later ones win) and the server's standard
    /// error (its log) sent to `stderr`.
    pub fn start_with(binary: &str, data_dir: &Path, flags: &[&str], stderr: Stdio) -> Process {
        let mut child = Command::new(binary)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("server binary starts");
        // The test server prints `listening <addr>` once bound (port 0: no race for a port).
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            let mut lines = std::io::BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok);
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some(line)) => line,
            Ok(None) => panic!("server exited before listening: {:?}", child.wait()),
            Err(_) => panic!("server did not report its address within 60 s"),
        };
        let addr: SocketAddr = line
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"));
        Process {
            addr,
            data_dir: data_dir.to_path_buf(),
            child,
        }
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

    /// SIGSTOP: the process stands still (as in a VM pause or a long stall) until
    /// [`Process::resume`]; its sockets keep taking in what peers send.
    pub fn pause(&self) {
        let status = Command::new("kill")
            .arg("-STOP")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill -STOP");
        assert!(status.success());
    }

    /// SIGCONT after [`Process::pause`].
    pub fn resume(&self) {
        let status = Command::new("kill")
            .arg("-CONT")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill -CONT");
        assert!(status.success());
    }

    /// SIGTERM, then wait for the process to exit; returns its exit status.
    pub fn terminate(self) -> std::process::ExitStatus {
        self.signal("-TERM")
    }

    /// SIGINT (Ctrl-C), then wait for the process to exit; returns its exit status.
    pub fn interrupt(self) -> std::process::ExitStatus {
        self.signal("-INT")
    }

    fn signal(mut self, signal: &str) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg(signal)
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not stop within 30 s of {signal}");
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
        place: String::new(),
        language: "nl".into(),
        template: "strategic-framework".into(),
        agenda: None,
        follows: None,
        groups: None,
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

/// The JSON body of `GET {url}`; the request must succeed.
pub async fn get_json(url: &str) -> serde_json::Value {
    let resp = reqwest::get(url).await.expect("GET");
    assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
    resp.json().await.expect("a JSON body")
}

/// A session's public facts (`GET /api/sessions/{code}`), which must be there.
pub async fn public_session(http: &str, code: &str) -> serde_json::Value {
    let resp = reqwest::get(format!("{http}/api/sessions/{code}"))
        .await
        .expect("GET the session");
    assert_eq!(resp.status().as_u16(), 200, "session {code}");
    resp.json().await.expect("the session's facts")
}

/// A session's report in one format (`md`, `html`, `json`, `csv`, …), read as its facilitator;
/// the request must succeed.
pub async fn report(http: &str, code: &str, secret: &str, format: &str) -> String {
    String::from_utf8(report_bytes(http, code, secret, format).await).expect("a text report")
}

/// The same as [`report`], as bytes (for `xlsx` and `docx`).
pub async fn report_bytes(http: &str, code: &str, secret: &str, format: &str) -> Vec<u8> {
    let resp = reqwest::Client::new()
        .get(format!("{http}/api/sessions/{code}/report/{format}"))
        .bearer_auth(secret)
        .send()
        .await
        .expect("GET the report");
    assert_eq!(resp.status().as_u16(), 200, "the {format} report");
    resp.bytes().await.expect("the report's bytes").to_vec()
}

/// A PNG of `width`×`height` pixels, with noise when `noisy` (so that it compresses badly).
pub fn png(width: u32, height: u32, noisy: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("encode a PNG");
    let mut seed: u32 = 0x9e37_79b9;
    let pixels: Vec<u8> = (0..width * height * 3)
        .map(|i| {
            if noisy {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            } else {
                (i % 251) as u8
            }
        })
        .collect();
    writer.write_image_data(&pixels).expect("encode a PNG");
    writer.finish().expect("encode a PNG");
    out
}

/// POST a JSON body: the status and the JSON answer (`Null` when there is none).
pub async fn post_json(url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("POST");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// A bare WebSocket client that speaks raw frames, for protocol-level tests.
pub struct Raw {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    /// Every text frame received, in order.
    pub frames: Vec<String>,
    /// The view as this client knows it: the last snapshot with every delta since applied.
    pub live: Option<(u64, serde_json::Value)>,
    /// Deltas whose `base` did not match the live view (there should be none).
    pub gaps: usize,
}

/// What a raw client read.
#[derive(Debug)]
pub enum RawEvent {
    Json(serde_json::Value),
    Closed(Option<(u16, String)>),
}

impl Raw {
    pub async fn connect(ws_url: &str) -> Raw {
        let (ws, _) = tokio_tungstenite::connect_async(ws_url)
            .await
            .expect("websocket connects");
        Raw {
            ws,
            frames: Vec::new(),
            live: None,
            gaps: 0,
        }
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        use futures_util::SinkExt as _;
        let text: String = text.into();
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::text(text))
            .await
            .expect("send");
    }

    /// Send a text frame; an error (the server closed the connection) is returned, not a panic.
    pub async fn try_send_text(
        &mut self,
        text: impl Into<String>,
    ) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        use futures_util::SinkExt as _;
        let text: String = text.into();
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::text(text))
            .await
    }

    pub async fn send_json(&mut self, value: serde_json::Value) {
        self.send_text(value.to_string()).await;
    }

    /// Send a text frame with these bytes as they are, valid UTF-8 or not (a well-behaved
    /// client library refuses to).
    pub async fn send_raw_text(&mut self, bytes: Vec<u8>) {
        use futures_util::SinkExt as _;
        use tokio_tungstenite::tungstenite::protocol::frame::Frame;
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
        let frame = Frame::message(bytes, OpCode::Data(Data::Text), true);
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::Frame(frame))
            .await
            .expect("send");
    }

    /// Connect with extra request headers (`Host`, `Origin`, …); a refused upgrade gives its
    /// HTTP status and the error code of its body.
    pub async fn connect_with(
        ws_url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Raw, (u16, String)> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
        let mut req = ws_url.into_client_request().expect("a WebSocket URL");
        for (name, value) in headers {
            req.headers_mut().insert(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => Ok(Raw {
                ws,
                frames: Vec::new(),
                live: None,
                gaps: 0,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                let code = resp
                    .body()
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                    .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
                    .unwrap_or_default();
                Err((resp.status().as_u16(), code))
            }
            Err(e) => panic!("unexpected connection error {e}"),
        }
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        use futures_util::SinkExt as _;
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::binary(bytes))
            .await
            .expect("send");
    }

    /// The next JSON message or the close, within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<RawEvent> {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match msg {
                None | Some(Err(_)) => return Some(RawEvent::Closed(None)),
                Some(Ok(Message::Text(t))) => {
                    self.frames.push(t.to_string());
                    let v: serde_json::Value =
                        serde_json::from_str(t.as_str()).expect("server sends JSON");
                    self.track(&v);
                    return Some(RawEvent::Json(v));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(RawEvent::Closed(
                        frame.map(|f| (u16::from(f.code), f.reason.to_string())),
                    ));
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    fn track(&mut self, v: &serde_json::Value) {
        if v["type"] == "snapshot" {
            self.live = Some((v["rev"].as_u64().unwrap_or(0), v["view"].clone()));
        } else if v["type"] == "delta" {
            let base = v["base"].as_u64();
            match &mut self.live {
                Some((rev, view)) if Some(*rev) == base => {
                    let ops: json_patch::Patch =
                        serde_json::from_value(v["ops"].clone()).expect("delta ops are a patch");
                    json_patch::patch(view, &ops).expect("delta applies to the live view");
                    *rev = v["rev"].as_u64().unwrap_or(0);
                }
                _ => self.gaps += 1,
            }
        }
    }

    /// The next JSON message (panics on close or timeout).
    pub async fn json(&mut self) -> serde_json::Value {
        match self.next(Duration::from_secs(10)).await {
            Some(RawEvent::Json(v)) => v,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Read messages until one has `"type": ty`; returns it.
    pub async fn until_type(&mut self, ty: &str) -> serde_json::Value {
        loop {
            let v = self.json().await;
            if v["type"] == ty {
                return v;
            }
        }
    }

    /// Read until the connection closes; returns the close frame.
    pub async fn until_closed(&mut self) -> Option<(u16, String)> {
        loop {
            match self.next(Duration::from_secs(10)).await {
                Some(RawEvent::Closed(c)) => return c,
                Some(RawEvent::Json(_)) => continue,
                None => panic!("connection did not close"),
            }
        }
    }
}

/// Join messages, as raw JSON.
pub mod join {
    use serde_json::{Value, json};

    pub fn participant(code: &str, name: &str, group: &str) -> Value {
        json!({"type":"join","protocol":1,"role":"participant","code":code,"name":name,"group":group})
    }

    pub fn resume(code: &str, token: &str) -> Value {
        json!({"type":"join","protocol":1,"role":"resume","code":code,"token":token})
    }

    pub fn facilitator(code: &str, secret: &str) -> Value {
        json!({"type":"join","protocol":1,"role":"facilitator","code":code,"secret":secret})
    }

    pub fn projector(code: &str) -> Value {
        json!({"type":"join","protocol":1,"role":"projector","code":code})
    }
}

impl Raw {
    /// Connect, join, and read the welcome and snapshot. Returns the welcome.
    pub async fn join(ws_url: &str, join: serde_json::Value) -> (Raw, serde_json::Value) {
        let mut c = Raw::connect(ws_url).await;
        c.send_json(join).await;
        let welcome = c.until_type("welcome").await;
        c.until_type("snapshot").await;
        (c, welcome)
    }

    /// Send an intent without waiting.
    pub async fn intent(&mut self, id: &str, intent: serde_json::Value) {
        self.send_json(serde_json::json!({"type":"intent","id":id,"intent":intent}))
            .await;
    }

    /// Send an intent `on_behalf_of` a participant and wait for its reply.
    pub async fn act_for(
        &mut self,
        id: &str,
        intent: serde_json::Value,
        participant: &str,
    ) -> serde_json::Value {
        self.send_json(serde_json::json!({
            "type": "intent", "id": id, "intent": intent, "on_behalf_of": participant
        }))
        .await;
        loop {
            let v = self.json().await;
            if (v["type"] == "ack" || v["type"] == "reject") && v["id"] == id {
                return v;
            }
        }
    }

    /// Send an intent and wait for its reply (ack or reject), reading everything before it.
    pub async fn act(&mut self, id: &str, intent: serde_json::Value) -> serde_json::Value {
        self.intent(id, intent).await;
        loop {
            let v = self.json().await;
            if (v["type"] == "ack" || v["type"] == "reject") && v["id"] == id {
                return v;
            }
        }
    }

    /// Like [`Raw::act`], but panics on a reject. Returns the ack.
    pub async fn ok(&mut self, id: &str, intent: serde_json::Value) -> serde_json::Value {
        let v = self.act(id, intent).await;
        assert_eq!(v["type"], "ack", "intent {id} refused: {v}");
        v
    }

    /// Ask for a snapshot and return its view.
    pub async fn snapshot(&mut self) -> serde_json::Value {
        self.send_json(serde_json::json!({"type":"sync"})).await;
        self.until_type("snapshot").await["view"].clone()
    }
}
