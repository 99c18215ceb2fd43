"""Shared by the generators and the runner: paths, deterministic prose, test builders, split.

Stdlib only.
"""
import hashlib
import json
import os
import random
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join('bench-out', 'fidelity')          # relative to the repository root
PAGES_DIR = os.path.join(OUT, 'pages')               # one single-page PDF per page id
GEN_TESTS_DIR = os.path.join(OUT, 'tests')           # tests written by the generators
CORPUS_TESTS = os.path.join(HERE, 'corpus_tests.jsonl')
CORPUS_PAGES = os.path.join(HERE, 'corpus_pages.tsv')

# Deterministic PDFs: pdflatex honours these (no wall-clock dates or random IDs).
DETERMINISTIC_ENV = dict(os.environ, SOURCE_DATE_EPOCH='1700000000', FORCE_SOURCE_DATE='1',
                         TZ='UTC')


def split_of(page_id):
    """About a third of the pages are held out, by sha256 of the page id (stable, no list)."""
    return 'heldout' if int(hashlib.sha256(page_id.encode()).hexdigest(), 16) % 3 == 0 else 'tune'


# ---------------------------------------------------------------------------------------------
# Test builders: generators declare tests next to the content they put on the page
# ---------------------------------------------------------------------------------------------

def P(text, **kw):
    return dict(type='present', text=text, **kw)


def A(text, **kw):
    return dict(type='absent', text=text, **kw)


def O(before, after):
    return dict(type='order', before=before, after=after)


def T(cell, **rel):
    assert rel and set(rel) <= {'right', 'below', 'header'}, rel
    return dict(type='table', cell=cell, **rel)


def M(latex):
    return dict(type='math', latex=latex)


def H(text, level=None):
    return dict(type='heading', text=text, level=level, expect='heading')


def NH(text):
    return dict(type='heading', text=text, expect='not_heading')


def number_tests(page_id, tests, source):
    out = []
    for i, t in enumerate(tests, 1):
        t = dict(t)
        t = {'id': f'{page_id}/{i:02d}-{t["type"]}', 'page': page_id, 'source': source, **t}
        if t.get('level', 0) is None:
            del t['level']
        out.append(t)
    return out


def write_jsonl(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + '\n')


def read_jsonl(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(l) for l in f if l.strip() and not l.startswith('//')]


def page_count(pdf):
    out = subprocess.run(['pdfinfo', pdf], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith('Pages:'):
            return int(line.split()[1])
    return 0


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Deterministic prose: plausible technical English, distinct sentences, seeded per page
# ---------------------------------------------------------------------------------------------

_SUBJ = ['the proposed estimator', 'our baseline', 'the sampling procedure', 'the second survey',
         'this configuration', 'the revised schedule', 'each regional office', 'the audit team',
         'the calibration step', 'the pilot programme', 'a smaller committee', 'the new parser',
         'the treatment group', 'the maintenance crew', 'the reference model', 'the archive',
         'every participating school', 'the water utility', 'the review board',
         'the field laboratory', 'the shipping department', 'the northern plant',
         'the municipal council', 'the evaluation harness', 'the grant office',
         'the controller', 'the survey instrument', 'the second prototype']
_VERB = ['reduces', 'improves', 'stabilises', 'complicates', 'documents', 'postpones',
         'summarises', 'replaces', 'doubles', 'measures', 'simplifies', 'delays', 'tracks',
         'extends', 'reorganises', 'audits', 'halves', 'explains', 'anticipates', 'records']
_OBJ = ['the variance of the final estimate', 'the backlog of pending requests',
        'the cost of each additional sample', 'the number of manual corrections',
        'the error on the smallest subgroups', 'the time needed for a full rebuild',
        'the share of incomplete responses', 'the energy used per processed tonne',
        'the delay between ordering and delivery', 'the spread of the quarterly figures',
        'the workload of the night shift', 'the length of the approval chain',
        'the risk of double counting', 'the amount of duplicated paperwork',
        'the accuracy of the regional forecasts', 'the frequency of unplanned outages',
        'the gap between the two cohorts', 'the volume of returned goods']
_MOD = ['on every benchmark we tried', 'when the batch size is small',
        'during the first winter of operation', 'without any change to the hardware',
        'for most of the smaller districts', 'after the second round of interviews',
        'despite the shorter reporting period', 'in all but one of the test sites',
        'once the new guidelines were adopted', 'compared with the previous fiscal year',
        'under the conservative assumptions of Section 2', 'at a modest additional cost',
        'for documents longer than twenty pages', 'when measured over a full quarter',
        'although the effect fades after six months', 'as the appendix shows in more detail',
        'in the busiest weeks of the year', 'while keeping the original sample design']
_OPEN = ['In practice,', 'As expected,', 'Perhaps surprisingly,', 'In contrast,', 'Overall,',
         'By design,', 'In the second phase,', 'For this reason,', 'Taken together,',
         'At the same time,', 'On closer inspection,', 'In our experience,', '', '', '', '']


class Prose:
    """prose = Prose(seed); prose.sentence(); prose.paragraph(n) -> (text, [sentences])."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seen = set()

    def sentence(self):
        for _ in range(1000):
            r = self.rng
            s = ' '.join(x for x in (r.choice(_OPEN), r.choice(_SUBJ), r.choice(_VERB),
                                     r.choice(_OBJ), r.choice(_MOD)) if x)
            s = s[0].upper() + s[1:] + '.'
            key = s.split(',')[-1].strip()[:60]
            if key not in self.seen:
                self.seen.add(key)
                return s
        raise RuntimeError('prose exhausted')

    def paragraph(self, n):
        ss = [self.sentence() for _ in range(n)]
        return ' '.join(ss), ss
