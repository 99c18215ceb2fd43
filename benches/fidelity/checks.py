#!/usr/bin/env python3
"""Test semantics of the fidelity suite: text normalisation, fuzzy search, Markdown table and
heading parsing, the LaTeX normaliser, and one check function per test type.

    python3 benches/fidelity/checks.py --selftest     # unit checks of everything below

Every check takes the engine's Markdown (str) and one test (dict) and returns (passed, why):
`why` is a one-line explanation shown in failure lists. Stdlib + rapidfuzz only (rapidfuzz is
used for plain edit distances; the substring search is Myers' bit-parallel algorithm here).

Test fields (common): id, page, type, plus
  present   text, [max_diff_frac=0.05], [case=true]
  absent    text, [mode="auto"|"substring"|"line"]   (auto: line mode when len(text) < 12)
  order     before, after
  table     cell, and one or more of right, below, header
  math      latex
  heading   text, [level=int], [expect="heading"|"not_heading"]
"""
import re
import sys
import unicodedata

try:
    from rapidfuzz.distance import Levenshtein as _Lev

    def levenshtein(a, b):
        return _Lev.distance(a, b)
except ImportError:  # pragma: no cover - the runner checks for rapidfuzz and says how to install
    def levenshtein(a, b):
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]

# ---------------------------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------------------------

_CHAR_MAP = {
    '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
    '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
    '\u00ab': '"', '\u00bb': '"', '\u2039': "'", '\u203a': "'",
    '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-',
    '\u2212': '-', '\u00ad': '', '\u200b': '', '\u200c': '', '\u200d': '', '\ufeff': '',
    '\u00a0': ' ', '\u2022': ' ', '\u25cf': ' ', '\u25aa': ' ', '\u2023': ' ', '\u2043': ' ',
    '\u00b7': ' ', '\u2219': ' ', '\u25e6': ' ', '\u25a0': ' ',
}
_CHAR_TABLE = {ord(k): v for k, v in _CHAR_MAP.items() if len(k) == 1}

_HTML_TAG = re.compile(r'</?(?:br|p|div|span|sup|sub|b|i|u|em|strong|code|font|a|small|big|'
                       r'mark|del|ins|s|strike|center|h[1-6])\b[^>]*>', re.I)
_MD_IMAGE = re.compile(r'!\[([^\]]*)\]\([^)]*\)')
_MD_LINK = re.compile(r'\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)')
_MD_ESCAPE = re.compile(r'\\([\\`*_{}\[\]()#+\-.!|<>~$&%^])')
_LINE_PREFIX = re.compile(r'^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+(?=\S))+')
_TABLE_RULE = re.compile(r'^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$')
_HR = re.compile(r'^\s*(?:[-*_]\s*){3,}$')
_HTML_ENTITIES = {'&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'",
                  '&nbsp;': ' ', '&apos;': "'"}


def _entities(s):
    for k, v in _HTML_ENTITIES.items():
        s = s.replace(k, v)
    return s


def norm_chars(s):
    """NFKC, typographic quotes/dashes to ASCII, soft hyphens and zero-widths dropped."""
    s = unicodedata.normalize('NFKC', s)
    return s.translate(_CHAR_TABLE)


def strip_markdown_line(line):
    """Markdown syntax off one line: heading/quote/bullet prefixes, emphasis, escapes, links,
    images (alt text kept), inline code ticks, table pipes, HTML inline tags."""
    if _TABLE_RULE.match(line) or _HR.match(line):
        return ''
    line = _entities(_HTML_TAG.sub(' ', line))
    line = _MD_IMAGE.sub(r'\1', line)
    line = _MD_LINK.sub(r'\1', line)
    line = _LINE_PREFIX.sub('', line)
    line = re.sub(r'\s#+\s*$', '', line)          # closing ATX hashes
    line = line.replace('`', '')
    line = _MD_ESCAPE.sub(r'\1', line)
    line = line.replace('|', ' ')
    return line


_CJK = '\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af'
_CJK_SPACE = re.compile(f'(?<=[{_CJK}]) (?=\\S)|(?<=\\S) (?=[{_CJK}])')


_PUNCT_SPACE = re.compile(r' ?([()\[\]{}"]) ?| ([,.;:!?])')


def _finish(s, case=True):
    # `*`, `_` and `~` are dropped everywhere, on both sides: emphasis and strike-through
    # markers cannot be told from literal ones reliably (`snake_case` == `snakecase` here);
    s = re.sub(r'[*_~]+', '', s)
    # `$` too: an engine may set a lone variable as inline math (`con $p$ e $q$`); prose tests
    # compare the text, the math tests look at the math
    s = s.replace('$', '')
    s = re.sub(r'\s+', ' ', s).strip()
    s = re.sub(r'(?<=[a-z\u00df-\u00ff])- (?=[a-z\u00df-\u00ff])', '', s)   # line-end hyphenation
    s = _CJK_SPACE.sub('', s)   # CJK text has no spaces; a line break inside it is not one
    # spacing next to brackets, quotes and trailing punctuation does not count: Markdown
    # renderers pad inline spans (`vecsum` ( _v_ ) -> vecsum ( v )); both sides get this
    s = _PUNCT_SPACE.sub(r'\1', s)
    return s if case else s.lower()


