//! The catalog's contract, run on both engines: SQLite in a data directory and a real
//! PostgreSQL (a throwaway cluster, see `common/pg_cluster.rs`). Documents, files, filters and
//! listings; jobs claimed once each by concurrent workers, leases that run out and are taken
//! over, cancellation heard by the lease holder; uploads kept where every worker reads them;
//! tenants owning documents through their files rows, the Files API's files, originals kept by
//! SHA-256; and, for PostgreSQL, the errors a user meets at start-up.

mod common;

use folio::catalog::{
    Catalog, CatalogUrl, DocumentFilter, FileRow, JobEnd, JobState, Lease, NewApiFile, NewDocument,
    NewJob,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Opens a catalog of the same engine again (another process, as far as it knows).
type Opener = Box<dyn Fn() -> Catalog + Send + Sync>;

fn sqlite() -> (tempfile::TempDir, Opener) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    (
        dir,
        Box::new(move || Catalog::open(&path).expect("open sqlite")),
    )
}

fn postgres() -> Opener {
    let url = CatalogUrl::Postgres(common::pg_cluster::cluster().database());
    Box::new(move || Catalog::connect(&url, Path::new("/nonexistent")).expect("open postgres"))
}

/// The test cluster's administration connection to the database of `url`.
fn admin(url: &str) -> postgres::Client {
    let database = url.rsplit('/').next().unwrap_or("postgres");
    common::pg_cluster::cluster().admin(database)
}

fn document(id: &str, media: &str, metadata: &str) -> NewDocument<'static> {
    NewDocument {
        id: Box::leak(id.to_string().into_boxed_str()),
        sha256: "abc",
        media_type: Box::leak(media.to_string().into_boxed_str()),
        bytes: 1234,
        filename: Some("a.pdf"),
        pipeline_version: "fast@1",
        pages: 3,
        metadata: Box::leak(metadata.to_string().into_boxed_str()),
    }
}

fn file(path: &str, doc: &str) -> FileRow {
    FileRow {
        path: path.into(),
        document_id: Some(doc.into()),
        sha256: "abc".into(),
        size: 1234,
        mtime: 1_700_000_000,
        status: "ok".into(),
    }
}

