//! Evidence blobs: the raw bytes of fetched documents, zstd-compressed, named by SHA-256.
//!
//! A blob lives at `<archive>/<first two hex digits>/<sha256>.zst`. It is written atomically
//! (temp file in the same folder, fsync, rename, fsync of the folder), so a crash never leaves a
//! half-written blob under a real name. Writing the same bytes twice is a no-op.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why a blob could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// A filesystem operation on the archive failed.
    #[error("archive error at '{path}': {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// A stored blob no longer matches its name.
    #[error("archived blob '{path}' is corrupt: its content hashes to {actual}")]
    Corrupt { path: PathBuf, actual: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io { path: path.to_path_buf(), source }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The archive folder.
#[derive(Debug, Clone)]
pub struct Archive {
    root: PathBuf,
}

/// A blob that is safely on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    /// Path relative to the archive root, as recorded in the database.
    pub relative_path: String,
    pub size: u64,
}

impl Archive {
    pub fn new(root: impl Into<PathBuf>) -> Archive {
        Archive { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Relative path of the blob for `sha256`.
    pub fn relative_path(sha256: &str) -> String {
        format!("{}/{sha256}.zst", &sha256[..2])
    }

    /// Stores `bytes` (if not already stored) and returns where.
    pub fn put(&self, bytes: &[u8]) -> Result<Stored, ArchiveError> {
        let sha256 = sha256_hex(bytes);
        let relative_path = Self::relative_path(&sha256);
        let path = self.root.join(&relative_path);
        let stored = Stored { sha256, relative_path, size: bytes.len() as u64 };
        if path.exists() {
            return Ok(stored);
        }
        let dir = path.parent().expect("blob path always has a parent folder");
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let compressed = zstd::encode_all(bytes, 9).map_err(io(&path))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
        tmp.write_all(&compressed).map_err(io(tmp.path()))?;
        tmp.as_file().sync_all().map_err(io(&path))?;
        tmp.persist(&path).map_err(|e| ArchiveError::Io { path: path.clone(), source: e.error })?;
        // The rename is durable only once the folder entry is.
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))?;
        Ok(stored)
    }

    /// Reads and decompresses the blob for `sha256`, checking that it still matches.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, ArchiveError> {
        let path = self.root.join(Self::relative_path(sha256));
        let compressed = std::fs::read(&path).map_err(io(&path))?;
        let bytes = zstd::decode_all(compressed.as_slice()).map_err(io(&path))?;
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(ArchiveError::Corrupt { path, actual });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        let s1 = a.put("证据 evidence".as_bytes()).unwrap();
        let s2 = a.put("证据 evidence".as_bytes()).unwrap();
        assert_eq!(s1, s2);
        assert_eq!(s1.relative_path, format!("{}/{}.zst", &s1.sha256[..2], s1.sha256));
        assert_eq!(a.get(&s1.sha256).unwrap(), "证据 evidence".as_bytes());
        let files: Vec<_> = std::fs::read_dir(dir.path().join(&s1.sha256[..2])).unwrap().collect();
        assert_eq!(files.len(), 1, "no temp files left behind");
    }
}
