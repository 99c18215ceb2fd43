//! Files of the OpenAI-style Files API: bytes a tenant uploaded (`purpose` `batch` for batch
//! input, `user_data` for documents a batch line names), and the output and error files
//! batches write. The bytes live in the catalog, so every server sharing it reads them.

use super::db::{vals, Row};
use super::{now_ms, Catalog};
use crate::error::Result;

/// A file as listed (without its bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFile {
    pub id: String,
    pub tenant: String,
    pub purpose: String,
    pub filename: String,
    pub bytes: u64,
    pub sha256: String,
    pub created_ms: i64,
}

/// A file to keep.
pub struct NewApiFile<'a> {
    pub id: &'a str,
    pub tenant: &'a str,
    pub purpose: &'a str,
    pub filename: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
}

const COLUMNS: &str = "id, tenant, purpose, filename, bytes, sha256, created_ms";

fn api_file(r: &Row) -> Result<ApiFile> {
    Ok(ApiFile {
        id: r.text(0)?,
        tenant: r.text(1)?,
        purpose: r.text(2)?,
        filename: r.text(3)?,
        bytes: r.int(4)?.max(0) as u64,
        sha256: r.text(5)?,
        created_ms: r.int(6)?,
    })
}

impl NewApiFile<'_> {
    /// The statement that keeps it (also run inside a batch's finalising transaction).
    pub(super) fn insert(&self) -> (&'static str, Vec<super::db::Value>) {
        (
            "INSERT INTO api_files (id, tenant, purpose, filename, bytes, sha256, content, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT(id) DO NOTHING",
            vals![
                self.id,
                self.tenant,
                self.purpose,
                self.filename,
                self.content.len() as u64,
                self.sha256,
                self.content,
                now_ms()
            ]
            .to_vec(),
        )
    }
}

impl Catalog {
    pub fn put_api_file(&self, file: &NewApiFile) -> Result<()> {
        let (sql, params) = file.insert();
        self.db.execute(sql, &params).map(|_| ())
    }

    /// Tenant `tenant`'s file `id`.
    pub fn api_file(&self, tenant: &str, id: &str) -> Result<Option<ApiFile>> {
        self.db
            .query_opt(
                &format!("SELECT {COLUMNS} FROM api_files WHERE id = $1 AND tenant = $2"),
                vals![id, tenant],
            )?
            .map(|r| api_file(&r))
            .transpose()
    }

    /// The bytes of tenant `tenant`'s file `id`.
    pub fn api_file_content(&self, tenant: &str, id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .db
            .query_opt(
                "SELECT content FROM api_files WHERE id = $1 AND tenant = $2",
                vals![id, tenant],
            )?
            .map(|r| r.opt_bytes(0))
            .transpose()?
            .flatten())
    }

    /// A tenant's files, newest first, `limit` of them after `after` (a file id), of one
    /// purpose when given.
    pub fn list_api_files(
        &self,
        tenant: &str,
        purpose: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ApiFile>> {
        let cursor = match after {
            Some(id) => self.api_file(tenant, id)?.map(|f| (f.created_ms, f.id)),
            None => None,
        };
        let (ms, id) = cursor.unwrap_or((i64::MAX, String::new()));
        self.db
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM api_files WHERE tenant = $1 AND ($2 = '' OR purpose = $2)
                     AND (created_ms < $3 OR (created_ms = $3 AND id < $4))
                     ORDER BY created_ms DESC, id DESC LIMIT $5"
                ),
                vals![tenant, purpose.unwrap_or(""), ms, &id, limit as u64],
            )?
            .iter()
            .map(api_file)
            .collect()
    }

    /// Forgets tenant `tenant`'s file `id`; false when it has none of that id.
    pub fn delete_api_file(&self, tenant: &str, id: &str) -> Result<bool> {
        self.db
            .execute(
                "DELETE FROM api_files WHERE id = $1 AND tenant = $2",
                vals![id, tenant],
            )
            .map(|n| n == 1)
    }

    /// Bytes a tenant keeps: its files, and the documents it has uploaded or ingested.
    pub fn tenant_bytes(&self, tenant: &str) -> Result<u64> {
        let files = self
            .db
            .query_opt(
                "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM api_files WHERE tenant = $1",
                vals![tenant],
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        let documents = self
            .db
            .query_opt(
                "SELECT CAST(COALESCE(SUM(d.bytes), 0) AS BIGINT) FROM documents d
                 WHERE EXISTS (SELECT 1 FROM files f WHERE f.document_id = d.id AND f.tenant = $1)",
                vals![tenant],
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        Ok((files + documents).max(0) as u64)
    }
}
