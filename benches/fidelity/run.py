#!/usr/bin/env python3
"""Fidelity suite: unit tests over single PDF pages, folio and peer engines in one run.

    python3 benches/fidelity/run.py [--folio target/release/folio]
        [--engines folio-fast,folio-accurate,pdftotext,pymupdf4llm] [--force]
        [--pages SUBSTR ...] [--show-heldout] [--failures ENGINE ...] [--timeout S]

Run from the repository root (folio finds models/ there). Steps:
  1. check prerequisites (names what to install when something is missing);
  2. generate the LaTeX and reportlab pages when missing or changed, and slice the corpus pages
     listed in corpus_pages.tsv out of ../shared/corpus/docs (into bench-out/fidelity/pages/);
  3. load the tests (generated + corpus_tests.jsonl) and sanity-check them against each page's
     own text layer (pdftotext and PyMuPDF): a test whose strings are not on the page is BROKEN;
     broken tests are listed, left out of the scores, and make the exit status 1;
  4. run every engine on every page, one at a time, caching the Markdown under
     bench-out/fidelity/out/ENGINE/PAGE.md (re-used while the engine binary/version and the page
     are unchanged; --force re-runs);
  5. score and print pass rates per test type and engine for the tune split, the held-out split
     and all; list the tune failures of the folio engines (held-out failures only with
     --show-heldout); write bench-out/fidelity/report.json.
Exit 0 when tests fail (it is a benchmark); 2 for a missing prerequisite, 3 when an engine failed
on every page, 1 for broken tests.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from common import (CORPUS_PAGES, CORPUS_TESTS, OUT, PAGES_DIR, read_jsonl,  # noqa: E402
                    sha256_file, split_of)

ENGINES = ['folio-fast', 'folio-accurate', 'pdftotext', 'pymupdf4llm']
TYPES = ['present', 'absent', 'order', 'table', 'math', 'heading']
CORPUS_DIR = os.path.join('..', 'shared', 'corpus')

# The library prints notices (e.g. that an OCR add-on is missing) on stdout: keep them out of
# the Markdown.
PYMUPDF4LLM_SNIPPET = r'''
import contextlib, sys, pymupdf4llm
with contextlib.redirect_stdout(sys.stderr):
    md = pymupdf4llm.to_markdown(sys.argv[1])
sys.stdout.write(md)
'''


# ---------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------

def check_prereqs(engines, folio):
    missing = []
    for mod, pkg in (('rapidfuzz', 'rapidfuzz'), ('pymupdf', 'pymupdf'),
                     ('reportlab', 'reportlab')):
        try:
            __import__(mod)
        except ImportError:
            missing.append(f'python module {mod}: pip install {pkg}')
    if 'pymupdf4llm' in engines:
        try:
            __import__('pymupdf4llm')
        except ImportError:
            missing.append('python module pymupdf4llm: pip install pymupdf pymupdf4llm')
    for tool, pkg in (('pdftotext', 'poppler-utils'), ('pdfinfo', 'poppler-utils'),
                      ('qpdf', 'qpdf')):
        if not shutil.which(tool):
            missing.append(f'{tool}: apt-get install -y {pkg}')
    import generate_latex
    miss_tex = generate_latex.missing_prereqs()
    if miss_tex:
        missing.append(f'TeX ({", ".join(miss_tex)}): {generate_latex.INSTALL_HINT}')
    if any(e.startswith('folio') for e in engines) and not os.access(folio, os.X_OK):
        missing.append(f'folio binary {folio}: cargo build --release (or pass --folio PATH)')
    if not os.path.isdir(os.path.join(CORPUS_DIR, 'docs')):
        missing.append(f'corpus {CORPUS_DIR}/docs (see ../shared/corpus/README.md)')
    return missing


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------

def corpus_pages():
    rows = []
    with open(CORPUS_PAGES, encoding='utf-8') as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            pid, doc, pno = line.rstrip('\n').split('\t')[:3]
            rows.append((pid, doc, int(pno)))
    return rows


def slice_corpus(quiet=False):
    os.makedirs(PAGES_DIR, exist_ok=True)
    for pid, doc, pno in corpus_pages():
        out = os.path.join(PAGES_DIR, pid + '.pdf')
        if os.path.exists(out):
            continue
        src = os.path.join(CORPUS_DIR, doc)
        subprocess.run(['qpdf', '--deterministic-id', '--no-warn', src, '--pages', src,
                        str(pno), '--', out], check=False)
        if not os.path.exists(out):
            raise RuntimeError(f'could not slice {src} page {pno}')
        if not quiet:
            print(f'  sliced {doc} p{pno} -> {pid}')


def generate_all(quiet=False):
    import generate_latex
    import generate_reportlab
    tests = generate_latex.generate(quiet=quiet) + generate_reportlab.generate(quiet=quiet)
    slice_corpus(quiet)
    tests += read_jsonl(CORPUS_TESTS)
    return tests


# ---------------------------------------------------------------------------------------------
# Text-layer sanity check
# ---------------------------------------------------------------------------------------------

def text_layers(pdf):
    layers = []
    for args in (['pdftotext', pdf, '-'], ['pdftotext', '-layout', pdf, '-'],
                 ['pdftotext', '-raw', pdf, '-']):
        r = subprocess.run(args, capture_output=True, text=True, errors='replace')
        layers.append(r.stdout)
    import pymupdf
    with pymupdf.open(pdf) as doc:
        layers.append('\n'.join(p.get_text() for p in doc))
    keys = []
    for t in layers:
        keys.append(checks.layer_key(t))
        keys.append(checks.layer_key(re.sub(r'-\s*\n\s*', '', t)))   # hyphenation joined
    return keys


def sanity(tests, pages):
    """-> {test id: reason} for broken tests."""
    broken = {}
    layer_cache = {}
    ids = set()
    for t in tests:
        if t['id'] in ids:
            broken[t['id']] = 'duplicate test id'
        ids.add(t['id'])
        if t['page'] not in pages:
            broken[t['id']] = f'no page {t["page"]}'
            continue
        if t['type'] not in TYPES:
            broken[t['id']] = f'unknown type {t["type"]}'
            continue
        if t['page'] not in layer_cache:
            layer_cache[t['page']] = text_layers(pages[t['page']])
        keys = layer_cache[t['page']]
        for s in checks.layer_strings(t):
            k = checks.layer_key(s)
            if not k:
                broken[t['id']] = 'empty string'
            elif not any(checks.contains(k, lay) for lay in keys):
                broken[t['id']] = f'not in the text layer: {s[:70]!r}'
            elif t['type'] == 'absent' and len(k) >= 12 and max(
                    lay.count(k) for lay in keys[::2]) > 1:
                broken[t['id']] = f'occurs more than once on the page: {s[:70]!r}'
    return broken


# ---------------------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------------------

def engine_keys(engines, folio):
    """A version key per engine: cached outputs are reused only while it is unchanged."""
    keys = {}
    for e in engines:
        if e.startswith('folio'):
            keys[e] = 'folio:' + sha256_file(folio)[:16] + ':' + e
        elif e == 'pdftotext':
            r = subprocess.run(['pdftotext', '-v'], capture_output=True, text=True)
            keys[e] = (r.stderr or r.stdout).split('\n')[0].strip()
        elif e == 'pymupdf4llm':
            r = subprocess.run([sys.executable, '-c', 'import pymupdf, pymupdf4llm; '
                                'print(pymupdf.__version__, pymupdf4llm.__version__)'],
                               capture_output=True, text=True)
            keys[e] = ('pymupdf4llm ' + r.stdout.strip() + ' '
                       + hashlib.sha256(PYMUPDF4LLM_SNIPPET.encode()).hexdigest()[:8])
    return keys


def engine_cmd(engine, pdf, folio):
    if engine == 'folio-fast':
        return [folio, 'extract', pdf, '--pipeline', 'fast', '--format', 'markdown']
    if engine == 'folio-accurate':
        return [folio, 'extract', pdf, '--pipeline', 'accurate', '--format', 'markdown']
    if engine == 'pdftotext':
        return ['pdftotext', '-layout', '-enc', 'UTF-8', pdf, '-']
    if engine == 'pymupdf4llm':
        return [sys.executable, '-c', PYMUPDF4LLM_SNIPPET, pdf]
    raise ValueError(engine)


def run_engine(engine, pid, pdf, folio, key, force, timeout):
    """-> dict(md, ok, seconds, error, cached)"""
    d = os.path.join(OUT, 'out', engine)
    os.makedirs(d, exist_ok=True)
    md_path, meta_path = os.path.join(d, pid + '.md'), os.path.join(d, pid + '.meta.json')
    pdf_sha = sha256_file(pdf)
    if not force and os.path.exists(md_path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get('engine_key') == key and meta.get('pdf_sha256') == pdf_sha:
            with open(md_path, encoding='utf-8') as f:
                return dict(md=f.read(), ok=meta['ok'], seconds=meta['seconds'],
                            error=meta.get('error', ''), cached=True)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(engine_cmd(engine, pdf, folio), capture_output=True, timeout=timeout)
        out = r.stdout.decode('utf-8', 'replace')
        ok = r.returncode == 0
        err = '' if ok else (f'exit {r.returncode}: '
                             + ' | '.join(r.stderr.decode('utf-8', 'replace').strip()
                                          .splitlines()[-3:]))[:400]
    except subprocess.TimeoutExpired:
        out, ok, err = '', False, f'timeout after {timeout}s'
    secs = time.perf_counter() - t0
    with open(md_path, 'w', encoding='utf-8') as f:
        f.write(out)
    with open(meta_path, 'w') as f:
        json.dump(dict(engine_key=key, pdf_sha256=pdf_sha, ok=ok, seconds=round(secs, 3),
                       error=err), f)
    return dict(md=out, ok=ok, seconds=secs, error=err, cached=False)


# ---------------------------------------------------------------------------------------------
# Scoring and report
# ---------------------------------------------------------------------------------------------

def score(tests, outputs, engines):
    """-> {engine: {test id: (passed, why)}}"""
    by_page = {}
    for t in tests:
        by_page.setdefault(t['page'], []).append(t)
    res = {e: {} for e in engines}
    for e in engines:
        for pid, ts in by_page.items():
            o = outputs[e].get(pid)
            if o is None:
                continue
            if not o['ok']:
                for t in ts:
                    res[e][t['id']] = (False, 'engine error: ' + o['error'][:120])
                continue
            cache = {}
            for t in ts:
                try:
                    res[e][t['id']] = checks.run_check(o['md'], t, ts, cache)
                except Exception as ex:  # a checker bug must not hide the rest
                    res[e][t['id']] = (False, f'checker error {type(ex).__name__}: {ex}')
    return res


def rates(tests, res, engines, split):
    sel = [t for t in tests if split == 'all' or t['split'] == split]
    table = {}
    for ty in TYPES + ['all']:
        ts = [t for t in sel if ty == 'all' or t['type'] == ty]
        row = {}
        for e in engines:
            got = [res[e][t['id']][0] for t in ts if t['id'] in res[e]]
            row[e] = dict(passed=sum(got), n=len(got),
                          rate=round(sum(got) / len(got), 4) if got else None)
        table[ty] = row
    return table


def print_table(title, table, engines, n_pages):
    print(f'\n{title} ({n_pages} pages)')
    w = 22
    print('type'.ljust(10) + ''.join(e.rjust(w) for e in engines))
    for ty, row in table.items():
        cells = []
        for e in engines:
            c = row[e]
            cells.append(('-' if c['rate'] is None else f'{100 * c["rate"]:.1f}%  '
                          f'{c["passed"]}/{c["n"]}').rjust(w))
        if any(row[e]['n'] for e in engines):
            print(ty.ljust(10) + ''.join(cells))


def describe(t):
    if t['type'] in ('present', 'absent'):
        return repr(t['text'][:90])
    if t['type'] == 'order':
        return f'{t["before"][:40]!r} < {t["after"][:40]!r}'
    if t['type'] == 'table':
        rel = ', '.join(f'{k}={t[k]!r}' for k in ('right', 'below', 'header') if k in t)
        return f'cell {t["cell"]!r}: {rel}'
    if t['type'] == 'math':
        return repr(t['latex'])
    if t['type'] == 'heading':
        lv = f' level {t["level"]}' if t.get('level') is not None else ''
        return f'{t.get("expect", "heading")}{lv} {t["text"][:60]!r}'
    return ''


def main():
    ap = argparse.ArgumentParser(description='Fidelity suite (see benches/README.md).')
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--engines', default=','.join(ENGINES))
    ap.add_argument('--force', action='store_true', help='re-run engines, ignore the cache')
    ap.add_argument('--pages', nargs='*', help='only pages whose id contains one of these')
    ap.add_argument('--show-heldout', action='store_true',
                    help='also list held-out failures (never while tuning)')
    ap.add_argument('--failures', nargs='*', default=None,
                    help='engines whose tune failures are listed (default: the folio ones)')
    ap.add_argument('--timeout', type=float, default=300.0, help='per page and engine, seconds')
    ap.add_argument('--report', default=os.path.join(OUT, 'report.json'))
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(',') if e.strip()]
    for e in engines:
        if e not in ENGINES:
            sys.exit(f'unknown engine {e}; known: {", ".join(ENGINES)}')
    t_start = time.perf_counter()

    missing = check_prereqs(engines, args.folio)
    if missing:
        print('fidelity: missing prerequisites:\n  ' + '\n  '.join(missing), file=sys.stderr)
        sys.exit(2)
    if not checks_selftest_ok():
        sys.exit(1)

    print('fidelity: preparing pages')
    tests = generate_all()
    pages = {}
    for f in sorted(os.listdir(PAGES_DIR)):
        if f.endswith('.pdf'):
            pages[f[:-4]] = os.path.join(PAGES_DIR, f)
    wanted = {t['page'] for t in tests}
    if args.pages:
        wanted = {p for p in wanted if any(s in p for s in args.pages)}
        tests = [t for t in tests if t['page'] in wanted]
    for t in tests:
        t['split'] = split_of(t['page'])

    broken = sanity(tests, pages)
    if broken:
        print(f'\n!!! {len(broken)} BROKEN TEST(S): their strings are not on the page; '
              'left out of the scores !!!')
        for tid, why in sorted(broken.items()):
            print(f'  BROKEN {tid}: {why}')
    scored = [t for t in tests if t['id'] not in broken]

    # engines: page by page, one process at a time
    keys = engine_keys(engines, args.folio)
    outputs = {e: {} for e in engines}
    page_ids = sorted(p for p in wanted if p in pages)
    print(f'fidelity: {len(page_ids)} pages x {len(engines)} engines')
    secs = {e: 0.0 for e in engines}
    ran = {e: 0 for e in engines}
    for i, pid in enumerate(page_ids, 1):
        for e in engines:
            o = run_engine(e, pid, pages[pid], args.folio, keys[e], args.force, args.timeout)
            outputs[e][pid] = o
            if not o['cached']:
                secs[e] += o['seconds']
                ran[e] += 1
            if not o['ok'] and not o['cached']:
                print(f'  {e} failed on {pid}: {o["error"][:200]}')
        if i % 10 == 0 or i == len(page_ids):
            print(f'  {i}/{len(page_ids)} pages', flush=True)

    res = score(scored, outputs, engines)
    splits = {}
    for split in ('tune', 'heldout', 'all'):
        n_pages = len({t['page'] for t in scored if split == 'all' or t['split'] == split})
        splits[split] = dict(pages=n_pages, table=rates(scored, res, engines, split))
        print_table(f'== {split} ==', splits[split]['table'], engines, n_pages)

    fail_engines = args.failures if args.failures is not None else [
        e for e in engines if e.startswith('folio')]
    listed_splits = ('tune', 'heldout') if args.show_heldout else ('tune',)
    failures = {}
    for e in fail_engines:
        if e not in res:
            continue
        rows = []
        for t in scored:
            ok, why = res[e].get(t['id'], (True, ''))
            if not ok and t['split'] in listed_splits:
                rows.append(dict(id=t['id'], split=t['split'], type=t['type'],
                                 test=describe(t), why=why))
        failures[e] = rows
        print(f'\n-- {e}: {len(rows)} failures in {"/".join(listed_splits)} --')
        for r in rows:
            tag = '' if r['split'] == 'tune' else ' [HELDOUT]'
            print(f'  {r["id"]}{tag}: {r["test"]} -- {r["why"]}')
    if not args.show_heldout:
        print('\n(held-out failures are not listed: do not tune on them; --show-heldout lists '
              'them)')

    errors = {e: sorted(p for p, o in outputs[e].items() if not o['ok']) for e in engines}
    wall = time.perf_counter() - t_start
    print('\nseconds per page (pages run this time, cached ones excluded): ' + ', '.join(
        f'{e} {secs[e] / ran[e]:.2f}' if ran[e] else f'{e} cached' for e in engines))
    print(f'wall time {wall:.0f} s; engine errors: ' + ', '.join(
        f'{e} {len(errors[e])}' for e in engines))
    if broken:
        print(f'!!! {len(broken)} BROKEN TEST(S), listed at the top !!!')

    by_source = {}
    for src in sorted({t.get('source', '?') for t in scored}):
        sub = [t for t in scored if t.get('source') == src]
        by_source[src] = {e: dict(passed=sum(res[e][t['id']][0] for t in sub if t['id'] in res[e]),
                                  n=sum(1 for t in sub if t['id'] in res[e])) for e in engines}
    report = dict(
        engines={e: dict(key=keys[e], errors=errors[e],
                         seconds_per_page=round(secs[e] / ran[e], 3) if ran[e] else None)
                 for e in engines},
        folio=args.folio, n_tests=len(scored), n_pages=len(page_ids), splits=splits,
        all_by_source=by_source, broken=broken, failures=failures, failures_listed_for=list(listed_splits),
        wall_seconds=round(wall, 1),
        tests_per_split_type={s: {ty: sum(1 for t in scored if t['type'] == ty and (
            s == 'all' or t['split'] == s)) for ty in TYPES} for s in ('tune', 'heldout', 'all')})
    os.makedirs(os.path.dirname(args.report), exist_ok=True)
    with open(args.report, 'w') as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
    print(f'report: {args.report}')

    if any(page_ids and len(errors[e]) == len(page_ids) for e in engines):
        print('fidelity: an engine failed on every page', file=sys.stderr)
        sys.exit(3)
    if broken:
        sys.exit(1)


def checks_selftest_ok():
    try:
        checks.selftest()
        return True
    except AssertionError as ex:
        print(f'checks.py self-test failed: {ex}', file=sys.stderr)
        return False


if __name__ == '__main__':
    main()
