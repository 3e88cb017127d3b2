//! The config file as written: serde structs that keep the spans of values needing checks.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub storage: RawStorage,
    #[serde(default)]
    pub fetch: RawFetch,
    #[serde(default)]
    pub rules: RawRules,
    #[serde(default)]
    pub schedule: RawSchedule,
    pub schedules: Option<BTreeMap<String, Spanned<RawNamedSchedule>>>,
    #[serde(default)]
    pub daemon: RawDaemon,
    #[serde(default)]
    pub log: RawLog,
    #[serde(default)]
    pub source: Vec<RawSource>,
    #[serde(default)]
    pub digest: super::digest::RawDigest,
    #[serde(default)]
    pub alerts: super::digest::RawAlerts,
    #[serde(default)]
    pub channel: Vec<super::digest::RawChannel>,
    #[serde(default)]
    pub delivery: super::digest::RawDelivery,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    pub timezone: Option<Spanned<String>>,
    pub calendar: Option<Vec<Spanned<String>>>,
    pub jitter: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamedSchedule {
    pub cron: Vec<Spanned<String>>,
    pub on: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDaemon {
    pub shutdown_grace: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    pub level: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    pub database: Option<Spanned<String>>,
    pub archive: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFetch {
    pub user_agent: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<i64>>,
    pub max_bytes: Option<Spanned<i64>>,
    pub max_redirects: Option<Spanned<i64>>,
    pub robots: Option<bool>,
    pub host_delay: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    pub paths: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub url: Spanned<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub schedules: Option<Vec<Spanned<String>>>,
    pub cron: Option<Vec<Spanned<String>>>,
    pub on: Option<Spanned<String>>,
    pub jitter: Option<Spanned<String>>,
    // kind = "html" only; see config/html.rs.
    pub preset: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    pub item: Option<Spanned<String>>,
    pub link: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub time: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub replies: Option<Spanned<String>>,
    pub next: Option<Spanned<String>>,
    pub follow: Option<Spanned<bool>>,
    pub post: Option<Spanned<String>>,
    pub article: Option<super::html::RawArticle>,
    pub max_pages: Option<Spanned<i64>>,
    pub max_items: Option<Spanned<i64>>,
    pub max_follow: Option<Spanned<i64>>,
    pub strip_query: Option<Vec<Spanned<String>>>,
}