def normalize_text(s, case=True):
    """For expected strings and engine output alike: NFKC, markdown off, whitespace collapsed,
    `infor- mation` joined (applied to both sides, so dehyphenating or not does not matter)."""
    s = norm_chars(s)
    s = '\n'.join(strip_markdown_line(l) for l in s.split('\n'))
    return _finish(s, case)


def normalize_plain(s, case=True):
    """Like normalize_text for strings that are not Markdown (a test's expected text, a PDF's
    text layer): NFKC, quotes/dashes, whitespace, hyphenation; no markdown stripping."""
    return _finish(norm_chars(s), case)


def strip_accents(s):
    """For the text-layer sanity check only: OT1 LaTeX draws accents as separate glyphs, which
    text layers report as spacing accents next to (not combined with) the letter."""
    s = unicodedata.normalize('NFKD', s)
    s = ''.join(c for c in s if not unicodedata.combining(c))
    return re.sub('[\u00b4\u02c7\u00a8`\u02c6^~\u02dc\u00b8\u02d8\u02da\u02dd\u02d9\u00af\u02db]',
                  '', s)


# ---------------------------------------------------------------------------------------------
# Fuzzy substring search (Myers 1999, bit-parallel; exact min edit distance of the pattern to
# any substring of the text)
# ---------------------------------------------------------------------------------------------

def fuzzy_find(pattern, text, max_dist):
    """Yield (end_index_exclusive, distance) for every text position where some substring
    ending there is within max_dist edits of pattern."""
    m = len(pattern)
    if m == 0:
        return
    peq = {}
    for i, c in enumerate(pattern):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for j, c in enumerate(text):
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | (~(xv | ph) & mask)) & mask
        mv = ph & xv
        if score <= max_dist:
            yield j + 1, score


def budget(s, frac=0.05):
    return int(len(s) * frac)


def find_all(needle, hay, frac=0.05):
    """Start positions (approximate for fuzzy hits) of needle in hay; [] if absent."""
    if not needle:
        return []
    starts = [m.start() for m in re.finditer(re.escape(needle), hay)]
    if starts:
        return starts
    k = budget(needle, frac)
    if k == 0:
        return []
    best = {}
    for end, d in fuzzy_find(needle, hay, k):
        best[end] = d
    # collapse runs of neighbouring ends into one hit each
    hits, last = [], -10
    for end in sorted(best):
        if end - last > 1:
            hits.append(max(0, end - len(needle)))
        last = end
    return hits


def contains(needle, hay, frac=0.05):
    if needle in hay:
        return True
    k = budget(needle, frac)
    return k > 0 and next(fuzzy_find(needle, hay, k), None) is not None


def best_distance(needle, hay):
    best = len(needle)
    for _, d in fuzzy_find(needle, hay, len(needle)):
        best = min(best, d)
    return best


# ---------------------------------------------------------------------------------------------
# Markdown structure: headings, tables, math spans
# ---------------------------------------------------------------------------------------------

_ATX = re.compile(r'^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$')
_HTML_H = re.compile(r'<h([1-6])[^>]*>(.*?)</h\1>', re.I | re.S)


def headings(md):
    """[(level, normalised text)] for ATX (`## x`), setext (`x` over `===`/`---`) and <hN>."""
    out = []
    lines = md.split('\n')
    in_fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith('```'):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = _ATX.match(line)
        if m:
            out.append((len(m.group(1)), normalize_text(m.group(2))))
            continue
        if (i + 1 < len(lines) and line.strip() and not line.lstrip().startswith('|')
                and re.match(r'^\s{0,3}(=+|-+)\s*$', lines[i + 1])
                and (i == 0 or not lines[i - 1].strip())):
            out.append((1 if '=' in lines[i + 1] else 2, normalize_text(line)))
    for m in _HTML_H.finditer(md):
        out.append((int(m.group(1)), normalize_text(re.sub(r'<[^>]+>', ' ', m.group(2)))))
    return out


def heading_matches(expected_norm, heading_norm):
    if not heading_norm:
        return False
    a, b = expected_norm.lower(), heading_norm.lower()
    if a == b:
        return True
    if levenshtein(a, b) <= max(1, budget(a)):
        return True
    return a in b and len(b) <= len(a) + 12


def _split_pipe_row(line):
    s = line.strip()
    if s.startswith('|'):
        s = s[1:]
    if s.endswith('|') and not s.endswith('\\|'):
        s = s[:-1]
    cells, cur, i = [], '', 0
    while i < len(s):
        if s[i] == '\\' and i + 1 < len(s) and s[i + 1] == '|':
            cur += '|'
            i += 2
            continue
        if s[i] == '|':
            cells.append(cur)
            cur = ''
        else:
            cur += s[i]
        i += 1
    cells.append(cur)
    return cells


def _cell_norm(s):
    s = re.sub(r'<br\s*/?>', ' ', s, flags=re.I)
    return normalize_text(s.replace('|', ' '))


