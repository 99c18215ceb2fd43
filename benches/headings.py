#!/usr/bin/env python3
"""Heading quality against the PDFs' own outlines (bookmarks).

    python3 benches/headings.py [--corpus ../shared/corpus/docs] [--folio target/release/folio]
                                [--out bench-out/headings] [--pages 40] [--timeout 300]
                                [--engines folio-accurate,folio-fast,pymupdf4llm]
                                [--page-tolerance 0] [--only NAME,...] [--limit N]
                                [--min-found 0.25] [--force] [--score-only] [--show-heldout]

For every PDF of the corpus whose outline has >= 3 entries pointing into its first --pages pages:
  1. the outline is read with pypdfium2 (title, nesting level, target page), entries pointing
     past page --pages dropped; each title is looked up in the original's text layer on its
     page p, else p+1, else p-1 (reported: are outlines off by one?), and documents where
     fewer than --min-found of the titles are found at all are skipped (their pages lack the
     text);
  2. `qpdf --empty --pages IN 1-N -- COPY` makes a copy of those pages WITHOUT the outline
     (and without the other document-level objects), and the engines read only that copy;
  3. engines: `FOLIO extract COPY --format json` with the default pipeline (`accurate`) and
     `--pipeline fast` (headings = blocks of kind title / section_header; title = level 0),
     and pymupdf4llm's `to_markdown(COPY, page_chunks=True)` in a child process (headings =
     Markdown lines starting with #, level = number of #, outside fenced code); and, for
     reference only, `folio-accurate+outline`: folio on the ORIGINAL's first pages, outline
     kept, which it uses to confirm headings (what a user with bookmarked PDFs gets);
  4. predicted headings are matched one-to-one to outline entries on the same page (see
     benches/headings_match.py for the title normalisation and the matching rule) and scored:
     precision = matched predicted / predicted, recall = matched entries / entries, level-order
     agreement over consecutive matched entries (outline order): sign(level_a - level_b) of
     the engine = that of the outline. Micro-averaged over documents. Also printed: `deeper`,
     predicted headings deeper than every matched one (outlines often stop at level 2 or 3,
     so these are mostly real sub-headings no bookmark lists), and `P<=d`, precision without
     them. The goal is stated on P; P<=d says how much of the gap is the outline's depth.

Documents are split by sha256 of the file name: int(hex) % 3 == 0 -> `heldout`, else `tune`.
Metrics are printed for tune, heldout and all. OUT/false_positives.txt and OUT/misses.txt list
folio's false positives and missed entries with their document and page, for `tune` documents
only (--show-heldout adds held-out ones). OUT/report.json holds the configuration, the
metrics and the per-document counts (no held-out texts unless --show-heldout).

Engine outputs are cached under OUT/<engine>/NAME.json with a NAME.meta.json that records the
run (wall time, exit status, timeout) and a fingerprint of what produced it (the folio binary's
size and mtime and the pipelines/*.toml contents; the pymupdf4llm version); a cached output is
reused while its fingerprint matches, --force reruns everything. Runs are sequential.
Needs: qpdf, python3 with pypdfium2, rapidfuzz, pymupdf + pymupdf4llm.
"""
import argparse, hashlib, json, os, re, subprocess, sys, time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import headings_match as hm  # noqa: E402

ENGINES = ('folio-accurate', 'folio-fast', 'pymupdf4llm', 'folio-accurate+outline')


# ---------------------------------------------------------------- outline and copies

