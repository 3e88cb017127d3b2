//! Politeness: robots.txt (RFC 9309) and a minimum spacing between requests to the same host.
//!
//! robots.txt is read once per origin and kept for 24 hours. A missing one (4xx) allows everything;
//! a server error (5xx) means "stay away for now" (RFC 9309 §2.3.1.3), so the poll fails and the
//! next one asks again. If robots.txt cannot be fetched at all, the page request goes ahead and
//! reports its own error. `Crawl-delay` widens the host spacing, up to [`MAX_CRAWL_DELAY`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;

use super::FetchError;

/// How long a robots.txt is trusted before it is fetched again.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// The longest `Crawl-delay` honoured; longer ones would stall a whole poll.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);
/// The product token robots.txt groups are matched against (`User-agent: trawl`).
pub const ROBOTS_AGENT: &str = "trawl";

/// What robots.txt of one origin says.
#[derive(Debug, Clone)]
struct Rules {
    /// `None`: everything allowed (no robots.txt, or one that could not be parsed).
    robot: Option<Arc<Robot>>,
    fetched: Instant,
}

/// Shared by every clone of a [`super::Fetcher`].
#[derive(Debug, Default)]
pub struct Politeness {
    pub robots: bool,
    pub host_delay: Duration,
    rules: Mutex<HashMap<String, Rules>>,
    /// Per origin: held while its robots.txt is being fetched, so concurrent polls fetch it once.
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Per host: the earliest time the next request may start.
    next_start: Mutex<HashMap<String, Instant>>,
}

/// `scheme://host:port` of a URL, the unit robots.txt applies to.
pub fn origin(url: &url::Url) -> String {
    format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""))
        + &url.port().map(|p| format!(":{p}")).unwrap_or_default()
}

impl Politeness {
    pub fn new(robots: bool, host_delay: Duration) -> Politeness {
        Politeness { robots, host_delay, ..Politeness::default() }
    }

    /// Waits for this host's turn: request starts to one host are at least the host delay (or its
    /// `Crawl-delay`) apart, whichever source or page they are for.
    pub async fn wait_turn(&self, url: &url::Url) {
        let host = origin(url);
        let gap = self.host_delay.max(self.crawl_delay(&host));
        let start = {
            let mut map = self.next_start.lock().expect("politeness lock is never poisoned: no panics while held");
            let now = Instant::now();
            let start = map.get(&host).copied().filter(|t| *t > now).unwrap_or(now);
            map.insert(host, start + gap);
            start
        };
        tokio::time::sleep_until(start).await;
    }

    fn crawl_delay(&self, origin: &str) -> Duration {
        let rules = self.rules.lock().expect("politeness lock is never poisoned");
        let secs = rules.get(origin).and_then(|r| r.robot.as_ref()).and_then(|r| r.delay).unwrap_or(0.0);
        Duration::from_secs_f32(secs.clamp(0.0, MAX_CRAWL_DELAY.as_secs_f32()))
    }

    /// The lock to hold while fetching robots.txt of `url`'s origin.
    pub fn loading_lock(&self, url: &url::Url) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.loading.lock().expect("politeness lock is never poisoned");
        map.entry(origin(url)).or_default().clone()
    }

    /// The cached verdict for `url`: `Some(allowed)` if robots.txt of its origin is known.
    pub fn cached(&self, url: &url::Url) -> Option<bool> {
        let rules = self.rules.lock().expect("politeness lock is never poisoned");
        let r = rules.get(&origin(url)).filter(|r| r.fetched.elapsed() < ROBOTS_TTL)?;
        Some(r.robot.as_ref().is_none_or(|robot| robot.allowed(url.as_str())))
    }

    /// Records robots.txt of `url`'s origin: `body` when it was served, `None` when there is none.
    pub fn remember(&self, url: &url::Url, body: Option<&[u8]>) {
        let robot = body.and_then(|b| match Robot::new(ROBOTS_AGENT, b) {
            Ok(r) => Some(Arc::new(r)),
            Err(e) => {
                tracing::debug!(origin = %origin(url), error = %e, "unreadable robots.txt; treating it as allowing everything");
                None
            }
        });
        let mut rules = self.rules.lock().expect("politeness lock is never poisoned");
        rules.insert(origin(url), Rules { robot, fetched: Instant::now() });
    }
}

/// The error for a URL robots.txt disallows.
pub fn disallowed(url: &url::Url) -> FetchError {
    FetchError::Disallowed { url: url.to_string(), robots: format!("{}/robots.txt", origin(url)) }
}
