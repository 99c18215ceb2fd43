#!/usr/bin/env python3
"""Retrieval quality on the corpus questions: recall@1/5/10 of the answer page for keyword,
vector and hybrid search, scored by ../shared/tools/score.py exactly as engines are compared.

    python3 benches/retrieval.py [--folio target/release/folio] [--docs ../shared/corpus/docs]
                                 [--qa ../shared/corpus/qa.jsonl] [--data bench-out/retrieval/data]
                                 [--pipeline fast] [--skip-ingest] [--answer-docs-only]
                                 [--storage "--qdrant http://127.0.0.1:6334 --collection-prefix b_"]

`--storage` passes the same flags to every folio command (shared engines: Qdrant, PostgreSQL),
so one script compares the embedded stores with Qdrant on the same documents.
`--answer-docs-only` ingests just the documents the questions are about (a folder of links).

1. `folio ingest DOCS --data DATA --pipeline P` (timed; its summary line gives pages/s and the
   time split by stage; resumable, so a second run only checks).
2. For every question and mode: `folio query QUESTION --data DATA --mode M --top-k 10 --json`
   (query latency per call is reported too; it includes process start and model load).
3. `score.py qa QA RESULTS K` for K in 1, 5, 10.
Writes OUT/summary.json next to DATA. Stdlib only.
"""
import argparse, json, os, statistics, subprocess, sys, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--docs', default='../shared/corpus/docs')
    ap.add_argument('--qa', default='../shared/corpus/qa.jsonl')
    ap.add_argument('--data', default='bench-out/retrieval/data')
    ap.add_argument('--pipeline', default='fast')
    ap.add_argument('--skip-ingest', action='store_true')
    ap.add_argument('--storage', default='', help='flags every folio command gets')
    ap.add_argument('--answer-docs-only', action='store_true')
    args = ap.parse_args()
    storage = args.storage.split()
    score = os.environ.get('SCORE_PY', '../shared/tools/score.py')
    out_dir = os.path.dirname(os.path.abspath(args.data))
    os.makedirs(out_dir, exist_ok=True)
    summary = {}
    docs = args.docs
    if args.answer_docs_only:
        docs = os.path.join(out_dir, 'answer-docs')
        os.makedirs(docs, exist_ok=True)
        corpus = os.path.dirname(os.path.abspath(args.qa))
        for q in (json.loads(l) for l in open(args.qa, encoding='utf-8')):
            link = os.path.join(docs, os.path.basename(q['doc']))
            if not os.path.lexists(link):
                os.symlink(os.path.join(corpus, q['doc']), link)
    if not args.skip_ingest:
        t = time.perf_counter()
        log_path = os.path.join(out_dir, 'ingest.log')
        with open(log_path, 'w') as log:
            p = subprocess.Popen([args.folio, 'ingest', docs, '--data', args.data, '--pipeline', args.pipeline]
                                 + storage, stdout=subprocess.DEVNULL, stderr=log)
            _, status, ru = os.wait4(p.pid, 0)
        summary['ingest_seconds'] = round(time.perf_counter() - t, 1)
        summary['ingest_cpu_seconds'] = round(ru.ru_utime + ru.ru_stime, 1)
        summary['ingest_peak_rss_mib'] = round(ru.ru_maxrss / 1024, 1)
        lines = open(log_path, encoding='utf-8').read().splitlines()
        summary['ingest_log'] = [l for l in lines if l.startswith(('ingested', 'time:', 'failed'))]
        print('\n'.join(summary['ingest_log']), flush=True)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.data) for f in fs)
    status = json.loads(subprocess.run([args.folio, 'status', '--data', args.data] + storage,
                                       capture_output=True, text=True).stdout)
    summary['status'] = status
    summary['data_dir_mib'] = round(size / 2**20, 1)
    print(json.dumps({k: summary[k] for k in summary if k != 'ingest_log'}), flush=True)
    questions = [json.loads(l) for l in open(args.qa, encoding='utf-8')]
    for mode in ('keyword', 'vector', 'hybrid'):
        path = os.path.join(out_dir, f'results-{mode}.jsonl')
        latencies = []
        with open(path, 'w', encoding='utf-8') as f:
            for q in questions:
                t = time.perf_counter()
                p = subprocess.run([args.folio, 'query', q['question'], '--data', args.data, '--mode', mode,
                                    '--top-k', '20', '--json'] + storage, capture_output=True, text=True)
                latencies.append(time.perf_counter() - t)
                results = json.loads(p.stdout)['results'] if p.returncode == 0 else []
                f.write(json.dumps({'id': q['id'], 'results': results}) + '\n')
        row = {'query_process_ms_p50': round(statistics.median(latencies) * 1000, 1)}
        for k in (1, 5, 10):
            r = subprocess.run([sys.executable, score, 'qa', args.qa, path, str(k)], capture_output=True, text=True)
            row[f'recall@{k}'] = json.loads(r.stdout.strip().splitlines()[-1])[f'recall@{k}']
        summary[mode] = row
        print(mode, json.dumps(row), flush=True)
    # folio's own fusion (reciprocal rank, K = 60, window 20, ties to keyword) over this
    # engine's keyword and vector rankings: with Qdrant, the same data fused our way.
    path = os.path.join(out_dir, 'results-hybrid-ours.jsonl')
    ranked = {m: {json.loads(l)['id']: json.loads(l)['results']
                  for l in open(os.path.join(out_dir, f'results-{m}.jsonl'), encoding='utf-8')}
              for m in ('keyword', 'vector')}
    with open(path, 'w', encoding='utf-8') as f:
        for q in questions:
            scores, first, chunks = {}, {}, {}
            for which, m in enumerate(('keyword', 'vector')):
                for rank, r in enumerate(ranked[m].get(q['id'], [])[:20]):
                    cid = r['chunk']['id']
                    scores[cid] = scores.get(cid, 0.0) + 1.0 / (60 + rank + 1)
                    first[cid] = min(first.get(cid, (rank, which)), (rank, which))
                    chunks.setdefault(cid, r)
            order = sorted(scores, key=lambda c: (-scores[c], first[c]))[:10]
            f.write(json.dumps({'id': q['id'], 'results': [dict(chunks[c], score=scores[c]) for c in order]}) + '\n')
    row = {}
    for k in (1, 5, 10):
        r = subprocess.run([sys.executable, score, 'qa', args.qa, path, str(k)], capture_output=True, text=True)
        row[f'recall@{k}'] = json.loads(r.stdout.strip().splitlines()[-1])[f'recall@{k}']
    summary['hybrid-ours'] = row
    print('hybrid-ours', json.dumps(row), flush=True)
    with open(os.path.join(out_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)


if __name__ == '__main__':
    main()