fn documents_files_and_filters(open: &Opener) {
    let c = open();
    c.begin_document(&document(
        "doc_a",
        "application/pdf",
        r#"{"title": "Annual Report", "language": "en"}"#,
    ))
    .expect("begin");
    assert_eq!(
        c.document("doc_a").expect("get").expect("row").status,
        "indexing"
    );
    assert!(
        c.select(&DocumentFilter::default())
            .expect("select")
            .is_empty(),
        "not stored yet"
    );
    c.finish_document("doc_a", 7, br#"{"id":"doc_a"}"#)
        .expect("finish");
    c.set_file(&file("/corpus/reports/a.pdf", "doc_a"), None)
        .expect("file");
    c.begin_document(&document("doc_b", "image/png", r#"{"language": "de"}"#))
        .expect("begin");
    c.finish_document("doc_b", 2, br#"{"id":"doc_b"}"#)
        .expect("finish");
    c.set_file(&file("/corpus/scans/b.png", "doc_b"), None)
        .expect("file");
    c.begin_document(&document("doc_c", "application/pdf", "{}"))
        .expect("begin c");

    let row = c.document("doc_a").expect("get").expect("row");
    assert_eq!((row.status.as_str(), row.pages, row.chunks), ("ok", 3, 7));
    assert_eq!(
        c.document_json("doc_a").expect("json").as_deref(),
        Some(&br#"{"id":"doc_a"}"#[..])
    );
    assert_eq!(c.chunk_total().expect("total"), 9);
    assert_eq!(
        c.documents_with_status("indexing").expect("status"),
        vec!["doc_c"]
    );
    let f = c.file("/corpus/reports/a.pdf").expect("file").expect("row");
    assert_eq!((f.size, f.mtime), (1234, 1_700_000_000));

    let ids = |f: DocumentFilter| {
        let mut v: Vec<String> = c.select(&f).expect("select").into_iter().collect();
        v.sort();
        v
    };
    assert_eq!(ids(DocumentFilter::default()), vec!["doc_a", "doc_b"]);
    let pdfs = DocumentFilter {
        media_types: vec!["application/pdf".into()],
        ..Default::default()
    };
    assert_eq!(ids(pdfs), vec!["doc_a"]);
    let scans = DocumentFilter {
        path_prefix: Some("/corpus/scans/".into()),
        ..Default::default()
    };
    assert_eq!(ids(scans), vec!["doc_b"]);
    let mut english = DocumentFilter::default();
    english.metadata.insert("language".into(), "EN".into());
    assert_eq!(ids(english), vec!["doc_a"]);

    let page = c.list_documents(None, None, 1).expect("list");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, "doc_a");
    assert_eq!(page[0].filename.as_deref(), Some("a.pdf"));
    let next = c.list_documents(None, Some("doc_a"), 10).expect("list");
    assert_eq!(
        next.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        vec!["doc_b"]
    );
    assert_eq!(
        c.origin(None, "doc_b").expect("origin"),
        (Some("a.pdf".into()), Some("/corpus/scans/b.png".into()))
    );

    // Another connection (another process) sees all of it.
    let other = open();
    assert_eq!(other.chunk_total().expect("total"), 9);
    c.delete_files_of("doc_b").expect("forget files");
    let mut gone = other.unreferenced_documents().expect("unreferenced");
    gone.sort();
    assert_eq!(gone, vec!["doc_b", "doc_c"]);
    other.delete_document("doc_b").expect("delete");
    assert!(c.document_info("doc_b").expect("info").is_none());
    assert_eq!(c.paths().expect("paths"), vec!["/corpus/reports/a.pdf"]);
}

fn job<'a>(id: &'a str, document: &'a str) -> NewJob<'a> {
    NewJob {
        id,
        tenant: "default",
        filename: Some("a.pdf"),
        media_type: "application/pdf",
        bytes: 10,
        document_id: document,
        pipeline: "fast",
        index: true,
        password: Some("secret"),
        callback_url: None,
    }
}

fn succeeded() -> JobEnd<'static> {
    JobEnd {
        state: JobState::Succeeded,
        error_code: None,
        error: None,
        timings: Some("{}"),
        result: Some(b"{}"),
        response_status: None,
    }
}

fn job_lifecycle(open: &Opener) {
    let (a, b) = (open(), open());
    a.insert_job(&job("job_1", "doc_1")).expect("insert");
    a.put_upload("job_1", b"%PDF-1.7 bytes").expect("upload");
    a.insert_job(&job("job_2", "doc_2")).expect("insert");
    assert_eq!(b.queued_jobs(None).expect("queued"), 2);
    assert_eq!(
        b.active_job("default", "doc_1", "fast", true)
            .expect("active")
            .as_deref(),
        Some("job_1")
    );

    // Oldest first; a claimed job is nobody else's.
    let far = i64::MAX / 2;
    let first = a
        .claim_job("worker-a", far, &[])
        .expect("claim")
        .expect("a job");
    assert_eq!(first.id, "job_1");
    assert_eq!(first.worker.as_deref(), Some("worker-a"));
    assert_eq!(
        b.upload("job_1").expect("read").as_deref(),
        Some(&b"%PDF-1.7 bytes"[..])
    );
    let second = b
        .claim_job("worker-b", far, &[])
        .expect("claim")
        .expect("a job");
    assert_eq!(second.id, "job_2");
    assert!(b.claim_job("worker-b", far, &[]).expect("claim").is_none());

    // Leases: the holder renews; a cancel asked anywhere is heard at renewal.
    assert_eq!(
        a.renew_job("job_1", "worker-a", far, 2, Some(5))
            .expect("renew"),
        Lease::Held
    );
    assert_eq!(
        b.renew_job("job_1", "worker-b", far, 0, None)
            .expect("renew"),
        Lease::Lost
    );
    assert!(b.request_cancel("job_1").expect("cancel"));
    assert_eq!(
        a.renew_job("job_1", "worker-a", far, 3, None)
            .expect("renew"),
        Lease::CancelRequested
    );
    let progress = b.job("job_1").expect("get").expect("row");
    assert_eq!((progress.pages_done, progress.pages_total), (3, Some(5)));

    // Only the holder ends it; the end forgets the password and the upload.
    assert!(!b
        .finish_job("job_1", "worker-b", &succeeded())
        .expect("not b's"));
    let cancelled = JobEnd {
        state: JobState::Cancelled,
        error_code: Some("cancelled"),
        error: Some("cancelled by the client"),
        timings: None,
        result: None,
        response_status: None,
    };
    assert!(a.finish_job("job_1", "worker-a", &cancelled).expect("end"));
    let ended = b.job("job_1").expect("get").expect("row");
    assert_eq!(ended.state, JobState::Cancelled);
    assert_eq!(ended.password, None);
    assert_eq!(b.upload("job_1").expect("read"), None);
    assert!(!b.request_cancel("job_1").expect("ended"));

    // A worker that stops hands its job back; a queued job is cancelled on the spot.
    b.requeue_job("job_2", "worker-b").expect("requeue");
    assert_eq!(
        a.job("job_2").expect("get").expect("row").state,
        JobState::Queued
    );
    assert!(a.cancel_queued_job("job_2").expect("cancel"));
    assert!(!a.cancel_queued_job("job_2").expect("ended"));

    // A lease that runs out (its worker died) is taken over, and the dead worker's late
    // word no longer counts.
    a.insert_job(&job("job_3", "doc_3")).expect("insert");
    let soon = folio::catalog::now_ms() + 300;
    assert_eq!(
        a.claim_job("worker-a", soon, &[])
            .expect("claim")
            .map(|j| j.id)
            .as_deref(),
        Some("job_3")
    );
    assert!(
        b.claim_job("worker-b", far, &[]).expect("claim").is_none(),
        "lease still held"
    );
    std::thread::sleep(Duration::from_millis(400));
    let taken = b
        .claim_job("worker-b", far, &[])
        .expect("claim")
        .expect("taken over");
    assert_eq!(
        (taken.id.as_str(), taken.state),
        ("job_3", JobState::Running)
    );
    assert_eq!(
        a.renew_job("job_3", "worker-a", far, 1, None)
            .expect("renew"),
        Lease::Lost
    );
    assert!(!a
        .finish_job("job_3", "worker-a", &succeeded())
        .expect("too late"));
    assert!(b
        .finish_job("job_3", "worker-b", &succeeded())
        .expect("end"));
    assert_eq!(
        a.job_result("job_3").expect("result").as_deref(),
        Some(&b"{}"[..])
    );

    let counts: HashMap<&str, u64> = a
        .job_counts()
        .expect("counts")
        .into_iter()
        .map(|(s, n)| (s.as_str(), n))
        .collect();
    assert_eq!(counts.get("succeeded"), Some(&1));
    assert_eq!(counts.get("cancelled"), Some(&2));
    assert!(a.unfinished_jobs().expect("unfinished").is_empty());
    assert_eq!(a.prune_jobs(i64::MAX).expect("prune"), 3);

    // Uploads nobody's job refers to go (once old enough not to be in the middle of a POST).
    a.put_upload("orphan", b"x").expect("upload");
    assert_eq!(a.delete_stray_uploads(0).expect("tidy"), 0, "too recent");
    assert_eq!(a.delete_stray_uploads(i64::MAX).expect("tidy"), 1);
}

/// Ingests sharing the catalog never hold one file at once; a crashed one's claim runs out.
fn file_claims(open: &Opener) {
    let (a, b) = (open(), open());
    let far = i64::MAX / 2;
    assert!(a
        .claim_file("/shared/x.pdf", "ingest-a", far)
        .expect("claim"));
    assert!(a
        .claim_file("/shared/x.pdf", "ingest-a", far)
        .expect("again, its own"));
    assert!(!b
        .claim_file("/shared/x.pdf", "ingest-b", far)
        .expect("held"));
    assert!(b
        .claim_file("/shared/y.pdf", "ingest-b", far)
        .expect("another file"));
    b.release_file("/shared/x.pdf", "ingest-b")
        .expect("not b's: nothing happens");
    assert!(!b
        .claim_file("/shared/x.pdf", "ingest-b", far)
        .expect("still held"));
    a.release_file("/shared/x.pdf", "ingest-a")
        .expect("release");
    assert!(b
        .claim_file("/shared/x.pdf", "ingest-b", far)
        .expect("free now"));
    // A claim whose lease ran out (its ingest died) is taken over.
    assert!(a.claim_file("/shared/z.pdf", "ingest-a", 1).expect("claim"));
    assert!(b
        .claim_file("/shared/z.pdf", "ingest-b", far)
        .expect("expired"));
}

/// Four workers, each with its own connection, claim 40 jobs at once: each is run exactly
/// once.
fn concurrent_claims(open: &Opener) {
    let c = open();
    let ids: Vec<String> = (0..40).map(|i| format!("job_{i:02}")).collect();
    for id in &ids {
        c.insert_job(&job(id, "doc")).expect("insert");
    }
    let workers: Vec<Arc<Catalog>> = (0..4).map(|_| Arc::new(open())).collect();
    let handles: Vec<_> = workers
        .into_iter()
        .enumerate()
        .map(|(w, catalog)| {
            std::thread::spawn(move || {
                let owner = format!("w{w}");
                let mut mine = Vec::new();
                while let Some(job) = catalog.claim_job(&owner, i64::MAX / 2, &[]).expect("claim") {
                    assert!(catalog
                        .finish_job(&job.id, &owner, &succeeded())
                        .expect("finish"));
                    mine.push(job.id);
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("worker"))
        .collect();
    all.sort();
    assert_eq!(all, ids, "every job once, none twice");
}

/// Tenants own documents through their files rows; the Files API's files are the tenant's
/// own; originals are kept by SHA-256 and go with their document.
fn tenants_files_and_originals(open: &Opener) {
    let c = open();
    let sha = "ab".repeat(32);
    c.begin_document(&NewDocument {
        sha256: Box::leak(sha.clone().into_boxed_str()),
        ..document("doc_t", "application/pdf", "{}")
    })
    .expect("begin");
    c.finish_document("doc_t", 2, b"{}").expect("finish");
    c.set_file(&file("@team-a/upload:doc_t", "doc_t"), None)
        .expect("a's row");
    c.set_file(&file("upload:doc_t", "doc_t"), None)
        .expect("default's row");
    assert!(c.owns("team-a", "doc_t").expect("owns") && c.owns("default", "doc_t").expect("owns"));
    assert!(!c.owns("team-b", "doc_t").expect("owns"));
    let listed = |t: &str| -> Vec<String> {
        c.list_documents(Some(t), None, 10)
            .expect("list")
            .into_iter()
            .map(|d| d.id)
            .collect()
    };
    assert_eq!(listed("team-a"), ["doc_t"]);
    assert!(listed("team-b").is_empty());
    let filter = DocumentFilter {
        tenant: Some("team-a".into()),
        path_prefix: Some("upload:".into()),
        ..Default::default()
    };
    assert!(c.select(&filter).expect("select").contains("doc_t"));
    assert_eq!(
        c.origin(Some("team-a"), "doc_t")
            .expect("origin")
            .1
            .as_deref(),
        Some("upload:doc_t"),
        "a tenant sees its paths without the prefix"
    );
    assert_eq!(c.delete_tenant_files("team-a", "doc_t").expect("delete"), 1);
    assert!(!c.owns("team-a", "doc_t").expect("owns"));
    assert!(
        c.owns("default", "doc_t").expect("owns"),
        "the other row stays"
    );

    // Files: one tenant's, invisible to another.
    c.put_api_file(&NewApiFile {
        id: "file-1",
        tenant: "team-a",
        purpose: "batch",
        filename: "in.jsonl",
        sha256: "x",
        content: b"{}\n",
    })
    .expect("file");
    assert_eq!(
        c.api_file("team-a", "file-1")
            .expect("get")
            .map(|f| f.bytes),
        Some(3)
    );
    assert!(c.api_file("team-b", "file-1").expect("get").is_none());
    assert!(c
        .api_file_content("team-b", "file-1")
        .expect("content")
        .is_none());
    assert_eq!(
        c.list_api_files("team-a", None, None, 10)
            .expect("list")
            .len(),
        1
    );
    assert!(c
        .list_api_files("team-a", Some("user_data"), None, 10)
        .expect("list")
        .is_empty());
    assert_eq!(c.tenant_bytes("team-a").expect("bytes"), 3);
    assert!(!c.delete_api_file("team-b", "file-1").expect("delete"));
    assert!(c.delete_api_file("team-a", "file-1").expect("delete"));

    // Originals, on this engine's store, deleted with their document.
    c.put_original(&sha, b"%PDF-1.4 bytes").expect("keep");
    c.put_original(&sha, b"%PDF-1.4 bytes").expect("kept once");
    assert_eq!(
        open().original(&sha).expect("read").as_deref(),
        Some(&b"%PDF-1.4 bytes"[..])
    );
    c.delete_document("doc_t").expect("delete");
    assert!(c.original(&sha).expect("read").is_none());
}

#[test]
fn sqlite_catalog_keeps_the_contract() {
    let (_dir, open) = sqlite();
    documents_files_and_filters(&open);
    let (_dir, open) = sqlite();
    job_lifecycle(&open);
    let (_dir, open) = sqlite();
    concurrent_claims(&open);
    let (_dir, open) = sqlite();
    file_claims(&open);
    let (_dir, open) = sqlite();
    tenants_files_and_originals(&open);
}

#[test]
fn postgres_catalog_keeps_the_contract() {
    documents_files_and_filters(&postgres());
    job_lifecycle(&postgres());
    concurrent_claims(&postgres());
    file_claims(&postgres());
    tenants_files_and_originals(&postgres());
}

#[test]
fn postgres_schema_is_migrated_once_and_a_newer_one_is_refused() {
    let url = common::pg_cluster::cluster().database();
    // Many processes starting at once: one applies the schema, the others find it.
    let openers: Vec<_> = (0..6)
        .map(|_| {
            let url = CatalogUrl::Postgres(url.clone());
            std::thread::spawn(move || {
                Catalog::connect(&url, Path::new("/nonexistent")).map(|_| ())
            })
        })
        .collect();
    for o in openers {
        o.join().expect("thread").expect("open");
    }
    let mut admin = admin(&url);
    let version: i64 = admin
        .query_one("SELECT version FROM folio_schema", &[])
        .expect("version")
        .get(0);
    assert!(version >= 2);
    // A catalog made by an older folio (version 1) gets the later migrations on open.
    admin
        .batch_execute(
            "DROP INDEX documents_media_type; DROP TABLE batches, api_files, originals;
             ALTER TABLE files DROP COLUMN tenant;
             ALTER TABLE jobs DROP COLUMN tenant, DROP COLUMN kind, DROP COLUMN batch_id,
                 DROP COLUMN line_no, DROP COLUMN custom_id, DROP COLUMN body, DROP COLUMN response_status,
                 DROP COLUMN rank;
             UPDATE folio_schema SET version = 1",
        )
        .expect("downgrade");
    Catalog::connect(
        &CatalogUrl::Postgres(url.clone()),
        Path::new("/nonexistent"),
    )
    .expect("migrated");
    let (version, indexed): (i64, i64) = {
        let row = admin
            .query_one(
                "SELECT (SELECT version FROM folio_schema),
                        (SELECT count(*) FROM pg_indexes WHERE indexname = 'documents_media_type')
                        + (SELECT count(*) FROM pg_tables WHERE tablename = 'batches')",
                &[],
            )
            .expect("version");
        (row.get(0), row.get(1))
    };
    assert_eq!((version, indexed), (4, 2));
    admin
        .execute("UPDATE folio_schema SET version = version + 1", &[])
        .expect("bump");
    let err = Catalog::connect(&CatalogUrl::Postgres(url), Path::new("/nonexistent"))
        .err()
        .expect("a newer schema is refused")
        .to_string();
    assert!(err.contains("newer than this folio knows"), "{err}");
}

#[test]
fn an_unreachable_or_misnamed_catalog_is_one_clear_line_at_once() {
    let port = common::free_port();
    let t = Instant::now();
    let url = format!("postgres://folio:hunter2@127.0.0.1:{port}/folio");
    let err = Catalog::connect(&CatalogUrl::Postgres(url), Path::new("/nonexistent"))
        .err()
        .expect("nothing listens there")
        .to_string();
    assert!(t.elapsed() < Duration::from_secs(10), "no hang");
    assert!(err.contains("cannot reach the PostgreSQL catalog"), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password is never shown: {err}"
    );
    assert!(!err.contains('\n'), "{err}");

    let missing = common::pg_cluster::cluster().url("no_such_database");
    let err = Catalog::connect(&CatalogUrl::Postgres(missing), Path::new("/nonexistent"))
        .err()
        .expect("no such database")
        .to_string();
    assert!(err.contains("no_such_database"), "{err}");

    let err = CatalogUrl::parse("mysql://localhost/folio")
        .expect_err("not a catalog")
        .to_string();
    assert!(err.contains("postgres://"), "{err}");
}

/// Many threads share one process's few connections: all their statements succeed and the
/// server never sees more than the pool's eight.
#[test]
fn postgres_connections_are_pooled_and_capped() {
    let url = common::pg_cluster::cluster().database();
    let catalog = Arc::new(
        Catalog::connect(
            &CatalogUrl::Postgres(url.clone()),
            Path::new("/nonexistent"),
        )
        .expect("open"),
    );
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let catalog = catalog.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    let id = format!("job_{t}_{i}");
                    catalog.insert_job(&job(&id, "doc")).expect("insert");
                    assert!(catalog.job(&id).expect("read").is_some());
                }
            })
        })
        .collect();
    let mut admin = admin(&url);
    let mut most = 0i64;
    while threads.iter().any(|t| !t.is_finished()) {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'folio' AND datname = current_database()",
                &[],
            )
            .expect("count")
            .get(0);
        most = most.max(n);
        std::thread::sleep(Duration::from_millis(5));
    }
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(catalog.queued_jobs(None).expect("count"), 32 * 20);
    assert!((1..=8).contains(&most), "{most} connections");
}

/// The test cluster takes TCP connections over TLS only, like a managed server: the default
/// (`prefer`) and `require` encrypt, `disable` is refused, `verify-full` checks the
/// certificate's authority (`sslrootcert`) and host name, `verify-ca` the authority only.
#[test]
fn postgres_over_tls_as_sslmode_asks() {
    let pg = common::pg_cluster::cluster();
    let url = pg.database();
    let root = format!("sslrootcert={}", pg.cert.display());
    let open = |u: String| {
        Catalog::connect(&CatalogUrl::Postgres(u), Path::new("/nonexistent"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    open(url.clone()).expect("prefer: encrypted");
    open(format!("{url}?sslmode=require")).expect("require");
    open(format!("{url}?sslmode=verify-ca&{root}")).expect("verify-ca: any name");
    let by_name = url.replace("127.0.0.1", "localhost");
    open(format!(
        "{by_name}?hostaddr=127.0.0.1&sslmode=verify-full&{root}"
    ))
    .expect("verify-full: the name on the certificate");
    for (query, expected) in [
        ("sslmode=disable", "no encryption"),
        (
            &format!("sslmode=verify-full&{root}") as &str,
            "not valid for name",
        ),
        ("sslmode=verify-full", "UnknownIssuer"),
        (
            "sslmode=verify-ca&sslrootcert=/nonexistent.pem",
            "/nonexistent.pem",
        ),
        ("sslmode=strict", "unknown sslmode"),
    ] {
        let err = open(format!("{url}?{query}")).expect_err(query);
        assert!(err.contains(expected), "{query}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
