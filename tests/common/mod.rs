//! Test harness: a real HTTP server on 127.0.0.1 serving fixtures, a temp workspace with a config
//! and rule files, and the real `trawl` binary. Nothing here reaches beyond loopback.
#![allow(dead_code)]

pub mod html;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::Response;

pub mod sinks;

/// What the server answers on one path.
#[derive(Debug, Clone)]
pub struct Route {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route { status: 200, content_type: Some(content_type.into()), body: body.into(), delay: Duration::ZERO }
    }
    pub fn status(status: u16) -> Route {
        Route { status, content_type: Some("text/plain".into()), body: b"server error".to_vec(), delay: Duration::ZERO }
    }
    pub fn delayed(mut self, d: Duration) -> Route {
        self.delay = d;
        self
    }
}

/// Routes by path (or path and query, which wins), and every request's path and query in order.
#[derive(Default)]
struct ServerState {
    routes: HashMap<String, Route>,
    requests: Vec<String>,
}

type Routes = Arc<Mutex<ServerState>>;

/// A loopback HTTP server whose answers tests can change while it runs.
pub struct Server {
    pub addr: SocketAddr,
    routes: Routes,
}

impl Server {
    pub fn start() -> Server {
        let routes: Routes = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let state = routes.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(serve).with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        Server { addr: rx.recv().unwrap(), routes }
    }

    /// Serves `route` on `path`; a `path` with `?query` answers only that query, before a route
    /// on the bare path.
    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().routes.insert(path.to_string(), route);
    }

    /// How many requests asked for `path_and_query` (exactly as requested).
    pub fn requests(&self, path_and_query: &str) -> usize {
        self.routes.lock().unwrap().requests.iter().filter(|r| *r == path_and_query).count()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

async fn serve(State(routes): State<Routes>, uri: Uri) -> Response {
    let full = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str()).to_string();
    let route = {
        let mut state = routes.lock().unwrap();
        state.requests.push(full.clone());
        state.routes.get(&full).or_else(|| state.routes.get(uri.path())).cloned()
    };
    let Some(route) = route else {
        return Response::builder().status(404).body(Body::from("not found")).unwrap();
    };
    tokio::time::sleep(route.delay).await;
    let mut b = Response::builder().status(StatusCode::from_u16(route.status).unwrap());
    if let Some(ct) = &route.content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(Body::from(route.body)).unwrap()
}

/// A URL on loopback where nothing listens (connection refused).
pub fn refused_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/feed.xml")
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A temp folder with `trawl.toml`, `rules/` and (after a run) `data/`.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A workspace with the test rules and a config listing `sources` as (name, url).
    pub fn new(sources: &[(&str, String)]) -> Workspace {
        let ws = Workspace { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(ws.path("rules")).unwrap();
        std::fs::copy(fixtures_dir().join("rules/test.toml"), ws.path("rules/test.toml")).unwrap();
        ws.write_config(sources, "");
        ws
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn config(&self) -> PathBuf {
        self.path("trawl.toml")
    }

    pub fn write_config(&self, sources: &[(&str, String)], extra_fetch: &str) {
        // Tests run many sources against one loopback host: no spacing unless a test asks for it.
        let spacing = if extra_fetch.contains("host_delay") { "" } else { "host_delay = \"0s\"\n" };
        let mut cfg = format!("[fetch]\ntimeout = \"2s\"\nconcurrency = 3\n{spacing}{extra_fetch}\n");
        for (name, url) in sources {
            cfg += &format!("\n[[source]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n");
        }
        std::fs::write(self.config(), cfg).unwrap();
    }

    /// The real binary, pointed at this workspace's config.
    pub fn trawl(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("trawl").unwrap();
        cmd.arg("-c").arg(self.config()).env("RUST_LOG", "warn").env_remove("TRAWL_CONFIG");
        cmd
    }

    /// Runs `trawl` with `args`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.trawl().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `hits list --format json`, parsed.
    pub fn hits(&self) -> Vec<serde_json::Value> {
        let (code, out, err) = self.run(&["hits", "list", "--format", "json"]);
        assert_eq!(code, 0, "hits list failed: {err}");
        serde_json::from_str(&out).unwrap()
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path("data/trawl.db")).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// A running `trawl run` with its stderr going to a file.
pub struct Daemon {
    pub child: std::process::Child,
    pub log: PathBuf,
}

impl Daemon {
    /// Starts `trawl run` on the workspace's config, with extra environment variables.
    pub fn start(ws: &Workspace, env: &[(&str, &str)]) -> Daemon {
        let log = ws.path(&format!(
            "daemon-{}.log",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("trawl"));
        cmd.arg("-c")
            .arg(ws.config())
            .arg("run")
            .env("RUST_LOG", "info")
            .env_remove("TRAWL_CONFIG")
            .env_remove("NOTIFY_SOCKET");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdout(std::process::Stdio::null()).stderr(std::fs::File::create(&log).unwrap());
        Daemon { child: cmd.spawn().unwrap(), log }
    }

    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{sig} failed");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit within `limit`; returns its exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let end = std::time::Instant::now() + limit;
        while std::time::Instant::now() < end {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `cond` every 100 ms until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + limit;
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

impl Workspace {
    /// Like `count`, but 0 when the database or table does not exist yet.
    pub fn count_or_zero(&self, sql: &str) -> i64 {
        if !self.path("data/trawl.db").exists() {
            return 0;
        }
        let db = self.db();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        db.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
    }

    /// Writes a raw config file.
    pub fn write_raw_config(&self, text: &str) {
        std::fs::write(self.config(), text).unwrap();
    }
}

/// A config with a seconds-level schedule for daemon tests.
pub fn daemon_config(sources: &[(&str, String)], cron: &str, extra: &str) -> String {
    let mut cfg = daemon_config_with(cron, extra, "");
    for (name, url) in sources {
        cfg += &format!("\n[[source]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n");
    }
    cfg
}

/// Like [`daemon_config`], with `sources` as TOML text (`[[source]]` tables of any kind).
pub fn daemon_config_with(cron: &str, extra: &str, sources: &str) -> String {
    format!(
        "[fetch]\ntimeout = \"60s\"\nconcurrency = 2\nhost_delay = \"0s\"\n\n[daemon]\nshutdown_grace = \"2s\"\n\n[schedules.fast]\ncron = [\"{cron}\"]\n{extra}\n{sources}"
    )
}
