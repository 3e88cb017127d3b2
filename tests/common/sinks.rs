//! Loopback receivers for deliveries: a tiny SMTP server and a webhook receiver that records
//! every request. Both run on 127.0.0.1 only and can be started on a chosen port, so a test can
//! have the port refuse connections first and accept them later.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A port on loopback where nothing listens yet.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One mail as the SMTP sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body), dot-unstuffed.
    pub data: String,
    pub auth: Option<String>,
}

impl Mail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(self.data.as_bytes()).expect("a parseable mail")
    }
}

/// A minimal SMTP server: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub fn start_on(port: u16) -> SmtpSink {
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let state = mails.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
                tx.send(listener.local_addr().unwrap().port()).unwrap();
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    tokio::spawn(session(stream, state.clone()));
                }
            });
        });
        SmtpSink { port: rx.recv().unwrap(), mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn session(stream: tokio::net::TcpStream, mails: Arc<Mutex<Vec<Mail>>>) {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    let mut mail = Mail { from: String::new(), to: Vec::new(), data: String::new(), auth: None };
    let _ = w.write_all(b"220 sink ESMTP ready\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper.starts_with("NOOP") {
            b"250 ok\r\n"
        } else if upper.starts_with("AUTH PLAIN") {
            mail.auth = line.split_whitespace().nth(2).map(str::to_string);
            b"235 ok\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = addr(&line);
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(addr(&line));
            b"250 ok\r\n"
        } else if upper == "DATA" {
            let _ = w.write_all(b"354 go on\r\n").await;
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data += l.strip_prefix('.').unwrap_or(&l);
                data += "\r\n";
            }
            mail.data = data;
            mails.lock().unwrap().push(mail.clone());
            mail.to.clear();
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = w.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"502 not implemented\r\n"
        };
        if w.write_all(reply).await.is_err() {
            return;
        }
    }
}

fn addr(line: &str) -> String {
    let s = line.split_once(':').map_or("", |(_, a)| a).trim();
    s.trim_start_matches('<').split('>').next().unwrap_or("").to_string()
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    pub idempotency_key: Option<String>,
    pub body: serde_json::Value,
}

#[derive(Clone)]
struct HookState {
    hooks: Arc<Mutex<Vec<Hook>>>,
    status: Arc<AtomicU16>,
}

/// An HTTP server recording every POST; answers `status` (200 unless changed), and records
/// only the requests it answered with success.
pub struct HookReceiver {
    pub addr: SocketAddr,
    state: HookState,
}

impl HookReceiver {
    pub fn start() -> HookReceiver {
        let state = HookState { hooks: Arc::default(), status: Arc::new(AtomicU16::new(200)) };
        let (tx, rx) = std::sync::mpsc::channel();
        let st = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(record).with_state(st);
                axum::serve(listener, app).await.unwrap();
            });
        });
        HookReceiver { addr: rx.recv().unwrap(), state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set_status(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// Successful requests to `path`.
    pub fn hooks(&self, path: &str) -> Vec<Hook> {
        self.state.hooks.lock().unwrap().iter().filter(|h| h.path == path).cloned().collect()
    }
}

async fn record(State(st): State<HookState>, uri: Uri, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let status = StatusCode::from_u16(st.status.load(Ordering::SeqCst)).unwrap();
    if status.is_success() {
        st.hooks.lock().unwrap().push(Hook {
            path: uri.path().to_string(),
            idempotency_key: headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string),
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
        (status, r#"{"errcode":0}"#.to_string())
    } else {
        (status, "boom".to_string())
    }
}
