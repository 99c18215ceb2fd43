//! Durable extraction jobs (the API's asynchronous uploads): a job row is written, with the
//! upload already on disk, before the client is told about it, and every state change is a
//! row update, so a restarted server finds queued and interrupted jobs and runs them again.

use super::{err, now_ms, Catalog};
use crate::error::Result;
use rusqlite::{params, OptionalExtension, Row};

pub(super) const SCHEMA: &str = "
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

    fn parse(s: &str) -> JobState {
        JobState::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .unwrap_or(JobState::Failed)
    }
}

/// What a new job records.
pub struct NewJob<'a> {
    pub id: &'a str,
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
}

const COLUMNS: &str = "id, state, filename, media_type, bytes, document_id, pipeline, do_index, password, \
     callback_url, pages_done, pages_total, error_code, error, timings, created_ms, started_ms, finished_ms";

fn job_row(r: &Row) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get(0)?,
        state: JobState::parse(&r.get::<_, String>(1)?),
        filename: r.get(2)?,
        media_type: r.get(3)?,
        bytes: r.get::<_, i64>(4)? as u64,
        document_id: r.get(5)?,
        pipeline: r.get(6)?,
        index: r.get(7)?,
        password: r.get(8)?,
        callback_url: r.get(9)?,
        pages_done: r.get(10)?,
        pages_total: r.get(11)?,
        error_code: r.get(12)?,
        error: r.get(13)?,
        timings: r.get(14)?,
        created_ms: r.get(15)?,
        started_ms: r.get(16)?,
        finished_ms: r.get(17)?,
    })
}

/// How a job ended.
pub struct JobEnd<'a> {
    pub state: JobState,
    pub error_code: Option<&'a str>,
    pub error: Option<&'a str>,
    pub timings: Option<&'a str>,
    /// The document's JSON when it is not kept in `documents` (an extraction without indexing).
    pub result: Option<&'a [u8]>,
}

impl Catalog {
    pub fn insert_job(&self, job: &NewJob) -> Result<()> {
        self.db()
            .execute(
                "INSERT INTO jobs (id, state, filename, media_type, bytes, document_id, pipeline, do_index, password, callback_url, created_ms)
                 VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![job.id, job.filename, job.media_type, job.bytes as i64, job.document_id, job.pipeline, job.index, job.password, job.callback_url, now_ms()],
            )
            .map(|_| ())
            .map_err(err)
    }

    /// Forgets a job that was never accepted (its queue was full).
    pub fn delete_job(&self, id: &str) -> Result<()> {
        self.db()
            .execute("DELETE FROM jobs WHERE id = ?1", params![id])
            .map(|_| ())
            .map_err(err)
    }

