//! The original bytes of stored documents, by SHA-256 (content-addressed: two uploads of the
//! same bytes keep one copy), so pages can be drawn again (the inspector's page images). In
//! the data directory (`DATA/originals/ab/abcd…`, written to a temporary name, synced, then
//! renamed), or in the shared catalog, where every server reads them. Deleted with their
//! document.

use super::db::vals;
use super::{now_ms, Catalog};
use crate::error::{Error, Result};
use std::io::Write as _;
use std::path::PathBuf;

impl Catalog {
    fn original_path(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| self.dir.join("originals").join(&sha256[..2]).join(sha256))
    }

    /// Keeps `bytes` under their SHA-256 (a no-op when kept already).
    pub fn put_original(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        if self.is_shared() {
            return self
                .db
                .execute(
                    "INSERT INTO originals (sha256, bytes, created_ms) VALUES ($1, $2, $3)
                     ON CONFLICT(sha256) DO NOTHING",
                    vals![sha256, bytes, now_ms()],
                )
                .map(|_| ());
        }
        let path = self
            .original_path(sha256)
            .ok_or_else(|| Error::Catalog(format!("not a SHA-256: {sha256}")))?;
        if path.exists() {
            return Ok(());
        }
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// The bytes kept under `sha256`, if any.
    pub fn original(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if self.is_shared() {
            return Ok(self
                .db
                .query_opt(
                    "SELECT bytes FROM originals WHERE sha256 = $1",
                    vals![sha256],
                )?
                .map(|r| r.opt_bytes(0))
                .transpose()?
                .flatten());
        }
        let Some(path) = self.original_path(sha256) else {
            return Ok(None);
        };
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path, source }),
        }
    }

    /// Forgets the bytes kept under `sha256`.
    pub fn delete_original(&self, sha256: &str) -> Result<()> {
        if self.is_shared() {
            return self
                .db
                .execute("DELETE FROM originals WHERE sha256 = $1", vals![sha256])
                .map(|_| ());
        }
        if let Some(path) = self.original_path(sha256) {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::Io { path, source: e })
                }
                _ => {}
            }
        }
        Ok(())
    }
}
