#!/usr/bin/env bash
# Embedding chunks/s: folio's Embedder vs the Python onnxruntime package, same ONNX file, same
# batches, same thread count, one after the other in one run. Texts: the first N chunks of a
# data directory filled by `folio ingest` (default bench-out/retrieval/data, N=320).
# Needs the `onnxruntime` (same version as models/manifest.toml) and `tokenizers` Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-bench-out/retrieval/data}
N=${N:-320}
THREADS=${THREADS:-2}
mkdir -p bench-out/embed
python3 - "$DATA" "$N" > bench-out/embed/texts.jsonl <<'PY'
import json, sqlite3, sys, gzip
data, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(f'file:{data}/catalog.sqlite?mode=ro', uri=True)
out = 0
for (blob,) in db.execute("SELECT json FROM documents WHERE status = 'ok' ORDER BY id"):
    doc = json.loads(gzip.decompress(blob))
    for b in doc['blocks']:
        if out < n and len(b['text'].split()) >= 20:
            print(json.dumps(' '.join(b['text'].split()[:180])))
            out += 1
PY
cargo bench --bench embed -- bench-out/embed/texts.jsonl "$THREADS" 2>/dev/null | tail -n1
python3 benches/embed_python.py bench-out/embed/texts.jsonl "$THREADS"
