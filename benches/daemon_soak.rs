//! Daemon soak benchmark: `trawl run` polls 20 loopback feeds every second for a while; the
//! resident memory of the process is sampled to show it stays flat (no per-poll growth).
//! Run with `cargo bench --bench daemon_soak` (TRAWL_SOAK_SECS sets the length, default 120).
//!
//! Target: RSS stays under 40 MiB and grows by less than 256 KiB over the second half of the run
//! while polling 20 sources every second (1,200 polls a minute), all traffic on 127.0.0.1.

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header;
use axum::routing::get;

const SOURCES: usize = 20;

fn feed(i: usize, tick: u64) -> String {
    // Each request changes one item, so every poll writes a post version and matches again.
    let mut items = String::new();
    for n in 0..30 {
        let text = if n == 0 {
            format!("update {tick}: 实验中学 notice")
        } else {
            format!("story {n} of feed {i}: 学校 news and other things")
        };
        items += &format!(
            "<item><title>item {n}</title><link>http://f{i}.example/{n}</link><guid>f{i}-{n}</guid><description>{text}</description></item>"
        );
    }
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>f{i}</title>{items}</channel></rss>")
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let secs: u64 = std::env::var("TRAWL_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(120);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let start = Instant::now();
    let app = Router::new().route(
        "/f/{i}",
        get(move |axum::extract::Path(i): axum::extract::Path<usize>| async move {
            ([(header::CONTENT_TYPE, "application/rss+xml")], feed(i, start.elapsed().as_secs()))
        }),
    );
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/r.toml"),
        "[[rule]]\nname = \"school\"\nseverity = \"high\"\nany = [\"实验中学\"]\n",
    )
    .unwrap();
    let mut cfg =
        "[fetch]\nconcurrency = 4\nhost_delay = \"0s\"\n[log]\nlevel = \"warn\"\n[schedules.fast]\ncron = [\"* * * * * *\"]\n".to_string();
    for i in 0..SOURCES {
        cfg += &format!("[[source]]\nname = \"f{i}\"\nkind = \"feed\"\nurl = \"http://{addr}/f/{i}\"\n");
    }
    std::fs::write(dir.path().join("trawl.toml"), cfg).unwrap();
    let bin = env!("CARGO_BIN_EXE_trawl");
    let mut child = std::process::Command::new(bin)
        .args(["-c", dir.path().join("trawl.toml").to_str().unwrap(), "run"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    println!("{:>6} {:>9} {:>8}", "t (s)", "RSS KiB", "polls");
    let db = dir.path().join("data/trawl.db");
    let polls = || -> i64 {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM polls", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let mut samples = Vec::new();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_secs(10));
        let rss = rss_kib(pid).unwrap_or(0);
        let n = polls();
        println!("{:>6} {rss:>9} {n:>8}", t0.elapsed().as_secs());
        samples.push(rss);
    }
    let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    // Growth over the second half: the first minute or so fills SQLite's page cache (2 MiB by
    // default) and the allocator's pools; after that the process should not grow.
    if samples.len() >= 4 {
        let mid = samples[samples.len() / 2];
        let last = samples[samples.len() - 1];
        println!(
            "RSS {} KiB at the middle, {last} KiB at the end: {} KiB growth over the second half; {} polls in all",
            mid,
            last as i64 - mid as i64,
            polls()
        );
    }
}
