#!/usr/bin/env python3
"""OCR accuracy and CPU cost: folio's PP-OCR models against tesseract on the corpus scans.

  python3 benches/ocr.py [--scans ../shared/corpus/scans] [--folio target/release/folio]
                         [--models ppocrv5,ppocrv6_small,ppocrv6_tiny] [--no-tesseract]
                         [--limit N] [--out bench-out/ocr]

For every image in SCANS/index.json, each engine reads it in its own process:
  folio:     `folio extract IMG --format text --pipeline P.toml`, where P.toml is
             pipelines/fast.toml with [ocr.engine] model = M and threads = 1;
  tesseract: `tesseract IMG stdout -l eng` with OMP_THREAD_LIMIT=1.
CPU seconds (user + sys, from wait4) and wall seconds are measured per process, so each
figure includes loading the models once. Texts are scored against the page's ground truth
(pdftotext of the source page) with the team's score.py (CER and bag-of-words F1), and
summarised per set (clean 150 dpi, clean 300 dpi, degraded 300 dpi: rotated 1-2.5 degrees,
noise, blur, JPEG quality 70).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def run(cmd, env=None, stdout=None):
    """Runs cmd; returns (exit code, wall s, cpu s, max rss KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.read()
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    return code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def pipeline_for(model, out_dir, repo):
    text = open(os.path.join(repo, 'pipelines', 'fast.toml'), encoding='utf-8').read()
    text = re.sub(r'(?m)^model = ".*"$', f'model = "{model}"', text)
    text = re.sub(r'(?m)^threads = \d+$', 'threads = 1', text)
    text = re.sub(r'(?m)^name = ".*"$', f'name = "fast-{model}"', text)
    path = os.path.join(out_dir, f'pipeline-{model}.toml')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def score(score_py, hyp_dir, ref_dir):
    out = subprocess.run([sys.executable, score_py, 'texts', hyp_dir, ref_dir],
                         capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r'(\S+)\.txt\tcer=([\d.]+)\tbow_f1=([\d.]+)', line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return rows


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--scans', default=os.path.join(repo, '..', 'shared', 'corpus', 'scans'))
    ap.add_argument('--folio', default=os.path.join(repo, 'target', 'release', 'folio'))
    ap.add_argument('--models', default='ppocrv5,ppocrv6_small,ppocrv6_tiny')
    ap.add_argument('--no-tesseract', action='store_true')
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--out', default=os.path.join(repo, 'bench-out', 'ocr'))
    args = ap.parse_args()
    score_py = os.environ.get('SCORE_PY', os.path.join(repo, '..', 'shared', 'tools', 'score.py'))

    index = json.load(open(os.path.join(args.scans, 'index.json'), encoding='utf-8'))['images']
    if args.limit:
        index = index[:args.limit]
    os.makedirs(args.out, exist_ok=True)
    ref_dir = os.path.join(args.out, 'truth')
    os.makedirs(ref_dir, exist_ok=True)
    for item in index:
        stem = os.path.splitext(os.path.basename(item['image']))[0]
        shutil.copyfile(os.path.join(args.scans, '..', item['truth']), os.path.join(ref_dir, stem + '.txt'))

    engines = {}
    for model in [m for m in args.models.split(',') if m]:
        toml = pipeline_for(model, args.out, repo)
        engines[f'folio-{model}'] = lambda img, toml=toml: ([args.folio, 'extract', img, '--format', 'text',
                                                              '--pipeline', toml], None)
    if not args.no_tesseract:
        if shutil.which('tesseract') is None:
            sys.exit('tesseract not found: apt-get install tesseract-ocr, or pass --no-tesseract')
        env = dict(os.environ, OMP_THREAD_LIMIT='1')
        engines['tesseract'] = lambda img: (['tesseract', img, 'stdout', '-l', 'eng'], env)

    costs = {name: {} for name in engines}
    for n, item in enumerate(index, 1):
        img = os.path.join(args.scans, '..', item['image'])
        stem = os.path.splitext(os.path.basename(item['image']))[0]
        for name, make in engines.items():
            cmd, env = make(img)
            d = os.path.join(args.out, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, stem + '.txt'), 'wb') as f:
                code, wall, cpu, rss = run(cmd, env=env, stdout=f)
            costs[name][stem] = (code, wall, cpu, rss)
        print(f'[{n}/{len(index)}] {stem}: ' + ', '.join(
            f'{k} {v[stem][2]:.2f} cpu-s' for k, v in costs.items()), flush=True)

    variants = {}
    for item in index:
        stem = os.path.splitext(os.path.basename(item['image']))[0]
        kind = 'clean' if item['variant'] == 'clean' else 'degraded'
        key = f"{kind} {item['dpi']} dpi"
        variants.setdefault(key, []).append(stem)

    summary = {}
    for name in engines:
        scores = score(score_py, os.path.join(args.out, name), ref_dir)
        summary[name] = {}
        for key, stems in sorted(variants.items()):
            rows = [scores[s] for s in stems if s in scores]
            cpu = [costs[name][s][2] for s in stems]
            wall = [costs[name][s][1] for s in stems]
            fails = sum(1 for s in stems if costs[name][s][0] != 0)
            summary[name][key] = {
                'images': len(stems),
                'cer_mean': round(statistics.mean(r[0] for r in rows), 4) if rows else None,
                'cer_median': round(statistics.median(r[0] for r in rows), 4) if rows else None,
                'bow_f1_mean': round(statistics.mean(r[1] for r in rows), 4) if rows else None,
                'cpu_s_per_page': round(statistics.mean(cpu), 3),
                'wall_s_per_page': round(statistics.mean(wall), 3),
                'max_rss_mib': round(max(costs[name][s][3] for s in stems) / 1024, 1),
                'failures': fails,
            }

    print()
    print(f"{'engine':<22} {'set':<20} {'CER mean':>9} {'median':>8} {'BoW F1':>7} {'CPU s/pg':>9} {'wall s/pg':>9} {'RSS MiB':>8}")
    for name, per in summary.items():
        for key, s in per.items():
            print(f"{name:<22} {key:<20} {s['cer_mean']:>9} {s['cer_median']:>8} {s['bow_f1_mean']:>7} "
                  f"{s['cpu_s_per_page']:>9} {s['wall_s_per_page']:>9} {s['max_rss_mib']:>8}")
    with open(os.path.join(args.out, 'summary.json'), 'w', encoding='utf-8') as f:
        json.dump({'summary': summary, 'costs': costs}, f, indent=1)
    print(f"\nwrote {os.path.join(args.out, 'summary.json')}")


if __name__ == '__main__':
    main()
