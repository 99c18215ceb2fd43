#!/usr/bin/env python3
"""Throughput of the `accurate` pipeline (layout model on every page) on born-digital PDFs, with
the `fast` pipeline on the same pages in the same run, and what layout found.

    python3 benches/accurate.py [--corpus ../shared/corpus/docs] [--folio target/release/folio]
                                [--pages 1-8] [--out bench-out/accurate] [--limit N]

For every PDF in the corpus (sorted by name; the first N with --limit), pages --pages only:
  FOLIO extract FILE --pipeline P --pages R --format json   for P in accurate, fast
  (R = --pages clipped to the document's page count, read with pdfinfo)
  pdftotext -f A -l B FILE                                  (reference text for the same pages)
Each runs as its own child process; wall = perf_counter around spawn + os.wait4(), CPU =
ru_utime + ru_stime, peak RSS = ru_maxrss of that child. Pages/s = pages / wall summed over files.
The JSON's stats.stage_ms gives the time split by stage. Text is scored against pdftotext with
../shared/tools/score.py (`texts` mode: CER and bag-of-words F1), so layout is seen not to lose
text. Also counted: tables (and cells), figures, captions linked to them, formulas, references.
Stdlib only; writes OUT/summary.json.
"""
import argparse, json, os, subprocess, sys, time
from collections import Counter


def run(cmd, stdout):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, status


def text_of(doc):
    return '\n'.join(b['text'] for b in doc['blocks'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', default='../shared/corpus/docs')
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--pages', default='1-8')
    ap.add_argument('--out', default='bench-out/accurate')
    ap.add_argument('--limit', type=int)
    args = ap.parse_args()
    score = os.environ.get('SCORE_PY', '../shared/tools/score.py')
    files = sorted(f for f in os.listdir(args.corpus) if f.endswith('.pdf'))[: args.limit]
    first, last = args.pages.split('-')
    totals = {p: Counter() for p in ('accurate', 'fast')}
    stages = {p: Counter() for p in ('accurate', 'fast')}
    found = Counter()
    peak = {p: 0.0 for p in ('accurate', 'fast')}
    for p in ('accurate', 'fast', 'ref'):
        os.makedirs(os.path.join(args.out, p), exist_ok=True)
    for name in files:
        path = os.path.join(args.corpus, name)
        stem = name[:-4]
        info = subprocess.run(['pdfinfo', path], capture_output=True, text=True).stdout
        count = int(next((l.split()[1] for l in info.splitlines() if l.startswith('Pages:')), last))
        upto = str(min(int(last), count))
        pages = f'{first}-{upto}'
        with open(os.path.join(args.out, 'ref', stem + '.txt'), 'wb') as f:
            run(['pdftotext', '-f', first, '-l', upto, path, '-'], f)
        for pipeline in ('accurate', 'fast'):
            json_path = os.path.join(args.out, pipeline, stem + '.json')
            with open(json_path, 'wb') as f:
                wall, cpu, rss, status = run([args.folio, 'extract', path, '--pipeline', pipeline,
                                              '--pages', pages], f)
            if status != 0:
                print(f'{name}: {pipeline} failed', file=sys.stderr)
                totals[pipeline]['failed'] += 1
                continue
            doc = json.load(open(json_path, encoding='utf-8'))
            with open(os.path.join(args.out, pipeline, stem + '.txt'), 'w', encoding='utf-8') as f:
                f.write(text_of(doc))
            n = len(doc['pages'])
            totals[pipeline].update({'pages': n, 'wall': wall, 'cpu': cpu})
            stages[pipeline].update(doc['stats']['stage_ms'])
            peak[pipeline] = max(peak[pipeline], rss)
            if pipeline == 'accurate':
                for b in doc['blocks']:
                    found[b['kind']] += 1
                    if b['kind'] == 'caption' and b.get('caption_of'):
                        found['caption_linked'] += 1
                    if b.get('table'):
                        found['table_cells'] += sum(len(r) for r in b['table']['rows'])
                print(f"{name:34s} {n:3d} pages  accurate {n / wall:5.2f} p/s", flush=True)
    summary = {}
    for pipeline in ('accurate', 'fast'):
        t = totals[pipeline]
        out = subprocess.run([sys.executable, score, 'texts', os.path.join(args.out, pipeline),
                              os.path.join(args.out, 'ref')], capture_output=True, text=True).stdout
        scored = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        summary[pipeline] = {
            'files': len(files) - t['failed'], 'failed': t['failed'], 'pages': t['pages'],
            'pages_per_s': round(t['pages'] / max(t['wall'], 1e-9), 2),
            'cpu_s_per_page': round(t['cpu'] / max(t['pages'], 1), 3),
            'peak_rss_mib': round(peak[pipeline], 1),
            'stage_ms_per_page': {k: round(v / max(t['pages'], 1), 1) for k, v in sorted(stages[pipeline].items())},
            'vs_pdftotext': scored,
        }
    summary['accurate']['found'] = dict(sorted(found.items()))
    print(json.dumps(summary, indent=2))
    with open(os.path.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)


if __name__ == '__main__':
    main()
