//! Mail over TLS: the real binary sends alerts to loopback SMTP servers that speak STARTTLS and
//! implicit TLS with a certificate from a CA made at test time — trusted through the channel's
//! `ca_file`, refused (and the failure recorded) without it.

mod common;

use common::sinks::{SmtpSink, SmtpTls, TestCa};
use common::{Route, Server, Workspace, fixture};

/// A workspace watching a feed with two serious hits; `channels` is appended to its config.
fn setup(channels: &str) -> (Server, Workspace) {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    let extra = format!("[digest]\nlanguage = \"en\"\n[delivery]\nretry_initial = \"1h\"\n{channels}");
    ws.write_config(&[("rss2", s.url("/rss2.xml"))], &extra);
    (s, ws)
}

/// An smtp channel to `port` on loopback with AUTH (password from the environment).
fn channel(name: &str, port: u16, security: &str, ca_file: Option<&str>) -> String {
    let ca = ca_file.map(|f| format!("ca_file = \"{f}\"\n")).unwrap_or_default();
    format!(
        "[[channel]]\nname = \"{name}\"\ntype = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\n\
         username = \"desk\"\npassword_env = \"TRAWL_TEST_SMTP_PASSWORD\"\n{ca}\
         from = \"trawl <trawl@example.org>\"\nto = [\"desk@example.org\"]\n"
    )
}

fn once(ws: &Workspace) -> String {
    let out = ws.trawl().env("TRAWL_TEST_SMTP_PASSWORD", "s3cret").arg("once").output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn mail_goes_out_over_starttls_and_implicit_tls_trusting_the_ca_file() {
    let ca = TestCa::new();
    let starttls = SmtpSink::start_with(0, SmtpTls::Starttls(ca.acceptor.clone()));
    let implicit = SmtpSink::start_with(0, SmtpTls::Implicit(ca.acceptor.clone()));
    let plain = SmtpSink::start_on(0); // offers no STARTTLS
    let (_s, ws) = setup(&format!(
        "{}{}{}",
        channel("starttls", starttls.port, "starttls", Some("certs/desk-ca.pem")),
        channel("tls", implicit.port, "tls", Some("certs/desk-ca.pem")),
        channel("downgraded", plain.port, "starttls", Some("certs/desk-ca.pem")),
    ));
    std::fs::create_dir_all(ws.path("certs")).unwrap();
    std::fs::write(ws.path("certs/desk-ca.pem"), &ca.pem).unwrap();
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 0, "{out}\n{err}");

    let out = once(&ws);
    assert!(out.contains("deliveries: 2 sent, 1 failed"), "{out}");
    for (name, sink) in [("starttls", &starttls), ("tls", &implicit)] {
        let mails = sink.mails();
        assert_eq!(mails.len(), 1, "{name}: {mails:?}\n{:?}", sink.tls_errors());
        assert!(mails[0].tls, "{name}: the mail came over TLS");
        assert_eq!(mails[0].auth.as_deref(), Some("AGRlc2sAczNjcmV0"), "{name}: AUTH PLAIN, inside TLS");
        assert!(mails[0].parsed().subject().unwrap().starts_with("ALERT — 2 serious hits on rss2"), "{name}");
    }
    // `starttls` is required, never opportunistic: no mail and no password in plain text.
    assert!(plain.mails().is_empty(), "{:?}", plain.mails());
    let (_, list, _) = ws.run(&["deliveries", "--status", "pending", "--format", "json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["channel"], "downgraded");
    assert!(list[0]["last_error"].as_str().unwrap().contains("STARTTLS"), "{list:?}");
}

#[test]
fn without_the_ca_file_the_certificate_is_refused_and_deliveries_says_why() {
    let ca = TestCa::new();
    let starttls = SmtpSink::start_with(0, SmtpTls::Starttls(ca.acceptor.clone()));
    let implicit = SmtpSink::start_with(0, SmtpTls::Implicit(ca.acceptor.clone()));
    let (_s, ws) = setup(&format!(
        "{}{}",
        channel("starttls", starttls.port, "starttls", None),
        channel("tls", implicit.port, "tls", None)
    ));
    let out = once(&ws);
    assert!(out.contains("deliveries: 0 sent, 2 failed"), "{out}");
    assert!(starttls.mails().is_empty() && implicit.mails().is_empty());
    assert!(!starttls.tls_errors().is_empty() && !implicit.tls_errors().is_empty(), "the handshakes were refused");

    let (code, list, _) = ws.run(&["deliveries", "--format", "json"]);
    assert_eq!(code, 0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    for d in &list {
        assert_eq!(d["status"], "pending", "kept for retry: {d}");
        let err = d["last_error"].as_str().unwrap();
        assert!(err.contains("certificate") && err.contains("'ca_file'"), "{err}");
    }
    let (_, table, _) = ws.run(&["deliveries"]);
    assert!(table.contains("invalid peer certific"), "{table}");
}

#[test]
fn check_rejects_a_ca_file_that_is_missing_empty_or_useless() {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.path("empty.pem"), "not a certificate\n").unwrap();
    let cfg = "[[channel]]\nname = \"a\"\ntype = \"smtp\"\nhost = \"mail.example.org\"\nfrom = \"t@example.org\"\nto = [\"d@example.org\"]\nca_file = \"missing.pem\"\n\n\
               [[channel]]\nname = \"b\"\ntype = \"smtp\"\nhost = \"mail.example.org\"\nfrom = \"t@example.org\"\nto = [\"d@example.org\"]\nca_file = \"empty.pem\"\n\n\
               [[channel]]\nname = \"c\"\ntype = \"smtp\"\nhost = \"localhost\"\nsecurity = \"none\"\nfrom = \"t@example.org\"\nto = [\"d@example.org\"]\nca_file = \"empty.pem\"\n";
    ws.write_raw_config(cfg);
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 2, "{out}");
    let p = ws.config().display().to_string();
    let dir = ws.dir.path().display().to_string();
    let lines: Vec<&str> = err.lines().collect();
    let want = [
        format!("{p}:7:11: cannot read ca_file '{dir}/missing.pem': "),
        format!("{p}:15:11: ca_file '{dir}/empty.pem' holds no certificate (-----BEGIN CERTIFICATE-----)"),
        format!("{p}:24:11: 'ca_file' needs security = \"starttls\" or \"tls\""),
    ];
    assert_eq!(lines.len(), want.len(), "{err}");
    for (l, w) in lines.iter().zip(&want) {
        assert!(l.starts_with(w.as_str()), "{l}\n  should start with\n{w}");
    }
}
