//! Moves batches through their lives, on every server sharing the catalog (each move is a
//! guarded row update, so one server makes it): `validating` → the input file is checked
//! line by line and its lines become queued jobs in one transaction (`in_progress`), or it
//! fails with OpenAI-style errors; once no line is open → `finalizing` → the output and error
//! files are written from the line rows, with the end state, in one transaction
//! (`completed`; `cancelled` after a cancel; `expired` after 24 h). A server that dies
//! between the two leaves `finalizing`, which the next tick finishes. The end is POSTed to the
//! batch's `callback_url`, if it has one.

use super::batches::{stamp, view, BatchError, CreateBatch};
use super::state::AppState;
use crate::catalog::{BatchRow, JobState, LineCounts, NewApiFile, NewLine};
use crate::error::Result;
use crate::pipeline::BUILTIN;
use crate::source::Source;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// Validation errors kept at most (the rest are counted in the last one).
const MAX_ERRORS: usize = 1000;

/// Ticks every second, or when woken, until the server stops.
pub async fn run(state: Arc<AppState>) {
    let mut stop = state.stop.subscribe();
    loop {
        let s = state.clone();
        match tokio::task::spawn_blocking(move || tick(&s)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!("batch runner: {e}"),
            Err(e) => warn!("batch runner: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = state.batch_wake.notified() => {}
            _ = super::state::stopped(&mut stop) => return,
        }
    }
}

fn tick(state: &Arc<AppState>) -> Result<()> {
    let catalog = &state.catalog;
    for batch in catalog.batches_in("validating")? {
        validate(state, &batch)?;
    }
    let now = crate::catalog::now_ms();
    for batch in catalog.batches_in("in_progress")? {
        if now > batch.expires_ms {
            catalog.stop_lines(
                &batch.id,
                "batch_expired",
                "the batch did not finish within its 24h window",
            )?;
        }
        if !catalog.batch_open(&batch.id)?
            && catalog.move_batch(
                &batch.id,
                "in_progress",
                "finalizing",
                &stamp(&batch, "finalizing_at"),
            )?
        {
            let batch = catalog.batch(None, &batch.id)?.unwrap_or(batch);
            let to = match now > batch.expires_ms {
                true => "expired",
                false => "completed",
            };
            finish(state, &batch, "finalizing", to)?;
        }
    }
    for batch in catalog.batches_in("finalizing")? {
        let to = match now > batch.expires_ms {
            true => "expired",
            false => "completed",
        };
        finish(state, &batch, "finalizing", to)?;
    }
    for batch in catalog.batches_in("cancelling")? {
        // Lines requeued by a stopping server after the cancel are ended too.
        catalog.stop_lines(&batch.id, "batch_cancelled", "the batch was cancelled")?;
        if !catalog.batch_open(&batch.id)? {
            finish(state, &batch, "cancelling", "cancelled")?;
        }
    }
    Ok(())
}

fn error(code: &str, message: impl Into<String>, param: Option<&str>, line: usize) -> BatchError {
    BatchError {
        code: code.into(),
        message: message.into(),
        param: param.map(String::from),
        line: Some(line as u64),
    }
}

/// Checks a `validating` batch's input and starts its lines, or fails it.
fn validate(state: &Arc<AppState>, batch: &BatchRow) -> Result<()> {
    let fail = |errors: Vec<BatchError>| -> Result<()> {
        let text = serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into());
        if state
            .catalog
            .fail_batch(&batch.id, &text, &stamp(batch, "failed_at"))?
        {
            info!(batch = %batch.id, errors = errors.len(), "batch input is invalid");
            ended(state, &batch.id);
        }
        Ok(())
    };
    let Ok(request) = serde_json::from_str::<CreateBatch>(&batch.body) else {
        return fail(vec![error("invalid_request", "unreadable batch", None, 0)]);
    };
    let Some(content) = state
        .catalog
        .api_file_content(&batch.tenant, &request.input_file_id)?
    else {
        return fail(vec![error(
            "invalid_file",
            "the input file was deleted before the batch started",
            Some("input_file_id"),
            0,
        )]);
    };
    let (lines, mut errors) = read_lines(state, batch, &request, &content)?;
    if lines.is_empty() && errors.is_empty() {
        errors.push(error(
            "empty_file",
            "the input file has no requests",
            None,
            0,
        ));
    }
    if !errors.is_empty() {
        return fail(errors);
    }
    if state
        .catalog
        .start_batch(batch, &lines, &stamp(batch, "in_progress_at"))?
    {
        info!(batch = %batch.id, lines = lines.len(), "batch started");
        state.queue.poke();
    }
    Ok(())
}

