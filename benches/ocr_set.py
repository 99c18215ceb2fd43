#!/usr/bin/env python3
"""Builds the OCR evaluation set: page images of born-digital documents, clean and degraded,
with the text layer as ground truth.

  python3 benches/ocr_set.py [--docs ../shared/corpus/docs --docs bench-out/ocr-docs
                              --docs bench-out/ocr-docs-2]
                             [--out bench-out/ocr-set] [--pages-per-doc 2] [--force]

Documents: the corpus's, then the extra ones of benches/ocr_docs.tsv (letters, CVs, invoices,
cards, agendas, exams: kinds the corpus has only on its held-out side), batch by batch,
fetched by benches/ocr_docs.py when missing. Each folder's documents come in name order after the previous folder's, so adding a
folder leaves the earlier folders' images as they were; `source` in the index says which
folder ('corpus' for the first, 'extra' for the others).

Pages: up to --pages-per-doc pages of every document, picked at fixed fractions of
the document (20 %, 50 %, 80 %, ...) among pages whose text layer holds 300-6,000 characters and no side is over 1,300 pt,
so a page is prose, code, a table or a form rather than a cover or a blank. Pages already in
../shared/corpus/scans are skipped: those are the ones we looked at before.

Every page becomes three images:
  clean-150   pdftoppm at 150 dpi, PNG
  clean-300   pdftoppm at 300 dpi, PNG
  degraded    one of four recipes, in turn over the pages (seeded, so the set is the same
              on every machine):
                skew-noise-jpeg   rotated 1-3 degrees either way, Gaussian noise, JPEG 50-70
                blur-light-jpeg   blurred, uneven lighting, grey paper, JPEG 55-70
                fax               200 dpi, skewed, thresholded to black and white, speckles
                photocopy         skewed, darker, uneven, dust, slight blur, JPEG 60-70

Ground truth: `pdftotext -f N -l N` of the page (reading order), as the corpus scans have.

Split: a document is held out when the first byte of sha1(its file name) is divisible by 3
(about a third of the documents). All pages of a document fall on the same side, so nothing
tuned on one page of a document leaks into the held-out part. Never tune on `heldout`.

Writes OUT/index.json ({"documents": [...], "images": [{image, doc, source, page, dpi, set,
variant, split, truth}]}), OUT/images/*.png|jpg and OUT/truth/*.txt; an existing index is kept
unless --force, or unless it was built from other documents (a batch added to the table).
"""
import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fidelity'))
from common import page_count  # noqa: E402
import ocr_docs  # noqa: E402

try:
    import numpy as np
    from PIL import Image, ImageFilter
except ImportError as e:
    sys.exit(f'ocr_set.py needs numpy and Pillow ({e}): pip install numpy pillow')

FRACTIONS = [0.2, 0.5, 0.8, 0.35, 0.65, 0.1, 0.9]
MIN_CHARS, MAX_CHARS = 300, 6000
# Posters (A0 at 300 dpi is 140 megapixels) are not what people scan.
MAX_SIDE_PT = 1300
RECIPES = ['skew-noise-jpeg', 'blur-light-jpeg', 'fax', 'photocopy']


def heldout(doc_name):
    return hashlib.sha1(doc_name.encode()).digest()[0] % 3 == 0


def page_size(pdf, page):
    """(width, height) of a page in points."""
    out = subprocess.run(['pdfinfo', '-f', str(page), '-l', str(page), pdf],
                         capture_output=True, text=True).stdout
    m = re.search(r'Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)', out)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def page_text(pdf, page):
    r = subprocess.run(['pdftotext', '-f', str(page), '-l', str(page), '-enc', 'UTF-8', pdf, '-'],
                       capture_output=True)
    return r.stdout.decode('utf-8', 'replace') if r.returncode == 0 else ''


def render(pdf, page, dpi, gray=False):
    cmd = ['pdftoppm', '-r', str(dpi), '-f', str(page), '-l', str(page), '-png']
    if gray:
        cmd.append('-gray')
    png = subprocess.run(cmd + [pdf], capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(png)).convert('RGB')


def rotate(img, degrees, fill=(255, 255, 255)):
    return img.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=fill)


def jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, 'JPEG', quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert('RGB')


def lighting(arr, rng, low):
    """Multiplies by a smooth gradient from `low` to 1 across a random direction."""
    h, w = arr.shape[:2]
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xs / w - 0.5) * np.cos(angle) + (ys / h - 0.5) * np.sin(angle)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    gain = low + (1.0 - low) * t
    return arr * gain[..., None]


