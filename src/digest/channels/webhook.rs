//! The `webhook` channel: a JSON POST. Each body format is a small JSON shape with placeholders
//! (`$subject`, `$text`, `$markdown`, `$key`, `$kind`), so adding a chat tool is adding a row.
//! Chat formats carry the idempotency key in the text's last line; every request also sends it
//! as the `Idempotency-Key` header.

use serde_json::{Value, json};

use crate::config::WebhookFormat;
use crate::digest::Message;

fn shape(format: WebhookFormat) -> Value {
    match format {
        WebhookFormat::Generic => json!({
            "idempotency_key": "$key", "kind": "$kind", "subject": "$subject", "text": "$text",
            "markdown": "$markdown", "data": "$data"
        }),
        WebhookFormat::Dingtalk => {
            json!({"msgtype": "markdown", "markdown": {"title": "$subject", "text": "$markdown"}})
        }
        WebhookFormat::Wecom => json!({"msgtype": "markdown", "markdown": {"content": "$markdown"}}),
        WebhookFormat::Feishu => json!({"msg_type": "text", "content": {"text": "$text"}}),
        WebhookFormat::Slack => json!({"text": "$text"}),
    }
}

/// The request body for `msg` in `format`.
pub fn body(format: WebhookFormat, msg: &Message, key: &str) -> Value {
    let footer = if format == WebhookFormat::Generic { String::new() } else { format!("\n\n(trawl id: {key})") };
    fill(shape(format), msg, key, &footer)
}

fn fill(v: Value, msg: &Message, key: &str, footer: &str) -> Value {
    match v {
        Value::String(s) => match s.as_str() {
            "$key" => Value::from(key),
            "$kind" => Value::from(msg.kind.clone()),
            "$subject" => Value::from(msg.subject.clone()),
            "$text" => Value::from(format!("{}{footer}", msg.text.trim_end())),
            "$markdown" => Value::from(format!("{}{footer}", msg.markdown.trim_end())),
            "$data" => msg.data.clone(),
            _ => Value::String(s),
        },
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, fill(v, msg, key, footer))).collect()),
        other => other,
    }
}

pub async fn send(url: &str, format: WebhookFormat, msg: &Message, key: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(crate::fetch::DEFAULT_USER_AGENT)
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .post(url)
        .header("Idempotency-Key", key)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&body(format, msg, key)).expect("JSON values serialise"))
        .send()
        .await
        .map_err(|e| format!("POST {}: {e}", redact(url)))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        let text: String = text.chars().take(200).collect();
        return Err(format!("HTTP {status} from POST {}: {text}", redact(url)));
    }
    // DingTalk, WeCom and Feishu answer 200 with an error code in the body.
    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    for k in ["errcode", "code", "StatusCode"] {
        if let Some(code) = parsed.get(k).and_then(Value::as_i64).filter(|c| *c != 0) {
            return Err(format!("POST {}: {k} {code}: {}", redact(url), text.chars().take(200).collect::<String>()));
        }
    }
    Ok(())
}

/// The URL without its query (chat webhooks carry their token there).
fn redact(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}
