#!/usr/bin/env python3
"""Peak memory and throughput on long scanned PDFs: pages stream, so peak RSS must not grow
with the page count.

    python3 benches/scan_memory.py [--folio target/release/folio] [--pages 10,100,500]
                                   [--scans ../shared/corpus/scans] [--out bench-out/scan_memory]

Builds an image-only PDF of N pages (the corpus's clean 150-dpi page scans in turn, greyscale
JPEG, one per page, via Pillow), then runs `folio extract PDF --format text` (default pipeline:
every page rendered and OCR'd, layout on each) as a child process and reads its peak RSS and CPU
time from os.wait4(). Prints one line per N and writes OUT/summary.json. Needs Pillow.
"""
import argparse, json, os, subprocess, time

from PIL import Image


def build(scans, n, path):
    names = sorted(f for f in os.listdir(scans) if f.endswith('_150dpi.png'))
    images = (Image.open(os.path.join(scans, names[i % len(names)])).convert('L') for i in range(n))
    first = next(images)
    first.save(path, 'PDF', resolution=150.0, save_all=True, append_images=images)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--pages', default='10,100,500')
    ap.add_argument('--scans', default='../shared/corpus/scans')
    ap.add_argument('--out', default='bench-out/scan_memory')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for n in map(int, args.pages.split(',')):
        pdf = os.path.join(args.out, f'scan-{n}.pdf')
        if not os.path.exists(pdf):
            build(args.scans, n, pdf)
        t = time.perf_counter()
        with open(os.path.join(args.out, f'scan-{n}.txt'), 'wb') as out:
            p = subprocess.Popen([args.folio, 'extract', pdf, '--format', 'text', '--timeout', '36000'],
                                 stdout=out, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        row = {'pages': n, 'ok': status == 0, 'wall_s': round(wall, 1),
               'pages_per_s': round(n / wall, 2), 'cpu_s_per_page': round((ru.ru_utime + ru.ru_stime) / n, 2),
               'peak_rss_mib': round(ru.ru_maxrss / 1024, 1), 'pdf_mib': round(os.path.getsize(pdf) / 2**20, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    with open(os.path.join(args.out, 'summary.json'), 'w') as f:
        json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
