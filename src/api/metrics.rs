//! Prometheus metrics: requests by route and status, latency histograms, pages and documents
//! processed, time per stage, queue depth and jobs by state.

use crate::catalog::{Catalog, JobState};
use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub pages: IntCounter,
    pub documents: IntCounterVec,
    pub stage_seconds: prometheus::CounterVec,
    pub queue_waiting: IntGauge,
    pub queue_running: IntGauge,
    pub jobs: IntGaugeVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: T) -> T {
    // Names are fixed and unique, so registration cannot collide.
    let _ = registry.register(Box::new(metric.clone()));
    metric
}

impl Metrics {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "folio_http_requests_total",
                    "HTTP requests by route, method and status",
                ),
                &["route", "method", "status"],
            )?,
        );
        let latency = register(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "folio_http_request_duration_seconds",
                    "HTTP request latency",
                )
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    30.0, 60.0,
                ]),
                &["route", "method"],
            )?,
        );
        let pages = register(
            &registry,
            IntCounter::new("folio_pages_processed_total", "Pages extracted by jobs")?,
        );
        let documents = register(
            &registry,
            IntCounterVec::new(
                Opts::new("folio_documents_processed_total", "Jobs ended, by outcome"),
                &["outcome"],
            )?,
        );
        let stage_seconds = register(
            &registry,
            prometheus::CounterVec::new(
                Opts::new("folio_stage_seconds_total", "Time spent per pipeline stage"),
                &["stage"],
            )?,
        );
        let queue_waiting = register(
            &registry,
            IntGauge::new("folio_queue_depth", "Jobs waiting for a worker")?,
        );
        let queue_running = register(
            &registry,
            IntGauge::new(
                "folio_jobs_running",
                "Jobs this server's workers are running",
            )?,
        );
        let jobs = register(
            &registry,
            IntGaugeVec::new(
                Opts::new("folio_jobs", "Jobs in the catalog by state"),
                &["state"],
            )?,
        );
        Ok(Self {
            registry,
            requests,
            latency,
            pages,
            documents,
            stage_seconds,
            queue_waiting,
            queue_running,
            jobs,
        })
    }

    /// The text exposition, with the gauges read now (`running_here`: jobs this server's
    /// workers run; the queue and the job counts are the catalog's, shared by every server
    /// on it).
    pub fn render(&self, catalog: &Catalog, running_here: usize) -> String {
        self.queue_running.set(running_here as i64);
        self.queue_waiting.set(0);
        for state in JobState::ALL {
            self.jobs.with_label_values(&[state.as_str()]).set(0);
        }
        if let Ok(counts) = catalog.job_counts() {
            for (state, n) in counts {
                self.jobs.with_label_values(&[state.as_str()]).set(n as i64);
                if state == JobState::Queued {
                    self.queue_waiting.set(n as i64);
                }
            }
        }
        let mut out = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
