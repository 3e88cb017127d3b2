//! The `file` channel: each message written into a folder, named by its idempotency key, so a
//! retried delivery overwrites instead of duplicating.

use std::io::Write;
use std::path::Path;

use crate::digest::{Format, Message};

pub async fn send(dir: &Path, format: &str, msg: &Message, key: &str) -> Result<(), String> {
    let format = Format::parse(format).unwrap_or(Format::Markdown);
    let (dir, body) = (dir.to_path_buf(), msg.body(format));
    let name = format!("{key}.{}", format.extension());
    tokio::task::spawn_blocking(move || write_atomic(&dir, &name, body.as_bytes())).await.map_err(|e| e.to_string())?
}

fn write_atomic(dir: &Path, name: &str, body: &[u8]) -> Result<(), String> {
    let err = |e: std::io::Error| format!("cannot write '{}': {e}", dir.join(name).display());
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(body).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(dir.join(name)).map_err(|e| err(e.error))?;
    Ok(())
}
