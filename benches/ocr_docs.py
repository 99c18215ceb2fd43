#!/usr/bin/env python3
"""Fetches the OCR set's extra documents (benches/ocr_docs.tsv) into a folder.

  python3 benches/ocr_docs.py [--out bench-out/ocr-docs] [--debs bench-out/debs]

Batch 1 of the table goes to --out, batch N to --out-N (see the table's header).

The corpus holds its letters, CV, invoice, form and cheat sheets only in the held-out part of
the OCR set, so nothing of those kinds could be tuned on. These documents are more of those
kinds, from Debian's TeX Live documentation packages: `apt-get download` fetches each package
named in the table (once; kept in --debs), `dpkg-deb` extracts the file, and its sha256 must
match the table's. They fall on either side of the split by the same rule as the corpus's
documents (benches/ocr_set.py `heldout`).
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'fidelity'))
from common import sha256_file  # noqa: E402


def rows(table=os.path.join(HERE, 'ocr_docs.tsv')):
    with open(table, encoding='utf-8') as f:
        lines = [line for line in f if not line.startswith('#')]
    return list(csv.DictReader(lines, delimiter='\t'))


def download(package, debs):
    """The .deb of `name=version`, fetched with apt-get into `debs` when not there yet."""
    name, version = package.split('=', 1)
    deb = os.path.join(debs, f"{name}_{version.replace(':', '%3a')}_all.deb")
    if not os.path.exists(deb):
        if shutil.which('apt-get') is None:
            sys.exit(f'ocr_docs.py needs apt-get to fetch {package} (or put {deb} there)')
        os.makedirs(debs, exist_ok=True)
        subprocess.run(['apt-get', 'download', package], cwd=debs, check=True)
    if not os.path.exists(deb):
        sys.exit(f'apt-get download {package} did not leave {deb}')
    return deb


def extract(deb, members, out):
    """Writes each deb member path -> file name of `members` into `out`."""
    if shutil.which('dpkg-deb') is None:
        sys.exit(f'ocr_docs.py needs dpkg-deb to unpack {deb} (Debian\'s dpkg)')
    data = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb], stdout=subprocess.PIPE)
    wanted = {'.' + path: name for path, name in members.items()}
    with tarfile.open(fileobj=data.stdout, mode='r|') as tar:
        for entry in tar:
            name = wanted.get(entry.name)
            if name and entry.isfile():
                with open(os.path.join(out, name), 'wb') as f:
                    shutil.copyfileobj(tar.extractfile(entry), f)
    data.wait()


def folder_of(out, batch):
    """Where a batch's documents go: `out` for batch 1, `out-N` for batch N."""
    return out if batch == 1 else f'{out}-{batch}'


def fetch(out, debs):
    """Makes sure every document of the table is in its batch's folder with its sha256; returns
    the folders, batch 1 first."""
    table = rows()
    for r in table:
        r['folder'] = folder_of(out, int(r.get('batch') or 1))
        os.makedirs(r['folder'], exist_ok=True)
    missing = [r for r in table if not os.path.exists(os.path.join(r['folder'], r['file']))
               or sha256_file(os.path.join(r['folder'], r['file'])) != r['sha256']]
    for package in sorted({r['package'] for r in missing}):
        deb = download(package, debs)
        for folder in sorted({r['folder'] for r in missing if r['package'] == package}):
            extract(deb, {r['path']: r['file'] for r in missing
                          if r['package'] == package and r['folder'] == folder}, folder)
    for r in table:
        path = os.path.join(r['folder'], r['file'])
        if not os.path.exists(path):
            sys.exit(f"{r['package']} holds no {r['path']}")
        if sha256_file(path) != r['sha256']:
            os.remove(path)
            sys.exit(f"{r['file']}: sha256 differs from benches/ocr_docs.tsv")
    return sorted({r['folder'] for r in table}, key=lambda f: (len(f), f))


def main():
    repo = os.path.dirname(HERE)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=os.path.join(repo, 'bench-out', 'ocr-docs'))
    ap.add_argument('--debs', default=os.path.join(repo, 'bench-out', 'debs'))
    args = ap.parse_args()
    folders = fetch(args.out, args.debs)
    print(f"{len(rows())} documents in {', '.join(folders)}")


if __name__ == '__main__':
    main()
