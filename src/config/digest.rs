//! `[digest]`, `[[digest.schedule]]`, `[alerts]` and `[[channel]]`: what is reported, when, and
//! through which channels. Raw structs and their validation live together here so the rest of
//! the config code only gains one field.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::raw::RawConfig;
use super::validate::Checker;
use crate::rules::Severity;
use crate::schedule::{Cron, NamedSchedule};

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDigest {
    pub language: Option<Spanned<String>>,
    pub templates: Option<Spanned<String>>,
    #[serde(default)]
    pub schedule: Vec<RawDigestSchedule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDigestSchedule {
    pub name: Spanned<String>,
    pub cron: Vec<Spanned<String>>,
    pub on: Option<Spanned<String>>,
    pub zero_report: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAlerts {
    pub min_severity: Option<Spanned<String>>,
    pub source_down_after: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDelivery {
    pub retry_initial: Option<Spanned<String>>,
    pub retry_max: Option<Spanned<String>>,
    pub max_attempts: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub name: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub kinds: Option<Vec<Spanned<String>>>,
    pub min_severity: Option<Spanned<String>>,
    pub owners: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    // file
    pub path: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
    // smtp
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
    pub security: Option<Spanned<String>>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub from: Option<Spanned<String>>,
    pub to: Option<Vec<Spanned<String>>>,
    pub ca_file: Option<Spanned<String>>,
    // webhook
    pub url: Option<Spanned<String>>,
    pub url_env: Option<String>,
}

/// Everything about reporting hits.
#[derive(Debug, Clone)]
pub struct Notify {
    pub digest: DigestConfig,
    pub alerts: Alerts,
    pub channels: Vec<Channel>,
    pub delivery: Delivery,
    /// `[schedule] timezone`, which messages show times in.
    pub timezone: chrono_tz::Tz,
}

/// `[delivery]`: how failed deliveries are retried.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Wait after the first failure; doubles each attempt.
    pub retry_initial: Duration,
    /// The most a wait grows to.
    pub retry_max: Duration,
    /// Attempts before a delivery is marked `failed` (then only `trawl deliveries retry` resends).
    pub max_attempts: u32,
}

/// `[digest]`.
#[derive(Debug, Clone)]
pub struct DigestConfig {
    /// `zh` or `en`: which shipped templates render messages.
    pub language: String,
    /// A folder whose `*.j2` files override the shipped templates of the same name.
    pub templates: Option<PathBuf>,
    pub schedules: Vec<DigestSchedule>,
}

/// One `[[digest.schedule]]`: each fire covers the time since the previous fire of the same name.
#[derive(Debug, Clone)]
pub struct DigestSchedule {
    pub schedule: NamedSchedule,
    /// Send even when the period has no hits (a zero report). Default true.
    pub zero_report: bool,
}

/// `[alerts]`.
#[derive(Debug, Clone)]
pub struct Alerts {
    /// Hits at or above this severity are alerted as soon as their poll commits.
    pub min_severity: Severity,
    /// A source failing for longer than this produces one "source down" alert.
    pub source_down_after: Duration,
}

/// How a webhook body is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    Generic,
    Dingtalk,
    Wecom,
    Feishu,
    Slack,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on localhost.
    None,
}

/// What a channel is and where it delivers.
#[derive(Debug, Clone)]
pub enum ChannelKind {
    File {
        path: PathBuf,
        format: String,
    },
    Smtp {
        host: String,
        port: u16,
        security: Security,
        username: Option<String>,
        password: Option<String>,
        password_env: Option<String>,
        from: String,
        to: Vec<String>,
        /// Extra root certificates to trust (`ca_file`), besides the shipped public roots.
        ca_file: Option<CaFile>,
    },
    Webhook {
        url: Option<String>,
        url_env: Option<String>,
        format: WebhookFormat,
    },
}

/// An smtp channel's `ca_file`: PEM certificates read when the config is loaded.
#[derive(Debug, Clone)]
pub struct CaFile {
    pub path: PathBuf,
    /// The certificates, DER-encoded.
    pub certs: Vec<Vec<u8>>,
}

/// Which messages and hits a channel receives. Empty lists do not filter.
#[derive(Debug, Clone, Default)]
pub struct Route {
    /// `digest`, `alert`, `source-down` (empty: all).
    pub kinds: Vec<String>,
    pub min_severity: Option<Severity>,
    pub owners: Vec<String>,
    /// Rule tags.
    pub tags: Vec<String>,
}

/// One `[[channel]]`.
#[derive(Debug, Clone)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    pub route: Route,
}