def pipe_tables(md):
    """Markdown pipe tables -> list of (grid, n_header_rows); the header row is the one above
    the `|---|` rule."""
    tables, lines, i = [], md.split('\n'), 0
    while i < len(lines):
        if ('|' in lines[i] and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1])
                and '-' in lines[i + 1]):
            grid = [[_cell_norm(c) for c in _split_pipe_row(lines[i])]]
            j = i + 2
            while j < len(lines) and '|' in lines[j] and lines[j].strip():
                grid.append([_cell_norm(c) for c in _split_pipe_row(lines[j])])
                j += 1
            tables.append((grid, 1))
            i = j
        else:
            i += 1
    return tables


def html_tables(md):
    """<table> blocks -> list of (grid, n_header_rows), colspan/rowspan expanded: the spanned
    positions are empty strings (like Markdown renderings of spans)."""
    out = []
    for tm in re.finditer(r'<table\b.*?</table>', md, re.I | re.S):
        grid, pending, header_rows = [], {}, 0
        for r, rm in enumerate(re.finditer(r'<tr\b[^>]*>(.*?)</tr>', tm.group(0), re.I | re.S)):
            row, c = [], 0
            all_th = True
            for cm in re.finditer(r'<(t[hd])\b([^>]*)>(.*?)</t[hd]>', rm.group(1), re.I | re.S):
                while (r, c) in pending:
                    row.append(pending.pop((r, c)))
                    c += 1
                attrs = cm.group(2)
                cs = int((re.search(r'colspan\s*=\s*"?(\d+)', attrs) or [0, 1])[1])
                rs = int((re.search(r'rowspan\s*=\s*"?(\d+)', attrs) or [0, 1])[1])
                all_th &= cm.group(1).lower() == 'th'
                text = _cell_norm(_entities(re.sub(r'<[^>]+>', ' ', cm.group(3))))
                row.append(text)
                row.extend([''] * (cs - 1))
                for k in range(1, rs):
                    for q in range(cs):
                        pending[(r + k, c + q)] = ''
                c += cs
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            if all_th and r == header_rows:
                header_rows += 1
            grid.append(row)
        out.append((grid, max(header_rows, 1)))
    return out


def all_tables(md):
    return pipe_tables(md) + html_tables(md)


_UNITS = re.compile(r'^[\s$\u20ac\u00a3\u00a5%]+|[\s$\u20ac\u00a3\u00a5%]+$')


def cell_key(s):
    """Table cells compare without currency signs and percent signs at either end (financial
    tables often set `$` and `%` in columns of their own), case-insensitively."""
    return _UNITS.sub('', s).lower()


def _cell_eq(expected, got):
    a, b = cell_key(normalize_plain(expected)), cell_key(got)
    if a == b:
        return True
    return len(a) >= 8 and levenshtein(a, b) <= budget(a)


def _right_of(grid, r, c):
    """The next cell to the right that is not empty (nor only `$` / `%`): spans and unit
    columns are skipped."""
    row = grid[r]
    for k in range(c + 1, len(row)):
        if cell_key(row[k]):
            return row[k]
    return None


def _below(grid, r, c):
    for k in range(r + 1, len(grid)):
        if c < len(grid[k]) and cell_key(grid[k][c]):
            return grid[k][c]
    return None


def _headers_above(grid, r, c):
    """Candidates for the column header of (r, c): every non-empty cell above in the same
    column; where a cell above is empty, the nearest non-empty cell to its left in that row
    (a column span rendered as a cell followed by empty ones)."""
    out = []
    for k in range(r - 1, -1, -1):
        row = grid[k]
        if c < len(row) and row[c]:
            out.append(row[c])
        else:
            for q in range(min(c, len(row)) - 1, -1, -1):
                if row[q]:
                    out.append(row[q])
                    break
    return out


def table_check(md, test):
    tables = all_tables(md)
    if not tables:
        return False, 'no table in output'
    found_cell = False
    near = None
    for grid, _ in tables:
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if not _cell_eq(test['cell'], cell):
                    continue
                found_cell = True
                ok, why = True, []
                if 'right' in test:
                    got = _right_of(grid, r, c)
                    if got is None or not _cell_eq(test['right'], got):
                        ok = False
                        why.append(f'right={got!r}')
                if 'below' in test:
                    got = _below(grid, r, c)
                    if got is None or not _cell_eq(test['below'], got):
                        ok = False
                        why.append(f'below={got!r}')
                if 'header' in test:
                    cands = _headers_above(grid, r, c)
                    if not any(_cell_eq(test['header'], h) for h in cands):
                        ok = False
                        why.append(f'headers above={cands[:3]!r}')
                if ok:
                    return True, ''
                near = near or ', '.join(why)
    if not found_cell:
        return False, f'no cell {test["cell"]!r} in {len(tables)} table(s)'
    return False, near


# ---------------------------------------------------------------------------------------------
# LaTeX normaliser
# ---------------------------------------------------------------------------------------------

_MATH_SPANS = [
    re.compile(r'\$\$(.+?)\$\$', re.S),
    re.compile(r'\\\[(.+?)\\\]', re.S),
    re.compile(r'\\\((.+?)\\\)', re.S),
    re.compile(r'```math\s*\n(.*?)```', re.S),
    re.compile(r'\\begin\{(equation\*?|align\*?|gather\*?|multline\*?|displaymath)\}(.*?)'
               r'\\end\{\1\}', re.S),
    re.compile(r'(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)', re.S),
]


