//! Batches of the OpenAI-style Batches API. A batch row holds its request, status, times and
//! result files; each line of its input becomes a job row (`batch_id`, `line_no`) once the
//! input is valid, in the same transaction that moves the batch to `in_progress`, so the job
//! workers run lines as they run uploads, under the same leases: a line that ended is never
//! run again, and the output is assembled from the line rows, once, in line order.

use super::db::{vals, Row, Value};
use super::files_api::NewApiFile;
use super::{now_ms, Catalog};
use crate::error::Result;

pub(super) const SQLITE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS api_files (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        purpose TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL,
        created_ms INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS api_files_tenant ON api_files(tenant, created_ms);
    CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL,
        errors TEXT,
        output_file_id TEXT,
        error_file_id TEXT,
        total INTEGER NOT NULL DEFAULT 0,
        completed INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        times TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS batches_tenant ON batches(tenant, created_ms);
    CREATE INDEX IF NOT EXISTS batches_status ON batches(status);";

/// A batch as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    pub id: String,
    pub tenant: String,
    /// The create request (JSON).
    pub body: String,
    pub status: String,
    /// Validation errors (JSON array of OpenAI error objects).
    pub errors: Option<String>,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    /// Line counts, fixed when the batch ends (live counts come from the lines).
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
    /// JSON object: `in_progress_at`, `completed_at`… in milliseconds.
    pub times: String,
    pub created_ms: i64,
    pub expires_ms: i64,
}

const COLUMNS: &str = "id, tenant, body, status, errors, output_file_id, error_file_id, total, completed, failed, times, created_ms, expires_ms";

fn batch_row(r: &Row) -> Result<BatchRow> {
    Ok(BatchRow {
        id: r.text(0)?,
        tenant: r.text(1)?,
        body: r.text(2)?,
        status: r.text(3)?,
        errors: r.opt_text(4)?,
        output_file_id: r.opt_text(5)?,
        error_file_id: r.opt_text(6)?,
        total: r.int(7)?.max(0) as u64,
        completed: r.int(8)?.max(0) as u64,
        failed: r.int(9)?.max(0) as u64,
        times: r.text(10)?,
        created_ms: r.int(11)?,
        expires_ms: r.int(12)?,
    })
}

/// One valid input line, as the job that runs it.
pub struct NewLine {
    pub line_no: i64,
    pub custom_id: String,
    /// `document`, `embeddings` or `retrieve`.
    pub kind: String,
    /// The request body (JSON).
    pub body: String,
    /// For `document` lines: the file's type, size, document id and name, and the pipeline.
    pub media_type: String,
    pub bytes: u64,
    pub document_id: String,
    pub filename: Option<String>,
    pub pipeline: String,
    pub index: bool,
}

/// How a batch's lines stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCounts {
    pub total: u64,
    /// Queued or running.
    pub open: u64,
    pub succeeded: u64,
    /// Failed or cancelled.
    pub failed: u64,
}

/// A line's outcome, for the output and error files.
#[derive(Debug, Clone)]
pub struct LineOutcome {
    pub job_id: String,
    pub custom_id: String,
    pub state: super::JobState,
    pub response_status: Option<i64>,
    pub body: Option<Vec<u8>>,
    pub error_code: Option<String>,
    pub error: Option<String>,
}

