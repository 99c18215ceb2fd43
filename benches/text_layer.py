#!/usr/bin/env python3
"""Text-layer benchmark: folio's fast pipeline against poppler's pdftotext.

    python3 benches/text_layer.py [--corpus ../shared/corpus/docs] [--folio target/release/folio]
                                  [--out bench-out/text_layer] [--limit N] [--timeout S] [--no-score]
                                  [--exact-rss]

For every PDF in the corpus folder (sorted by name, the first N with --limit):
  * folio:     FOLIO extract FILE --pipeline fast --format text   (stdout -> OUT/folio/NAME.txt)
  * pdftotext: pdftotext FILE OUT/pdftotext/NAME.txt
Each runs as its own child process; which of the two runs first alternates from file to file.
Wall time = time.perf_counter() around spawn + os.wait4(); CPU time = ru_utime + ru_stime and
peak memory = ru_maxrss, both from the rusage that os.wait4() returns for that child. On Linux
that ru_maxrss cannot drop below this script's own peak RSS (the "spawn floor", measured and
shown as <=X); --exact-rss adds an untimed run of each command under GNU time for exact peaks.
A non-zero exit (or a kill after --timeout seconds) is a failure; the first line of its stderr is
kept (full stderr in OUT/logs/). Pages come from `pdfinfo`, else from the corpus MANIFEST.tsv.

Then `python3 SCORE texts OUT/folio OUT/pdftotext` scores folio's text against pdftotext's
(the reference): bag-of-words F1 and CER per file. `--format text` leaves page furniture (running
heads, page numbers) and table-of-contents page labels out by design while pdftotext keeps them,
so an untimed second run with `--furniture` (OUT/folio+furniture/) is scored too: the like-for-like
measure of text lost or changed. SCORE is $SCORE_PY, else
../shared/tools/score.py. It needs the `rapidfuzz` module for CER on whole documents in
reasonable time (its fallback is a pure-Python edit distance, far too slow for long manuals).

Prints a table per file and a summary; writes the summary (and the per-file rows) to
OUT/summary.json. Stdlib only. Exit status: 0 when it ran (even with failures), 2 on bad usage.
"""
import argparse, csv, json, os, platform, re, shutil, signal, statistics, subprocess, sys, threading, time

PIPELINE = 'fast'


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--corpus', default='../shared/corpus/docs', help='folder of PDFs (default: %(default)s)')
    ap.add_argument('--folio', default='target/release/folio', help='folio binary (default: %(default)s)')
    ap.add_argument('--out', default='bench-out/text_layer', help='output folder (default: %(default)s)')
    ap.add_argument('--limit', type=int, default=None, help='only the first N PDFs (sorted by name)')
    ap.add_argument('--timeout', type=float, default=600.0,
                    help='kill a run after this many seconds and count it as a failure (default: %(default)s)')
    ap.add_argument('--no-score', action='store_true', help='skip the F1/CER scoring step')
    ap.add_argument('--exact-rss', action='store_true',
                    help='also run every command once more under GNU time (/usr/bin/time -f %%M), untimed, '
                         'for a peak RSS free of the spawn floor (see README)')
    return ap.parse_args(argv)


# --- measuring one child process -------------------------------------------------------------
def measure(cmd, stdout_path, stderr_path, timeout):
    """Runs cmd once; returns dict(wall_s, cpu_s, rss_kib, rc, timed_out, err)."""
    with open(stdout_path, 'wb') as out, open(stderr_path, 'wb') as err:
        t0 = time.perf_counter()
        try:
            # own process group, so that a timeout kills whatever the command started too
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        except OSError as e:
            return dict(wall_s=0.0, cpu_s=0.0, rss_kib=0, rc=127, timed_out=False, err=f'cannot start: {e}')
        killed = threading.Event()

        def kill():
            killed.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            while True:
                try:
                    _, status, ru = os.wait4(p.pid, 0)
                    break
                except InterruptedError:
                    continue
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc  # reaped by wait4: keep Popen from waiting again
    # ru_maxrss is in KiB on Linux and the BSDs, in bytes on macOS
    rss_kib = ru.ru_maxrss // 1024 if sys.platform == 'darwin' else ru.ru_maxrss
    msg = ''
    if killed.is_set():
        msg = f'timed out after {timeout:g} s'
    elif rc != 0:
        msg = first_line(stderr_path) or (f'killed by signal {-rc}' if rc < 0 else f'exit status {rc}')
    return dict(wall_s=wall, cpu_s=ru.ru_utime + ru.ru_stime, rss_kib=rss_kib, rc=rc,
                timed_out=killed.is_set(), err=msg)


