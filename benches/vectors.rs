//! Vector search latency at 10k, 100k and 1M chunks with the embedded exact store.
//!
//!     cargo bench --bench vectors -- [SOURCE_DATA_DIR] [SIZES]
//!
//! SOURCE_DATA_DIR (default `bench-out/retrieval/data`) is a data directory filled by
//! `folio ingest` (see benches/retrieval.py): its real chunk embeddings are re-indexed under
//! new ids, each copy nudged by a little noise and re-normalised, up to each size (default
//! 10000,100000,1000000). 200 queries (stored vectors, nudged) ask for the top 10, unfiltered and
//! filtered to one document; p50/p99 latency, build time and resident memory are printed.

use folio::index::{ExactStore, VectorStore};
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
    let base = ExactStore::open_read_only(
        &std::path::Path::new(&source).join("vectors"),
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
        "{:>9} {:>9} {:>9} {:>11} {:>11} {:>9} {:>9} {:>9}",
        "chunks", "p50 ms", "p99 ms", "1doc p50", "1doc p99", "build s", "RSS MiB", "recall@10"
    );
    let mut seed = 0x9e3779b97f4a7c15u64;
    for &n in &sizes {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = Instant::now();
        let mut store = ExactStore::open(dir.path(), folio::embed::DIM).expect("store");
        let per_doc = 500;
        let mut batch = Vec::with_capacity(per_doc);
        // Kept for the exact f32 reference ranking (recall@10), up to 100k rows.
        let mut reference: Vec<(String, Vec<f32>)> = Vec::new();
        for i in 0..n {
            let (_, v) = &rows[i % rows.len()];
            let id = format!("doc_{}:{}", i / per_doc, i % per_doc);
            let v = nudge(v, &mut seed);
            if n <= 100_000 {
                reference.push((id.clone(), v.clone()));
            }
            batch.push((id, v));
            if batch.len() == per_doc || i + 1 == n {
                store
                    .add(&format!("doc_{}", i / per_doc), &batch)
                    .expect("add");
                batch.clear();
            }
        }
        store.commit().expect("commit");
        let build = t.elapsed().as_secs_f64();
        let queries: Vec<Vec<f32>> = (0..200)
            .map(|i| nudge(&rows[(i * 7919) % rows.len()].1, &mut seed))
            .collect();
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
        // recall@10 of the i8 scan + f32 re-scoring against the exact f32 ranking.
        let mut found = 0usize;
        let checked = if reference.is_empty() { 0 } else { 50 };
        for q in queries.iter().take(checked) {
            let mut exact: Vec<(f32, &str)> = reference
                .iter()
                .map(|(id, v)| {
                    (
                        v.iter().zip(q).map(|(a, b)| a * b).sum::<f32>(),
                        id.as_str(),
                    )
                })
                .collect();
            exact.sort_by(|a, b| b.0.total_cmp(&a.0));
            let truth: HashSet<&str> = exact.iter().take(10).map(|x| x.1).collect();
            let got = store.search(q, 10, None).expect("search");
            found += got
                .iter()
                .filter(|h| truth.contains(h.chunk_id.as_str()))
                .count();
        }
        let recall = if checked == 0 {
            f64::NAN
        } else {
            found as f64 / (checked * 10) as f64
        };
        println!(
            "{n:>9} {p50:>9.2} {p99:>9.2} {f50:>11.2} {f99:>11.2} {build:>9.1} {:>9.0} {recall:>9.3}",
            rss_mib()
        );
    }
}