def degrade(pdf, page, recipe, seed):
    """Returns (image, variant description, dpi, extension)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    sign = rng.choice([-1, 1])
    if recipe == 'skew-noise-jpeg':
        angle = sign * rng.uniform(1.0, 3.0)
        sigma = rng.uniform(6.0, 12.0)
        q = rng.randint(50, 70)
        img = rotate(render(pdf, page, 300), angle)
        arr = np.asarray(img, dtype=np.float32) + nrng.normal(0, sigma, (img.height, img.width, 1))
        img = jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), q)
        return img, f'rot{angle:+.1f}+noise{sigma:.0f}+jpeg{q}', 300, 'jpg'
    if recipe == 'blur-light-jpeg':
        radius = rng.uniform(0.7, 1.2)
        low = rng.uniform(0.6, 0.8)
        q = rng.randint(55, 70)
        img = render(pdf, page, 300).filter(ImageFilter.GaussianBlur(radius))
        arr = np.asarray(img, dtype=np.float32) * np.array([0.96, 0.94, 0.88], dtype=np.float32)
        arr = lighting(arr, nrng, low)
        img = jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), q)
        return img, f'blur{radius:.1f}+light{low:.2f}+jpeg{q}', 300, 'jpg'
    if recipe == 'fax':
        angle = sign * rng.uniform(0.3, 1.5)
        img = rotate(render(pdf, page, 200, gray=True), angle)
        arr = np.asarray(img.convert('L'), dtype=np.float32)
        arr = arr + nrng.normal(0, 18.0, arr.shape)
        threshold = rng.uniform(150, 185)
        bw = (arr > threshold).astype(np.uint8) * 255
        # speckles: isolated black dots on the paper
        dots = nrng.random(bw.shape) < 0.0008
        bw[dots] = 0
        img = Image.fromarray(bw).convert('1')
        return img, f'rot{angle:+.1f}+bw{threshold:.0f}+speckle', 200, 'png'
    if recipe == 'photocopy':
        angle = sign * rng.uniform(0.5, 2.5)
        low = rng.uniform(0.55, 0.75)
        q = rng.randint(60, 70)
        img = rotate(render(pdf, page, 300, gray=True), angle, fill=(235, 235, 235))
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        arr = np.asarray(img, dtype=np.float32)
        # toner: darken the ink, grey the paper
        arr = 255.0 * (arr / 255.0) ** 1.6 * 0.93
        arr = lighting(arr, nrng, low)
        dust = nrng.random(arr.shape[:2]) < 0.0015
        arr[dust] = 40.0
        img = jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), q)
        return img, f'rot{angle:+.1f}+toner+light{low:.2f}+dust+jpeg{q}', 300, 'jpg'
    raise ValueError(recipe)


def pick_pages(pdf, per_doc, skip):
    n = page_count(pdf)
    if n == 0:
        return []
    candidates = []
    for f in FRACTIONS:
        p = min(n, max(1, round(f * n + 0.5)))
        if p not in candidates:
            candidates.append(p)
    for p in range(1, n + 1):  # short documents: any page will do
        if p not in candidates:
            candidates.append(p)
    chosen = []
    for p in candidates:
        if len(chosen) == per_doc:
            break
        if p in skip or max(page_size(pdf, p)) > MAX_SIDE_PT:
            continue
        text = page_text(pdf, p)
        if MIN_CHARS <= len(text.strip()) <= MAX_CHARS:
            chosen.append((p, text))
    return chosen


def check_cjk_fonts(docs):
    """A CJK font the PDF does not embed (jlshort.ja's Ryumin and GothicBBB) is drawn by poppler
    from poppler-data's CMaps and an installed CJK font; without them pdftoppm draws empty boxes
    without a word of warning, while pdftotext still gives the text, so the truth would hold
    text no image shows. Refuse to build the set then."""
    for doc in sorted(os.listdir(docs)):
        if not doc.endswith('.pdf'):
            continue
        fonts = subprocess.run(['pdffonts', '-l', '400', os.path.join(docs, doc)],
                               capture_output=True, text=True).stdout.splitlines()[2:]
        if not any('Identity-H' in f and f.split()[-5] == 'no' for f in fonts if len(f.split()) > 5):
            continue
        cmaps = os.path.isdir('/usr/share/poppler/cMap')
        cjk = subprocess.run(['fc-list', ':lang=ja'], capture_output=True, text=True).stdout.strip()
        if not (cmaps and cjk):
            sys.exit(f'{doc} uses a CJK font it does not embed: pdftoppm would draw empty boxes. '
                     'apt-get install poppler-data fonts-ipafont-gothic fonts-ipafont-mincho')


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    corpus = os.path.join(repo, '..', 'shared', 'corpus')
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--docs', action='append', default=[],
                    help='a folder of PDFs (repeatable); default the corpus, then the extra documents')
    ap.add_argument('--out', default=os.path.join(repo, 'bench-out', 'ocr-set'))
    ap.add_argument('--pages-per-doc', type=int, default=2)
    ap.add_argument('--force', action='store_true')
    args = ap.parse_args()
    missing = [t for t in ('pdfinfo', 'pdftotext', 'pdftoppm') if shutil.which(t) is None]
    if missing:
        sys.exit(f"ocr_set.py needs {', '.join(missing)}: apt-get install poppler-utils")

    if not args.docs:
        args.docs = [os.path.join(corpus, 'docs')] + ocr_docs.fetch(
            os.path.join(repo, 'bench-out', 'ocr-docs'), os.path.join(repo, 'bench-out', 'debs'))
    for folder in args.docs:
        check_cjk_fonts(folder)
    seen = {}
    old_index = os.path.join(corpus, 'scans', 'index.json')
    if os.path.exists(old_index):
        for item in json.load(open(old_index, encoding='utf-8'))['images']:
            seen.setdefault(os.path.basename(item['doc']), set()).add(item['page'])

    docs = [(folder, doc, 'corpus' if n == 0 else 'extra') for n, folder in enumerate(args.docs)
            for doc in sorted(f for f in os.listdir(folder) if f.endswith('.pdf'))]
    index_path = os.path.join(args.out, 'index.json')
    if os.path.exists(index_path) and not args.force:
        built_from = json.load(open(index_path, encoding='utf-8')).get('documents')
        if built_from == [doc for _, doc, _ in docs]:
            print(f'{index_path} exists (--force rebuilds it)')
            return
        print(f'{index_path} was built from other documents: building it again', file=sys.stderr)
    os.makedirs(os.path.join(args.out, 'images'), exist_ok=True)
    os.makedirs(os.path.join(args.out, 'truth'), exist_ok=True)
    images, pages = [], 0
    for folder, doc, source in docs:
        pdf = os.path.join(folder, doc)
        split = 'heldout' if heldout(doc) else 'tune'
        for page, text in pick_pages(pdf, args.pages_per_doc, seen.get(doc, set())):
            stem = f"{doc[:-4]}_p{page:04d}"
            truth = os.path.join('truth', stem + '.txt')
            with open(os.path.join(args.out, truth), 'w', encoding='utf-8') as f:
                f.write(text)
            recipe = RECIPES[pages % len(RECIPES)]
            pages += 1
            seed = int.from_bytes(hashlib.sha1(stem.encode()).digest()[:4], 'little')
            for set_name, dpi in [('clean-150', 150), ('clean-300', 300), ('degraded', None)]:
                variant = 'clean'
                if set_name == 'degraded':
                    img, variant, dpi, ext = degrade(pdf, page, recipe, seed)
                else:
                    img, ext = render(pdf, page, dpi), 'png'
                name = f"{stem}_{set_name}.{ext}"
                img.save(os.path.join(args.out, 'images', name))
                images.append({'image': os.path.join('images', name), 'doc': doc, 'source': source,
                               'page': page,
                               'dpi': dpi, 'set': set_name,
                               'recipe': recipe if set_name == 'degraded' else None,
                               'variant': variant, 'split': split, 'truth': truth})
        print(f'{doc}: {split}, {sum(1 for i in images if i["doc"] == doc) // 3} pages', file=sys.stderr)

    with open(index_path, 'w', encoding='utf-8') as f:
        json.dump({'documents': [doc for _, doc, _ in docs], 'images': images}, f, indent=1)
    docs_used = {i['doc'] for i in images}
    held = {i['doc'] for i in images if i['split'] == 'heldout'}
    print(f'{pages} pages from {len(docs_used)} documents ({len(held)} held out), '
          f'{len(images)} images -> {args.out}')


if __name__ == '__main__':
    main()