def rss_floor_kib():
    """ru_maxrss of `true` spawned exactly like the measured commands. On Linux a child's ru_maxrss
    starts at the parent's (this script's) peak RSS, which the kernel carries over execve, so no
    command can report less than this."""
    t = shutil.which('true')
    return measure([t], os.devnull, os.devnull, 10)['rss_kib'] if t else 0


def gnu_time():
    t = '/usr/bin/time'
    if os.access(t, os.X_OK):
        p = subprocess.run([t, '--version'], capture_output=True, text=True, errors='replace')
        if 'GNU' in p.stdout + p.stderr:
            return t
    return None


def exact_rss_kib(time_bin, cmd, tmp, timeout):
    """Peak RSS in KiB of cmd as GNU time reports it (time forks cmd from its own small process).
    Output is thrown away; None when cmd fails or times out."""
    if os.path.exists(tmp):
        os.remove(tmp)
    p = subprocess.Popen([time_bin, '-f', '%M', '-o', tmp, '--', *cmd], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if p.wait(timeout=timeout) != 0:
            return None
        with open(tmp) as f:
            return int(f.read().split()[-1])
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    except (OSError, ValueError, IndexError):
        pass
    return None


def first_line(path):
    """First non-empty line of a stderr log; when it ends with ':' (e.g. a Rust panic's
    "thread ... panicked at FILE:LINE:COL:"), the next line (the message) is joined to it."""
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            lines = [l.strip() for l in f.read(65536).splitlines() if l.strip()]
    except OSError:
        return ''
    if not lines:
        return ''
    text = lines[0] + (' ' + lines[1] if lines[0].endswith(':') and len(lines) > 1 else '')
    return text[:300]


def has_text(path):
    try:
        with open(path, 'rb') as f:
            return bool(f.read(65536).strip())
    except OSError:
        return False


# --- pages -----------------------------------------------------------------------------------
def manifest_pages(corpus):
    """{file name: pages} from MANIFEST.tsv next to (or in) the corpus folder, if there is one."""
    pages = {}
    for cand in (os.path.join(corpus, '..', 'MANIFEST.tsv'), os.path.join(corpus, 'MANIFEST.tsv')):
        if os.path.exists(cand):
            with open(cand, encoding='utf-8', newline='') as f:
                for row in csv.DictReader(f, delimiter='\t'):
                    try:
                        pages.setdefault(os.path.basename(row['file']), int(row['pages']))
                    except (KeyError, TypeError, ValueError):
                        pass
    return pages


def pdfinfo_pages(path):
    if not shutil.which('pdfinfo'):
        return None
    p = subprocess.run(['pdfinfo', path], capture_output=True, text=True, errors='replace')
    m = re.search(r'^Pages:\s+(\d+)', p.stdout, re.M)
    return int(m.group(1)) if m else None


# --- scoring ---------------------------------------------------------------------------------
def score(score_py, hyp_dir, ref_dir):
    """Runs score.py texts; returns ({NAME.txt: (cer, f1)}, summary dict or None, error text)."""
    p = subprocess.run([sys.executable, score_py, 'texts', hyp_dir, ref_dir],
                       capture_output=True, text=True, errors='replace')
    rows, summary = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r'^(.+?)\tcer=([\d.]+)\tbow_f1=([\d.]+)$', line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        elif line.startswith('{'):
            try:
                summary = json.loads(line)
            except ValueError:
                pass
    err = '' if p.returncode == 0 else (p.stderr.strip().splitlines() or [f'exit status {p.returncode}'])[-1]
    return rows, summary, err


# --- main ------------------------------------------------------------------------------------
def fmt(v, spec, missing='-'):
    if v is None:
        width = re.match(r'\d*', spec).group(0)
        return missing.rjust(int(width)) if width else missing
    return format(v, spec)


FLOOR_SLACK_KIB = 256


def peak_kib(run):
    """(peak RSS in KiB, at_floor): GNU time's figure when there is one, else wait4's; at_floor is
    True when the wait4 figure is not above the spawn floor, i.e. the real peak is at most that."""
    if run.get('rss_exact_kib'):
        return run['rss_exact_kib'], False
    return run['rss_kib'], run['rss_kib'] <= run.get('rss_floor_kib', 0) + FLOOR_SLACK_KIB


def fmt_rss(run, width):
    kib, at_floor = peak_kib(run)
    return (('<=' if at_floor else '') + f'{kib / 1024:.1f}').rjust(width)


def main(argv):
    a = parse_args(argv)
    if not os.path.isdir(a.corpus):
        print(f'error: corpus folder {a.corpus} not found', file=sys.stderr)
        return 2
    folio = a.folio if os.sep in a.folio else (shutil.which(a.folio) or a.folio)
    if not (os.path.isfile(folio) and os.access(folio, os.X_OK)):
        print(f'error: folio binary {a.folio} not found or not executable '
              f'(build it with `cargo build --release`, or pass --folio)', file=sys.stderr)
        return 2
    pdftotext = shutil.which('pdftotext')
    if not pdftotext:
        print('error: pdftotext not found (install poppler-utils)', file=sys.stderr)
        return 2
    score_py = os.environ.get('SCORE_PY') or os.path.join('..', 'shared', 'tools', 'score.py')
    do_score = not a.no_score
    if do_score and not os.path.isfile(score_py):
        print(f'warning: {score_py} not found (set SCORE_PY): skipping F1/CER', file=sys.stderr)
        do_score = False
    if do_score and subprocess.run([sys.executable, '-c', 'import rapidfuzz'], capture_output=True).returncode:
        print('warning: python module rapidfuzz is missing: score.py falls back to a pure-Python edit '
              'distance, which takes hours on long documents (pip install rapidfuzz, or --no-score)',
              file=sys.stderr)

    time_bin = None
    if a.exact_rss:
        time_bin = gnu_time()
        if not time_bin:
            print('warning: --exact-rss needs GNU time at /usr/bin/time: using the wait4 figures only',
                  file=sys.stderr)

    pdfs = sorted(f for f in os.listdir(a.corpus) if f.lower().endswith('.pdf')
                  and os.path.isfile(os.path.join(a.corpus, f)))
    if a.limit is not None:
        pdfs = pdfs[:max(0, a.limit)]
    if not pdfs:
        print(f'error: no PDFs in {a.corpus}', file=sys.stderr)
        return 2

    dirs = {k: os.path.join(a.out, k) for k in ('folio', 'folio+furniture', 'pdftotext', 'logs')}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):  # stale outputs of an earlier run would be scored too
            if old.endswith(('.txt', '.stderr', '.tmp')):
                os.remove(os.path.join(d, old))

    manifest = manifest_pages(a.corpus)
    rows = []
    for i, name in enumerate(pdfs):
        src = os.path.join(a.corpus, name)
        stem = name[:-4]
        pages = pdfinfo_pages(src) or manifest.get(name)
        jobs = {
            'folio': ([folio, 'extract', src, '--pipeline', PIPELINE, '--format', 'text'],
                      os.path.join(dirs['folio'], stem + '.txt')),
            'pdftotext': ([pdftotext, src, os.path.join(dirs['pdftotext'], stem + '.txt')], os.devnull),
        }
        order = ('folio', 'pdftotext') if i % 2 == 0 else ('pdftotext', 'folio')
        floor = rss_floor_kib()
        res = {}
        for tool in order:
            cmd, stdout_path = jobs[tool]
            res[tool] = measure(cmd, stdout_path, os.path.join(dirs['logs'], f'{stem}.{tool}.stderr'), a.timeout)
            res[tool]['rss_floor_kib'] = floor
            res[tool]['rss_exact_kib'] = None
        if time_bin:  # separate, untimed pass; its text output is thrown away
            for tool in order:
                cmd, _ = jobs[tool]
                if tool == 'pdftotext':
                    cmd = cmd[:-1] + [os.devnull]
                res[tool]['rss_exact_kib'] = exact_rss_kib(time_bin, cmd, os.path.join(dirs['logs'], 'rss.tmp'),
                                                           a.timeout)
        if do_score:  # untimed: everything printed on the page, as pdftotext has it
            with open(os.path.join(dirs['folio+furniture'], stem + '.txt'), 'wb') as f:
                subprocess.run(jobs['folio'][0] + ['--furniture'], stdout=f, stderr=subprocess.DEVNULL,
                               timeout=a.timeout)
        if res['pdftotext']['rc'] != 0:  # no reference text: leave this file out of the scoring
            ref = os.path.join(dirs['pdftotext'], stem + '.txt')
            if os.path.exists(ref):
                os.remove(ref)
        # a failed folio run keeps its (possibly empty) output, so it scores as a miss, not as absent
        empty = (res['folio']['rc'] == 0 and res['pdftotext']['rc'] == 0 and not has_text(jobs['folio'][1])
                 and has_text(os.path.join(dirs['pdftotext'], stem + '.txt')))
        rows.append(dict(file=name, pages=pages, first=order[0], folio=res['folio'], pdftotext=res['pdftotext'],
                         empty_folio=empty, cer=None, bow_f1=None))
        print(f'[{i + 1}/{len(pdfs)}] {name}: folio {res["folio"]["wall_s"] * 1000:.0f} ms'
              f'{" FAILED" if res["folio"]["rc"] else ""}, pdftotext {res["pdftotext"]["wall_s"] * 1000:.0f} ms'
              f'{" FAILED" if res["pdftotext"]["rc"] else ""}', file=sys.stderr, flush=True)

    score_summary, score_err = None, ''
    if do_score:
        print('scoring ...', file=sys.stderr, flush=True)
        scores, score_summary, score_err = score(score_py, dirs['folio'], dirs['pdftotext'])
        for r in rows:
            cer, f1 = scores.get(r['file'][:-4] + '.txt', (None, None))
            r['cer'], r['bow_f1'] = cer, f1
        if score_err:
            print(f'warning: score.py failed: {score_err}', file=sys.stderr)
        scores_all, _, _ = score(score_py, dirs['folio+furniture'], dirs['pdftotext'])
        for r in rows:
            r['bow_f1_furniture'] = scores_all.get(r['file'][:-4] + '.txt', (None, None))[1]

    # --- per-file table
    mib = 1024.0
    w = max(len('file'), *(len(r['file']) for r in rows))
    print(f'\n{"file":<{w}}  {"pages":>5}  {"folio ms":>9}  {"pdftotext ms":>12}  {"F1":>6}  {"CER":>6}  '
          f'{"folio RSS MiB":>13}  status')
    for r in rows:
        fo, pt = r['folio'], r['pdftotext']
        status = '; '.join(s for s in (f'folio FAILED: {fo["err"]}' if fo['rc'] else '',
                                       f'pdftotext FAILED: {pt["err"]}' if pt['rc'] else '',
                                       'folio output EMPTY' if r['empty_folio'] else '') if s) or 'ok'
        print(f'{r["file"]:<{w}}  {fmt(r["pages"], "5d")}  {fo["wall_s"] * 1000:9.1f}  {pt["wall_s"] * 1000:12.1f}  '
              f'{fmt(r["bow_f1"], "6.3f")}  {fmt(r["cer"], "6.3f")}  {fmt_rss(fo, 13)}  {status}')

    # --- summary (throughput and CPU over the files both tools handled)
    both = [r for r in rows if r['folio']['rc'] == 0 and r['pdftotext']['rc'] == 0 and r['pages']]
    pages = sum(r['pages'] for r in both)
    wall = {t: sum(r[t]['wall_s'] for r in both) for t in ('folio', 'pdftotext')}
    cpu = {t: sum(r[t]['cpu_s'] for r in both) for t in ('folio', 'pdftotext')}
    pps = {t: (pages / wall[t] if wall[t] > 0 else None) for t in wall}
    f1s = [r['bow_f1'] for r in rows if r['bow_f1'] is not None]
    cers = [r['cer'] for r in rows if r['cer'] is not None]
    f1s_all = [r['bow_f1_furniture'] for r in rows if r.get('bow_f1_furniture') is not None]
    rss, rss_at_floor, exact = {}, {}, True  # peak RSS over each tool's successful runs
    for t in ('folio', 'pdftotext'):
        ok = [r[t] for r in rows if r[t]['rc'] == 0]
        kib, at_floor = max((peak_kib(run) for run in ok), default=(0, False))
        rss[t], rss_at_floor[t] = kib / mib, at_floor
        exact = exact and all(run['rss_exact_kib'] for run in ok)
    floor_mib = max((r['folio']['rss_floor_kib'] for r in rows), default=0) / mib
    rss_source = 'gnu-time' if exact else 'wait4'
    summary = {
        'files': len(rows),
        'files_ok_both': len(both),
        'total_pages': pages,
        'pages_per_s_folio': pps['folio'],
        'pages_per_s_pdftotext': pps['pdftotext'],
        'speed_ratio_folio_over_pdftotext': (pps['folio'] / pps['pdftotext']
                                             if pps['folio'] and pps['pdftotext'] else None),
        'wall_s_folio': wall['folio'],
        'wall_s_pdftotext': wall['pdftotext'],
        'cpu_s_folio': cpu['folio'],
        'cpu_s_pdftotext': cpu['pdftotext'],
        'cpu_s_per_page_folio': cpu['folio'] / pages if pages else None,
        'cpu_s_per_page_pdftotext': cpu['pdftotext'] / pages if pages else None,
        'max_rss_mib_folio': rss['folio'],
        'max_rss_mib_pdftotext': rss['pdftotext'],
        'max_rss_at_floor_folio': rss_at_floor['folio'],
        'max_rss_at_floor_pdftotext': rss_at_floor['pdftotext'],
        'rss_source': rss_source,
        'rss_floor_mib': floor_mib,
        'scored_files': len(f1s),
        'bow_f1_mean': statistics.fmean(f1s) if f1s else None,
        'bow_f1_median': statistics.median(f1s) if f1s else None,
        'bow_f1_furniture_mean': statistics.fmean(f1s_all) if f1s_all else None,
        'cer_mean': statistics.fmean(cers) if cers else None,
        'cer_median': statistics.median(cers) if cers else None,
        'failures_folio': sum(1 for r in rows if r['folio']['rc'] != 0),
        'failures_pdftotext': sum(1 for r in rows if r['pdftotext']['rc'] != 0),
        'empty_outputs_folio': sum(1 for r in rows if r['empty_folio']),
        'score_py_summary': score_summary,
        'score_error': score_err or None,
    }
    print(f'\nsummary ({len(both)} of {len(rows)} files handled by both tools; throughput and CPU over those,'
          f' peak RSS over each tool\'s successful runs)')
    print(f'  total pages                 {pages}')
    print(f'  pages/s folio               {fmt(pps["folio"], ".1f")}   (total pages / sum of wall times)')
    print(f'  pages/s pdftotext           {fmt(pps["pdftotext"], ".1f")}')
    print(f'  speed ratio folio/pdftotext {fmt(summary["speed_ratio_folio_over_pdftotext"], ".2f")}'
          f'   (>1: folio faster)')
    print(f'  CPU s total folio           {cpu["folio"]:.2f}   ({fmt(summary["cpu_s_per_page_folio"], ".4f")} s/page)')
    print(f'  CPU s total pdftotext       {cpu["pdftotext"]:.2f}   '
          f'({fmt(summary["cpu_s_per_page_pdftotext"], ".4f")} s/page)')
    for t in ('folio', 'pdftotext'):
        print(f'  max peak RSS {t:<14} {"<=" if rss_at_floor[t] else ""}{rss[t]:.1f} MiB   (from {rss_source}'
              + (f'; spawn floor {floor_mib:.1f} MiB' if rss_source == 'wait4' else '') + ')')
    print(f'  bag-of-words F1 mean/median {fmt(summary["bow_f1_mean"], ".4f")} / '
          f'{fmt(summary["bow_f1_median"], ".4f")}   ({len(f1s)} files scored)')
    print(f'  F1 mean with --furniture    {fmt(summary["bow_f1_furniture_mean"], ".4f")}'
          '   (page furniture and contents page labels kept, as pdftotext keeps them)')
    print(f'  CER mean (median)           {fmt(summary["cer_mean"], ".4f")} ({fmt(summary["cer_median"], ".4f")})')
    print(f'  failures folio / pdftotext  {summary["failures_folio"]} / {summary["failures_pdftotext"]}'
          f'   (+ {summary["empty_outputs_folio"]} empty folio outputs where pdftotext found text)')

    pdftotext_version = first_line_of([pdftotext, '-v'])
    out = {
        'summary': summary,
        'config': {'corpus': os.path.abspath(a.corpus), 'folio': os.path.abspath(folio), 'pipeline': PIPELINE,
                   'pdftotext': pdftotext, 'pdftotext_version': pdftotext_version,
                   'score_py': os.path.abspath(score_py) if do_score else None, 'limit': a.limit,
                   'timeout_s': a.timeout, 'python': platform.python_version(), 'platform': platform.platform(),
                   'cpus': os.cpu_count(), 'started_from': os.getcwd(),
                   'time': time.strftime('%Y-%m-%dT%H:%M:%S%z')},
        'files': rows,
    }
    path = os.path.join(a.out, 'summary.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    print(f'\nwrote {path}')
    return 0


def first_line_of(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, errors='replace')
    return ((p.stdout + p.stderr).strip().splitlines() or [''])[0]


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