def math_spans(md):
    """The LaTeX inside $..$, $$..$$, \\(..\\), \\[..\\], ```math fences and bare equation
    environments."""
    spans, rest = [], md
    for rx in _MATH_SPANS:
        for m in rx.finditer(rest):
            spans.append(m.group(m.lastindex))
        rest = rx.sub(' ', rest)
    return spans


_DROP = {
    r'\left', r'\right', r'\bigl', r'\bigr', r'\Bigl', r'\Bigr', r'\biggl', r'\biggr',
    r'\Biggl', r'\Biggr', r'\big', r'\Big', r'\bigg', r'\Bigg', r'\middle',
    r'\displaystyle', r'\textstyle', r'\scriptstyle', r'\scriptscriptstyle',
    r'\,', r'\!', r'\;', r'\:', r'\>', r'\ ', r'\quad', r'\qquad', r'\enspace', r'\thinspace',
    r'\medspace', r'\thickspace', r'\negthinspace', r'\limits', r'\nolimits', r'\nonumber',
    r'\notag', r'\rm', r'\it', r'\bf', r'\sf', r'\tt', r'\cal', r'\mathstrut', r'\strut',
    '~', '&', r'\\',
}
# commands whose single argument is kept without the command (font style, text)
_UNWRAP = {r'\mathrm', r'\mathit', r'\mathbf', r'\mathsf', r'\mathtt', r'\mathnormal',
           r'\boldsymbol', r'\bm', r'\text', r'\textrm', r'\textit', r'\textbf', r'\mbox',
           r'\textnormal', r'\hbox', r'\mathop', r'\mathord', r'\mathbin', r'\mathrel',
           r'\operatorname', r'\tag', r'\label'}
_SAME = {
    r'\dfrac': r'\frac', r'\tfrac': r'\frac', r'\cfrac': r'\frac', r'\le': r'\leq',
    r'\ge': r'\geq', r'\ne': r'\neq', r'\neq': r'\neq', r'\leqslant': r'\leq',
    r'\geqslant': r'\geq', r'\to': r'\rightarrow', r'\gets': r'\leftarrow',
    r'\ldots': r'\dots', r'\cdots': r'\dots', r'\dotsc': r'\dots', r'\dotsb': r'\dots',
    r'\lvert': '|', r'\rvert': '|', r'\vert': '|', r'\mid': '|', r'\lVert': r'\|',
    r'\rVert': r'\|', r'\Vert': r'\|', r'\parallel': r'\|', r'\lbrace': r'\{', r'\rbrace': r'\}',
    r'\lbrack': '[', r'\rbrack': ']', r'\langle': r'\langle', r'\land': r'\wedge',
    r'\lor': r'\vee', r'\lnot': r'\neg', r'\varepsilon': r'\epsilon', r'\ast': '*',
    r'\colon': ':', r'\iff': r'\Leftrightarrow', r'\implies': r'\Rightarrow',
    r'\prime': "'", r'\bmod': r'\mod', r'\thinspace': '', r'\centerdot': r'\cdot',
    r'\varphi': r'\phi', r'\vartheta': r'\theta', r'\owns': r'\ni', r'\dotsm': r'\dots',
    r'\cdotp': r'\cdot', r'\lt': '<', r'\gt': '>', r'\over': r'\over',
}
_UNICODE = {
    'α': r'\alpha', 'β': r'\beta', 'γ': r'\gamma', 'δ': r'\delta', 'ε': r'\epsilon',
    'ϵ': r'\epsilon', 'ζ': r'\zeta', 'η': r'\eta', 'θ': r'\theta', 'ϑ': r'\theta',
    'ι': r'\iota', 'κ': r'\kappa', 'λ': r'\lambda', 'μ': r'\mu', 'ν': r'\nu', 'ξ': r'\xi',
    'π': r'\pi', 'ρ': r'\rho', 'σ': r'\sigma', 'τ': r'\tau', 'υ': r'\upsilon', 'φ': r'\phi',
    'ϕ': r'\phi', 'χ': r'\chi', 'ψ': r'\psi', 'ω': r'\omega', 'Γ': r'\Gamma', 'Δ': r'\Delta',
    'Θ': r'\Theta', 'Λ': r'\Lambda', 'Ξ': r'\Xi', 'Π': r'\Pi', 'Σ': r'\Sigma', 'Φ': r'\Phi',
    'Ψ': r'\Psi', 'Ω': r'\Omega', '∞': r'\infty', '≤': r'\leq', '≥': r'\geq', '≠': r'\neq',
    '×': r'\times', '÷': r'\div', '·': r'\cdot', '⋅': r'\cdot', '−': '-', '±': r'\pm',
    '∓': r'\mp', '→': r'\rightarrow', '←': r'\leftarrow', '⇒': r'\Rightarrow',
    '⇔': r'\Leftrightarrow', '∑': r'\sum', '∏': r'\prod', '∫': r'\int', '∂': r'\partial',
    '∇': r'\nabla', '∈': r'\in', '∉': r'\notin', '⊂': r'\subset', '⊆': r'\subseteq',
    '∪': r'\cup', '∩': r'\cap', '∀': r'\forall', '∃': r'\exists', '≈': r'\approx',
    '≡': r'\equiv', '∼': r'\sim', '√': r'\sqrt', '…': r'\dots', '⋯': r'\dots', '°': r'\circ',
    '′': "'", '‖': r'\|', 'ℝ': r'\mathbb{R}', 'ℕ': r'\mathbb{N}', 'ℤ': r'\mathbb{Z}',
    'ℚ': r'\mathbb{Q}', 'ℂ': r'\mathbb{C}', '⟨': r'\langle', '⟩': r'\rangle', '∅': r'\emptyset', '∘': r'\circ',
    '∧': r'\wedge', '∨': r'\vee', '¬': r'\neg', '∝': r'\propto', '≪': r'\ll', '≫': r'\gg',
}
_SUP = {'⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7',
        '⁸': '8', '⁹': '9', '⁺': '+', '⁻': '-', 'ⁿ': 'n', 'ⁱ': 'i'}
