#!/usr/bin/env python3
"""OCR accuracy and CPU cost: folio against tesseract, in the same run, on page images nobody
tuned for.

  python3 benches/ocr.py [--set bench-out/ocr-set/index.json] [--folio target/release/folio]
                         [--split tune|heldout|all] [--sets clean-150,clean-300,degraded]
                         [--models default[,ppocrv5,...]] [--baseline OLD_FOLIO] [--no-tesseract] [--limit N]
                         [--reuse tesseract] [--out bench-out/ocr]

The set is built by benches/ocr_set.py (`make bench-ocr` builds it when missing): pages of
../shared/corpus/docs and of benches/ocr_docs.tsv's documents at 150 and 300 dpi and one
degraded variant each, ground truth from the text layer, about a third of the documents held
out (never tune on them). `heldout-corpus` rows repeat the held-out figures for the corpus's
documents alone, as runs before the extra documents had them.

Each engine reads each image in its own process, one after the other (the order alternates
from image to image, so a busy machine weighs on both alike):
  folio:     `folio extract IMG --format json --pipeline P.toml`, P.toml = pipelines/fast.toml
             with one ONNX thread per session (and [ocr.engine] model = M for --models M),
             scored twice from that one run: `folio` is the text `--format text` serves (page
             furniture left out by design), `folio+furniture` everything printed on the page
             (`--format text --furniture`: running heads, page numbers, contents page labels),
             which is what tesseract transcribes and what the text-layer truth holds;
  tesseract: `tesseract IMG stdout -l eng` with OMP_THREAD_LIMIT=1.
CPU seconds are user + sys of that process (wait4), so each figure includes loading the
models once. Texts are scored with the team's score.py (CER, bag-of-words F1).

Prints, per split and set: CER mean and median, the order-free CER mean (the hypothesis's
paragraphs put in the order they best match the truth before scoring: a diagnosis of
recognition without reading order, not a goal), F1 mean, CPU s/page and peak RSS for every
engine, then folio's ratios to tesseract (CER, CPU) and F1 difference, and the degraded
set per recipe. --reuse NAME keeps NAME's outputs and costs from an earlier run over the same
images (tesseract does not change between runs of ours).
"""
import argparse
import importlib.util
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
    if model != 'default':
        text = re.sub(r'(?m)^model = ".*"$', f'model = "{model}"', text)
    text = re.sub(r'(?m)^threads = \d+$', 'threads = 1', text)
    text = re.sub(r'(?m)^name = ".*"$', f'name = "fast-{model}"', text)
    path = os.path.join(out_dir, f'pipeline-{model}.toml')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def score(score_py, hyp_dir, ref_dir):
    """CER and F1 per text from score.py, and the order-free CER (see `order_free_cer`)."""
    out = subprocess.run([sys.executable, score_py, 'texts', hyp_dir, ref_dir],
                         capture_output=True, text=True, check=True).stdout
    scorer = load_score(score_py)
    rows = {}
    for line in out.splitlines():
        m = re.match(r'(\S+)\.txt\tcer=([\d.]+)\tbow_f1=([\d.]+)', line)
        if m:
            stem = m.group(1)
            hyp = scorer.read(os.path.join(hyp_dir, stem + '.txt'))
            ref = scorer.read(os.path.join(ref_dir, stem + '.txt'))
            rows[stem] = (float(m.group(2)), float(m.group(3)), order_free_cer(scorer, hyp, ref))
    return rows


def load_score(score_py):
    spec = importlib.util.spec_from_file_location('score', score_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def order_free_cer(scorer, hyp, ref):
    """CER after the hypothesis's paragraphs (blank-line separated, as both engines print
    them) are put in the order their text best matches in the truth: recognition and
    segmentation without reading order, the same for every engine. A diagnosis beside the
    CER the goals use, never instead of it."""
    from rapidfuzz import fuzz
    ref_n = scorer.norm(ref)
    paragraphs = [scorer.norm(p) for p in re.split(r'\n\s*\n', hyp)]
    placed = []
    for i, p in enumerate(paragraphs):
        if not p:
            continue
        at = fuzz.partial_ratio_alignment(p, ref_n).dest_start if len(p) <= len(ref_n) else 0
        placed.append((at, i, p))
    placed.sort()
    return scorer.cer(' '.join(p for _, _, p in placed), ref)


ALL = '+furniture'
# Block kinds `--format text` leaves out (`BlockKind::is_furniture`).
FURNITURE = ('page_header', 'page_footer', 'line_numbers')


def write_texts(folder, stem):
    """From folio's JSON of one image, the two texts scored: the body as `--format text`
    gives it (FOLDER/STEM.txt) and everything printed on the page as `--format text
    --furniture` gives it (FOLDER+furniture/STEM.txt): running headers, footers, page numbers
    and table-of-contents page labels included."""
    try:
        blocks = json.load(open(os.path.join(folder, stem + '.json'), encoding='utf-8'))['blocks']
    except (OSError, ValueError, KeyError):
        blocks = []  # a failed run scores as an empty text
    body, everything = [], []
    for b in blocks:
        text = (b.get('text') or '').rstrip()
        if b.get('kind') == 'list_item' and b.get('marker'):
            text = f"{b['marker']} {text}"  # a bulleted item keeps its bullet, as on the page
        label = (b.get('toc') or {}).get('page')
        everything.append(f'{text} {label}' if label else text)
        if b.get('kind') not in FURNITURE:
            body.append(text)
    os.makedirs(folder + ALL, exist_ok=True)
    for path, parts in ((os.path.join(folder, stem + '.txt'), body),
                        (os.path.join(folder + ALL, stem + '.txt'), everything)):
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(p + '\n' for p in parts))