pub(super) fn notify(c: &mut Checker, base: &Path, raw: &RawConfig, timezone: chrono_tz::Tz) -> Notify {
    let language = match &raw.digest.language {
        None => "zh".to_string(),
        Some(l) if matches!(l.get_ref().as_str(), "zh" | "en") => l.get_ref().clone(),
        Some(l) => c
            .error(l.span(), format!("unknown language '{}': expected \"zh\" or \"en\"", l.get_ref()))
            .unwrap_or_default(),
    };
    let templates = raw.digest.templates.as_ref().map(|t| base.join(t.get_ref()));
    let mut schedules: Vec<DigestSchedule> = Vec::new();
    for s in &raw.digest.schedule {
        if schedules.iter().any(|d| &d.schedule.name == s.name.get_ref()) {
            c.error::<()>(s.name.span(), format!("duplicate digest schedule name '{}'", s.name.get_ref()));
        }
        if let Some(d) = digest_schedule(c, s) {
            schedules.push(d);
        }
    }
    let alerts = Alerts {
        min_severity: severity(c, &raw.alerts.min_severity).unwrap_or(Severity::High),
        source_down_after: match &raw.alerts.source_down_after {
            None => Duration::from_secs(6 * 3600),
            some => c.duration_or_zero(some),
        },
    };
    let mut channels: Vec<Channel> = Vec::new();
    for ch in &raw.channel {
        if channels.iter().any(|x| &x.name == ch.name.get_ref()) {
            c.error::<()>(ch.name.span(), format!("duplicate channel name '{}'", ch.name.get_ref()));
        }
        if let Some(ch) = channel(c, base, ch) {
            channels.push(ch);
        }
    }
    let d = &raw.delivery;
    let delivery = Delivery {
        retry_initial: c.duration(&d.retry_initial, Duration::from_secs(30)),
        retry_max: c.duration(&d.retry_max, Duration::from_secs(3600)),
        max_attempts: c.positive(&d.max_attempts, "max_attempts", 20).min(u64::from(u32::MAX)) as u32,
    };
    Notify { digest: DigestConfig { language, templates, schedules }, alerts, channels, delivery, timezone }
}

fn digest_schedule(c: &mut Checker, s: &RawDigestSchedule) -> Option<DigestSchedule> {
    if s.cron.is_empty() {
        c.error::<()>(s.name.span(), format!("digest schedule '{}' has no cron expressions", s.name.get_ref()));
    }
    let crons: Vec<Option<Cron>> =
        s.cron.iter().map(|e| Cron::parse(e.get_ref()).map_err(|m| c.error::<()>(e.span(), m)).ok()).collect();
    let on = super::schedule::on(c, &s.on);
    let crons: Option<Vec<Cron>> = crons.into_iter().collect();
    Some(DigestSchedule {
        schedule: NamedSchedule { name: s.name.get_ref().clone(), crons: crons?, on: on? },
        zero_report: s.zero_report.unwrap_or(true),
    })
}

fn severity(c: &mut Checker, raw: &Option<Spanned<String>>) -> Option<Severity> {
    let v = raw.as_ref()?;
    Severity::parse(v.get_ref()).or_else(|| {
        c.error(v.span(), format!("unknown severity '{}': expected low, medium, high or critical", v.get_ref()))
    })
}

fn required<'a>(c: &mut Checker, ch: &RawChannel, v: &'a Option<Spanned<String>>, key: &str) -> Option<&'a str> {
    match v {
        Some(v) => Some(v.get_ref().as_str()),
        None => c.error(
            ch.kind.span(),
            format!("channel '{}' of type '{}' needs '{key}'", ch.name.get_ref(), ch.kind.get_ref()),
        ),
    }
}

fn channel(c: &mut Checker, base: &Path, ch: &RawChannel) -> Option<Channel> {
    let route = route(c, ch);
    let kind = match ch.kind.get_ref().as_str() {
        "file" => {
            let path = base.join(required(c, ch, &ch.path, "path")?);
            let format = match &ch.format {
                None => "markdown".to_string(),
                Some(f) if matches!(f.get_ref().as_str(), "markdown" | "html" | "text" | "json") => f.get_ref().clone(),
                Some(f) => c.error(
                    f.span(),
                    format!("unknown file format '{}': expected markdown, html, text or json", f.get_ref()),
                )?,
            };
            ChannelKind::File { path, format }
        }
        "smtp" => smtp(c, base, ch)?,
        "webhook" => {
            if ch.url.is_none() && ch.url_env.is_none() {
                return c.error(
                    ch.kind.span(),
                    format!("webhook channel '{}' needs 'url' or 'url_env'", ch.name.get_ref()),
                );
            }
            if let Some(u) = &ch.url
                && url::Url::parse(u.get_ref()).is_err()
            {
                return c.error(u.span(), format!("bad webhook URL '{}'", u.get_ref()));
            }
            let format = match ch.format.as_ref().map(|f| (f, f.get_ref().as_str())) {
                None | Some((_, "generic")) => WebhookFormat::Generic,
                Some((_, "dingtalk")) => WebhookFormat::Dingtalk,
                Some((_, "wecom")) => WebhookFormat::Wecom,
                Some((_, "feishu")) => WebhookFormat::Feishu,
                Some((_, "slack")) => WebhookFormat::Slack,
                Some((f, other)) => c.error(
                    f.span(),
                    format!("unknown webhook format '{other}': expected generic, dingtalk, wecom, feishu or slack"),
                )?,
            };
            ChannelKind::Webhook {
                url: ch.url.as_ref().map(|u| u.get_ref().clone()),
                url_env: ch.url_env.clone(),
                format,
            }
        }
        other => c.error(
            ch.kind.span(),
            format!("unknown channel type '{other}': expected \"file\", \"smtp\" or \"webhook\""),
        )?,
    };
    Some(Channel { name: ch.name.get_ref().clone(), kind, route: route? })
}

