//! Loopback receivers for deliveries: a tiny SMTP server (plain, STARTTLS or implicit TLS, with a
//! certificate made at test time) and a webhook receiver that records every request. Both run on
//! 127.0.0.1 only and can be started on a chosen port, so a test can have the port refuse
//! connections first and accept them later.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_rustls::TlsAcceptor;

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
    /// Whether the mail (and any AUTH before it) came over TLS.
    pub tls: bool,
}

impl Mail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(self.data.as_bytes()).expect("a parseable mail")
    }
}

/// How the SMTP sink speaks TLS.
#[derive(Clone)]
pub enum SmtpTls {
    /// Plain text only; STARTTLS is not offered.
    None,
    /// Plain text that offers STARTTLS (the submission port, 587).
    Starttls(TlsAcceptor),
    /// TLS from the first byte (the submissions port, 465).
    Implicit(TlsAcceptor),
}

/// A certificate authority made at test time and a server certificate it issued for
/// `localhost` and `127.0.0.1`, as a desk's internal CA would.
pub struct TestCa {
    /// The CA's certificate, PEM: what a client is told to trust.
    pub pem: String,
    pub acceptor: TlsAcceptor,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        use tokio_rustls::rustls;
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "trawl test CA");
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let mut server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        server.distinguished_name.push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().unwrap();
        let cert = server.signed_by(&key, &ca).unwrap();
        let key = rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone(), ca.der().clone()], key.into())
            .unwrap();
        TestCa { pem: ca.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) }
    }
}

/// A minimal SMTP server: EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    tls_errors: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub fn start_on(port: u16) -> SmtpSink {
        SmtpSink::start_with(port, SmtpTls::None)
    }

    pub fn start_with(port: u16, tls: SmtpTls) -> SmtpSink {
        let (mails, tls_errors): (Arc<Mutex<Vec<Mail>>>, Arc<Mutex<Vec<String>>>) = Default::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (m, e) = (mails.clone(), tls_errors.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
                tx.send(listener.local_addr().unwrap().port()).unwrap();
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    tokio::spawn(connection(stream, tls.clone(), m.clone(), e.clone()));
                }
            });
        });
        SmtpSink { port: rx.recv().unwrap(), mails, tls_errors }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Why TLS handshakes failed, as the server saw it (a client that refused the certificate).
    pub fn tls_errors(&self) -> Vec<String> {
        self.tls_errors.lock().unwrap().clone()
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How a session ended: the client left, or asked for STARTTLS on this plain stream.
enum Next {
    Done,
    Upgrade(Box<dyn Io>),
}

async fn connection(
    stream: tokio::net::TcpStream,
    tls: SmtpTls,
    mails: Arc<Mutex<Vec<Mail>>>,
    errors: Arc<Mutex<Vec<String>>>,
) {
    let mut io: Box<dyn Io> = match &tls {
        SmtpTls::Implicit(acceptor) => match acceptor.accept(stream).await {
            Ok(s) => Box::new(s),
            Err(e) => return errors.lock().unwrap().push(e.to_string()),
        },
        _ => Box::new(stream),
    };
    let mut secure = matches!(tls, SmtpTls::Implicit(_));
    let mut greet = true;
    loop {
        let offer = matches!(tls, SmtpTls::Starttls(_)) && !secure;
        match session(io, greet, offer, secure, &mails).await {
            Next::Done => return,
            Next::Upgrade(plain) => {
                let SmtpTls::Starttls(acceptor) = &tls else { return };
                match acceptor.accept(plain).await {
                    Ok(s) => io = Box::new(s),
                    Err(e) => return errors.lock().unwrap().push(e.to_string()),
                }
                (secure, greet) = (true, false);
            }
        }
    }
}

async fn session(io: Box<dyn Io>, greet: bool, offer_starttls: bool, tls: bool, mails: &Mutex<Vec<Mail>>) -> Next {
    let mut io = BufReader::new(io);
    let mut mail = Mail { from: String::new(), to: Vec::new(), data: String::new(), auth: None, tls };
    if greet && reply(&mut io, b"220 sink ESMTP ready\r\n").await.is_err() {
        return Next::Done;
    }
    while let Some(line) = read_line(&mut io).await {
        let upper = line.to_ascii_uppercase();
        let answer: &[u8] = if upper.starts_with("EHLO") {
            if offer_starttls {
                b"250-sink\r\n250-STARTTLS\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else {
                b"250-sink\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            }
        } else if upper == "STARTTLS" && offer_starttls {
            if reply(&mut io, b"220 go ahead\r\n").await.is_err() {
                return Next::Done;
            }
            return Next::Upgrade(io.into_inner());
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
            if reply(&mut io, b"354 go on\r\n").await.is_err() {
                return Next::Done;
            }
            let mut data = String::new();
            while let Some(l) = read_line(&mut io).await {
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
            let _ = reply(&mut io, b"221 bye\r\n").await;
            return Next::Done;
        } else {
            b"502 not implemented\r\n"
        };
        if reply(&mut io, answer).await.is_err() {
            return Next::Done;
        }
    }
    Next::Done
}

/// One line without its line ending; `None` at the end of the stream.
async fn read_line(io: &mut BufReader<Box<dyn Io>>) -> Option<String> {
    let mut line = String::new();
    match io.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

async fn reply(io: &mut BufReader<Box<dyn Io>>, bytes: &[u8]) -> std::io::Result<()> {
    io.write_all(bytes).await?;
    io.flush().await
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