def stats(stems, scores, costs):
    rows = [scores[s] for s in stems if s in scores]
    cpu = [costs[s][2] for s in stems if s in costs]
    if not rows:
        return None
    return {
        'images': len(rows),
        'cer_mean': round(statistics.mean(r[0] for r in rows), 4),
        'cer_median': round(statistics.median(r[0] for r in rows), 4),
        'cer_order_free_mean': round(statistics.mean(r[2] for r in rows), 4),
        'bow_f1_mean': round(statistics.mean(r[1] for r in rows), 4),
        'cpu_s_per_page': round(statistics.mean(cpu), 3),
        'wall_s_per_page': round(statistics.mean(costs[s][1] for s in stems if s in costs), 3),
        'max_rss_mib': round(max(costs[s][3] for s in stems if s in costs) / 1024, 1),
        'failures': sum(1 for s in stems if s in costs and costs[s][0] != 0),
    }


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--set', default=os.path.join(repo, 'bench-out', 'ocr-set', 'index.json'))
    ap.add_argument('--folio', default=os.path.join(repo, 'target', 'release', 'folio'))
    ap.add_argument('--split', default='all', choices=['tune', 'heldout', 'all'])
    ap.add_argument('--sets', default='clean-150,clean-300,degraded')
    ap.add_argument('--models', default='default')
    ap.add_argument('--no-tesseract', action='store_true')
    ap.add_argument('--baseline', default='', help='another folio binary (an older build) run beside, as folio-base')
    ap.add_argument('--reuse', default='', help='comma-separated engines whose earlier outputs are kept')
    ap.add_argument('--limit', type=int, default=0, help='at most N pages (all their sets)')
    ap.add_argument('--out', default=os.path.join(repo, 'bench-out', 'ocr'))
    args = ap.parse_args()
    score_py = os.environ.get('SCORE_PY', os.path.join(repo, '..', 'shared', 'tools', 'score.py'))
    if not os.path.exists(args.set):
        sys.exit(f'{args.set} not found: build it with python3 benches/ocr_set.py')
    base = os.path.dirname(args.set)

    sets = [s for s in args.sets.split(',') if s]
    index = [i for i in json.load(open(args.set, encoding='utf-8'))['images']
             if i['set'] in sets and args.split in ('all', i['split'])]
    if args.limit:
        pages = sorted({(i['doc'], i['page']) for i in index})[:args.limit]
        index = [i for i in index if (i['doc'], i['page']) in set(pages)]
    os.makedirs(args.out, exist_ok=True)
    ref_dir = os.path.join(args.out, 'truth')
    os.makedirs(ref_dir, exist_ok=True)
    stem_of = {}
    for item in index:
        stem = os.path.splitext(os.path.basename(item['image']))[0]
        stem_of[item['image']] = stem
        shutil.copyfile(os.path.join(base, item['truth']), os.path.join(ref_dir, stem + '.txt'))

    engines = {}
    # A folio binary outside the checkout still finds this checkout's models.
    folio_env = dict(os.environ)
    folio_env.setdefault('FOLIO_MODELS_DIR', os.path.join(repo, 'models'))
    for model in [m for m in args.models.split(',') if m]:
        toml = pipeline_for(model, args.out, repo)
        name = 'folio' if model == 'default' else f'folio-{model}'
        engines[name] = lambda img, toml=toml: ([args.folio, 'extract', img, '--format', 'json',
                                                 '--pipeline', toml], folio_env)
    if args.baseline:
        toml = pipeline_for('default', args.out, repo)
        engines['folio-base'] = lambda img, toml=toml: ([args.baseline, 'extract', img, '--format', 'json',
                                                         '--pipeline', toml], folio_env)
    if not args.no_tesseract:
        if shutil.which('tesseract') is None:
            sys.exit('tesseract not found: apt-get install tesseract-ocr, or pass --no-tesseract')
        # Bound as a default: a closure over a name the loop below rebinds ran tesseract with
        # folio's environment, without the limit, in earlier versions of this script (its
        # OpenMP threads then spin on 2 cores: ~6x the CPU of one thread, slower in wall time).
        tess_env = dict(os.environ, OMP_THREAD_LIMIT='1')
        engines['tesseract'] = lambda img, env=tess_env: (['tesseract', img, 'stdout', '-l', 'eng'], env)

    reuse = {e for e in args.reuse.split(',') if e}
    costs = {}
    for name in engines:
        path = os.path.join(args.out, f'costs-{name}.json')
        old = json.load(open(path)) if name in reuse and os.path.exists(path) else {}
        costs[name] = {k: tuple(v) for k, v in old.items()}
    started = time.time()
    for n, item in enumerate(index, 1):
        img = os.path.join(base, item['image'])
        stem = stem_of[item['image']]
        names = list(engines)
        if n % 2 == 0:
            names.reverse()
        for name in names:
            d = os.path.join(args.out, name)
            os.makedirs(d, exist_ok=True)
            ext = '.json' if name.startswith('folio') else '.txt'
            if name in reuse and stem in costs[name] and os.path.exists(os.path.join(d, stem + ext)):
                continue
            cmd, cmd_env = engines[name](img)
            with open(os.path.join(d, stem + ext), 'wb') as f:
                costs[name][stem] = run(cmd, env=cmd_env, stdout=f)
            if ext == '.json':
                write_texts(os.path.join(args.out, name), stem)
        print(f'[{n}/{len(index)}] {stem}: ' + ', '.join(
            f'{k} {v[stem][2]:.2f} cpu-s' for k, v in costs.items() if stem in v), flush=True)
    for name in engines:
        with open(os.path.join(args.out, f'costs-{name}.json'), 'w') as f:
            json.dump(costs[name], f)

    groups = {}
    for item in index:
        # The goal is judged on the whole held-out part; `heldout-corpus` is the part made of
        # the corpus's documents alone (before benches/ocr_docs.tsv added more), for comparison
        # with earlier runs.
        splits = [item['split'], 'all']
        if item['split'] == 'heldout' and item.get('source', 'corpus') == 'corpus':
            splits.append('heldout-corpus')
        for split in splits:
            groups.setdefault((split, item['set']), []).append(stem_of[item['image']])
            if item['recipe']:
                groups.setdefault((split, 'degraded/' + item['recipe']), []).append(stem_of[item['image']])

    # Each folio engine is scored twice: on the text as `--format text` serves it (page
    # furniture left out) and on everything printed on the page (`--furniture`), which is
    # what tesseract transcribes and what the text-layer truth holds.
    scored = {}
    for name in engines:
        scored[name] = name
        if name.startswith('folio'):
            scored[name + ALL] = name
    summary = {}
    for name, ran in scored.items():
        scores = score(score_py, os.path.join(args.out, name), ref_dir)
        summary[name] = {f'{split} {s}': stats(stems, scores, costs[ran])
                         for (split, s), stems in sorted(groups.items())}

    order = [f'{split} {s}' for split in ('tune', 'heldout', 'heldout-corpus', 'all')
             for s in sets + sorted({k[1] for k in groups if k[1].startswith('degraded/')})
             if (split, s) in groups]
    print()
    print(f"{'engine':<22} {'split / set':<34} {'n':>4} {'CER mean':>9} {'median':>8} {'no-order':>8} {'BoW F1':>7} "
          f"{'CPU s/pg':>9} {'wall s/pg':>9} {'RSS MiB':>8} {'fail':>4}")
    for key in order:
        for name in scored:
            s = summary[name][key]
            if s:
                print(f"{name:<22} {key:<34} {s['images']:>4} {s['cer_mean']:>9} {s['cer_median']:>8} {s['cer_order_free_mean']:>8} "
                      f"{s['bow_f1_mean']:>7} {s['cpu_s_per_page']:>9} {s['wall_s_per_page']:>9} "
                      f"{s['max_rss_mib']:>8} {s['failures']:>4}")
    if 'tesseract' in engines:
        print(f"\nratios to tesseract (goal: CER <= 0.8x, F1 >= tesseract's, CPU <= 1.0x; "
              f"no-order: CER x with paragraphs in the truth's order, a diagnosis only)")
        print(f"{'engine':<22} {'split / set':<34} {'CER x':>6} {'F1 diff':>8} {'CPU x':>6} {'no-order':>8}")
        for key in order:
            t = summary['tesseract'][key]
            for name in scored:
                s = summary[name][key]
                if name == 'tesseract' or not s or not t:
                    continue
                cer_x = s['cer_mean'] / t['cer_mean'] if t['cer_mean'] else float('inf')
                cpu_x = s['cpu_s_per_page'] / t['cpu_s_per_page'] if t['cpu_s_per_page'] else float('inf')
                free_x = (s['cer_order_free_mean'] / t['cer_order_free_mean']
                          if t['cer_order_free_mean'] else float('inf'))
                verdict = 'ok' if cer_x <= 0.8 and s['bow_f1_mean'] >= t['bow_f1_mean'] and cpu_x <= 1.0 else 'MISS'
                print(f"{name:<22} {key:<34} {cer_x:>6.2f} {s['bow_f1_mean'] - t['bow_f1_mean']:>+8.4f} "
                      f"{cpu_x:>6.2f} {free_x:>8.2f}  {verdict}")
    with open(os.path.join(args.out, 'summary.json'), 'w', encoding='utf-8') as f:
        json.dump({'summary': summary, 'wall_seconds': round(time.time() - started)}, f, indent=1)
    print(f"\nwrote {os.path.join(args.out, 'summary.json')} ({time.time() - started:.0f} s)")


if __name__ == '__main__':
    main()
