//! The HTTP client: timeouts, size caps, redirects, conditional GET and charset decoding.
//!
//! [`Fetcher::fetch`] returns the raw bytes of a document with the metadata evidence needs
//! (final URL, status, headers, fetch time); [`charset::decode`] turns those bytes into text.
//! The extract stage receives both.

pub mod charset;
pub mod polite;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap};

/// The User-Agent sent when the config does not set one: names trawl and says what it is.
pub const DEFAULT_USER_AGENT: &str =
    concat!("trawl/", env!("CARGO_PKG_VERSION"), " (public web monitoring; reads public pages politely)");

/// A fetched document with the metadata kept as evidence.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URL that was requested.
    pub url: String,
    /// The URL after redirects.
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub body: Vec<u8>,
}

/// What a fetch produced.
#[derive(Debug)]
pub enum Outcome {
    /// A 2xx response with its body.
    Fetched(Document),
    /// 304: the server says nothing changed since the validators we sent.
    NotModified { status: u16 },
}

/// Validators from the previous successful fetch, for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Why a fetch failed. Every message names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// DNS, connect, TLS or protocol failure.
    #[error("cannot fetch '{url}': {reason}")]
    Transport { url: String, reason: String },
    /// No complete response within the configured timeout.
    #[error("cannot fetch '{url}': timed out after {}s", timeout.as_secs_f32())]
    Timeout { url: String, timeout: Duration },
    /// The server answered with a non-success status.
    #[error("cannot fetch '{url}': HTTP {status}")]
    Status { url: String, status: u16 },
    /// The body was larger than `fetch.max_bytes`.
    #[error(
        "cannot fetch '{url}': response is larger than {limit} bytes (raise [fetch] max_bytes if this is expected)"
    )]
    TooLarge { url: String, limit: u64 },
    /// robots.txt of the site disallows this URL for trawl.
    #[error(
        "robots.txt at '{robots}' disallows '{url}' for trawl: remove the source, or set [fetch] robots = false only if the site allows you"
    )]
    Disallowed { url: String, robots: String },
    /// robots.txt answered with a server error: RFC 9309 says stay away until it answers again.
    #[error("robots.txt at '{robots}' answered HTTP {status}: not fetching '{url}' until it answers again")]
    RobotsUnavailable { url: String, robots: String, status: u16 },
    /// The URL cannot be fetched at all.
    #[error("cannot fetch '{url}': not a valid http(s) URL")]
    BadUrl { url: String },
    /// The HTTP client could not be built (bad user agent and the like).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// The HTTP status if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A shared HTTP client; clone freely.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
    max_bytes: u64,
    polite: std::sync::Arc<polite::Politeness>,
}

impl Fetcher {
    /// Builds a client from the `[fetch]` config.
    pub fn new(cfg: &crate::config::Fetch) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(15)))
            .redirect(reqwest::redirect::Policy::limited(cfg.max_redirects))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        let polite = std::sync::Arc::new(polite::Politeness::new(cfg.robots, cfg.host_delay));
        Ok(Fetcher { client, timeout: cfg.timeout, max_bytes: cfg.max_bytes, polite })
    }

    /// GETs `url`, sending `validators` for a conditional request, once robots.txt allows it and
    /// the host's turn has come.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Outcome, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::BadUrl { url: url.to_string() })?;
        self.check_robots(&parsed).await?;
        self.polite.wait_turn(&parsed).await;
        let mut req = self.client.get(url);
        if let Some(etag) = &validators.etag {
            req = req.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(|e| self.classify(url, e))?;
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(Outcome::NotModified { status });
        }
        if !resp.status().is_success() {
            return Err(FetchError::Status { url: url.to_string(), status });
        }
        let final_url = resp.url().to_string();
        let headers = header_list(resp.headers());
        let get = |h: header::HeaderName| resp.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (content_type, etag, last_modified) =
            (get(header::CONTENT_TYPE), get(header::ETAG), get(header::LAST_MODIFIED));
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(FetchError::TooLarge { url: url.to_string(), limit: self.max_bytes });
        }
        let fetched_at = Utc::now();
        let body = self.read_body(url, resp).await?;
        Ok(Outcome::Fetched(Document {
            url: url.to_string(),
            final_url,
            status,
            headers,
            content_type,
            etag,
            last_modified,
            fetched_at,
            body,
        }))
    }

    /// Fails with [`FetchError::Disallowed`] when robots.txt of the URL's origin forbids it.
    async fn check_robots(&self, url: &url::Url) -> Result<(), FetchError> {
        if !self.polite.robots {
            return Ok(());
        }
        if self.polite.cached(url).is_none() {
            let lock = self.polite.loading_lock(url);
            let _guard = lock.lock().await;
            // Another poll may have fetched it while this one waited.
            if self.polite.cached(url).is_none() {
                self.load_robots(url).await?;
            }
        }
        match self.polite.cached(url) {
            Some(false) => Err(polite::disallowed(url)),
            _ => Ok(()),
        }
    }

    async fn load_robots(&self, url: &url::Url) -> Result<(), FetchError> {
        let robots = format!("{}/robots.txt", polite::origin(url));
        let Ok(robots_url) = url::Url::parse(&robots) else { return Ok(()) };
        self.polite.wait_turn(&robots_url).await;
        let resp = match self.client.get(robots_url.as_str()).send().await {
            Ok(r) => r,
            // Unreachable: the page request that follows reports the real problem.
            Err(_) => return Ok(()),
        };
        let status = resp.status().as_u16();
        match status {
            200..=299 => {
                let body = self.read_body(&robots, resp).await.unwrap_or_default();
                self.polite.remember(url, Some(&body));
            }
            500..=599 => return Err(FetchError::RobotsUnavailable { url: url.to_string(), robots, status }),
            _ => self.polite.remember(url, None),
        }
        Ok(())
    }

    async fn read_body(&self, url: &str, resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.classify(url, e))?;
            if (body.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(FetchError::TooLarge { url: url.to_string(), limit: self.max_bytes });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn classify(&self, url: &str, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout { url: url.to_string(), timeout: self.timeout };
        }
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            reason = format!("{reason}: {s}");
            src = s.source();
        }
        FetchError::Transport { url: url.to_string(), reason }
    }
}

fn header_list(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}
