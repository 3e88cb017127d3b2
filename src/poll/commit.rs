//! The database half of a poll: everything one poll found, written in one transaction.

use chrono::Utc;

use super::fetch_source::{Fetched, MatchedPost, Page, PageDoc};
use super::{PollError, SourceReport, Status};
use crate::archive::Archive;
use crate::config::Notify;
use crate::fetch::Document;
use crate::rules::RuleSet;
use crate::store::{PollStats, PollTx, PostChange, PostRow, SnapshotRow, SourceStatus, Store};

/// Records one poll. A failure to archive evidence fails that poll (recorded as such), never
/// the run; a database failure is returned.
/// Alerts for the poll are decided in its transaction ([`crate::digest::alerts::after_poll`]).
pub fn commit(
    store: &mut Store,
    archive: &Archive,
    rules: &RuleSet,
    notify: &Notify,
    f: Fetched,
) -> Result<SourceReport, PollError> {
    let source_id = f.plan.source_id;
    let url = f.plan.source.url.to_string();
    let mut stats = PollStats::default();
    let status = {
        let tx = store.begin_poll()?;
        let poll_id = tx.start_poll(source_id, &url, f.started_at)?;
        let outcome = match &f.result {
            Err((error, http)) => {
                stats.http_status = *http;
                Ok(SourceStatus::Failed { error: error.clone() })
            }
            Ok(Page::NotModified { status }) => {
                stats.http_status = Some(*status);
                Ok(SourceStatus::NotModified)
            }
            Ok(Page::Document { docs, posts, followed }) => {
                let doc = &docs[0].doc;
                stats.http_status = Some(doc.status);
                stats.bytes = Some(docs.iter().map(|d| d.doc.body.len() as u64).sum());
                store_posts(&tx, archive, rules, poll_id, source_id, docs, posts, &mut stats)
                    .and_then(|()| followed.iter().try_for_each(|f| Ok(tx.put_followed(source_id, f, Utc::now())?)))
                    .map(|()| SourceStatus::Ok { etag: doc.etag.clone(), last_modified: doc.last_modified.clone() })
            }
        };
        match outcome {
            Ok(status) => {
                tx.finish_poll(poll_id, source_id, &status, &stats, f.finished_at)?;
                crate::digest::alerts::after_poll(&tx, notify, rules, poll_id, source_id, f.finished_at)?;
                tx.commit()?;
                status
            }
            Err(CommitError::Store(e)) => return Err(e.into()),
            Err(CommitError::Archive(e)) => {
                drop(tx);
                record_failure(store, rules, notify, &f, e.to_string())?
            }
        }
    };
    let report = SourceReport {
        name: f.plan.source.name.clone(),
        url,
        status: match status {
            SourceStatus::Ok { .. } => Status::Ok,
            SourceStatus::NotModified => Status::NotModified,
            SourceStatus::Failed { error } => Status::Failed(error),
        },
        stats,
        duration: f.elapsed,
    };
    log(&report);
    Ok(report)
}

enum CommitError {
    Store(crate::store::StoreError),
    Archive(crate::archive::ArchiveError),
}

impl From<crate::store::StoreError> for CommitError {
    fn from(e: crate::store::StoreError) -> Self {
        CommitError::Store(e)
    }
}

#[allow(clippy::too_many_arguments)]
fn store_posts(
    tx: &PollTx,
    archive: &Archive,
    rules: &RuleSet,
    poll_id: i64,
    source_id: i64,
    docs: &[PageDoc],
    posts: &[MatchedPost],
    stats: &mut PollStats,
) -> Result<(), CommitError> {
    let now = Utc::now();
    // Each document is archived at most once per poll, and only if a post read from it has hits.
    let mut snapshots: Vec<Option<String>> = vec![None; docs.len()];
    for mp in posts {
        let p = &mp.post;
        let row = PostRow {
            guid: &p.guid,
            url: p.url.as_deref(),
            title: p.title.as_deref(),
            author: p.author.as_deref(),
            published_at: p.published_at,
            text: &p.text,
            text_hash: &mp.text_hash,
            floor: mp.floor,
        };
        let (post_id, change) = tx.upsert_post(source_id, &row, now)?;
        stats.posts_seen += 1;
        match change {
            PostChange::New => stats.posts_new += 1,
            PostChange::Changed => stats.posts_changed += 1,
            PostChange::Unchanged => continue,
        }
        if mp.hits.is_empty() {
            continue;
        }
        let sha = match &snapshots[mp.doc] {
            Some(sha) => sha.clone(),
            None => {
                let PageDoc { doc, charset } = &docs[mp.doc];
                let sha = archive_document(tx, archive, doc, charset)?;
                snapshots[mp.doc] = Some(sha.clone());
                sha
            }
        };
        tx.link_snapshot(post_id, &sha)?;
        for h in &mp.hits {
            let rule = &rules.rules[h.rule];
            let inserted = tx.insert_hit(
                post_id,
                poll_id,
                &rule.name,
                rule.severity.as_str(),
                rule.owner.as_deref(),
                &h.matches,
                &h.snippet,
                &mp.text_hash,
                &sha,
                now,
            )?;
            stats.hits_new += u64::from(inserted);
        }
    }
    Ok(())
}

fn archive_document(tx: &PollTx, archive: &Archive, doc: &Document, charset: &str) -> Result<String, CommitError> {
    let stored = archive.put(&doc.body).map_err(CommitError::Archive)?;
    tx.put_snapshot(&SnapshotRow {
        sha256: &stored.sha256,
        url: &doc.url,
        final_url: &doc.final_url,
        status: doc.status,
        content_type: doc.content_type.as_deref(),
        charset: Some(charset),
        headers: &doc.headers,
        fetched_at: doc.fetched_at,
        size: stored.size,
        stored_path: &stored.relative_path,
    })?;
    Ok(stored.sha256)
}

fn record_failure(
    store: &mut Store,
    rules: &RuleSet,
    notify: &Notify,
    f: &Fetched,
    error: String,
) -> Result<SourceStatus, PollError> {
    let tx = store.begin_poll()?;
    let poll_id = tx.start_poll(f.plan.source_id, f.plan.source.url.as_str(), f.started_at)?;
    let status = SourceStatus::Failed { error };
    let now = Utc::now();
    tx.finish_poll(poll_id, f.plan.source_id, &status, &PollStats::default(), now)?;
    crate::digest::alerts::after_poll(&tx, notify, rules, poll_id, f.plan.source_id, now)?;
    tx.commit()?;
    Ok(status)
}

fn log(r: &SourceReport) {
    let ms = r.duration.as_millis() as u64;
    match &r.status {
        Status::Failed(error) => {
            tracing::warn!(source = %r.name, url = %r.url, %error, duration_ms = ms, "poll failed")
        }
        status => tracing::info!(
            source = %r.name,
            status = if *status == Status::Ok { "ok" } else { "not_modified" },
            posts_new = r.stats.posts_new,
            posts_changed = r.stats.posts_changed,
            hits_new = r.stats.hits_new,
            duration_ms = ms,
            "poll finished"
        ),
    }
}