    pub fn job(&self, id: &str) -> Result<Option<JobRow>> {
        self.db()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                job_row,
            )
            .optional()
            .map_err(err)
    }

    /// Moves a queued job to running; false when it is no longer queued (e.g. cancelled).
    pub fn start_job(&self, id: &str) -> Result<bool> {
        self.db()
            .execute(
                "UPDATE jobs SET state = 'running', started_ms = ?2 WHERE id = ?1 AND state = 'queued'",
                params![id, now_ms()],
            )
            .map(|n| n == 1)
            .map_err(err)
    }

    pub fn job_progress(&self, id: &str, done: u32, total: Option<u32>) -> Result<()> {
        self.db()
            .execute(
                "UPDATE jobs SET pages_done = ?2, pages_total = COALESCE(?3, pages_total) WHERE id = ?1",
                params![id, done, total],
            )
            .map(|_| ())
            .map_err(err)
    }

    /// Records how a job ended and forgets its password; false when it had already ended.
    pub fn finish_job(&self, id: &str, end: &JobEnd) -> Result<bool> {
        let blob = end.result.map(super::gzip).transpose()?;
        self.db()
            .execute(
                "UPDATE jobs SET state = ?2, error_code = ?3, error = ?4, timings = ?5, result = ?6,
                        password = NULL, finished_ms = ?7
                 WHERE id = ?1 AND state IN ('queued', 'running')",
                params![id, end.state.as_str(), end.error_code, end.error, end.timings, blob, now_ms()],
            )
            .map(|n| n == 1)
            .map_err(err)
    }

    /// Puts an interrupted job back in the queue (its work starts over).
    pub fn requeue_job(&self, id: &str) -> Result<()> {
        self.db()
            .execute(
                "UPDATE jobs SET state = 'queued', started_ms = NULL, pages_done = 0 WHERE id = ?1 AND state = 'running'",
                params![id],
            )
            .map(|_| ())
            .map_err(err)
    }

    /// An unfinished job already extracting `document_id` with `pipeline` (and indexing it,
    /// when `index`), so that identical uploads in flight share one job.
    pub fn active_job(
        &self,
        document_id: &str,
        pipeline: &str,
        index: bool,
    ) -> Result<Option<String>> {
        self.db()
            .query_row(
                "SELECT id FROM jobs WHERE document_id = ?1 AND pipeline = ?2 AND do_index >= ?3
                 AND state IN ('queued', 'running') ORDER BY created_ms LIMIT 1",
                params![document_id, pipeline, index],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
    }

    /// Jobs not yet ended, oldest first.
    pub fn unfinished_jobs(&self) -> Result<Vec<JobRow>> {
        let db = self.db();
        let mut stmt = db
            .prepare(&format!(
                "SELECT {COLUMNS} FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_ms, id"
            ))
            .map_err(err)?;
        let rows = stmt.query_map([], job_row).map_err(err)?;
        rows.collect::<std::result::Result<_, _>>().map_err(err)
    }

    /// Forgets jobs that ended before `before_ms`; returns how many.
    pub fn prune_jobs(&self, before_ms: i64) -> Result<usize> {
        self.db()
            .execute(
                "DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_ms < ?1",
                params![before_ms],
            )
            .map_err(err)
    }

    /// The JSON a job kept for its document (see [`JobEnd::result`]).
    pub fn job_result(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let blob: Option<Option<Vec<u8>>> = self
            .db()
            .query_row("SELECT result FROM jobs WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        blob.flatten().map(|b| super::gunzip(&b)).transpose()
    }

    /// Number of jobs in each state.
    pub fn job_counts(&self) -> Result<Vec<(JobState, u64)>> {
        let db = self.db();
        let mut stmt = db
            .prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    JobState::parse(&r.get::<_, String>(0)?),
                    r.get::<_, i64>(1)? as u64,
                ))
            })
            .map_err(err)?;
        rows.collect::<std::result::Result<_, _>>().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_survives_reopening_and_ends_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let catalog = Catalog::open(dir.path()).expect("open");
            catalog
                .insert_job(&NewJob {
                    id: "job_1",
                    filename: Some("a.pdf"),
                    media_type: "application/pdf",
                    bytes: 10,
                    document_id: "doc_1",
                    pipeline: "fast",
                    index: true,
                    password: Some("secret"),
                    callback_url: None,
                })
                .expect("insert");
            assert!(catalog.start_job("job_1").expect("start"));
            assert!(!catalog.start_job("job_1").expect("only once"));
        }
        let catalog = Catalog::open(dir.path()).expect("reopen");
        let open = catalog.unfinished_jobs().expect("unfinished");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].state, JobState::Running);
        catalog.requeue_job("job_1").expect("requeue");
        assert_eq!(
            catalog.job("job_1").expect("get").map(|j| j.state),
            Some(JobState::Queued)
        );
        let end = JobEnd {
            state: JobState::Succeeded,
            error_code: None,
            error: None,
            timings: Some("{}"),
            result: Some(b"{\"id\":\"doc_1\"}"),
        };
        assert!(catalog.finish_job("job_1", &end).expect("finish"));
        assert!(!catalog.finish_job("job_1", &end).expect("ended already"));
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
}