def read_outline(path, max_pages):
    """[(title, level, page 1-based)] of the entries pointing into pages 1..max_pages, in
    outline order, plus the document's page count. Destinations given as a GoTo action
    (/A instead of /Dest) are followed too."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    pdf = pdfium.PdfDocument(path)
    try:
        entries, nodest = [], 0
        for bm in pdf.get_toc():
            dest = bm.get_dest()
            if dest is None:
                action = raw.FPDFBookmark_GetAction(bm.raw)
                d = raw.FPDFAction_GetDest(pdf.raw, action) if action else None
                dest = pdfium.PdfDest(d, pdf=pdf) if d else None
            index = dest.get_index() if dest is not None else None
            if index is None:
                nodest += 1
                continue
            if index < max_pages:
                entries.append({'title': bm.get_title(), 'level': bm.level, 'page': index + 1})
        return entries, len(pdf), nodest
    finally:
        pdf.close()


def page_texts(path, pages):
    """Text layer of pages 1..pages (pypdfium2), for the page-offset check."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(path)
    try:
        out = []
        for i in range(min(pages, len(pdf))):
            tp = pdf[i].get_textpage()
            out.append(tp.get_text_range())
        return out
    finally:
        pdf.close()


def make_copy(src, dst, pages):
    """First `pages` pages of src without its outline. qpdf exits 3 on warnings (kept)."""
    tmp = dst + '.tmp'
    p = subprocess.run(['qpdf', '--empty', '--pages', src, f'1-{pages}', '--', tmp],
                       capture_output=True, text=True)
    if p.returncode not in (0, 3) or not os.path.exists(tmp):
        raise RuntimeError(f'qpdf failed on {src}: {p.stderr.strip()[:300]}')
    os.replace(tmp, dst)
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(dst)
    try:
        n_toc = sum(1 for _ in pdf.get_toc())
        assert n_toc == 0, f'{dst} still has an outline ({n_toc} entries)'
    finally:
        pdf.close()


# ---------------------------------------------------------------- engines

def fingerprint(engine, folio):
    if engine.startswith('folio'):
        st = os.stat(folio)
        h = hashlib.sha256()
        for f in sorted(os.listdir('pipelines')) if os.path.isdir('pipelines') else []:
            if f.endswith('.toml'):
                with open(os.path.join('pipelines', f), 'rb') as fh:
                    h.update(f.encode() + b'\0' + fh.read())
        return f'{os.path.abspath(folio)}:{st.st_size}:{st.st_mtime_ns}:{h.hexdigest()[:16]}'
    import importlib.metadata as md
    return f'pymupdf4llm {md.version("pymupdf4llm")} pymupdf {md.version("pymupdf")}'


def run_engine(engine, copy, out_json, folio, timeout, original=None, pages=None):
    """Runs one engine on one copy (folio-accurate+outline: on the original's first pages,
    outline kept), output to out_json; returns the meta dict."""
    if engine == 'folio-accurate+outline':
        cmd = [folio, 'extract', original, '--format', 'json', '--pages', f'1-{pages}']
    elif engine.startswith('folio'):
        cmd = [folio, 'extract', copy, '--format', 'json']
        if engine == 'folio-fast':
            cmd += ['--pipeline', 'fast']
    else:
        cmd = [sys.executable, os.path.abspath(__file__), '--pymupdf4llm-worker', copy]
    tmp = out_json + '.tmp'
    t = time.perf_counter()
    status, err = None, ''
    with open(tmp, 'wb') as fh:
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.PIPE)
        try:
            _, e = p.communicate(timeout=timeout)
            status = p.returncode
            err = e.decode('utf-8', 'replace')
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
    wall = time.perf_counter() - t
    ok = status == 0
    if ok:
        try:
            with open(tmp) as fh:
                json.load(fh)
        except ValueError as e:
            ok, err = False, f'bad JSON: {e}'
    if ok:
        os.replace(tmp, out_json)
    else:
        if os.path.exists(tmp):
            os.remove(tmp)
        if os.path.exists(out_json):
            os.remove(out_json)
    lines = [l for l in err.splitlines() if l.strip() and 'RapidOCR' not in l
             and 'Document parser messages' not in l]
    return {'wall_s': round(wall, 2), 'status': status, 'timeout': status is None, 'ok': ok,
            'error': None if ok else ('TIMEOUT' if status is None else (lines[-1] if lines else f'exit {status}'))}


