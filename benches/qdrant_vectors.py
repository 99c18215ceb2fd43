#!/usr/bin/env python3
"""Dense search latency and recall@10 in Qdrant at N chunks, to set beside
`cargo bench --bench vectors` (the embedded store) on the same machine.

    python3 benches/qdrant_vectors.py --http http://127.0.0.1:6333 --source bench_chunks \
                                      [--sizes 100000] [--queries 200]

The base vectors are the real chunk embeddings of a collection folio filled (`--source`, an
alias or collection, e.g. after `benches/retrieval.py --storage "--qdrant …"`), read back
with scroll; copies nudged by noise and re-normalised fill a scratch collection to each size
with the settings folio uses (384-d cosine, int8 scalar quantization in RAM, searches
rescored). 200 queries (stored vectors, nudged) ask for the top 10 over HTTP, one at a time;
p50/p99 latency (client side, so it includes the HTTP round trip), recall@10 against the exact
f32 ranking (numpy brute force, 50 queries) and the upload time are printed. Needs numpy.
"""
import argparse, json, statistics, time, urllib.request

import numpy as np


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def base_vectors(http, source):
    out, offset = [], None
    while True:
        body = {'limit': 1000, 'with_vector': ['dense'], 'with_payload': False}
        if offset is not None:
            body['offset'] = offset
        page = call(http, 'POST', f'/collections/{source}/points/scroll', body)['result']
        out.extend(p['vector']['dense'] for p in page['points'])
        offset = page.get('next_page_offset')
        if offset is None:
            return np.asarray(out, dtype=np.float32)


def nudged(base, n, rng):
    rows = base[rng.integers(0, len(base), n)]
    rows = rows + rng.uniform(-0.02, 0.02, rows.shape).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--http', default='http://127.0.0.1:6333')
    ap.add_argument('--source', default='bench_chunks')
    ap.add_argument('--sizes', default='100000')
    ap.add_argument('--queries', type=int, default=200)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    base = base_vectors(args.http, args.source)
    print(f'{len(base)} base vectors from {args.source}', flush=True)
    for size in [int(s) for s in args.sizes.split(',')]:
        name = f'bench_vectors_{size}'
        try:
            call(args.http, 'DELETE', f'/collections/{name}')
        except Exception:
            pass
        call(args.http, 'PUT', f'/collections/{name}', {
            'vectors': {'dense': {'size': base.shape[1], 'distance': 'Cosine'}},
            'quantization_config': {'scalar': {'type': 'int8', 'always_ram': True}},
        })
        data = nudged(base, size, rng)
        t = time.perf_counter()
        for start in range(0, size, 1000):
            rows = data[start:start + 1000]
            call(args.http, 'PUT', f'/collections/{name}/points?wait=true', {'points': [
                {'id': start + i, 'vector': {'dense': row.tolist()}} for i, row in enumerate(rows)]})
        upload = time.perf_counter() - t
        # Let indexing (HNSW building) finish before timing searches.
        t = time.perf_counter()
        while call(args.http, 'GET', f'/collections/{name}')['result']['status'] != 'green':
            time.sleep(1)
        indexing = time.perf_counter() - t
        queries = nudged(data, args.queries, rng)
        latencies, hits = [], []
        for q in queries:
            t = time.perf_counter()
            r = call(args.http, 'POST', f'/collections/{name}/points/query', {
                'query': q.tolist(), 'using': 'dense', 'limit': 10,
                'params': {'quantization': {'rescore': True}}})
            latencies.append((time.perf_counter() - t) * 1000)
            hits.append([p['id'] for p in r['result']['points']])
        exact = np.argsort(-(data @ queries[:50].T), axis=0)[:10].T
        recall = statistics.mean(len(set(h) & set(e.tolist())) / 10 for h, e in zip(hits[:50], exact))
        latencies.sort()
        row = {
            'chunks': size, 'p50_ms': round(latencies[len(latencies) // 2], 2),
            'p99_ms': round(latencies[int((len(latencies) - 1) * 0.99)], 2),
            'recall@10': round(recall, 3), 'upload_s': round(upload, 1), 'indexing_s': round(indexing, 1),
        }
        print(json.dumps(row), flush=True)
        call(args.http, 'DELETE', f'/collections/{name}')


if __name__ == '__main__':
    main()
