//! Channels: where a message goes. Each `send` either delivers the whole message or returns why
//! not; the outbox decides about retries.

pub mod file;
pub mod smtp;
pub mod webhook;

use crate::config::{Channel, ChannelKind};

use super::Message;

/// Sends `msg` through `ch`; `key` is the delivery's idempotency key.
pub async fn send(ch: &Channel, msg: &Message, key: &str) -> Result<(), String> {
    match &ch.kind {
        ChannelKind::File { path, format } => file::send(path, format, msg, key).await,
        ChannelKind::Smtp { .. } => smtp::send(&ch.kind, msg, key).await,
        ChannelKind::Webhook { url, url_env, format } => {
            let url = secret(url.as_deref(), url_env.as_deref(), "url")?;
            webhook::send(&url, *format, msg, key).await
        }
    }
}

/// A secret from the config or, when `env` names a variable, from the environment.
pub fn secret(inline: Option<&str>, env: Option<&str>, what: &str) -> Result<String, String> {
    if let Some(var) = env {
        return std::env::var(var).map_err(|_| format!("environment variable {var} (for {what}) is not set"));
    }
    inline.map(str::to_string).ok_or_else(|| format!("no {what} configured"))
}
