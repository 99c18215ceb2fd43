"""Title normalisation, matching and false-positive categories for benches/headings.py.

Matching rule (one-to-one, per document):
  * a predicted heading and an outline entry can pair only when they are on the same page
    (|page difference| <= the page tolerance, default 0);
  * titles are compared after norm() (NFKC, soft hyphens and zero-width characters removed,
    typographic quotes/dashes mapped to ASCII, case-folded, whitespace collapsed), each side
    both as is and with its leading numbering stripped (strip_numbering: "2.3.1", "A.", "IV.",
    "Chapter 3", "Kapitel 2", "第3章", ...); a pair of variants is similar when rapidfuzz's
    normalised Indel similarity (fuzz.ratio / 100) is >= 0.85, or when one contains the other
    and the shorter is >= 60 % of the longer's length; the pair's score is the best similarity;
  * the matching: greedy by score (then same page first), then augmenting paths (Kuhn) so the
    number of pairs is maximal.
Stdlib + rapidfuzz.
"""
import re, unicodedata

from rapidfuzz import fuzz

THRESHOLD = 0.85
CONTAIN = 0.60

_TRANS = str.maketrans({'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'",
                        '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u00ab': '"', '\u00bb': '"',
                        '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-',
                        '\u2212': '-', '\u00ad': None, '\u200b': None, '\u200c': None,
                        '\u200d': None, '\ufeff': None})


_CJK = '\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef'
_CJK_SPACE = re.compile(f'(?<=[{_CJK}]) (?=\\S)|(?<=\\S) (?=[{_CJK}])')
_LATIN_EXTRA = str.maketrans({'ı': 'i', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ð': 'd', 'þ': 'th',
                              'æ': 'ae', 'œ': 'oe'})


def fold_latin(s):
    """Diacritics off Latin letters only ('ü' -> 'u', 'ş' -> 's'; kana and Cyrillic kept)."""
    out = []
    for ch in unicodedata.normalize('NFD', s):
        if unicodedata.combining(ch) and out and ord(out[-1]) < 0x250:
            continue
        out.append(ch)
    return unicodedata.normalize('NFC', ''.join(out)).translate(_LATIN_EXTRA)


def norm(s):
    """NFKC, case-folded, whitespace collapsed; plus: soft hyphens and zero-width characters
    dropped, typographic quotes and dashes as ASCII, diacritics off Latin letters (several
    outlines lost them: 'Tonhohen' for 'Tonhöhen'), no spaces next to CJK characters (text
    layers put one between 'abstract' and '環境')."""
    s = unicodedata.normalize('NFKC', s or '').translate(_TRANS).casefold()
    s = fold_latin(' '.join(s.split()))
    return _CJK_SPACE.sub('', s)


def norm_page(s):
    # a word hyphenated at a line end is joined again ("presen-\ntation" -> "presentation")
    return norm(re.sub(r'(\w)-\s*\n\s*(\w)', r'\1\2', s or ''))


_ROMAN = r'(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})'
_WORDS = (r'chapter|chap\.|chapitre|kapitel|capitolo|cap[ií]tulo|rozdzia[lł]|розділ|глава|'
          r'b[oö]l[uü]m|section|sect\.|sektion|abschnitt|part|partie|teil|parte|cz[eę][sś][cć]|'
          r'частина|часть|appendix|anhang|annexe|annex|appendice|ap[eé]ndice|ap[eê]ndice|'
          r'lesson|lektion|le[cç]on|lezione|lecci[oó]n|§')
_NUM = (rf'(?:\d+(?:[.\-]\d+)*\.?|[a-z](?:\.\d+)+\.?|[a-z]\.|{_ROMAN}\.|{_ROMAN}(?=[\s:)])'
        r'|[a-z](?=\s)|\(?[a-z0-9]{1,3}\))')
_STRIP = re.compile(rf'^(?:(?:{_WORDS})\s*(?:{_NUM}|\d+|{_ROMAN}|[a-z])?|{_NUM}|第\s*[0-9一二三四五六七八九十]+\s*[章節部編]'
                    rf'|付録\s*[a-z0-9]*)\s*[:.)\-]?\s*')


def strip_numbering(s):
    """norm(s) without its leading numbering; '' when nothing would remain."""
    n = norm(s)
    m = _STRIP.match(n)
    if not m or m.end() == 0:
        return n
    rest = n[m.end():].strip()
    return rest


def variants(s):
    a = norm(s)
    b = strip_numbering(s)
    return [v for v in dict.fromkeys((a, b)) if v]


