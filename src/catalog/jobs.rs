//! Durable extraction jobs (the API's asynchronous uploads): a job row is written, with the
//! upload already stored, before the client is told about it, and every state change is a
//! row update. A worker claims the oldest queued job under a lease it renews while it runs;
//! a job whose lease ran out (its worker died) is claimed again by whoever asks next, so on a
//! shared catalog any number of servers work through one queue and none runs a job twice.

use super::db::{vals, Row};
use super::{now_ms, Catalog};
use crate::error::Result;

pub(super) const SQLITE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        filename TEXT,
        media_type TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        document_id TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        do_index INTEGER NOT NULL,
        password TEXT,
        callback_url TEXT,
        pages_done INTEGER NOT NULL DEFAULT 0,
        pages_total INTEGER,
        error_code TEXT,
        error TEXT,
        timings TEXT,
        result BLOB,
        created_ms INTEGER NOT NULL,
        started_ms INTEGER,
        finished_ms INTEGER);
    CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);";

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Succeeded, failed or cancelled: nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }

    pub(super) fn parse(s: &str) -> JobState {
        JobState::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .unwrap_or(JobState::Failed)
    }
}

/// What a new job records.
pub struct NewJob<'a> {
    pub id: &'a str,
    pub tenant: &'a str,
    pub filename: Option<&'a str>,
    pub media_type: &'a str,
    pub bytes: u64,
    pub document_id: &'a str,
    pub pipeline: &'a str,
    pub index: bool,
    /// Kept only until the job ends (it is needed again if the server restarts meanwhile).
    pub password: Option<&'a str>,
    pub callback_url: Option<&'a str>,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: String,
    pub state: JobState,
    pub filename: Option<String>,
    pub media_type: String,
    pub bytes: u64,
    pub document_id: String,
    pub pipeline: String,
    pub index: bool,
    pub password: Option<String>,
    pub callback_url: Option<String>,
    pub pages_done: u32,
    pub pages_total: Option<u32>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// JSON object of stage → milliseconds.
    pub timings: Option<String>,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    /// The worker that runs it, or last ran it (host:pid:tag).
    pub worker: Option<String>,
    pub tenant: String,
    /// `document` (an upload or a batch's `/v1/documents` line), `embeddings` or `retrieve`.
    pub kind: String,
    /// The batch it is a line of, its number there (from 1) and its `custom_id`.
    pub batch_id: Option<String>,
    pub line_no: Option<i64>,
    pub custom_id: Option<String>,
    /// A batch line's request body (JSON).
    pub body: Option<String>,
    /// A batch line's answer status.
    pub response_status: Option<i64>,
}

const COLUMNS: &str = "id, state, filename, media_type, bytes, document_id, pipeline, do_index, password, \
     callback_url, pages_done, pages_total, error_code, error, timings, created_ms, started_ms, finished_ms, owner, \
     tenant, kind, batch_id, line_no, custom_id, body, response_status";

fn job_row(r: &Row) -> Result<JobRow> {
    Ok(JobRow {
        id: r.text(0)?,
        state: JobState::parse(&r.text(1)?),
        filename: r.opt_text(2)?,
        media_type: r.text(3)?,
        bytes: r.int(4)?.max(0) as u64,
        document_id: r.text(5)?,
        pipeline: r.text(6)?,
        index: r.int(7)? != 0,
        password: r.opt_text(8)?,
        callback_url: r.opt_text(9)?,
        pages_done: r.u32(10)?,
        pages_total: r.opt_int(11)?.map(|n| n.clamp(0, u32::MAX.into()) as u32),
        error_code: r.opt_text(12)?,
        error: r.opt_text(13)?,
        timings: r.opt_text(14)?,
        created_ms: r.int(15)?,
        started_ms: r.opt_int(16)?,
        finished_ms: r.opt_int(17)?,
        worker: r.opt_text(18)?,
        tenant: r.text(19)?,
        kind: r.text(20)?,
        batch_id: r.opt_text(21)?,
        line_no: r.opt_int(22)?,
        custom_id: r.opt_text(23)?,
        body: r.opt_text(24)?,
        response_status: r.opt_int(25)?,
    })
}