/// The input's lines as jobs, and what is wrong with them.
fn read_lines(
    state: &AppState,
    batch: &BatchRow,
    request: &CreateBatch,
    content: &[u8],
) -> Result<(Vec<NewLine>, Vec<BatchError>)> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut files = Sniffed::new();
    for (i, raw) in content.split(|b| *b == b'\n').enumerate() {
        let n = i + 1;
        if errors.len() >= MAX_ERRORS {
            break;
        }
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(Value::Object(line)) = serde_json::from_slice::<Value>(raw) else {
            errors.push(error(
                "invalid_json_line",
                "the line is not a JSON object",
                None,
                n,
            ));
            continue;
        };
        let custom_id = match line.get("custom_id") {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 512 => s.clone(),
            _ => {
                errors.push(error(
                    "missing_custom_id",
                    "custom_id must be a string of 1 to 512 characters",
                    Some("custom_id"),
                    n,
                ));
                continue;
            }
        };
        if !seen.insert(custom_id.clone()) {
            errors.push(error(
                "duplicate_custom_id",
                format!("custom_id '{custom_id}' is used on an earlier line"),
                Some("custom_id"),
                n,
            ));
            continue;
        }
        if line.get("method").and_then(Value::as_str) != Some("POST") {
            errors.push(error(
                "invalid_method",
                "method must be POST",
                Some("method"),
                n,
            ));
            continue;
        }
        if line.get("url").and_then(Value::as_str) != Some(request.endpoint.as_str()) {
            errors.push(error(
                "mismatched_endpoint",
                format!("url must be the batch's endpoint, {}", request.endpoint),
                Some("url"),
                n,
            ));
            continue;
        }
        let Some(body @ Value::Object(_)) = line.get("body") else {
            errors.push(error(
                "invalid_body",
                "body must be a JSON object",
                Some("body"),
                n,
            ));
            continue;
        };
        let kind = request.endpoint.trim_start_matches("/v1/");
        let mut new = NewLine {
            line_no: n as i64,
            custom_id,
            kind: kind.into(),
            body: body.to_string(),
            media_type: "application/json".into(),
            bytes: raw.len() as u64,
            document_id: String::new(),
            filename: None,
            pipeline: String::new(),
            index: false,
        };
        if kind == "documents" {
            new.kind = "document".into();
            if let Err(e) = document_line(state, batch, body, &mut new, &mut files) {
                errors.push(BatchError {
                    line: Some(n as u64),
                    ..e
                });
                continue;
            }
        }
        lines.push(new);
    }
    Ok((lines, errors))
}

/// Checks a `/v1/documents` line's body (`file_id`, `pipeline`, `index`) and fills in what
/// its job records of the file.
/// What a job records of a document file.
#[derive(Clone)]
struct Sniff {
    media_type: String,
    bytes: u64,
    document_id: String,
    filename: String,
}

/// Each file lines name, read once per validation (many lines may name one file).
type Sniffed = std::collections::HashMap<String, std::result::Result<Sniff, BatchError>>;

/// Reads file `file_id` of the batch's tenant: its type (a PDF or image folio reads), size
/// and document id.
fn sniff(
    state: &AppState,
    batch: &BatchRow,
    file_id: &str,
) -> std::result::Result<Sniff, BatchError> {
    let bad = |code: &str, message: String| BatchError {
        code: code.into(),
        message,
        param: Some("body.file_id".into()),
        line: None,
    };
    let missing = || bad("invalid_file_id", format!("no file '{file_id}'"));
    let file = state
        .catalog
        .api_file(&batch.tenant, file_id)
        .map_err(|_| missing())?
        .ok_or_else(missing)?;
    let content = state
        .catalog
        .api_file_content(&batch.tenant, file_id)
        .map_err(|_| missing())?
        .ok_or_else(missing)?;
    let source = Source::from_bytes(
        Arc::from(content),
        Some(file.filename.clone()),
        state.config.limits.max_upload_bytes,
    )
    .map_err(|e| bad("unsupported_file", format!("file '{file_id}': {e}")))?;
    Ok(Sniff {
        media_type: source.media_type.mime().to_string(),
        bytes: source.bytes,
        document_id: source.document_id(),
        filename: file.filename,
    })
}