def similarity(va, vb):
    """Best accepted similarity of two variant lists; 0 when no pair passes the rule."""
    best = 0.0
    for a in va:
        for b in vb:
            r = fuzz.ratio(a, b) / 100.0
            if r >= THRESHOLD:
                best = max(best, r)
                continue
            short, long_ = (a, b) if len(a) <= len(b) else (b, a)
            if short in long_ and len(short) >= CONTAIN * len(long_):
                best = max(best, max(r, THRESHOLD))
    return best


def match(entries, pred, tolerance=0):
    """One-to-one pairs [(entry index, predicted index)] of maximal number."""
    ve = [variants(e['title']) for e in entries]
    vp = [variants(p['text']) for p in pred]
    edges = {}
    cand = []
    for i, e in enumerate(entries):
        for j, p in enumerate(pred):
            dist = abs(p['page'] - e['page'])
            if dist > tolerance:
                continue
            s = similarity(ve[i], vp[j])
            if s > 0:
                edges.setdefault(i, []).append((-dist, s, j))
                cand.append((-dist, s, -abs(i - j), i, j))
    for i in edges:
        edges[i].sort(reverse=True)
    cand.sort(reverse=True)
    m_e, m_p = {}, {}
    for _, _, _, i, j in cand:
        if i not in m_e and j not in m_p:
            m_e[i], m_p[j] = j, i

    def augment(i, seen):
        for _, _, j in edges.get(i, ()):
            if j in seen:
                continue
            seen.add(j)
            if j not in m_p or augment(m_p[j], seen):
                m_e[i], m_p[j] = j, i
                return True
        return False

    for i in edges:
        if i not in m_e:
            augment(i, set())
    return sorted(m_e.items())


def level_agreement(entries, pred, pairs):
    """(pairs compared, pairs agreeing) over consecutive matched entries in outline order."""
    sign = lambda x: (x > 0) - (x < 0)
    n = agree = 0
    for (i1, j1), (i2, j2) in zip(pairs, pairs[1:]):
        n += 1
        if sign(entries[i1]['level'] - entries[i2]['level']) == sign(pred[j1]['level'] - pred[j2]['level']):
            agree += 1
    return n, agree


# ------------------------------------------------------------ Markdown (pymupdf4llm)

_HEAD = re.compile(r'^(#{1,6})[ \t]+(.*?)[ \t#]*$')


def clean_markdown(t):
    t = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', t)          # links, images
    t = re.sub(r'<!--.*?-->', ' ', t)
    t = re.sub(r'<br\s*/?>', ' ', t, flags=re.I)
    t = re.sub(r'</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?>', '', t)                 # <mark>, <sup>, ...
    t = re.sub(r'(?<!\\)(\*\*|__|`|~~)', '', t)                # bold, code, strike
    t = re.sub(r'(?<![\\\w])[*_]|(?<!\\)[*_](?!\w)', '', t)      # italics at word edges
    t = re.sub(r'\\([\\`*_{}\[\]()#+\-.!|<>~])', r'\1', t)     # escapes
    return ' '.join(t.split())


def markdown_headings(chunks):
    """Headings of pymupdf4llm's page chunks: lines starting with 1-6 '#' and a space,
    outside fenced code blocks; level = number of '#'."""
    out = []
    for c in chunks:
        fence = False
        for line in c['text'].splitlines():
            s = line.strip()
            if s.startswith('```') or s.startswith('~~~'):
                fence = not fence
                continue
            if fence:
                continue
            m = _HEAD.match(line)
            if m:
                text = clean_markdown(m.group(2))
                if text:
                    out.append({'text': text, 'page': c['page'], 'level': len(m.group(1)),
                                'kind': 'markdown'})
    return out


# ------------------------------------------------------------ false-positive categories

def short(t, n=80):
    t = ' '.join((t or '').split())
    return t if len(t) <= n else t[: n - 1] + '…'


def _key(t):
    return re.sub(r'\d+', '#', norm(t))


def running_texts(pred):
    """Normalised texts (digits as #) that come back on >= 3 different pages."""
    pages = {}
    for p in pred:
        pages.setdefault(_key(p['text']), set()).add(p['page'])
    return {k for k, v in pages.items() if len(v) >= 3}