_SUB = {'₀': '0', '₁': '1', '₂': '2', '₃': '3', '₄': '4', '₅': '5', '₆': '6', '₇': '7',
        '₈': '8', '₉': '9', '₊': '+', '₋': '-', 'ᵢ': 'i', 'ⱼ': 'j', 'ₙ': 'n'}
_TOKEN = re.compile(r'\\[a-zA-Z]+\*?|\\.|\S', re.S)


def _tokens(s):
    for a, b in _UNICODE.items():
        s = s.replace(a, ' ' + b + ' ')
    s = re.sub('[' + ''.join(_SUP) + ']+',
               lambda m: '^{' + ''.join(_SUP[c] for c in m.group(0)) + '}', s)
    s = re.sub('[' + ''.join(_SUB) + ']+',
               lambda m: '_{' + ''.join(_SUB[c] for c in m.group(0)) + '}', s)
    out = []
    for t in _TOKEN.findall(s):
        t = t.rstrip('*') if t.startswith('\\') and len(t) > 2 else t
        t = _SAME.get(t, t)
        if t in _DROP or t == '':
            continue
        out.append(t)
    return out


def _parse(tokens, i=0, closer=None):
    """Tokens -> nested lists (a list = a {...} group)."""
    items = []
    while i < len(tokens):
        t = tokens[i]
        if t == '{':
            sub, i = _parse(tokens, i + 1, '}')
            items.append(sub)
            continue
        if t == '}' and closer == '}':
            return items, i + 1
        if t == '}':           # unbalanced: ignore
            i += 1
            continue
        items.append(t)
        i += 1
    return items, i


def _simplify(items):
    out = []
    i = 0
    while i < len(items):
        it = items[i]
        if isinstance(it, list):
            it = _simplify(it)
        if isinstance(it, str) and it in _UNWRAP and i + 1 < len(items):
            nxt = items[i + 1]
            nxt = _simplify(nxt) if isinstance(nxt, list) else [nxt]
            if it == r'\operatorname' and all(isinstance(x, str) and len(x) == 1 for x in nxt):
                name = '\\' + ''.join(nxt)
                nxt = [name] if name in _FUNCS else nxt
            if it in (r'\tag', r'\label'):
                nxt = []
            out.extend(nxt if len(nxt) != 1 or not isinstance(nxt[0], list) else nxt[0])
            i += 2
            continue
        if isinstance(it, list) and len(it) == 1:
            it = it[0]
        elif isinstance(it, list) and len(it) == 0 and out and out[-1] in ('^', '_'):
            pass
        out.append(it)
        i += 1
    # f^{\prime} -> f'
    res = []
    for j, it in enumerate(out):
        if it == "'" and res and res[-1] == '^':
            res[-1] = "'"
            continue
        res.append(it)
    # x^a_b -> x_b^a (canonical order of a sub/superscript pair)
    k = 0
    while k + 3 < len(res):
        if res[k] == '^' and res[k + 2] == '_':
            res[k:k + 4] = ['_', res[k + 3], '^', res[k + 1]]
            k += 4
        else:
            k += 1
    return res


_FUNCS = {r'\sin', r'\cos', r'\tan', r'\log', r'\ln', r'\exp', r'\lim', r'\max', r'\min',
          r'\sup', r'\inf', r'\det', r'\arg', r'\sinh', r'\cosh', r'\tanh', r'\gcd', r'\Pr',
          r'\deg', r'\dim', r'\ker', r'\sec', r'\csc', r'\cot', r'\arcsin', r'\arccos',
          r'\arctan', r'\limsup', r'\liminf'}


def _render(items):
    out = []
    for it in items:
        if isinstance(it, list):
            out.append('{' + _render(it) + '}')
        else:
            if out and it[0].isalpha() and out[-1].startswith('\\') and out[-1][1:].isalpha():
                out.append(' ')   # keep `\alpha x` from becoming `\alphax`
            out.append(it)
    return ''.join(out)