fn document_line(
    state: &AppState,
    batch: &BatchRow,
    body: &Value,
    line: &mut NewLine,
    files: &mut Sniffed,
) -> std::result::Result<(), BatchError> {
    let bad = |code: &str, message: String, param: &str| BatchError {
        code: code.into(),
        message,
        param: Some(param.into()),
        line: None,
    };
    let file_id = body.get("file_id").and_then(Value::as_str).ok_or_else(|| {
        bad(
            "invalid_body",
            "body.file_id must name a file".into(),
            "body.file_id",
        )
    })?;
    let pipeline = match body.get("pipeline") {
        None | Some(Value::Null) => state.config.pipeline.clone(),
        Some(Value::String(p)) if BUILTIN.iter().any(|(n, _)| n == p) => p.clone(),
        Some(other) => {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return Err(bad(
                "invalid_pipeline",
                format!("pipeline {other} is not one of {}", names.join(", ")),
                "body.pipeline",
            ));
        }
    };
    let index = match body.get("index") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(bad(
                "invalid_body",
                "body.index must be true or false".into(),
                "body.index",
            ))
        }
    };
    let file = files
        .entry(file_id.to_string())
        .or_insert_with(|| sniff(state, batch, file_id))
        .clone()?;
    line.media_type = file.media_type;
    line.bytes = file.bytes;
    line.document_id = file.document_id;
    line.filename = Some(file.filename);
    line.pipeline = pipeline;
    line.index = index;
    Ok(())
}

/// One output line (OpenAI's shape), and whether it belongs in the error file.
fn output_line(batch: &BatchRow, o: &crate::catalog::LineOutcome) -> (Value, bool) {
    let request_id = o.job_id.clone();
    let id = format!(
        "batch_req_{}",
        o.job_id.trim_start_matches(&format!("{}_", batch.id))
    );
    let body: Value = o
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    match (o.state, o.response_status) {
        (JobState::Succeeded, status) => (
            json!({"id": id, "custom_id": o.custom_id,
                   "response": {"status_code": status.unwrap_or(200), "request_id": request_id, "body": body},
                   "error": null}),
            false,
        ),
        (_, Some(status)) => (
            json!({"id": id, "custom_id": o.custom_id,
                   "response": {"status_code": status, "request_id": request_id,
                                "body": {"error": {"code": o.error_code, "message": o.error}}},
                   "error": null}),
            true,
        ),
        (_, None) => (
            json!({"id": id, "custom_id": o.custom_id, "response": null,
                   "error": {"code": o.error_code.clone().unwrap_or_else(|| "batch_cancelled".into()),
                             "message": o.error.clone().unwrap_or_default()}}),
            true,
        ),
    }
}

/// Writes the output and error files from the lines and ends the batch (`from` → `to`).
fn finish(state: &Arc<AppState>, batch: &BatchRow, from: &str, to: &str) -> Result<()> {
    let outcomes = state.catalog.line_outcomes(&batch.id)?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut counts = LineCounts::default();
    for o in &outcomes {
        let (line, is_error) = output_line(batch, o);
        counts.total += 1;
        let target = match is_error {
            true => {
                counts.failed += 1;
                &mut err
            }
            false => {
                counts.succeeded += 1;
                &mut out
            }
        };
        target.extend_from_slice(line.to_string().as_bytes());
        target.push(b'\n');
    }
    let suffix = batch.id.trim_start_matches("batch_");
    let (out_id, err_id) = (
        format!("file-{suffix}-output"),
        format!("file-{suffix}-errors"),
    );
    let (out_name, err_name) = (
        format!("{}_output.jsonl", batch.id),
        format!("{}_errors.jsonl", batch.id),
    );
    let (out_hash, err_hash) = (
        crate::models::sha256_hex(&out),
        crate::models::sha256_hex(&err),
    );
    let output = (!out.is_empty()).then(|| NewApiFile {
        id: &out_id,
        tenant: &batch.tenant,
        purpose: "batch_output",
        filename: &out_name,
        sha256: &out_hash,
        content: &out,
    });
    let errors = (!err.is_empty()).then(|| NewApiFile {
        id: &err_id,
        tenant: &batch.tenant,
        purpose: "batch_output",
        filename: &err_name,
        sha256: &err_hash,
        content: &err,
    });
    let key = format!("{to}_at");
    if state.catalog.end_batch(
        &batch.id,
        from,
        to,
        &stamp(batch, &key),
        counts,
        output.as_ref(),
        errors.as_ref(),
    )? {
        info!(batch = %batch.id, status = to, lines = counts.total, failed = counts.failed, "batch ended");
        ended(state, &batch.id);
    }
    Ok(())
}

/// A batch ended here: its webhook, if it has one.
fn ended(state: &Arc<AppState>, id: &str) {
    let Ok(Some(batch)) = state.catalog.batch(None, id) else {
        return;
    };
    let Some(url) = serde_json::from_str::<CreateBatch>(&batch.body)
        .ok()
        .and_then(|r| r.callback_url)
    else {
        return;
    };
    let body = serde_json::to_value(view(&batch, None)).unwrap_or(Value::Null);
    // Called from the runner's blocking task, which runs inside the server's runtime.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(super::jobs::deliver(state.clone(), url, body));
    }
}