/// How a job ended.
pub struct JobEnd<'a> {
    pub state: JobState,
    pub error_code: Option<&'a str>,
    pub error: Option<&'a str>,
    pub timings: Option<&'a str>,
    /// The document's JSON when it is not kept in `documents` (an extraction without indexing),
    /// or a batch line's response body.
    pub result: Option<&'a [u8]>,
    /// A batch line's answer status.
    pub response_status: Option<u16>,
}

/// What a running job's worker learns when it renews its lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Still ours.
    Held,
    /// Still ours, and a client asked to cancel it.
    CancelRequested,
    /// No longer ours: it ended, or another worker took it over after the lease ran out.
    Lost,
}

impl Catalog {
    pub fn insert_job(&self, job: &NewJob) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO jobs (id, state, filename, media_type, bytes, document_id, pipeline, do_index, password, callback_url, created_ms, tenant)
                 VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                vals![job.id, job.filename, job.media_type, job.bytes, job.document_id, job.pipeline, job.index, job.password, job.callback_url, now_ms(), job.tenant],
            )
            .map(|_| ())
    }

    /// Forgets a job that was never accepted (its queue was full), with its upload.
    pub fn delete_job(&self, id: &str) -> Result<()> {
        self.delete_upload(id)?;
        self.db
            .execute("DELETE FROM jobs WHERE id = $1", vals![id])
            .map(|_| ())
    }

    pub fn job(&self, id: &str) -> Result<Option<JobRow>> {
        self.db
            .query_opt(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"),
                vals![id],
            )?
            .map(|r| job_row(&r))
            .transpose()
    }

    /// Takes the next job (or a running one whose lease ran out) for `owner`, with a lease
    /// until `lease_until_ms`, passing over the tenants in `busy` (at their limit of running
    /// jobs); `None` when there is nothing to do. Single uploads go first, oldest first; then
    /// batch lines, line 1 of every batch before line 2 of any (their `rank`), so batches
    /// share the workers and none starves an upload. Concurrent claimers, in this process or others, never get
    /// the same job.
    pub fn claim_job(
        &self,
        owner: &str,
        lease_until_ms: i64,
        busy: &[String],
    ) -> Result<Option<JobRow>> {
        // A job whose worker died (its lease ran out) first, then the queue in `rank` order
        // (0 for uploads, the line number for batch lines), which the `jobs_claim` index
        // serves without a sort, however long the queue.
        for pick in [
            "state = 'running' AND COALESCE(lease_ms, 0) < $3",
            "state = 'queued'",
        ] {
            let mut params = vals![owner, lease_until_ms, now_ms()].to_vec();
            let mut skip = String::new();
            if !busy.is_empty() {
                let slots: Vec<String> = (4..4 + busy.len()).map(|n| format!("${n}")).collect();
                skip = format!(" AND tenant NOT IN ({})", slots.join(", "));
                params.extend(busy.iter().map(Into::into));
            }
            let sql = format!(
                "UPDATE jobs SET state = 'running', owner = $1, lease_ms = $2, started_ms = $3, pages_done = 0
                 WHERE id = (SELECT id FROM jobs WHERE {pick}{skip}
                             ORDER BY rank, created_ms, id LIMIT 1{})
                 RETURNING {COLUMNS}",
                self.db.skip_locked()
            );
            if let Some(row) = self.db.query_opt(&sql, &params)? {
                return job_row(&row).map(Some);
            }
        }
        Ok(None)
    }

    /// Running jobs per tenant.
    pub fn running_by_tenant(&self) -> Result<Vec<(String, u64)>> {
        self.db
            .query(
                "SELECT tenant, COUNT(*) FROM jobs WHERE state = 'running' GROUP BY tenant",
                vals![],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.int(1)?.max(0) as u64)))
            .collect()
    }

    /// Extends `owner`'s lease on a running job and records its progress.
    pub fn renew_job(
        &self,
        id: &str,
        owner: &str,
        lease_until_ms: i64,
        done: u32,
        total: Option<u32>,
    ) -> Result<Lease> {
        let row = self.db.query_opt(
            "UPDATE jobs SET lease_ms = $3, pages_done = $4, pages_total = COALESCE($5, pages_total)
             WHERE id = $1 AND owner = $2 AND state = 'running'
             RETURNING cancel_requested",
            vals![id, owner, lease_until_ms, done, total],
        )?;
        Ok(match row {
            None => Lease::Lost,
            Some(r) if r.int(0)? != 0 => Lease::CancelRequested,
            Some(_) => Lease::Held,
        })
    }

    pub fn job_progress(&self, id: &str, done: u32, total: Option<u32>) -> Result<()> {
        self.db
            .execute(
                "UPDATE jobs SET pages_done = $2, pages_total = COALESCE($3, pages_total) WHERE id = $1",
                vals![id, done, total],
            )
            .map(|_| ())
    }

    /// Records how `owner`'s running job ended and forgets its password and upload; false
    /// when it is no longer `owner`'s to end (it ended already, or was taken over).
    pub fn finish_job(&self, id: &str, owner: &str, end: &JobEnd) -> Result<bool> {
        self.end_job(id, "state = 'running' AND owner = $9", Some(owner), end)
    }

    /// Ends a job that is still queued as cancelled; false when it is not queued.
    pub fn cancel_queued_job(&self, id: &str) -> Result<bool> {
        let end = JobEnd {
            state: JobState::Cancelled,
            error_code: Some("cancelled"),
            error: Some("cancelled by the client"),
            timings: None,
            result: None,
            response_status: None,
        };
        self.end_job(id, "state = 'queued'", None, &end)
    }

    /// Ends a job where `condition` holds (`$9` in it is `owner`).
    fn end_job(
        &self,
        id: &str,
        condition: &str,
        owner: Option<&str>,
        end: &JobEnd,
    ) -> Result<bool> {
        let blob = end.result.map(super::gzip).transpose()?;
        let mut params = vals![
            id,
            end.state.as_str(),
            end.error_code,
            end.error,
            end.timings,
            blob,
            now_ms()
        ]
        .to_vec();
        params.push(end.response_status.map(u32::from).into());
        params.extend(owner.map(Into::into));
        let ended = self.db.execute(
            &format!(
                "UPDATE jobs SET state = $2, error_code = $3, error = $4, timings = $5, result = $6,
                        password = NULL, finished_ms = $7, lease_ms = NULL, response_status = $8
                 WHERE id = $1 AND {condition}"
            ),
            &params,
        )? == 1;
        if ended {
            self.delete_upload(id)?;
        }
        Ok(ended)
    }

    /// Asks whoever runs the job to stop (they see it when they next renew their lease);
    /// false when the job has ended.
    pub fn request_cancel(&self, id: &str) -> Result<bool> {
        self.db
            .execute(
                "UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND state IN ('queued', 'running')",
                vals![id],
            )
            .map(|n| n == 1)
    }

    /// Puts `owner`'s interrupted job back in the queue (its work starts over).
    pub fn requeue_job(&self, id: &str, owner: &str) -> Result<()> {
        self.db
            .execute(
                "UPDATE jobs SET state = 'queued', started_ms = NULL, pages_done = 0, owner = NULL, lease_ms = NULL
                 WHERE id = $1 AND owner = $2 AND state = 'running'",
                vals![id, owner],
            )
            .map(|_| ())
    }

    /// Puts every running job back in the queue: for a catalog only one process uses, at
    /// its start, when nothing can be running.
    pub fn requeue_all_running(&self) -> Result<u64> {
        self.db.execute(
            "UPDATE jobs SET state = 'queued', started_ms = NULL, pages_done = 0, owner = NULL, lease_ms = NULL
             WHERE state = 'running'",
            vals![],
        )
    }

    /// An unfinished job already extracting `document_id` with `pipeline` (and indexing it,
    /// when `index`), so that identical uploads in flight share one job.
    pub fn active_job(
        &self,
        tenant: &str,
        document_id: &str,
        pipeline: &str,
        index: bool,
    ) -> Result<Option<String>> {
        self.db
            .query_opt(
                "SELECT id FROM jobs WHERE document_id = $1 AND pipeline = $2 AND do_index >= $3
                 AND state IN ('queued', 'running') AND cancel_requested = 0 AND tenant = $4
                 AND batch_id IS NULL ORDER BY created_ms LIMIT 1",
                vals![document_id, pipeline, index, tenant],
            )?
            .map(|r| r.text(0))
            .transpose()
    }

    /// Jobs not yet ended, oldest first.
    pub fn unfinished_jobs(&self) -> Result<Vec<JobRow>> {
        self.db
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_ms, id"
                ),
                vals![],
            )?
            .iter()
            .map(job_row)
            .collect()
    }

    /// Forgets jobs that ended before `before_ms`; returns how many.
    pub fn prune_jobs(&self, before_ms: i64) -> Result<usize> {
        self.db
            .execute(
                "DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_ms < $1",
                vals![before_ms],
            )
            .map(|n| n as usize)
    }

    /// The JSON a job kept for its document (see [`JobEnd::result`]).
    pub fn job_result(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let blob = self
            .db
            .query_opt("SELECT result FROM jobs WHERE id = $1", vals![id])?
            .map(|r| r.opt_bytes(0))
            .transpose()?;
        blob.flatten().map(|b| super::gunzip(&b)).transpose()
    }

    /// Number of jobs in each state.
    pub fn job_counts(&self) -> Result<Vec<(JobState, u64)>> {
        self.db
            .query("SELECT state, COUNT(*) FROM jobs GROUP BY state", vals![])?
            .iter()
            .map(|r| Ok((JobState::parse(&r.text(0)?), r.int(1)?.max(0) as u64)))
            .collect()
    }

    /// Single uploads waiting for a worker (batch lines wait in their batch), of every
    /// tenant or of one.
    pub fn queued_jobs(&self, tenant: Option<&str>) -> Result<u64> {
        self.db
            .query_opt(
                "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND batch_id IS NULL
                 AND (CAST($1 AS TEXT) IS NULL OR tenant = $1)",
                vals![tenant],
            )?
            .map(|r| r.int(0))
            .transpose()
            .map(|n| n.unwrap_or(0).max(0) as u64)
    }

    /// Keeps a job's upload in the catalog, where every worker can read it.
    pub fn put_upload(&self, job_id: &str, bytes: &[u8]) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO uploads (job_id, bytes, created_ms) VALUES ($1, $2, $3)
                 ON CONFLICT(job_id) DO UPDATE SET bytes = $2",
                vals![job_id, bytes, now_ms()],
            )
            .map(|_| ())
    }

    /// A job's upload kept by [`Catalog::put_upload`].
    pub fn upload(&self, job_id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .db
            .query_opt("SELECT bytes FROM uploads WHERE job_id = $1", vals![job_id])?
            .map(|r| r.opt_bytes(0))
            .transpose()?
            .flatten())
    }

    pub fn delete_upload(&self, job_id: &str) -> Result<()> {
        self.db
            .execute("DELETE FROM uploads WHERE job_id = $1", vals![job_id])
            .map(|_| ())
    }

    /// Uploads stored before `before_ms` that no unfinished job refers to (a crash between
    /// storing an upload and recording its job leaves one); removes them, returns how many.
    pub fn delete_stray_uploads(&self, before_ms: i64) -> Result<u64> {
        self.db.execute(
            "DELETE FROM uploads WHERE created_ms < $1 AND NOT EXISTS
             (SELECT 1 FROM jobs j WHERE j.id = uploads.job_id AND j.state IN ('queued', 'running'))",
            vals![before_ms],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_job(id: &str) -> NewJob<'_> {
        NewJob {
            id,
            tenant: "default",
            filename: Some("a.pdf"),
            media_type: "application/pdf",
            bytes: 10,
            document_id: "doc_1",
            pipeline: "fast",
            index: true,
            password: Some("secret"),
            callback_url: None,
        }
    }

    #[test]
    fn a_job_survives_reopening_and_ends_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let catalog = Catalog::open(dir.path()).expect("open");
            catalog.insert_job(&new_job("job_1")).expect("insert");
            let claimed = catalog.claim_job("w1", i64::MAX, &[]).expect("claim");
            assert_eq!(claimed.map(|j| j.id).as_deref(), Some("job_1"));
            assert!(catalog
                .claim_job("w2", i64::MAX, &[])
                .expect("claim")
                .is_none());
        }
        let catalog = Catalog::open(dir.path()).expect("reopen");
        let open = catalog.unfinished_jobs().expect("unfinished");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].state, JobState::Running);
        assert_eq!(catalog.requeue_all_running().expect("requeue"), 1);
        assert_eq!(
            catalog.job("job_1").expect("get").map(|j| j.state),
            Some(JobState::Queued)
        );
        assert!(catalog
            .claim_job("w3", i64::MAX, &[])
            .expect("claim")
            .is_some());
        let end = JobEnd {
            state: JobState::Succeeded,
            error_code: None,
            error: None,
            timings: Some("{}"),
            result: Some(b"{\"id\":\"doc_1\"}"),
            response_status: None,
        };
        assert!(!catalog.finish_job("job_1", "w1", &end).expect("not w1's"));
        assert!(catalog.finish_job("job_1", "w3", &end).expect("finish"));
        assert!(!catalog
            .finish_job("job_1", "w3", &end)
            .expect("ended already"));
        let job = catalog.job("job_1").expect("get").expect("row");
        assert_eq!(job.state, JobState::Succeeded);
        assert_eq!(job.password, None, "the password is forgotten");
        assert_eq!(
            catalog.job_result("job_1").expect("result").as_deref(),
            Some(&b"{\"id\":\"doc_1\"}"[..])
        );
        assert!(catalog.unfinished_jobs().expect("unfinished").is_empty());
        assert_eq!(catalog.prune_jobs(0).expect("prune"), 0, "ended just now");
        assert_eq!(catalog.prune_jobs(i64::MAX).expect("prune"), 1);
        assert!(catalog.job("job_1").expect("get").is_none());
    }

    /// Uploads go before batch lines, batches take turns line by line, and a tenant at its
    /// limit of running jobs is passed over.
    #[test]
    fn claims_put_uploads_first_share_batches_and_respect_tenant_limits() {
        use crate::catalog::{BatchRow, NewLine};
        let dir = tempfile::tempdir().expect("tempdir");
        let catalog = Catalog::open(dir.path()).expect("open");
        let batch = |id: &str, tenant: &str, lines: i64| {
            let row = BatchRow {
                id: id.into(),
                tenant: tenant.into(),
                body: "{}".into(),
                status: "validating".into(),
                errors: None,
                output_file_id: None,
                error_file_id: None,
                total: 0,
                completed: 0,
                failed: 0,
                times: "{}".into(),
                created_ms: now_ms(),
                expires_ms: i64::MAX,
            };
            catalog.insert_batch(&row).expect("batch");
            let lines: Vec<NewLine> = (1..=lines)
                .map(|n| NewLine {
                    line_no: n,
                    custom_id: format!("c{n}"),
                    kind: "embeddings".into(),
                    body: "{}".into(),
                    media_type: "application/json".into(),
                    bytes: 2,
                    document_id: String::new(),
                    filename: None,
                    pipeline: String::new(),
                    index: false,
                })
                .collect();
            assert!(catalog.start_batch(&row, &lines, "{}").expect("start"));
            assert!(!catalog.start_batch(&row, &lines, "{}").expect("once"));
        };
        batch("batch_a", "a", 3);
        batch("batch_b", "b", 2);
        catalog
            .insert_job(&NewJob {
                tenant: "b",
                ..new_job("upload_b")
            })
            .expect("upload");
        assert_eq!(catalog.queued_jobs(None).expect("count"), 1, "uploads only");
        assert_eq!(catalog.line_counts("batch_a").expect("counts").open, 3);
        let mut order = Vec::new();
        while let Some(job) = catalog.claim_job("w", i64::MAX, &[]).expect("claim") {
            order.push(job.id);
        }
        assert_eq!(
            order,
            [
                "upload_b",
                "batch_a_line1",
                "batch_b_line1",
                "batch_a_line2",
                "batch_b_line2",
                "batch_a_line3"
            ]
        );
        assert_eq!(
            catalog.running_by_tenant().expect("running"),
            [("a".to_string(), 3), ("b".to_string(), 3)]
        );
        catalog.requeue_all_running().expect("requeue");
        let busy = ["a".to_string()];
        let job = catalog.claim_job("w", i64::MAX, &busy).expect("claim");
        assert_eq!(job.map(|j| j.tenant).as_deref(), Some("b"));
        assert_eq!(
            catalog
                .stop_lines("batch_a", "batch_cancelled", "x")
                .expect("stop"),
            3
        );
        let counts = catalog.line_counts("batch_a").expect("counts");
        assert_eq!((counts.open, counts.failed), (0, 3));
    }
}