fn smtp(c: &mut Checker, base: &Path, ch: &RawChannel) -> Option<ChannelKind> {
    let host = required(c, ch, &ch.host, "host")?.to_string();
    let from = required(c, ch, &ch.from, "from")?.to_string();
    let security = match ch.security.as_ref().map(|s| (s, s.get_ref().as_str())) {
        None | Some((_, "starttls")) => Security::Starttls,
        Some((_, "tls")) => Security::Tls,
        Some((_, "none")) => Security::None,
        Some((s, other)) => c.error(s.span(), format!("unknown security '{other}': expected starttls, tls or none"))?,
    };
    let default_port = match security {
        Security::Tls => 465,
        Security::Starttls => 587,
        Security::None => 25,
    };
    let port = c.positive(&ch.port, "port", default_port);
    let ca_file = match &ch.ca_file {
        None => None,
        Some(f) if security == Security::None => {
            return c.error(f.span(), "'ca_file' needs security = \"starttls\" or \"tls\"");
        }
        Some(f) => Some(ca_file(c, base, f)?),
    };
    let to: Vec<String> = ch.to.iter().flatten().map(|t| t.get_ref().clone()).collect();
    if to.is_empty() {
        return c
            .error(ch.kind.span(), format!("smtp channel '{}' needs at least one address in 'to'", ch.name.get_ref()));
    }
    for addr in ch.to.iter().flatten().chain(ch.from.iter()) {
        if addr.get_ref().parse::<lettre::message::Mailbox>().is_err() {
            c.error::<()>(addr.span(), format!("invalid mail address '{}'", addr.get_ref()));
        }
    }
    Some(ChannelKind::Smtp {
        host,
        port: u16::try_from(port).unwrap_or(default_port as u16),
        security,
        username: ch.username.clone(),
        password: ch.password.clone(),
        password_env: ch.password_env.clone(),
        from,
        to,
        ca_file,
    })
}

/// Reads the PEM certificates of `ca_file` (relative to the config's folder).
fn ca_file(c: &mut Checker, base: &Path, raw: &Spanned<String>) -> Option<CaFile> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let path = base.join(raw.get_ref());
    let pem = match std::fs::read(&path) {
        Ok(pem) => pem,
        Err(e) => return c.error(raw.span(), format!("cannot read ca_file '{}': {e}", path.display())),
    };
    match CertificateDer::pem_slice_iter(&pem).map(|r| r.map(|d| d.to_vec())).collect::<Result<Vec<_>, _>>() {
        Err(e) => c.error(raw.span(), format!("ca_file '{}' is not valid PEM: {e}", path.display())),
        Ok(certs) if certs.is_empty() => c.error(
            raw.span(),
            format!("ca_file '{}' holds no certificate (-----BEGIN CERTIFICATE-----)", path.display()),
        ),
        Ok(certs) => Some(CaFile { path, certs }),
    }
}

fn route(c: &mut Checker, ch: &RawChannel) -> Option<Route> {
    const KINDS: [&str; 3] = ["digest", "alert", "source-down"];
    let mut kinds = Vec::new();
    for k in ch.kinds.iter().flatten() {
        if !KINDS.contains(&k.get_ref().as_str()) {
            return c.error(
                k.span(),
                format!("unknown message kind '{}': expected digest, alert or source-down", k.get_ref()),
            );
        }
        kinds.push(k.get_ref().clone());
    }
    Some(Route {
        kinds,
        min_severity: severity(c, &ch.min_severity),
        owners: ch.owners.clone().unwrap_or_default(),
        tags: ch.tags.clone().unwrap_or_default(),
    })
}