_MATRIX_DELIMS = {'pmatrix': ('(', ')'), 'bmatrix': ('[', ']'), 'Bmatrix': (r'\{', r'\}'),
                  'vmatrix': ('|', '|'), 'Vmatrix': (r'\|', r'\|')}


def normalize_latex(s):
    """Canonical form of a LaTeX math string (see the module doc and the self-test)."""
    s = unicodedata.normalize('NFC', s)
    s = s.strip().strip('$')
    s = re.sub(r'\\begin\{array\}\{[^}]*\}', ' ', s)
    s = re.sub(r'\\(?:left|right)\.', ' ', s)            # invisible delimiters
    s = s.replace('\\begin{cases}', ' \\{ ')              # cases = a brace and rows
    s = re.sub(r'\\(?:begin|end)\{(?:aligned|alignedat|split|gathered|array|cases|matrix|'
               r'smallmatrix)\}', ' ', s)
    s = re.sub(r'\\(?:begin|end)\{(equation|align|alignat|gather|multline|eqnarray|'
               r'displaymath)\*?\}', ' ', s)
    # delimited matrices as their delimiters around a plain matrix
    for env, (o, c) in _MATRIX_DELIMS.items():
        s = s.replace('\\begin{%s}' % env, ' %s ' % o).replace('\\end{%s}' % env, ' %s ' % c)
    items, _ = _parse(_tokens(s))
    prev = None
    while prev != items:           # to a fixed point: unwrapping can expose more single groups
        prev = items
        items = _simplify(items)
    r = _render(items)
    r = r.rstrip('.,;')
    return r


def math_check(md, test):
    want = normalize_latex(test['latex'])
    spans = math_spans(md)
    if not spans:
        return False, 'no math in output'
    norms = [normalize_latex(s) for s in spans]
    for n in norms:
        if want in n:
            return True, ''
    best = min(norms, key=lambda n: best_distance(want, n) if n else len(want))
    return False, f'closest math {best[:80]!r} vs {want!r}'


# ---------------------------------------------------------------------------------------------
# Checks per type
# ---------------------------------------------------------------------------------------------

def present_check(md, test, norm_md=None):
    case = test.get('case', True)
    hay = norm_md if norm_md is not None and case else normalize_text(md, case)
    needle = normalize_plain(test['text'], case)
    frac = test.get('max_diff_frac', 0.05)
    if contains(needle, hay, frac):
        return True, ''
    return False, f'best edit distance {best_distance(needle, hay)} > {budget(needle, frac)}'


def _lines(md):
    return [normalize_text(l) for l in md.split('\n') if normalize_text(l)]


def absent_check(md, test, norm_md=None):
    text = normalize_plain(test['text'])
    mode = test.get('mode', 'auto')
    if mode == 'auto':
        mode = 'line' if len(text) < 12 else 'substring'
    if mode == 'substring':
        hay = norm_md if norm_md is not None else normalize_text(md)
        if contains(text, hay):
            return False, 'found in output'
        return True, ''
    # line mode: a line of its own (decorations such as `- 7 -` or `Page 7` ignored), or glued
    # to the start of the first line / the end of the last line of the output (a first line
    # that is a heading, list item or table row, or a last table row, may legitimately start
    # or end with a number: `## 4 Summary`)
    def bare(s):
        return re.sub(r'^[\s\-\u2013\u2014|.:]+|[\s\-\u2013\u2014|.:]+$', '', s)
    t = bare(text).lower()
    for l in _lines(md):
        if bare(l).lower() in (t, 'page ' + t, 'p. ' + t):
            return False, f'line {l!r}'
    raw = [l for l in md.split('\n') if normalize_text(l)]
    if raw:
        n = len(t.split())
        structured = re.compile(r'^\s*(#|\||[-*+] |\d+[.)] |<)')
        first, last = raw[0], raw[-1]
        if not structured.match(first):
            toks = normalize_text(first).split()
            if ' '.join(toks[:n]).lower() == t:
                return False, 'starts the output'
        if not last.lstrip().startswith(('|', '<')):
            toks = normalize_text(last).split()
            if ' '.join(toks[-n:]).lower() == t:
                return False, 'ends the output'
    return True, ''


def order_check(md, test, norm_md=None):
    hay = norm_md if norm_md is not None else normalize_text(md)
    a = find_all(normalize_plain(test['before']), hay)
    b = find_all(normalize_plain(test['after']), hay)
    if not a:
        return False, 'first text missing'
    if not b:
        return False, 'second text missing'
    if min(a) < max(b):
        return True, ''
    return False, 'wrong order'


def heading_check(md, test, page_tests=(), heads=None):
    """expect=heading: `text` is a heading line; if `level` is given, its level must agree with
    every other heading test of the same page that the engine also made a heading: same
    relation (<, =, >) between the engine's `#` counts as between the expected levels.
    Absolute levels never matter (a page may start at `#` or `###`).
    expect=not_heading: no heading line matches `text`."""
    heads = heads if heads is not None else headings(md)
    want = normalize_plain(test['text'])
    found = [lv for lv, h in heads if heading_matches(want, h)]
    if test.get('expect', 'heading') == 'not_heading':
        return (False, f'is a level-{found[0]} heading') if found else (True, '')
    if not found:
        return False, 'not a heading'
    if test.get('level') is None:
        return True, ''
    mine = found[0]
    for other in page_tests:
        if (other is test or other.get('type') != 'heading' or other.get('level') is None
                or other.get('expect', 'heading') != 'heading'):
            continue
        o = [lv for lv, h in heads if heading_matches(normalize_plain(other['text']), h)]
        if not o:
            continue
        exp = (test['level'] > other['level']) - (test['level'] < other['level'])
        got = (mine > o[0]) - (mine < o[0])
        if exp != got:
            return False, (f'level {mine} vs {o[0]} for {other["text"][:30]!r} '
                           f'(expected {"<=>"[exp + 1]})')
    return True, ''


