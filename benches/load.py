#!/usr/bin/env python3
"""Load on a local `folio serve`: concurrent clients upload corpus PDFs while others query.

    python3 benches/load.py [--folio target/release/folio] [--docs ../shared/corpus/docs]
                            [--qa ../shared/corpus/qa.jsonl] [--uploaders 3] [--queriers 3]
                            [--documents 12] [--max-mb 1.5] [--pipeline fast] [--seconds 600]

1. Starts `folio serve` on 127.0.0.1 (ephemeral port) with a fresh data directory under
   bench-out/load/ and waits for /readyz. Loopback only.
2. Seeds the index with 2 documents, then times 60 retrievals one after another (idle).
3. Load: UPLOADERS threads share the DOCUMENTS smallest corpus PDFs (under MAX_MB each),
   each POSTing with wait=0 and following its job; a 429 is retried after Retry-After.
   QUERIERS threads send the corpus questions to /v1/retrieve (hybrid, top_k 5) until the
   uploads are done. Bounded by SECONDS.
4. Reports uploads/s and pages/s, retrieval p50/p99 idle vs under load, every status seen,
   failures (anything but 2xx and 429), and the server's peak RSS (VmHWM).
Writes bench-out/load/summary.json. Stdlib only.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, threading, time, urllib.error, urllib.request, uuid


def request(method, url, body=None, headers=None, timeout=300):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def multipart(path):
    boundary = uuid.uuid4().hex
    with open(path, 'rb') as f:
        data = f.read()
    name = os.path.basename(path)
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            'Content-Type: application/pdf\r\n\r\n').encode() + data + f'\r\n--{boundary}--\r\n'.encode()
    return body, {'Content-Type': f'multipart/form-data; boundary={boundary}'}


def fresh_dir(path):
    """`path`, emptied (created when missing)."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def start_server(folio, serve_args, log_path):
    """`folio serve` on an ephemeral loopback port, its log appended to `log_path`, once
    /readyz says ready: (process, base URL, seconds it took)."""
    log = open(log_path, 'a')
    server = subprocess.Popen([folio, 'serve', '--addr', '127.0.0.1:0', *serve_args],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    base = server.stdout.readline().strip().removeprefix('listening on ')
    t = time.time()
    while request('GET', base + '/readyz')[0] != 200:
        if time.time() - t > 180:
            sys.exit('server not ready')
        time.sleep(0.1)
    return server, base, time.time() - t


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000, 1) if xs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--docs', default='../shared/corpus/docs')
    ap.add_argument('--qa', default='../shared/corpus/qa.jsonl')
    ap.add_argument('--uploaders', type=int, default=3)
    ap.add_argument('--queriers', type=int, default=3)
    ap.add_argument('--documents', type=int, default=12)
    ap.add_argument('--max-mb', type=float, default=1.5)
    ap.add_argument('--pipeline', default='fast')
    ap.add_argument('--seconds', type=float, default=600)
    args = ap.parse_args()

    out = fresh_dir('bench-out/load')
    cfg = os.path.join(out, 'server.toml')
    with open(cfg, 'w') as f:
        f.write(f'data = "{out}/data"\n[limits]\nconcurrent_jobs = 1\nqueue_length = 4\n')
    server, base, seconds = start_server(args.folio, ['--config', cfg], os.path.join(out, 'server.log'))
    print(f'server ready at {base} in {seconds:.1f} s', flush=True)

    pdfs = sorted((os.path.join(args.docs, n) for n in os.listdir(args.docs) if n.endswith('.pdf')),
                  key=os.path.getsize)
    pdfs = [p for p in pdfs if os.path.getsize(p) <= args.max_mb * 2**20]
    seed, pdfs = pdfs[:2], pdfs[2:2 + args.documents]
    for p in seed:
        body, h = multipart(p)
        status, _, _ = request('POST', f'{base}/v1/documents?pipeline={args.pipeline}&wait=300', body, h)
        print(f'seeded {os.path.basename(p)}: {status}', flush=True)
    questions = [json.loads(l)['question'] for l in open(args.qa, encoding='utf-8')]

    def query(q):
        body = json.dumps({'query': q, 'top_k': 5, 'mode': 'hybrid'}).encode()
        t = time.perf_counter()
        status, _, _ = request('POST', base + '/v1/retrieve', body, {'Content-Type': 'application/json'})
        return status, time.perf_counter() - t

    idle = []
    for i in range(60):
        status, dt = query(questions[i % len(questions)])
        assert status == 200, status
        idle.append(dt)

    lock = threading.Lock()
    statuses, failures, loaded, uploaded = {}, [], [], []
    todo = list(pdfs)
    done = threading.Event()
    deadline = time.time() + args.seconds

    def note(kind, status):
        with lock:
            statuses[f'{kind} {status}'] = statuses.get(f'{kind} {status}', 0) + 1
            if not (200 <= status < 300 or status == 429):
                failures.append(f'{kind} {status}')

    def uploader():
        while time.time() < deadline:
            with lock:
                if not todo:
                    return
                path = todo.pop()
            body, h = multipart(path)
            while time.time() < deadline:
                status, headers, payload = request('POST', f'{base}/v1/documents?pipeline={args.pipeline}&wait=0', body, h)
                note('upload', status)
                if status == 429:
                    time.sleep(float(headers.get('Retry-After') or headers.get('retry-after') or 1))
                    continue
                break
            if status == 202:
                job = json.loads(payload)['job']
                while time.time() < deadline:
                    s, _, p = request('GET', f'{base}/v1/jobs/{job["id"]}')
                    job = json.loads(p)
                    if job['state'] not in ('queued', 'running'):
                        break
                    time.sleep(0.2)
                note('job', 200 if job['state'] == 'succeeded' else 500)
                pages = job.get('pages_total') or 0
            else:
                pages = json.loads(payload).get('pages', []) if status == 200 else []
                pages = len(pages) if isinstance(pages, list) else 0
            with lock:
                uploaded.append(pages)

    def querier(n):
        i = n
        while not done.is_set() and time.time() < deadline:
            status, dt = query(questions[i % len(questions)])
            note('retrieve', status)
            if status == 200:
                with lock:
                    loaded.append(dt)
            i += 1

    t0 = time.perf_counter()
    ups = [threading.Thread(target=uploader) for _ in range(args.uploaders)]
    qs = [threading.Thread(target=querier, args=(n,)) for n in range(args.queriers)]
    for th in ups + qs:
        th.start()
    for th in ups:
        th.join()
    wall = time.perf_counter() - t0
    done.set()
    for th in qs:
        th.join()

    status_text = open(f'/proc/{server.pid}/status').read()
    hwm = next(int(l.split()[1]) for l in status_text.splitlines() if l.startswith('VmHWM'))
    server.terminate()
    server.wait(timeout=60)
    summary = {
        'pipeline': args.pipeline, 'uploaders': args.uploaders, 'queriers': args.queriers,
        'documents': len(uploaded), 'pages': sum(uploaded), 'load_seconds': round(wall, 1),
        'uploads_per_second': round(len(uploaded) / wall, 3),
        'pages_per_second': round(sum(uploaded) / wall, 2),
        'retrieve_idle_ms': {'p50': pct(idle, 50), 'p99': pct(idle, 99), 'n': len(idle)},
        'retrieve_loaded_ms': {'p50': pct(loaded, 50), 'p99': pct(loaded, 99), 'n': len(loaded)},
        'statuses': statuses, 'failures': len(failures),
        'server_peak_rss_mib': round(hwm / 1024, 1),
        'server_exit': server.returncode,
    }
    with open(os.path.join(out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary, indent=2))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
