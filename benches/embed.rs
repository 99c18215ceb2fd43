//! Embedding throughput of folio's `Embedder` on real chunk texts, for comparison in the same
//! run with the Python `onnxruntime` package on the same ONNX file and batches
//! (`benches/embed_python.py`, which `benches/embed.sh` runs right after this).
//!
//!     cargo bench --bench embed -- TEXTS.jsonl [THREADS]
//!
//! TEXTS.jsonl holds one JSON string per line (chunk texts as folio embeds them). Prints one
//! JSON line: chunks, seconds, chunks/s, CPU seconds.

use folio::embed::Embedder;
use folio::models::ModelStore;
use folio::runtime::Device;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // utime + stime of this process, from /proc/self/stat (fields 14 and 15, in clock ticks).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let path = args.first().expect("usage: embed TEXTS.jsonl [THREADS]");
    let threads: usize = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(2);
    let texts: Vec<String> = std::fs::read_to_string(path)
        .expect("texts")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let embedder = Embedder::load(&ModelStore::locate().expect("models"), Device::Cpu, threads)
        .expect("embedder");
    embedder.embed(&refs[..refs.len().min(8)]).expect("warm-up");
    let (cpu0, t) = (cpu_seconds(), Instant::now());
    let vectors = embedder.embed(&refs).expect("embed");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(vectors.len(), refs.len());
    println!(
        "{}",
        serde_json::json!({"engine": "folio", "chunks": refs.len(), "seconds": secs,
            "chunks_per_s": refs.len() as f64 / secs, "cpu_seconds": cpu_seconds() - cpu0,
            "threads": threads})
    );
}