def pymupdf4llm_worker(path):
    # pymupdf4llm prints notices on stdout: send those to stderr, the JSON to the real stdout
    real = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import pymupdf4llm
    chunks = pymupdf4llm.to_markdown(path, page_chunks=True, show_progress=False)
    out = [{'page': c['metadata'].get('page_number', i + 1), 'text': c['text']}
           for i, c in enumerate(chunks)]
    real.write(json.dumps(out))
    real.close()


def predicted_headings(engine, out_json):
    """[{'text', 'page', 'level', 'kind'}] in reading order."""
    with open(out_json) as fh:
        data = json.load(fh)
    if engine.startswith('folio'):
        heads = []
        for b in data.get('blocks', []):
            if b.get('kind') == 'title':
                heads.append({'text': b['text'], 'page': b['page'], 'level': 0, 'kind': 'title'})
            elif b.get('kind') == 'section_header':
                lvl = b.get('level')
                heads.append({'text': b['text'], 'page': b['page'],
                              'level': 1 if lvl is None else lvl, 'kind': 'section_header'})
        return heads
    return hm.markdown_headings(data)


# ---------------------------------------------------------------- scoring

def split_of(name):
    return 'heldout' if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 3 == 0 else 'tune'


def metrics(rows):
    e = sum(r['entries'] for r in rows)
    p = sum(r['predicted'] for r in rows)
    m = sum(r['matched'] for r in rows)
    pairs = sum(r['pairs'] for r in rows)
    agree = sum(r['agree'] for r in rows)
    deeper = sum(r['deeper'] for r in rows)
    return {'documents': len(rows), 'entries': e, 'predicted': p, 'matched': m,
            'precision': m / p if p else 0.0, 'recall': m / e if e else 0.0,
            'deeper': deeper,
            'precision_within_depth': m / (p - deeper) if p > deeper else 0.0,
            'level_pairs': pairs, 'level_agreement': agree / pairs if pairs else None,
            'failed': sum(1 for r in rows if r.get('error'))}


def fmt(x, nd=3):
    return '—' if x is None else f'{x:.{nd}f}'