def run_check(md, test, page_tests=(), cache=None):
    """Dispatch; `cache` (a dict per output) memoises the normalised text and the headings."""
    cache = {} if cache is None else cache
    if 'norm' not in cache:
        cache['norm'] = normalize_text(md)
    t = test['type']
    if t == 'present':
        return present_check(md, test, cache['norm'])
    if t == 'absent':
        return absent_check(md, test, cache['norm'])
    if t == 'order':
        return order_check(md, test, cache['norm'])
    if t == 'table':
        return table_check(md, test)
    if t == 'math':
        return math_check(md, test)
    if t == 'heading':
        if 'heads' not in cache:
            cache['heads'] = headings(md)
        return heading_check(md, test, page_tests, cache['heads'])
    raise ValueError(f'unknown test type {t!r}')


# strings of a test that must be in the page's own text layer (the runner's sanity check)
def layer_strings(test):
    t = test['type']
    if t in ('present', 'absent', 'heading'):
        return [test['text']]
    if t == 'order':
        return [test['before'], test['after']]
    if t == 'table':
        return [test[k] for k in ('cell', 'right', 'below', 'header') if k in test]
    return []


def layer_key(s):
    """Lenient key for the text-layer sanity check: accents and all whitespace dropped,
    lower case (a text layer's line breaks and OT1 accent glyphs are not the test's business)."""
    s = strip_accents(normalize_plain(s)).lower()
    return re.sub(r'\s+', '', s)


# ---------------------------------------------------------------------------------------------
# Self-test
# ---------------------------------------------------------------------------------------------

