#!/usr/bin/env python3
"""Batches on a local `folio serve`: how fast a 10,000-line batch runs, whether it starves a
single upload, and how fast the server stops.

    python3 benches/batches.py [--folio target/release/folio] [--lines 10000]

1. Starts `folio serve` on 127.0.0.1 (ephemeral port, fresh data directory under
   bench-out/batches/, one job worker, the defaults otherwise) and waits for /readyz.
2. Idle: three single uploads (`fast`, fixtures/docs/koma-brief.de.pdf made unique) with
   wait=300, and 300 /v1/embeddings calls one after another.
3. A batch of LINES /v1/embeddings lines (one sentence each): validation time
   (created → in_progress), total time, lines/s.
4. Fair share: a second batch of LINES lines is started, then three single uploads are
   made while it runs; their latency against the idle ones, and the batch's progress then.
5. Stop: a client waits (wait=300) on an `ocr` upload of fixtures/docs/R-data.pdf; SIGTERM
   after 2 s; seconds until the process is gone and the client has its answer.
Writes bench-out/batches/summary.json. Stdlib only.
"""
import argparse, json, os, signal, sys, threading, time, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import fresh_dir, request, start_server  # noqa: E402


def multipart(fields, name, data, content_type='application/octet-stream'):
    boundary = uuid.uuid4().hex
    body = b''
    for k, v in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
             f'Content-Type: {content_type}\r\n\r\n').encode() + data + f'\r\n--{boundary}--\r\n'.encode()
    return body, {'Content-Type': f'multipart/form-data; boundary={boundary}'}


def upload(base, copy):
    with open('fixtures/docs/koma-brief.de.pdf', 'rb') as f:
        data = f.read() + f'\n%copy {copy}\n'.encode()
    body, headers = multipart({}, 'brief.pdf', data, 'application/pdf')
    t = time.time()
    status, _, _ = request('POST', base + '/v1/documents?pipeline=fast&wait=300', body, headers)
    assert status == 200, status
    return time.time() - t


def batch_file(base, lines):
    rows = [json.dumps({'custom_id': f'l{i}', 'method': 'POST', 'url': '/v1/embeddings',
                        'body': {'input': f'sentence number {i} about reading PDF tables'}})
            for i in range(lines)]
    body, headers = multipart({'purpose': 'batch'}, 'in.jsonl', ('\n'.join(rows) + '\n').encode())
    status, _, answer = request('POST', base + '/v1/files', body, headers)
    assert status == 200, answer
    return json.loads(answer)['id']


def create(base, file_id):
    status, _, answer = request('POST', base + '/v1/batches', json.dumps(
        {'input_file_id': file_id, 'endpoint': '/v1/embeddings', 'completion_window': '24h'}).encode(),
        {'Content-Type': 'application/json'})
    assert status == 200, answer
    return json.loads(answer)['id']


def get(base, batch_id):
    return json.loads(request('GET', f'{base}/v1/batches/{batch_id}')[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--lines', type=int, default=10_000)
    args = ap.parse_args()
    out = fresh_dir('bench-out/batches')
    server, base, _ = start_server(args.folio, ['--data', f'{out}/data'], os.path.join(out, 'server.log'))
    summary = {'lines': args.lines}

    idle = [upload(base, i) for i in range(3)]
    t = time.time()
    for i in range(300):
        status, _, _ = request('POST', base + '/v1/embeddings', json.dumps(
            {'input': f'sentence number {i} about reading PDF tables'}).encode(),
            {'Content-Type': 'application/json'})
        assert status == 200
    summary['direct_embeddings_per_s'] = round(300 / (time.time() - t), 1)

    file_id = batch_file(base, args.lines)
    t0 = time.time()
    batch_id = create(base, file_id)
    started = None
    while True:
        b = get(base, batch_id)
        if started is None and b['status'] != 'validating':
            started = time.time() - t0
        if b['status'] in ('completed', 'failed', 'cancelled', 'expired'):
            break
        time.sleep(0.2)
    total = time.time() - t0
    assert b['status'] == 'completed', b
    summary.update(validation_s=round(started, 2), batch_s=round(total, 1),
                   batch_lines_per_s=round(args.lines / total, 1),
                   request_counts=b['request_counts'])

    second = create(base, file_id)
    while get(base, second)['status'] == 'validating':
        time.sleep(0.1)
    busy = [upload(base, 100 + i) for i in range(3)]
    progress = get(base, second)
    summary.update(upload_idle_s=[round(x, 2) for x in idle], upload_during_batch_s=[round(x, 2) for x in busy],
                   batch_then=progress['status'], batch_done_then=progress['request_counts']['completed'])
    request('POST', f'{base}/v1/batches/{second}/cancel')

    with open('fixtures/docs/R-data.pdf', 'rb') as f:
        body, headers = multipart({}, 'R-data.pdf', f.read(), 'application/pdf')
    answer = {}

    def wait_long():
        t = time.time()
        answer['status'] = request('POST', base + '/v1/documents?pipeline=ocr&wait=300', body, headers)[0]
        answer['after_s'] = time.time() - t
    client = threading.Thread(target=wait_long)
    client.start()
    time.sleep(2)
    t = time.time()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)
    summary['sigterm_exit_s'] = round(time.time() - t, 2)
    client.join()
    summary['waiting_client'] = {'status': answer.get('status'), 'answered_after_sigterm_s': round(answer['after_s'] - 2, 2)}

    print(json.dumps(summary, indent=2))
    with open(os.path.join(out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)


if __name__ == '__main__':
    main()