impl Catalog {
    pub fn insert_batch(&self, b: &BatchRow) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO batches (id, tenant, body, status, times, created_ms, expires_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vals![
                    &b.id,
                    &b.tenant,
                    &b.body,
                    &b.status,
                    &b.times,
                    b.created_ms,
                    b.expires_ms
                ],
            )
            .map(|_| ())
    }

    /// Batch `id`, of tenant `tenant` when given.
    pub fn batch(&self, tenant: Option<&str>, id: &str) -> Result<Option<BatchRow>> {
        self.db
            .query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM batches WHERE id = $1 AND (CAST($2 AS TEXT) IS NULL OR tenant = $2)"
                ),
                vals![id, tenant],
            )?
            .map(|r| batch_row(&r))
            .transpose()
    }

    /// A tenant's batches, newest first, `limit` of them after batch `after`.
    pub fn list_batches(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<BatchRow>> {
        let cursor = match after {
            Some(id) => self.batch(Some(tenant), id)?.map(|b| (b.created_ms, b.id)),
            None => None,
        };
        let (ms, id) = cursor.unwrap_or((i64::MAX, String::new()));
        self.db
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM batches WHERE tenant = $1
                     AND (created_ms < $2 OR (created_ms = $2 AND id < $3))
                     ORDER BY created_ms DESC, id DESC LIMIT $4"
                ),
                vals![tenant, ms, &id, limit as u64],
            )?
            .iter()
            .map(batch_row)
            .collect()
    }

    /// Batches in `status` (of every tenant).
    pub fn batches_in(&self, status: &str) -> Result<Vec<BatchRow>> {
        self.db
            .query(
                &format!("SELECT {COLUMNS} FROM batches WHERE status = $1 ORDER BY created_ms"),
                vals![status],
            )?
            .iter()
            .map(batch_row)
            .collect()
    }

    /// Moves a batch from `from` to `to` with its times now `times`; false when it was not in
    /// `from` (another server moved it first).
    pub fn move_batch(&self, id: &str, from: &str, to: &str, times: &str) -> Result<bool> {
        self.db
            .execute(
                "UPDATE batches SET status = $3, times = $4 WHERE id = $1 AND status = $2",
                vals![id, from, to, times],
            )
            .map(|n| n == 1)
    }

    /// A `validating` batch fails validation with `errors`.
    pub fn fail_batch(&self, id: &str, errors: &str, times: &str) -> Result<bool> {
        self.db
            .execute(
                "UPDATE batches SET status = 'failed', errors = $2, times = $3
                 WHERE id = $1 AND status = 'validating'",
                vals![id, errors, times],
            )
            .map(|n| n == 1)
    }

    /// A `validating` batch starts: its lines become queued jobs, in one transaction; false
    /// when it was no longer validating.
    pub fn start_batch(&self, batch: &BatchRow, lines: &[NewLine], times: &str) -> Result<bool> {
        let now = now_ms();
        let inserts: Vec<(&str, Vec<Value>)> = lines
            .iter()
            .map(|l| {
                (
                    "INSERT INTO jobs (id, state, filename, media_type, bytes, document_id, pipeline, do_index,
                                       created_ms, tenant, kind, batch_id, line_no, custom_id, body, rank)
                     VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $12)",
                    vals![
                        format!("{}_line{}", batch.id, l.line_no).as_str(),
                        l.filename.as_deref(),
                        &l.media_type,
                        l.bytes,
                        &l.document_id,
                        &l.pipeline,
                        l.index,
                        now,
                        &batch.tenant,
                        &l.kind,
                        &batch.id,
                        l.line_no,
                        &l.custom_id,
                        &l.body
                    ]
                    .to_vec(),
                )
            })
            .collect();
        self.db.transaction(
            (
                "UPDATE batches SET status = 'in_progress', times = $2, total = $3
                 WHERE id = $1 AND status = 'validating'",
                vals![&batch.id, times, lines.len() as u64],
            ),
            &inserts,
        )
    }

    /// Whether a batch still has a queued or running line (an index lookup, however many
    /// lines it has).
    pub fn batch_open(&self, batch_id: &str) -> Result<bool> {
        Ok(self
            .db
            .query_opt(
                "SELECT 1 FROM jobs WHERE batch_id = $1 AND state IN ('queued', 'running') LIMIT 1",
                vals![batch_id],
            )?
            .is_some())
    }

    /// How a batch's lines stand.
    pub fn line_counts(&self, batch_id: &str) -> Result<LineCounts> {
        let mut counts = LineCounts::default();
        for r in self.db.query(
            "SELECT state, COUNT(*) FROM jobs WHERE batch_id = $1 GROUP BY state",
            vals![batch_id],
        )? {
            let n = r.int(1)?.max(0) as u64;
            counts.total += n;
            match r.text(0)?.as_str() {
                "queued" | "running" => counts.open += n,
                "succeeded" => counts.succeeded += n,
                _ => counts.failed += n,
            }
        }
        Ok(counts)
    }

    /// Ends a batch's queued lines as cancelled (`code`: `batch_cancelled`, `batch_expired`)
    /// and asks its running ones to stop; how many were queued.
    pub fn stop_lines(&self, batch_id: &str, code: &str, message: &str) -> Result<u64> {
        let queued = self.db.execute(
            "UPDATE jobs SET state = 'cancelled', error_code = $2, error = $3, finished_ms = $4
             WHERE batch_id = $1 AND state = 'queued'",
            vals![batch_id, code, message, now_ms()],
        )?;
        self.db.execute(
            "UPDATE jobs SET cancel_requested = 1 WHERE batch_id = $1 AND state = 'running'",
            vals![batch_id],
        )?;
        Ok(queued)
    }

    /// Every line's outcome, in line order.
    pub fn line_outcomes(&self, batch_id: &str) -> Result<Vec<LineOutcome>> {
        self.db
            .query(
                "SELECT id, custom_id, state, response_status, result, error_code, error
                 FROM jobs WHERE batch_id = $1 ORDER BY line_no",
                vals![batch_id],
            )?
            .iter()
            .map(|r| {
                Ok(LineOutcome {
                    job_id: r.text(0)?,
                    custom_id: r.opt_text(1)?.unwrap_or_default(),
                    state: super::JobState::parse(&r.text(2)?),
                    response_status: r.opt_int(3)?,
                    body: r.opt_bytes(4)?.map(|b| super::gunzip(&b)).transpose()?,
                    error_code: r.opt_text(5)?,
                    error: r.opt_text(6)?,
                })
            })
            .collect()
    }

    /// Ends a batch in `from` as `to` (completed, cancelled, expired) with its output files,
    /// in one transaction; false when another server ended it first.
    #[allow(clippy::too_many_arguments)]
    pub fn end_batch(
        &self,
        id: &str,
        from: &str,
        to: &str,
        times: &str,
        counts: LineCounts,
        output: Option<&NewApiFile>,
        errors: Option<&NewApiFile>,
    ) -> Result<bool> {
        let mut rest: Vec<(&str, Vec<Value>)> = Vec::new();
        rest.extend(output.map(NewApiFile::insert));
        rest.extend(errors.map(NewApiFile::insert));
        self.db.transaction(
            (
                "UPDATE batches SET status = $3, times = $4, total = $5, completed = $6, failed = $7,
                        output_file_id = $8, error_file_id = $9
                 WHERE id = $1 AND status = $2",
                vals![
                    id,
                    from,
                    to,
                    times,
                    counts.total,
                    counts.succeeded,
                    counts.failed,
                    output.map(|f| f.id),
                    errors.map(|f| f.id)
                ],
            ),
            &rest,
        )
    }

    /// Forgets the line jobs of batches that ended before `before_ms` (their outcome lives in
    /// the output files), and those batches' rows past retention.
    pub fn prune_batches(&self, before_ms: i64) -> Result<u64> {
        self.db.execute(
            "DELETE FROM batches WHERE status IN ('completed', 'failed', 'cancelled', 'expired')
             AND created_ms < $1",
            vals![before_ms],
        )
    }
}
