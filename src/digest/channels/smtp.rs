//! The `smtp` channel (lettre, rustls): one mail to every recipient, plain text and HTML as
//! alternatives, `Message-ID` derived from the idempotency key so a duplicate is recognisable.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{ChannelKind, Security};
use crate::digest::Message;

pub async fn send(kind: &ChannelKind, msg: &Message, key: &str) -> Result<(), String> {
    let ChannelKind::Smtp { host, port, security, username, password, password_env, from, to } = kind else {
        return Err("not an smtp channel".into());
    };
    let builder = match security {
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        Security::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())),
    }
    .map_err(|e| format!("smtp {host}: {e}"))?;
    let mut builder = builder.port(*port).timeout(Some(std::time::Duration::from_secs(30)));
    if let Some(user) = username {
        let pass = super::secret(password.as_deref(), password_env.as_deref(), "smtp password")?;
        builder = builder.credentials(Credentials::new(user.clone(), pass));
    }
    let mail = build(msg, key, from, to, host)?;
    builder.build().send(mail).await.map_err(|e| format!("smtp {host}:{port}: {e}"))?;
    Ok(())
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