def page_offsets(docs, corpus, pages):
    """Where each outline entry's title is found in the original's text layer: on its target
    page, only one page later, only one page earlier, or on neither."""
    c = Counter()
    per_doc = {}
    for name, d in docs.items():
        # without any spaces: text layers split words ('u ¨bersetzen', letter-spaced titles)
        texts = [re.sub(r'\s+', '', hm.norm_page(t)) for t in page_texts(os.path.join(corpus, name), pages)]
        dc = Counter()
        for e in d['entries']:
            keys = {re.sub(r'\s+', '', k) for k in (hm.norm(e['title']), hm.strip_numbering(e['title']))}
            keys = {k for k in keys if len(k) >= 3}
            if not keys:
                e['in_text'] = 'untestable'
                dc['untestable'] += 1
                continue
            hit = lambda pg: 1 <= pg <= len(texts) and any(k in texts[pg - 1] for k in keys)
            if hit(e['page']):
                e['in_text'] = 'same page'
            elif hit(e['page'] + 1):
                e['in_text'] = 'only next page'
            elif hit(e['page'] - 1):
                e['in_text'] = 'only previous page'
            else:
                e['in_text'] = 'not found on p-1..p+1'
            dc[e['in_text']] += 1
        per_doc[name] = dict(dc)
        c.update(dc)
    return dict(c), per_doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--corpus', default='../shared/corpus/docs')
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--out', default='bench-out/headings')
    ap.add_argument('--pages', type=int, default=40)
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--engines', default=','.join(ENGINES))
    ap.add_argument('--page-tolerance', type=int, default=0,
                    help='also match entries up to this many pages away (default 0: same page)')
    ap.add_argument('--min-entries', type=int, default=3)
    ap.add_argument('--only', help='comma-separated file names')
    ap.add_argument('--limit', type=int)
    ap.add_argument('--force', action='store_true', help='rerun engines even when cached')
    ap.add_argument('--score-only', action='store_true', help='never run engines; use the cache')
    ap.add_argument('--show-heldout', action='store_true',
                    help='include held-out documents in the false-positive and miss listings')
    ap.add_argument('--min-found', type=float, default=0.25,
                    help='skip documents where fewer than this share of the outline titles is '
                         'found in the text layer on pages p-1..p+1 (default 0.25)')
    ap.add_argument('--pymupdf4llm-worker', metavar='PDF', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pymupdf4llm_worker:
        return pymupdf4llm_worker(args.pymupdf4llm_worker)

    engines = [e for e in args.engines.split(',') if e]
    for e in engines:
        if e not in ENGINES:
            ap.error(f'unknown engine {e}; known: {", ".join(ENGINES)}')
    if any(e.startswith('folio') for e in engines) and not args.score_only \
            and not os.path.exists(args.folio):
        ap.error(f'{args.folio} not found (build it, or pass --folio PATH)')
    t_start = time.perf_counter()
    copies = os.path.join(args.out, 'copies')
    os.makedirs(copies, exist_ok=True)
    for e in engines:
        os.makedirs(os.path.join(args.out, e), exist_ok=True)

    files = sorted(f for f in os.listdir(args.corpus) if f.lower().endswith('.pdf'))
    if args.only:
        want = set(args.only.split(','))
        files = [f for f in files if f in want]
    files = files[: args.limit]

    # 1. outlines
    docs, skipped = {}, []
    for name in files:
        entries, n_pages, nodest = read_outline(os.path.join(args.corpus, name), args.pages)
        if len(entries) < args.min_entries:
            if entries or nodest:
                skipped.append(f'{name} ({len(entries)} entries in pages 1-{args.pages})')
            continue
        docs[name] = {'entries': entries, 'pages': min(n_pages, args.pages),
                      'split': split_of(name), 'no_dest': nodest}
    no_outline = len(files) - len(docs) - len(skipped)
    print(f'{len(files)} PDFs: {len(docs)} with >= {args.min_entries} outline entries in pages '
          f'1-{args.pages}, {len(skipped)} with fewer (skipped: {"; ".join(skipped) or "none"}), '
          f'{no_outline} without an outline')

    # the outline against the originals' text layers: page offsets, and outlines whose titles
    # are not on the pages at all (live-manual: the pages' text is missing from the PDF)
    offsets, offsets_doc = page_offsets(docs, args.corpus, args.pages)
    print(f'Outline titles in the text layer (normalised title searched on p, then p+1, p-1): '
          + ', '.join(f'{k} {v}' for k, v in sorted(offsets.items(), key=lambda kv: -kv[1])))
    unverifiable = []
    for name in sorted(docs):
        dc = offsets_doc[name]
        testable = sum(v for k, v in dc.items() if k != 'untestable')
        found = sum(v for k, v in dc.items() if k not in ('untestable', 'not found on p-1..p+1'))
        if testable and found < args.min_found * testable:
            unverifiable.append(f'{name} ({found} of {testable} titles found)')
            del docs[name]
    if unverifiable:
        print(f'Skipped, outline titles not in the text layer (< {args.min_found:.0%}): '
              + '; '.join(unverifiable))
    n_split = Counter(d['split'] for d in docs.values())
    e_split = Counter()
    for d in docs.values():
        e_split[d['split']] += len(d['entries'])
    print(f'Scored: {len(docs)} documents, {sum(e_split.values())} outline entries '
          f'(tune {n_split["tune"]} / {e_split["tune"]}, heldout {n_split["heldout"]} / {e_split["heldout"]})')

    # 2. + 3. copies and engine runs (cached)
    fps = {e: fingerprint(e, args.folio) for e in engines
           if not (args.score_only and e.startswith('folio') and not os.path.exists(args.folio))}
    runs = defaultdict(dict)
    for i, name in enumerate(sorted(docs)):
        d = docs[name]
        stem = name[:-4]
        copy = os.path.join(copies, name)
        if not os.path.exists(copy):
            make_copy(os.path.join(args.corpus, name), copy, d['pages'])
        for e in engines:
            out_json = os.path.join(args.out, e, stem + '.json')
            meta_path = os.path.join(args.out, e, stem + '.meta.json')
            meta = None
            if os.path.exists(meta_path):
                with open(meta_path) as fh:
                    meta = json.load(fh)
            fresh = meta is not None and (args.score_only or meta.get('fingerprint') == fps.get(e))
            if fresh and meta['ok'] and not os.path.exists(out_json):
                fresh = False
            if args.force and not args.score_only:
                fresh = False
            if not fresh:
                if args.score_only:
                    meta = {'ok': False, 'error': 'not run (--score-only)', 'wall_s': 0,
                            'timeout': False, 'cached': True}
                else:
                    print(f'  [{i + 1}/{len(docs)}] {e:15s} {name} ...', end='', flush=True)
                    meta = run_engine(e, copy, out_json, args.folio, args.timeout,
                                      os.path.join(args.corpus, name), d['pages'])
                    meta['fingerprint'] = fps[e]
                    with open(meta_path, 'w') as fh:
                        json.dump(meta, fh)
                    print(f' {meta["wall_s"]:.1f} s' + ('' if meta['ok'] else f'  FAILED: {meta["error"]}'))
                    meta['cached'] = False
            else:
                meta['cached'] = True
            runs[e][name] = meta

    # 4. scoring
    results = {}
    detail = {}
    for e in engines:
        rows = []
        for name in sorted(docs):
            d = docs[name]
            meta = runs[e][name]
            stem = name[:-4]
            pred = predicted_headings(e, os.path.join(args.out, e, stem + '.json')) if meta['ok'] else []
            pred = [p for p in pred if 1 <= p['page'] <= d['pages']]
            pairs = hm.match(d['entries'], pred, args.page_tolerance)
            lp, la = hm.level_agreement(d['entries'], pred, pairs)
            # headings deeper than every matched one: below where the outline stops
            top = max((pred[j]['level'] for _, j in pairs), default=None)
            deeper = sum(1 for p in pred if top is not None and p['level'] > top)
            rows.append({'document': name, 'split': d['split'], 'entries': len(d['entries']),
                         'predicted': len(pred), 'matched': len(pairs), 'pairs': lp, 'agree': la,
                         'deeper': deeper,
                         'precision': len(pairs) / len(pred) if pred else 0.0,
                         'recall': len(pairs) / len(d['entries']),
                         'level_agreement': la / lp if lp else None,
                         'wall_s': meta.get('wall_s'), 'error': meta.get('error')})
            detail[(e, name)] = (pred, pairs)
        results[e] = rows

    # report
    print(f'\nPer document (entries = outline entries in pages 1-{args.pages}; '
          f'P, R, L = precision, recall, level-order agreement):')
    for e in engines:
        print(f'\n{e}')
        print(f'{"document":32s} {"split":7s} {"entries":>7s} {"pred":>5s} {"match":>5s} '
              f'{"P":>6s} {"R":>6s} {"L":>6s} {"wall s":>7s}  note')
        for r in results[e]:
            print(f'{r["document"]:32s} {r["split"]:7s} {r["entries"]:7d} {r["predicted"]:5d} '
                  f'{r["matched"]:5d} {fmt(r["precision"]):>6s} {fmt(r["recall"]):>6s} '
                  f'{fmt(r["level_agreement"]):>6s} {fmt(r["wall_s"], 1):>7s}  {r["error"] or ""}')
    summary = {}
    print(f'\nSummary (micro-averaged; page tolerance {args.page_tolerance}):')
    print(f'{"engine":15s} {"split":7s} {"docs":>4s} {"entries":>7s} {"pred":>5s} {"match":>5s} '
          f'{"P":>6s} {"R":>6s} {"L":>6s} {"failed":>6s} {"deeper":>6s} {"P<=d":>6s}')
    for e in engines:
        summary[e] = {}
        for split in ('tune', 'heldout', 'all'):
            rows = [r for r in results[e] if split == 'all' or r['split'] == split]
            m = metrics(rows)
            summary[e][split] = m
            print(f'{e:15s} {split:7s} {m["documents"]:4d} {m["entries"]:7d} {m["predicted"]:5d} '
                  f'{m["matched"]:5d} {fmt(m["precision"]):>6s} {fmt(m["recall"]):>6s} '
                  f'{fmt(m["level_agreement"]):>6s} {m["failed"]:6d} {m["deeper"]:6d} '
                  f'{fmt(m["precision_within_depth"]):>6s}')
    print('\nEngine time (wall s summed over the documents\' runs, cached runs included; '
          f'{sum(d["pages"] for d in docs.values())} pages):')
    for e in engines:
        ran = [m for m in runs[e].values() if not m.get('cached')]
        to = sorted(n for n, m in runs[e].items() if m.get('timeout'))
        bad = sorted(n for n, m in runs[e].items() if not m.get('ok') and not m.get('timeout'))
        total = sum(m.get('wall_s') or 0 for m in runs[e].values())
        summary.setdefault(e, {})['wall_s'] = round(total, 1)
        summary[e]['timeouts'] = to
        summary[e]['failures'] = bad
        print(f'  {e:15s} {total:8.0f} s ({len(ran)} run now, {len(runs[e]) - len(ran)} cached)'
              + (f'; TIMEOUTS: {", ".join(to)}' if to else '')
              + (f'; FAILED: {", ".join(bad)}' if bad else ''))

    # listings for folio (tune documents only unless --show-heldout)
    listed = [n for n in sorted(docs) if args.show_heldout or docs[n]['split'] == 'tune']
    fp_engine = next((e for e in ('folio-accurate', 'folio-fast') if e in engines), None)
    if fp_engine:
        fp_path, miss_path = write_listings(args.out, fp_engine, docs, listed, detail,
                                            args.show_heldout)
        print(f'\n{fp_engine} false positives -> {fp_path}; misses -> {miss_path} '
              f'({"all documents, held-out included" if args.show_heldout else "tune documents only"})')

    report = {
        'config': {'corpus': args.corpus, 'folio': args.folio, 'pages': args.pages,
                   'timeout_s': args.timeout, 'engines': engines,
                   'page_tolerance': args.page_tolerance, 'min_entries': args.min_entries,
                   'fingerprints': fps, 'split_rule': 'sha256(file name) % 3 == 0 -> heldout',
                   'time': time.strftime('%Y-%m-%d %H:%M:%S'), 'wall_s': round(time.perf_counter() - t_start, 1),
                   'python': sys.version.split()[0]},
        'documents': {n: {'split': d['split'], 'entries': len(d['entries']), 'pages': d['pages']}
                      for n, d in docs.items()},
        'skipped': skipped, 'skipped_not_in_text_layer': unverifiable, 'page_offsets': offsets,
        'page_offsets_per_document': offsets_doc,
        'summary': summary,
        'per_document': {e: results[e] for e in engines},
    }
    with open(os.path.join(args.out, 'report.json'), 'w') as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False)
    print(f'report -> {os.path.join(args.out, "report.json")} '
          f'({time.perf_counter() - t_start:.0f} s in all)')


