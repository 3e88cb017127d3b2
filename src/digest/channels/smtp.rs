//! The `smtp` channel (lettre, rustls): one mail to every recipient, plain text and HTML as
//! alternatives, `Message-ID` derived from the idempotency key so a duplicate is recognisable.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{CaFile, ChannelKind, Security};
use crate::digest::Message;

pub async fn send(kind: &ChannelKind, msg: &Message, key: &str) -> Result<(), String> {
    let ChannelKind::Smtp { host, port, security, username, password, password_env, from, to, ca_file } = kind else {
        return Err("not an smtp channel".into());
    };
    let mut builder =
        transport(host, *security, ca_file.as_ref())?.port(*port).timeout(Some(std::time::Duration::from_secs(30)));
    if let Some(user) = username {
        let pass = super::secret(password.as_deref(), password_env.as_deref(), "smtp password")?;
        builder = builder.credentials(Credentials::new(user.clone(), pass));
    }
    let mail = build(msg, key, from, to, host)?;
    builder.build().send(mail).await.map_err(|e| {
        let e = e.to_string();
        // An internal CA is the usual reason; say where the fix goes.
        let hint = if e.contains("certificate") && ca_file.is_none() {
            " (if the server's certificate is issued by a private CA, name it in the channel's 'ca_file')"
        } else {
            ""
        };
        format!("smtp {host}:{port}: {e}{hint}")
    })?;
    Ok(())
}

/// A transport for `security`: TLS verified against the public roots and `ca`'s certificates.
fn transport(host: &str, security: Security, ca: Option<&CaFile>) -> Result<AsyncSmtpTransportBuilder, String> {
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host);
    let params = || {
        let mut b = TlsParameters::builder(host.to_string());
        for der in ca.iter().flat_map(|c| &c.certs) {
            let path = ca.map(|c| c.path.display().to_string()).unwrap_or_default();
            let cert = Certificate::from_der(der.clone()).map_err(|e| format!("ca_file '{path}': {e}"))?;
            b = b.add_root_certificate(cert);
        }
        b.build().map_err(|e| format!("smtp {host}: TLS setup failed: {e}"))
    };
    Ok(match security {
        Security::Tls => builder.tls(Tls::Wrapper(params()?)),
        // Required, not opportunistic: a server that does not offer STARTTLS fails the send.
        Security::Starttls => builder.tls(Tls::Required(params()?)),
        Security::None => builder,
    })
}

fn build(msg: &Message, key: &str, from: &str, to: &[String], host: &str) -> Result<lettre::Message, String> {
    let parse = |a: &str| a.parse::<Mailbox>().map_err(|e| format!("invalid address '{a}': {e}"));
    let mut b = lettre::Message::builder()
        .from(parse(from)?)
        .subject(msg.subject.clone())
        .message_id(Some(format!("<{key}@trawl.{host}>")));
    for t in to {
        b = b.to(parse(t)?);
    }
    b.multipart(MultiPart::alternative_plain_html(msg.text.clone(), msg.html.clone())).map_err(|e| e.to_string())
}
