#!/usr/bin/env python3
"""What a user notices while the embedded index moves to a new generation: a copy of a
data directory is marked as written by another model (`--model-change`: every chunk is
embedded again) or another analysis (chunks and vectors are copied), `folio serve` is started
on it, and the corpus questions are asked over and over through `/v1/retrieve` until the new
generation answers, then as many times again. Reports the build time, chunks per second, and
search latency p50/p99 during the build and after it; every answer must succeed and be
non-empty.

    python3 benches/generations.py [--folio target/release/folio]
        [--data bench-out/retrieval/data] [--qa ../shared/corpus/qa.jsonl] [--model-change]

Run benches/retrieval.py first (it makes the data directory). Stdlib only.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, time, urllib.request


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method='POST',
                                 headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--data', default='bench-out/retrieval/data')
    ap.add_argument('--qa', default='../shared/corpus/qa.jsonl')
    ap.add_argument('--model-change', action='store_true')
    args = ap.parse_args()
    out = os.path.abspath('bench-out/generations')
    copy = os.path.join(out, 'data')
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(args.data, copy)
    live = open(os.path.join(copy, 'index', 'live')).read().strip()
    written = os.path.join(copy, 'index', live, 'generation.json')
    if args.model_change:
        json.dump({'embedding': 'an-older-model'}, open(written, 'w'))
    else:
        # Another analysis: the keyword index's commit payload names it.
        meta = os.path.join(copy, 'index', live, 'keyword', 'meta.json')
        m = json.load(open(meta))
        m['payload'] = 'folio-analysis-2'
        json.dump(m, open(meta, 'w'))
    status = json.loads(subprocess.run([args.folio, 'status', '--data', copy],
                                       capture_output=True, text=True).stdout)
    chunks = status['chunks']['catalog']
    config = os.path.join(out, 'serve.toml')
    open(config, 'w').write('generation_grace_seconds = 5\n')
    questions = [json.loads(l)['question'] for l in open(args.qa, encoding='utf-8')]
    server = subprocess.Popen([args.folio, 'serve', '--data', copy, '--addr', '127.0.0.1:0',
                               '--config', config], stdout=subprocess.PIPE,
                              stderr=open(os.path.join(out, 'serve.log'), 'w'), text=True)
    try:
        base = server.stdout.readline().strip().removeprefix('listening on ')
        started = time.perf_counter()
        while True:
            try:
                with urllib.request.urlopen(base + '/readyz', timeout=5) as r:
                    if r.status == 200:
                        break
            except Exception:
                pass
            time.sleep(0.05)
        ready = time.perf_counter()
        during, after, empty, switched = [], [], 0, None
        i = 0
        while switched is None or len(after) < len(during) and time.perf_counter() - switched < 120:
            q = questions[i % len(questions)]
            i += 1
            t = time.perf_counter()
            body = post(base + '/v1/retrieve', {'query': q, 'top_k': 10})
            ms = (time.perf_counter() - t) * 1000
            empty += not body['results']
            if body['generation'] == live:
                during.append(ms)
            else:
                if switched is None:
                    switched = time.perf_counter()
                after.append(ms)
            if time.perf_counter() - ready > 3600:
                sys.exit('no switch within an hour')
    finally:
        server.terminate()
        server.wait()
    build = switched - ready
    summary = {
        'change': 'model (every chunk embedded again)' if args.model_change
        else 'analysis (chunks and vectors copied)',
        'chunks': chunks,
        'start_to_ready_s': round(ready - started, 1),
        'build_s': round(build, 1),
        'chunks_per_s': round(chunks / build, 1),
        'searches_during_build': len(during),
        'p50_ms_during': round(statistics.median(during), 1) if during else None,
        'p99_ms_during': round(percentile(during, 0.99), 1) if during else None,
        'p50_ms_after': round(statistics.median(after), 1) if after else None,
        'p99_ms_after': round(percentile(after, 0.99), 1) if after else None,
        'empty_answers': empty,
    }
    print(json.dumps(summary, indent=2))
    json.dump(summary, open(os.path.join(out, 'summary.json'), 'w'), indent=2)


if __name__ == '__main__':
    main()
