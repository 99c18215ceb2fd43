//! Vector search latency at 10k, 100k and 1M chunks with the embedded store, scanning and
//! following the graph.
//!
//!     cargo bench --bench vectors -- [SOURCE_DATA_DIR] [SIZES]
//!
//! SOURCE_DATA_DIR (default `bench-out/retrieval/data`) is a data directory filled by
//! `folio ingest` (see benches/retrieval.py): its real chunk embeddings are re-indexed under
//! new ids, each copy nudged by a little noise and re-normalised, up to each size (default
//! 10000,100000,1000000). 200 queries (stored vectors, nudged) ask for the top 10, unfiltered and
//! filtered to one document; p50/p99 latency, recall@10 against the exact f32 ranking (50
//! queries, brute force), build time (the log for `scan`, the graph for `graph`) and resident
//! memory are printed.

use folio::index::{EmbeddedStore, VectorStore};
use std::collections::HashSet;
use std::time::Instant;

fn nudge(v: &[f32], seed: &mut u64) -> Vec<f32> {
    let mut out: Vec<f32> = v
        .iter()
        .map(|x| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            x + ((*seed % 2000) as f32 / 1000.0 - 1.0) * 0.02
        })
        .collect();
    let n = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    out.iter_mut().for_each(|x| *x /= n);
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let source = args
        .first()
        .cloned()
        .unwrap_or_else(|| "bench-out/retrieval/data".into());
    let sizes: Vec<usize> = args
        .get(1)
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    let base = EmbeddedStore::open_read_only(
        &folio::index::live_dir(std::path::Path::new(&source))
            .expect("the source's live index")
            .join("vectors"),
        folio::embed::DIM,
    )
    .expect("open the source vector store");
    let rows: Vec<(String, Vec<f32>)> = base
        .rows()
        .map(|(d, _, v)| (d.to_string(), v.to_vec()))
        .collect();
    assert!(
        !rows.is_empty(),
        "no vectors in {source}: run benches/retrieval.py first"
    );
    println!("source: {} real chunk embeddings from {source}", rows.len());
    println!(
        "{:>9} {:>6} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>10}",
        "chunks",
        "search",
        "p50 ms",
        "p99 ms",
        "1doc p50",
        "1doc p99",
        "build s",
        "RSS MiB",
        "recall@10"
    );
    let mut seed = 0x9e3779b97f4a7c15u64;
    for &n in &sizes {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = Instant::now();
        {
            let mut store =
                EmbeddedStore::open_with_graph_from(dir.path(), folio::embed::DIM, usize::MAX)
                    .expect("store");
            let per_doc = 500;
            let mut batch = Vec::with_capacity(per_doc);
            for i in 0..n {
                let (_, v) = &rows[i % rows.len()];
                batch.push((
                    format!("doc_{}:{}", i / per_doc, i % per_doc),
                    nudge(v, &mut seed),
                ));
                if batch.len() == per_doc || i + 1 == n {
                    store
                        .add(&format!("doc_{}", i / per_doc), &batch)
                        .expect("add");
                    batch.clear();
                }
            }
            store.commit().expect("commit");
        }
        let log_build = t.elapsed().as_secs_f64();
        let queries: Vec<Vec<f32>> = (0..200)
            .map(|i| nudge(&rows[(i * 7919) % rows.len()].1, &mut seed))
            .collect();
        let mut truth: Vec<HashSet<String>> = Vec::new();
        // The same rows searched by scanning, then through the graph (built on reopening).
        for (label, graph_from) in [("scan", usize::MAX), ("graph", 0)] {
            let t = Instant::now();
            let mut store =
                EmbeddedStore::open_with_graph_from(dir.path(), folio::embed::DIM, graph_from)
                    .expect("reopen");
            // An open links at most 20,000 rows; `finish` links the rest, as `folio serve`
            // does before it is ready (without it the graph row would time mostly a scan).
            store.finish().expect("link the graph");
            let build = if graph_from == 0 {
                t.elapsed().as_secs_f64()
            } else {
                log_build
            };
            if truth.is_empty() {
                // The exact f32 top 10 of the first 50 queries, by brute force.
                truth = queries
                    .iter()
                    .take(50)
                    .map(|q| {
                        let mut all: Vec<(f32, &str)> = store
                            .rows()
                            .map(|(_, id, v)| (v.iter().zip(q).map(|(a, b)| a * b).sum(), id))
                            .collect();
                        all.sort_by(|a, b| b.0.total_cmp(&a.0));
                        all.iter().take(10).map(|x| x.1.to_string()).collect()
                    })
                    .collect();
            }
            let one: HashSet<String> = ["doc_3".to_string()].into();
            let timed = |filter: Option<&HashSet<String>>| {
                let mut ms: Vec<f64> = queries
                    .iter()
                    .map(|q| {
                        let t = Instant::now();
                        let hits = store.search(q, 10, filter).expect("search");
                        assert!(!hits.is_empty());
                        t.elapsed().as_secs_f64() * 1000.0
                    })
                    .collect();
                ms.sort_by(f64::total_cmp);
                (percentile(&ms, 0.5), percentile(&ms, 0.99))
            };
            let (p50, p99) = timed(None);
            let (f50, f99) = timed(Some(&one));
            let found: usize = queries
                .iter()
                .zip(&truth)
                .map(|(q, t)| {
                    let got = store.search(q, 10, None).expect("search");
                    got.iter().filter(|h| t.contains(&h.chunk_id)).count()
                })
                .sum();
            let recall = found as f64 / (truth.len() * 10) as f64;
            println!(
                "{n:>9} {label:>6} {p50:>8.2} {p99:>8.2} {f50:>9.2} {f99:>9.2} {build:>9.1} {:>8.0} {recall:>10.3}",
                rss_mib()
            );
        }
    }
}