def write_listings(out, engine, docs, listed, detail, show_heldout):
    fps, misses = [], []
    for name in listed:
        pred, pairs = detail[(engine, name)]
        entries = docs[name]['entries']
        matched_p = {j for _, j in pairs}
        matched_e = {i for i, _ in pairs}
        running = hm.running_texts(pred)
        levels = [pred[j]['level'] for j in matched_p]
        for j, p in enumerate(pred):
            if j not in matched_p:
                cat = hm.categorise(p, entries, running, levels)
                fps.append((cat, name, p))
        for i, e in enumerate(entries):
            if i not in matched_e:
                near = hm.nearest(e, pred)
                misses.append((name, e, near))
    scope = 'all documents (held-out included)' if show_heldout else 'tune documents only'
    fp_path = os.path.join(out, 'false_positives.txt')
    with open(fp_path, 'w') as fh:
        fh.write(f'# {engine}: predicted headings matching no outline entry on their page, '
                 f'{scope}. {len(fps)} in all.\n')
        fh.write('# categories are heuristic (see benches/headings_match.py: categorise)\n\n')
        fh.write('## by category\n')
        cats = Counter(c for c, _, _ in fps)
        for c, n in cats.most_common():
            items = [(nm, p) for cc, nm, p in fps if cc == c]
            seen, ex = set(), []
            for nm, p in items + items:     # one per document first, then the rest
                key = (nm, p['page'], p['text'])
                if key in seen or (len(ex) < len({x for x, _ in items}) and nm in {x for x, _, _ in seen}):
                    continue
                seen.add(key)
                ex.append(f'{nm[:-4]} p{p["page"]}: {hm.short(p["text"])!r}')
                if len(ex) == 5:
                    break
            fh.write(f'{n:5d}  {c}\n' + ''.join(f'         e.g. {x}\n' for x in ex))
        fh.write('\n## most frequent texts (normalised, digits as #)\n')
        by_text = defaultdict(list)
        for c, nm, p in fps:
            by_text[re.sub(r'\d+', '#', hm.norm(p['text']))[:80]].append((c, nm, p))
        for t, items in sorted(by_text.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:60]:
            if len(items) < 2:
                break
            where = ', '.join(sorted({f'{nm[:-4]} p{p["page"]}' for _, nm, p in items})[:6])
            fh.write(f'{len(items):4d}  [{items[0][0]}] {t!r}  ({where})\n')
        fh.write('\n## by document (count per document, then every one: page, kind/level, category, text)\n')
        per_doc = Counter(nm for _, nm, _ in fps)
        for nm in listed:
            fh.write(f'\n### {nm} ({per_doc[nm]})\n')
            for c, n2, p in fps:
                if n2 == nm:
                    fh.write(f'  p{p["page"]:<3d} {p["kind"][:7]}/L{p["level"]}  {c:18s} {hm.short(p["text"], 110)!r}\n')
    miss_path = os.path.join(out, 'misses.txt')
    with open(miss_path, 'w') as fh:
        fh.write(f'# {engine}: outline entries no predicted heading on their page matched, '
                 f'{scope}. {len(misses)} in all.\n')
        fh.write('# nearest = the most similar predicted heading within +-1 page (similarity 0-1), if any\n\n')
        kinds = Counter()
        for _, e, near in misses:
            if near is None:
                kinds['no similar heading within +-1 page (not detected as a heading)'] += 1
            elif near[1]['page'] == e['page']:
                kinds['a heading on the page is similar but below the rule (split, merged, garbled)'] += 1
            else:
                kinds['similar heading on the neighbouring page only'] += 1
        fh.write('## by kind\n' + ''.join(f'{n:5d}  {k}\n' for k, n in kinds.most_common()))
        nt = sum(1 for _, e, _ in misses if e.get('in_text') not in ('same page', 'untestable'))
        fh.write(f'  ({nt} of these titles are not in the text layer of their page as written)\n')
        lv = Counter(e['level'] for _, e, _ in misses)
        fh.write('## by outline level (0 = top)\n' + ''.join(f'{n:5d}  level {k}\n' for k, n in sorted(lv.items())))
        per_doc = Counter(nm for nm, _, _ in misses)
        for nm in listed:
            if not per_doc[nm]:
                continue
            fh.write(f'\n### {nm} ({per_doc[nm]} of {len(docs[nm]["entries"])})\n')
            for n2, e, near in misses:
                if n2 == nm:
                    s = f'  p{e["page"]:<3d} L{e["level"]} {hm.short(e["title"], 90)!r}'
                    if e.get('in_text') != 'same page':
                        s += f'   [title {e.get("in_text")} in the text layer]'
                    if near:
                        s += f'   nearest: p{near[1]["page"]} {near[0]:.2f} {hm.short(near[1]["text"], 70)!r}'
                    fh.write(s + '\n')
    return fp_path, miss_path


if __name__ == '__main__':
    main()