def selftest():
    nl = normalize_latex
    eq = [
        (r'a^{2}+b^{2}=c^{2}', 'a^2 + b^2 = c^2'),
        (r'e^{i\pi}+1=0', r'e^{i \pi} + 1 = 0'),
        (r'\frac{1}{2}', r'\dfrac12'),
        (r'\left( x \right)', '(x)'),
        (r'\int_0^1 f(x)\,\mathrm{d}x', r'\int_{0}^{1} f(x) dx'),
        (r'x_i^2', r'x^{2}_{i}'),
        (r'\displaystyle\sum_{k=1}^{n} k', r'\sum_{k=1}^n k'),
        (r'\alpha\beta', 'αβ'),
        (r'x^2', 'x²'),
        (r'a \le b', r'a\leq b'),
        (r'\sqrt{x^2+1}', r'\sqrt{x^{2}+1}'),
        (r"f'(x)", r'f^{\prime}(x)'),
        (r'\operatorname{sin} x', r'\sin x'),
        (r'\mathbf{v}', 'v'),
        (r'\text{if } x', r'\mathrm{if}x'),
        (r'\begin{equation} E = mc^2 \end{equation}', 'E=mc^2'),
        (r'a \cdot b', 'a·b'),
        (r'x \to \infty', r'x\rightarrow\infty'),
        (r'\frac{a}{b}.', r'\frac a b'),
        (r'\lambda \lVert w \rVert^2', r'\lambda\parallel w\parallel^{2}'),
        (r'\begin{pmatrix} a & b \\ c & d \end{pmatrix}', r'\left(\begin{matrix}a&b\\c&d\end{matrix}\right)'),
        (r'|x| = \begin{cases} x & x \geq 0 \\ -x & x < 0 \end{cases}', r'|x|=\left\{\begin{array}{ll}x&x\ge0\\-x&x<0\end{array}\right.'),
    ]
    for a, b in eq:
        assert nl(a) == nl(b), (a, b, nl(a), nl(b))
    neq = [(r'\frac{1}{2}', r'\frac{2}{1}'), ('x^2', 'x_2'), (r'\alpha x', r'\alphax'),
           (r'\sqrt{x}+1', r'\sqrt{x+1}'), ('a^{2b}', 'a^2b')]
    for a, b in neq:
        assert nl(a) != nl(b), (a, b, nl(a))
    assert nl(r'\alpha x') == r'\alpha x'
    # math spans
    md = 'Euler: $e^{i\\pi}+1=0$ and\n$$\n\\frac{a}{b}\n$$\nalso \\(x^2\\) and \\[y\\]. Price $5 and $6.'
    sp = math_spans(md)
    assert 'e^{i\\pi}+1=0' in sp and any('frac' in s for s in sp) and 'x^2' in sp and 'y' in sp, sp
    assert math_check(md, {'latex': 'e^{i\\pi} + 1 = 0'})[0]
    assert math_check('$$a^2+b^2=c^2, \\quad n>2$$', {'latex': 'a^{2}+b^{2}=c^{2}'})[0]
    assert not math_check('a2 + b2 = c2', {'latex': 'a^2+b^2=c^2'})[0]
    # text normalisation
    assert normalize_text('## **Hello**  _world_\\!') == 'Hello world!'
    assert normalize_text('a file\\_name and snake_case') == normalize_plain('a file_name and snake_case')
    assert normalize_text('infor-\nmation “quoted” — ﬁne') == normalize_plain('information "quoted" - fine')
    assert normalize_text('[link text](http://x.y/z) ![alt](i.png)') == 'link text alt'
    assert normalize_text('`vecsum` ( _v_ ) and `"` status `"` , ok') == normalize_plain('vecsum(v) and "status", ok')
    assert normalize_text('プログラムで\nあり，テキスト TEX は') == normalize_plain('プログラムであり,テキストTEXは')
    assert normalize_text('| a | b |\n|---|---|\n| c | d |') == 'a b c d'
    # fuzzy
    assert contains('The quick brown fox jumps over the lazy dog', 'xx The quikc brown fox jumps over the lazy dog yy')
    assert not contains('The quick brown fox', 'The slow brown fox')
    assert find_all('abc', 'xxabcxxabc') == [2, 7]
    assert best_distance('hello', 'say helo there') == 1
    # present / absent / order
    md = '# Title\n\nSome *body* text here with a sentence.\n\n7\n'
    assert present_check(md, {'text': 'Some body text here'})[0]
    assert not absent_check(md, {'text': '7'})[0]
    assert absent_check('Item 7 of the list is here.', {'text': '7'})[0]
    assert not absent_check('3\n\nText', {'text': '3'})[0]
    assert not absent_check('Text\n\n- 12 -', {'text': '12'})[0]
    assert not absent_check('4 Longer articles should', {'text': '4'})[0]
    assert absent_check('## 4 Summary section\n\nLonger', {'text': '4'})[0]
    assert not absent_check('text ends here 4', {'text': '4'})[0]
    assert not absent_check('x Downloaded from http://a.b/c on 2024 y',
                            {'text': 'Downloaded from http://a.b/c'})[0]
    assert order_check('alpha beta gamma', {'before': 'alpha', 'after': 'gamma'})[0]
    assert not order_check('alpha beta gamma', {'before': 'gamma', 'after': 'alpha'})[0]
    # headings
    md = '# Paper\n\n## 1. INTRODUCTION\n\ntext\n\n### 1.1. Scope\n\n### 1.2. Data\n\nContents\n========\n'
    hs = headings(md)
    assert (2, '1. INTRODUCTION') in hs and (1, 'Contents') in hs, hs
    t1 = {'type': 'heading', 'text': '1. INTRODUCTION', 'level': 1}
    t2 = {'type': 'heading', 'text': '1.1. Scope', 'level': 2}
    t3 = {'type': 'heading', 'text': '1.2. Data', 'level': 2}
    page = [t1, t2, t3]
    assert all(heading_check(md, t, page)[0] for t in page)
    flat = md.replace('### ', '## ')
    assert not heading_check(flat, t2, page)[0] and heading_check(flat, t3, [t3])[0]
    assert heading_check(md, {'text': 'text', 'expect': 'not_heading'})[0]
    assert not heading_check(md, {'text': '1.2. Data', 'expect': 'not_heading'})[0]
    # tables
    md = ('| | Year Ended | |\n|---|---|---|\n| | 2023 | 2022 |\n| Revenue | $1,234 | (56) |\n'
          '| Cost | 10 | 20 |\n')
    assert table_check(md, {'cell': 'Revenue', 'right': '$1,234', 'below': 'Cost'})[0]
    assert table_check(md, {'cell': '(56)', 'header': '2022'})[0]
    assert table_check(md, {'cell': '(56)', 'header': 'Year Ended'})[0]
    assert not table_check(md, {'cell': 'Revenue', 'right': '(56)'})[0]
    md2 = '| a | b | c |\n|---|---|---|\n| Cash | $ | 2,418 |\n| Rate | 21.9 | % |\n'
    assert table_check(md2, {'cell': 'Cash', 'right': '2,418', 'below': 'Rate'})[0]
    assert table_check(md2, {'cell': '21.9 %', 'header': 'b'})[0]
    html = ('<table><tr><th></th><th colspan="2">Year Ended</th></tr><tr><td></td><td>2023</td>'
            '<td>2022</td></tr><tr><td>Revenue</td><td>1,234</td><td>(56)</td></tr></table>')
    assert table_check(html, {'cell': '(56)', 'header': 'Year Ended'})[0]
    assert table_check(html, {'cell': '1,234', 'right': '(56)', 'header': '2023'})[0]
    assert not table_check('Revenue 1,234 (56)', {'cell': 'Revenue', 'right': '1,234'})[0]
    # sanity key
    assert layer_key('Dvořák') == layer_key('Dvoˇr´ak') == layer_key('Dvor ák')
    print('checks.py self-test: ok')


if __name__ == '__main__':
    if '--selftest' in sys.argv:
        selftest()
    else:
        print(__doc__)