_LIST_HEADS = re.compile(
    r'^(table of contents|contents|list of (figures|tables|listings)|index|bibliography|'
    r'references|table des mati[eè]res|sommaire|liste des (figures|tableaux)|'
    r'inhaltsverzeichnis|abbildungsverzeichnis|tabellenverzeichnis|literaturverzeichnis|'
    r'indice|[ií]ndice( general| de figuras| de cuadros| de tablas)?|elenco delle (figure|tabelle)|'
    r'sum[aá]rio|spis (tre[sś]ci|rysunk[oó]w|tabel)|i[cç]indekiler|зміст|содержание|'
    r'перелік (ілюстрацій|таблиць)|покажчик|目次|図目次|表目次|索引|参考文献)$')


def categorise(p, entries, running, matched_levels=()):
    """A rough reason why predicted heading p matched no outline entry; checks in order."""
    t = ' '.join(p['text'].split())
    n = norm(t)
    words = n.split()
    vp = variants(t)
    if len(words) <= 6 and (re.search(r'\b(1[89]|20)\d\d\b', n) or re.match(
            r'^(version|release|rev\.?|revision|v)\s*\d', n)):
        return 'date / version line'
    if re.search(r'(?:\.\s?){4,}|…{2,}|(?:·\s?){4,}', t) or (
            len(words) >= 3 and re.match(r'^(\d+(\.\d+)*\.?|[a-z]\.|[ivxlc]+\.?)\s', n)
            and re.search(r'\s(\d{1,4}|[ivxlc]{1,6})$', n)):
        return 'toc line'
    if n and not strip_numbering(t):
        return 'number/chapter label alone'
    if _key(t) in running:
        return 'repeated on >= 3 pages'
    for e in entries:
        d = abs(e['page'] - p['page'])
        if 1 <= d <= 2 and similarity(variants(e['title']), vp) > 0:
            return 'entry, other page'
    same = [e for e in entries if e['page'] == p['page']]
    for e in same:
        ve = variants(e['title'])
        if max(fuzz.ratio(a, b) for a in ve for b in vp) >= 60 or any(
                len(b) >= 3 and b in a for a in ve for b in vp) or any(
                len(a) >= 3 and a in b and len(b) <= 2 * len(a) + 12 for a in ve for b in vp):
            return 'part of an entry'
    if p.get('kind') == 'title':
        return 'document title (kind title)'
    if entries and p['page'] < min(e['page'] for e in entries):
        return 'front matter (before 1st entry)'
    if _LIST_HEADS.match(re.sub(r'[:.]$', '', n)):
        return 'contents/index/list heading'
    if re.match(r'^(figure|fig\.|table|tab\.|tabelle|abbildung|abb\.|tableau|tabla|tabela|'
                r'tabella|figura|рис|таблиц|listing|algorithm|example|beispiel|exemple|theorem|'
                r'lemma|definition|corollary|proposition|remark|satz|théorème|teorema|表|図)\s*'
                r'[0-9ivx]', n):
        return 'caption / theorem label'
    if re.match(r'^([•·◦▪‣○■□►▶➢✓✔*–]\s*|-\s|\(?[0-9a-z]{1,2}\)\s)', t):
        return 'bullet'
    letters = len(re.findall(r'[^\W\d_]', n))
    if letters == 0:
        return 'number/symbol only'
    if len(words) >= 12 or len(t) >= 90 or (len(words) >= 4 and re.search(r'[.!?;,]$', t) and not re.search(
            r'\b(etc|e\.g|i\.e|vs)\.$', n)) or re.search(r'[。．]$', t):
        return 'body sentence'
    if re.search(r'[\\{}<>=;$|@]|\(\)|::|->|^[./~]|\w+_\w+|\w\.\w+\(', t):
        return 'code/command'
    if re.match(r'^[^\W\d_]( [^\W\d_])?$', n) and not re.search(f'[{_CJK}]', n):
        return 'index letter'
    if letters < 0.5 * len(n.replace(' ', '')) or (len(n) <= 3 and not re.search(f'[{_CJK}]', n)):
        return 'very short / few letters'
    if t.endswith(':'):
        return 'label (ends with :)'
    if re.match(r'^\d+\.\s', n):
        return 'numbered list item ("n. ")'
    if matched_levels and p['level'] > max(matched_levels):
        return 'deeper than any matched'
    return 'heading-like, not in outline'


def nearest(e, pred):
    """(similarity 0-1, heading) of the most similar prediction within +-1 page, or None."""
    ve = variants(e['title'])
    best = None
    for p in pred:
        if abs(p['page'] - e['page']) > 1:
            continue
        s = max((fuzz.ratio(a, b) / 100.0 for a in ve for b in variants(p['text'])), default=0)
        if s >= 0.5 and (best is None or s > best[0]):
            best = (s, p)
    return best
