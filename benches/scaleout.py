#!/usr/bin/env python3
"""Ingest throughput with 1 and 2 workers sharing one PostgreSQL catalog and one Qdrant.

    python3 benches/scaleout.py --qdrant http://127.0.0.1:6334 [--folio target/release/folio]
                                [--docs DIR] [--pipeline fast]

Starts a throwaway PostgreSQL cluster (Debian's postgresql package: initdb + pg_ctl, as the
`postgres` user when run as root), then ingests DOCS (default: five corpus manuals) with one
`folio ingest`, and again into a fresh catalog database and collection prefix with two
`folio ingest` at once over the same folder (they split the files by claiming them). Prints
wall time, pages and pages/s of each run, and each worker's share. On a 2-core machine the two
workers compete for the same cores: the number says what the coordination costs, not what a
second machine would add.
"""
import argparse, glob, os, re, shutil, socket, subprocess, tempfile, time

DOCS = ['R-data.pdf', 'latex-clsguide.pdf', 'booktabs.pdf', 'pari-tutorial.pdf', 'liboctave.pdf']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_postgres(work):
    bins = sorted(glob.glob('/usr/lib/postgresql/*/bin'), key=lambda p: int(p.split('/')[-2]))
    if not bins:
        raise SystemExit('PostgreSQL is not installed: apt-get install postgresql')
    root = os.getuid() == 0
    run_as = ['runuser', '-u', 'postgres', '--'] if root else []
    if root:
        shutil.chown(work, 'postgres', 'postgres')
    data, port = os.path.join(work, 'pg'), free_port()
    subprocess.run(run_as + [f'{bins[-1]}/initdb', '-D', data, '-A', 'trust', '-U', 'folio', '--no-sync'],
                   check=True, capture_output=True)
    subprocess.run(run_as + [f'{bins[-1]}/pg_ctl', '-D', data, '-l', os.path.join(work, 'pg.log'), '-w', 'start',
                             '-o', f'-p {port} -k {work} -c listen_addresses=127.0.0.1'],
                   check=True, capture_output=True)
    stop = lambda: subprocess.run(run_as + [f'{bins[-1]}/pg_ctl', '-D', data, '-m', 'fast', 'stop'],
                                  capture_output=True)
    return port, stop


def ingest_runs(folio, docs, pipeline, storage, data_dirs):
    t = time.perf_counter()
    procs = [subprocess.Popen([folio, 'ingest', docs, '--pipeline', pipeline, '--data', d] + storage,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for d in data_dirs]
    outs = [p.communicate()[1] for p in procs]
    wall = time.perf_counter() - t
    shares = []
    for err in outs:
        m = re.search(r'(\d+) indexed, .*?; (\d+) pages', err)
        if not m:
            raise SystemExit(f'an ingest failed: {err[-2000:]}')
        shares.append((int(m.group(1)), int(m.group(2))))
    pages = sum(p for _, p in shares)
    return {'workers': len(data_dirs), 'wall_s': round(wall, 1), 'pages': pages,
            'pages_per_s': round(pages / wall, 2), 'files_pages_per_worker': shares}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--qdrant', required=True)
    ap.add_argument('--docs', default=None)
    ap.add_argument('--pipeline', default='fast')
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix='folio-scaleout-')
    docs = args.docs
    if docs is None:
        docs = os.path.join(work, 'docs')
        os.makedirs(docs)
        for d in DOCS:
            os.symlink(os.path.abspath(os.path.join('../shared/corpus/docs', d)), os.path.join(docs, d))
    port, stop = start_postgres(work)
    try:
        for n in (1, 2):
            db = f'run{n}'
            subprocess.run(['psql', '-h', '127.0.0.1', '-p', str(port), '-U', 'folio', '-d', 'postgres',
                            '-c', f'CREATE DATABASE {db}'], check=True, capture_output=True)
            storage = ['--catalog', f'postgres://folio@127.0.0.1:{port}/{db}',
                       '--qdrant', args.qdrant, '--collection-prefix', f'scaleout{n}_{int(time.time())}_']
            dirs = [os.path.join(work, f'data{n}-{i}') for i in range(n)]
            print(ingest_runs(args.folio, docs, args.pipeline, storage, dirs), flush=True)
    finally:
        stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
