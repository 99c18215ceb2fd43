#!/usr/bin/env python3
"""Table structure against labelled cells: ../shared/corpus/labelled/tabula-py-tables/.

    python3 benches/tables.py [--folio target/release/folio] [--dir ../shared/corpus/labelled/tabula-py-tables]

Each case is a PDF, its pages and the CSV of cells tabula-py's tests expect there. folio runs the
default (`accurate`) pipeline on those pages; every table block's cells are expanded to a full
grid (a spanned cell is followed by empty cells), the grids are stacked in reading order, and the
rows are aligned to the CSV's rows by dynamic programming (in order; a row may be skipped on
either side). Cell accuracy = expected non-empty cells found with exactly the same text (spaces
collapsed) in the aligned row at the same column, over all expected non-empty cells; the
column offset of each table is the one that scores best. Row recall = expected rows aligned to a
row with at least half their cells right. Stdlib only.
"""
import argparse, csv, json, os, re, subprocess, sys

# (pdf, pages, expected csv, what tabula-py's test asked for)
CASES = [
    ('data.pdf', '1', 'data_1.csv', 'page 1, mtcars, no rulings'),
    ('data.pdf', '2-3', 'data_2-3.csv', 'pages 2-3, two iris excerpts (tabula guess mode output)'),
    ('data_dtype.pdf', '1', 'data_dtype_expected.csv', 'an electricity bill, lattice area'),
    ('data_dtype.pdf', '1', 'data_dtype_template_expected.csv', 'the same bill, template areas'),
]


def norm(s):
    return re.sub(r'\s+', ' ', s).strip()


def grids(doc):
    rows = []
    for b in doc['blocks']:
        if b.get('table'):
            for r in b['table']['rows']:
                out = []
                for c in r:
                    out.append(norm(c['text']))
                    out.extend([''] * (c.get('col_span', 1) - 1))
                rows.append(out)
    return rows


def row_score(exp, got, shift):
    return sum(1 for i, e in enumerate(exp) if e and 0 <= i + shift < len(got) and got[i + shift] == e)


def align(expected, got):
    best = (0, 0, 0)
    for shift in range(-3, 4):
        n, m = len(expected), len(got)
        dp = [[0] * (m + 1) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            for j in range(m - 1, -1, -1):
                dp[i][j] = max(dp[i + 1][j], dp[i][j + 1],
                               row_score(expected[i], got[j], shift) + dp[i + 1][j + 1])
        # Walk back for rows recalled.
        i = j = recalled = 0
        while i < n and j < m:
            s = row_score(expected[i], got[j], shift)
            if dp[i][j] == s + dp[i + 1][j + 1] and (s > 0 or dp[i][j] == 0):
                filled = sum(1 for e in expected[i] if e)
                recalled += int(filled and s * 2 >= filled)
                i, j = i + 1, j + 1
            elif dp[i][j] == dp[i + 1][j]:
                i += 1
            else:
                j += 1
        if dp[0][0] > best[0]:
            best = (dp[0][0], recalled, shift)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--folio', default='target/release/folio')
    ap.add_argument('--dir', default='../shared/corpus/labelled/tabula-py-tables')
    args = ap.parse_args()
    total = right = rows_total = rows_right = 0
    results = []
    for pdf, pages, expected_csv, what in CASES:
        out = subprocess.run([args.folio, 'extract', os.path.join(args.dir, pdf), '--pages', pages],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f'{pdf}: failed: {out.stderr.strip()}', file=sys.stderr)
            continue
        got = grids(json.loads(out.stdout))
        with open(os.path.join(args.dir, expected_csv), encoding='utf-8') as f:
            expected = [[norm(c) for c in row] for row in csv.reader(f)]
        cells = sum(1 for r in expected for c in r if c)
        score, recalled, shift = align(expected, got)
        total += cells
        right += score
        rows_total += len(expected)
        rows_right += recalled
        results.append({'case': f'{pdf} p{pages} vs {expected_csv}', 'what': what,
                        'expected_cells': cells, 'cells_right': score,
                        'cell_accuracy': round(score / max(cells, 1), 3),
                        'rows': len(expected), 'rows_recalled': recalled, 'tables_rows_found': len(got)})
        print(json.dumps(results[-1]))
    print(json.dumps({'cell_accuracy': round(right / max(total, 1), 3),
                      'row_recall': round(rows_right / max(rows_total, 1), 3),
                      'cells': total}))


if __name__ == '__main__':
    main()
