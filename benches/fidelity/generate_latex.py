#!/usr/bin/env python3
"""Generated pages with known ground truth, typeset by pdflatex.

    python3 benches/fidelity/generate_latex.py [--force] [--only ID]

Each page below is a function returning its LaTeX source and the tests that are true of it by
construction (the text, headings, table cells and formulas the source puts on the page). The
PDFs go to bench-out/fidelity/pages/<id>.pdf (sources and logs under bench-out/fidelity/gen/),
the tests to bench-out/fidelity/tests/latex.jsonl. A page is rebuilt when its PDF is missing or
its source changed. Output is deterministic (SOURCE_DATE_EPOCH; prose from seeded generators).

Needs pdflatex and qpdf/pdfinfo and these TeX Live packages (Debian): texlive-latex-base,
texlive-latex-recommended, texlive-fonts-recommended, texlive-latex-extra (lettrine, titlesec,
tocloft, multirow), texlive-pictures (pgfplots), texlive-lang-european (babel-dutch).
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (A, DETERMINISTIC_ENV, GEN_TESTS_DIR, H, M, NH, O, OUT, P, PAGES_DIR,  # noqa
                    Prose, T, number_tests, page_count, write_jsonl)

GEN_DIR = os.path.join(OUT, 'gen', 'latex')
REQUIRED_STY = ['geometry.sty', 'lettrine.sty', 'titlesec.sty', 'fancyhdr.sty', 'booktabs.sty',
                'multirow.sty', 'tocloft.sty', 'pgfplots.sty', 'graphicx.sty', 'amssymb.sty',
                'lmodern.sty', 'beamer.cls', 'multicol.sty', 'dutch.ldf']
INSTALL_HINT = ('apt-get install -y texlive-latex-base texlive-latex-recommended '
                'texlive-fonts-recommended texlive-latex-extra texlive-pictures '
                'texlive-lang-european qpdf poppler-utils')

PAGES = []


def page(fn):
    PAGES.append(fn)
    return fn


def paras(prose, counts):
    """[(text, sentences)] for paragraph sizes `counts`."""
    return [prose.paragraph(n) for n in counts]


def consecutive_order_tests(ps, which):
    """Order tests across paragraph boundaries: last sentence of ps[i] before first of ps[i+1]."""
    return [O(ps[i][1][-1], ps[i + 1][1][0]) for i in which]


ARTICLE = r'''\documentclass[10pt%s]{article}
\usepackage[%s]{geometry}
%s
\begin{document}
%s
\end{document}
'''


def article(body, pre='', opts='', margins='margin=2cm'):
    return ARTICLE % (opts, margins, pre.strip(), body.strip())


# ---------------------------------------------------------------------------------------------

@page
def twocol_dropcap():
    pr = Prose(101)
    ps = paras(pr, [6, 5, 5, 6, 5, 6, 5])
    body = r'''
\section{Introduction}
\lettrine[lines=3]{W}{ater utilities} across the northern provinces have spent the last decade replacing ageing pipes, yet little is known about how these programmes change the day-to-day work of maintenance crews. %s

%s

\section{Study area}
%s

\subsection{Data sources}
%s

%s

\subsection{Interviews}
%s

%s
''' % (ps[0][0], ps[1][0], ps[2][0], ps[3][0], ps[4][0], ps[5][0], ps[6][0])
    pre = r'''
\usepackage{lettrine}
\usepackage{titlesec}
\usepackage{fancyhdr}
\titleformat{\section}{\normalfont\bfseries}{\thesection.}{0.5em}{\MakeUppercase}
\titleformat{\subsection}{\normalfont\bfseries\itshape}{\thesubsection.}{0.5em}{}
\pagestyle{fancy}\fancyhf{}
\fancyhead[L]{\small Journal of Comparative Infrastructure Studies, Vol.~12, No.~3, pp.~45--67}
\fancyfoot[C]{\small 45}
'''
    tests = [
        P('Water utilities across the northern provinces have spent the last decade replacing '
          'ageing pipes'),
        P(ps[1][1][2]), P(ps[3][1][3]), P(ps[5][1][1]),
        *consecutive_order_tests(ps, [0, 1, 3, 4, 5]),
        O('Water utilities across the northern provinces', ps[0][1][0]),
        H('1. INTRODUCTION', 1), H('2. STUDY AREA', 1), H('2.1. Data sources', 2),
        H('2.2. Interviews', 2),
        A('Journal of Comparative Infrastructure Studies, Vol. 12, No. 3, pp. 45-67'),
        A('45'),
    ]
    return article(body, pre, ',twocolumn', 'margin=1.8cm'), tests


@page
def numbered_headings():
    pr = Prose(102)
    ps = paras(pr, [3, 2, 2, 2, 2, 2, 2, 2, 2])
    body = r'''
\section{Introduction}
%s
\section{Related work}
%s
\subsection{Tables}
%s
\subsection{Figures}
%s
\section{Method}
%s
\subsection{Data}
%s
\subsubsection{Sampling}
%s
\subsubsection{Weighting}
%s
\subsection{Evaluation}
%s
''' % tuple(p[0] for p in ps)
    pre = r'''
\usepackage{titlesec}
\titleformat{\section}{\normalfont\large\bfseries}{\thesection.}{0.6em}{\MakeUppercase}
\titleformat{\subsection}{\normalfont\bfseries}{\thesubsection.}{0.5em}{}
\titleformat{\subsubsection}{\normalfont\itshape}{\thesubsubsection}{0.5em}{}
\pagestyle{empty}
'''
    tests = [
        H('1. INTRODUCTION', 1), H('2. RELATED WORK', 1), H('2.1. Tables', 2),
        H('2.2. Figures', 2), H('3. METHOD', 1), H('3.1. Data', 2), H('3.1.1 Sampling', 3),
        H('3.1.2 Weighting', 3), H('3.2. Evaluation', 2),
        O('3.1.1 Sampling', '3.1.2 Weighting'),
        P(ps[0][1][1]), P(ps[6][1][0]), P(ps[8][1][1]),
        O(ps[6][1][-1], ps[7][1][0]),
    ]
    return article(body, pre), tests


@page
def appendix_headings():
    pr = Prose(103)
    ps = paras(pr, [3, 3, 2, 3])
    body = r'''
\appendix
\section{Proofs of the bounds}
%s

%s
\section{Author contributions}
%s
\section{Data availability}
%s
''' % tuple(p[0] for p in ps)
    pre = r'''
\usepackage{titlesec}
\titleformat{\section}{\normalfont\bfseries}{\thesection.}{0.5em}{\MakeUppercase}
\setcounter{page}{23}
'''
    tests = [
        H('A. PROOFS OF THE BOUNDS', 1), H('B. AUTHOR CONTRIBUTIONS', 1),
        H('C. DATA AVAILABILITY', 1),
        P(ps[1][1][0]), P(ps[2][1][1]), O(ps[0][1][-1], ps[1][1][0]),
        O('B. AUTHOR CONTRIBUTIONS', ps[2][1][0]),
        A('23'),
    ]
    return article(body, pre, '', 'a5paper,margin=1.5cm'), tests


TOC_SECTIONS = [
    ('Introduction', ['Motivation', 'Contributions of this report']),
    ('Background', ['Earlier surveys', 'Terminology']),
    ('Data collection', ['Sampling frame', 'Questionnaire design', 'Field work']),
    ('Results', ['Response rates by district', 'Held-out evaluation protocol']),
    ('Discussion', ['Limitations of the survey design']),
    ('Conclusions', []),
]


@page
def toc_dot_leaders():
    pr = Prose(104)
    body = [r'\tableofcontents', r'\newpage']
    for sec, subs in TOC_SECTIONS:
        body.append(r'\section{%s}' % sec)
        body.append(pr.paragraph(14)[0])
        for s in subs:
            body.append(r'\subsection{%s}' % s)
            body.append(pr.paragraph(12)[0])
    pre = r'''
\usepackage{tocloft}
\renewcommand{\cftsecleader}{\cftdotfill{\cftdotsep}}
\pagestyle{empty}
'''
    tests = [
        H('Contents', 1),
        NH('1 Introduction'), NH('2.2 Terminology'), NH('3.2 Questionnaire design'),
        NH('4.2 Held-out evaluation protocol'), NH('5.1 Limitations of the survey design'),
        NH('6 Conclusions'),
        P('Held-out evaluation protocol'), P('Limitations of the survey design'),
        O('3.3 Field work', '4 Results'), O('1.2 Contributions of this report', '2 Background'),
    ]
    return article('\n\n'.join(body), pre), tests, dict(runs=2)


FIN_ROWS = [
    # label, 2023, 2022, 2021, kind
    ('Revenue', '1,284,532', '1,102,877', '954,210', '$'),
    ('Cost of revenue', '(612,044)', '(538,911)', '(470,388)', ''),
    ('Gross profit', '672,488', '563,966', '483,822', 'total'),
    ('Research and development', '(201,377)', '(187,260)', '(166,045)', ''),
    ('Sales and marketing', '(143,905)', '(131,118)', '(120,553)', ''),
    ('Operating income', '327,206', '245,588', '197,224', 'total'),
    ('Interest expense, net', '(18,342)', '(21,907)', '(24,611)', ''),
    ('Net income', '308,864', '223,681', '172,613', '$total'),
    ('Gross margin', '52.4%', '51.1%', '50.7%', 'pct'),
]


@page
def financial_ruled():
    pr = Prose(105)
    intro = pr.paragraph(4)
    after = pr.paragraph(4)
    rows = []
    for label, a, b, c, kind in FIN_ROWS:
        cells = []
        for v in (a, b, c):
            if kind == 'pct':
                cells.append('& %s & \\%%' % v.rstrip('%'))
            else:
                cells.append('%s & %s &' % ('\\$' if '$' in kind else '', v))
        line = '%s & %s \\\\' % (label, ' & '.join(cells))
        if 'total' in kind:
            line = r'\midrule ' + line
        rows.append(line)
    table = r'''
\begin{table}[h]
\centering
\caption{Consolidated statements of operations (in thousands of US dollars)}
\begin{tabular}{l r@{\,}r@{}l r@{\,}r@{}l r@{\,}r@{}l}
\toprule
 & \multicolumn{9}{c}{Year Ended December 31} \\
\cmidrule(lr){2-10}
 & \multicolumn{3}{c}{2023} & \multicolumn{3}{c}{2022} & \multicolumn{3}{c}{2021} \\
\midrule
%s
\bottomrule
\end{tabular}
\end{table}
''' % '\n'.join(rows)
    body = r'''
\section*{Results of operations}
%s
%s
%s
''' % (intro[0], table, after[0])
    pre = r'''
\usepackage{booktabs}
\pagestyle{empty}
\setcounter{table}{4}
\renewcommand{\tablename}{Table}
'''
    tests = [
        P('Table 5: Consolidated statements of operations (in thousands of US dollars)'),
        T('Revenue', right='1,284,532'), T('Cost of revenue', right='(612,044)'),
        T('(538,911)', header='2022'), T('(538,911)', header='Year Ended December 31'),
        T('327,206', header='2023'), T('Gross profit', below='Research and development'),
        T('172,613', header='2021'), T('51.1', header='2022'),
        T('(18,342)', right='(21,907)'), T('Net income', right='308,864'),
        O(intro[1][-1], 'Table 5: Consolidated statements'), O('Gross margin', after[1][0]),
        P(after[1][1]),
    ]
    return article(body, pre), tests


UNRULED = [
    ('Revenue:', None),
    ('Product sales', ('412,870', '388,154', '1,203,447', '1,098,265')),
    ('Services', ('96,311', '84,907', '281,006', '246,539')),
    ('Total revenue', ('509,181', '473,061', '1,484,453', '1,344,804')),
    ('Operating expenses:', None),
    ('Cost of sales', ('(301,556)', '(290,113)', '(884,720)', '(843,018)')),
    ('Selling, general and administrative', ('(118,402)', '(109,874)', '(351,290)', '(322,611)')),
    ('Restructuring charges', ('(4,218)', '—', '(12,960)', '(1,024)')),
    ('Total operating expenses', ('(424,176)', '(399,987)', '(1,248,970)', '(1,166,653)')),
    ('Operating income', ('85,005', '73,074', '235,483', '178,151')),
    ('Effective tax rate', ('21.3 %', '22.8 %', '21.9 %', '23.4 %')),
]


@page
def financial_unruled():
    pr = Prose(106)
    intro = pr.paragraph(3)
    lines = []
    for label, vals in UNRULED:
        if vals is None:
            lines.append(r'\multicolumn{5}{l}{%s} \\' % label)
            continue
        ind = r'\quad ' if not label.startswith(('Total', 'Operating income', 'Effective')) else ''
        vs = [v.replace('%', r'\%').replace('—', '---') for v in vals]
        lines.append('%s%s & %s \\\\' % (ind, label, ' & '.join(vs)))
    table = r'''
\begin{center}
\textbf{Table 2: Condensed consolidated statements of income (unaudited)}\\[4pt]
\begin{tabular}{l rr rr}
 & \multicolumn{2}{c}{Three Months Ended} & \multicolumn{2}{c}{Nine Months Ended} \\
 & \multicolumn{2}{c}{September 30,} & \multicolumn{2}{c}{September 30,} \\
 & 2024 & 2023 & 2024 & 2023 \\[3pt]
%s
\end{tabular}
\end{center}
''' % '\n'.join(lines)
    body = r'''
%s

%s
{\small Amounts in thousands of US dollars, except percentages.}
''' % (intro[0], table)
    pre = r'\pagestyle{empty}'
    tests = [
        P('Table 2: Condensed consolidated statements of income (unaudited)'),
        T('Product sales', right='412,870', below='Services'),
        T('(1,024)', header='Nine Months Ended'), T('(12,960)', right='(1,024)'),
        T('281,006', header='2024'), T('(290,113)', header='Three Months Ended'),
        T('Total revenue', right='509,181'), T('Restructuring charges', right='(4,218)'),
        T('(884,720)', below='(351,290)'), T('21.9', header='2024'),
        O('Operating expenses:', 'Cost of sales'), P(intro[1][1]),
    ]
    return article(body, pre), tests


ROT_COLS = ['Precision', 'Recall', 'Macro F1', 'Latency (ms)', 'Memory (MiB)']
ROT_ROWS = [('Rule-based tagger', '71.4', '64.2', '67.6', '12', '48'),
            ('Linear classifier', '78.9', '73.5', '76.1', '19', '95'),
            ('Small transformer', '86.3', '84.7', '85.5', '143', '612'),
            ('Distilled transformer', '85.1', '83.0', '84.0', '61', '287')]


@page
def rotated_headers():
    pr = Prose(107)
    intro = pr.paragraph(4)
    head = ' & '.join(r'\rotatebox{90}{%s}' % c for c in ROT_COLS)
    rows = '\n'.join(' & '.join(r) + r' \\' for r in ROT_ROWS)
    body = r'''
\section*{Comparison of taggers}
%s

\begin{table}[h]
\centering
\begin{tabular}{lccccc}
\hline
System & %s \\
\hline
%s
\hline
\end{tabular}
\caption{Tagging quality and cost on the held-out news sample.}
\end{table}
''' % (intro[0], head, rows)
    pre = r'''
\usepackage{graphicx}
\pagestyle{empty}
\setcounter{table}{3}
'''
    tests = [
        T('78.9', header='Precision'), T('84.7', header='Recall'), T('84.0', header='Macro F1'),
        T('143', header='Latency (ms)'), T('287', header='Memory (MiB)'),
        T('Linear classifier', right='78.9', below='Small transformer'),
        T('64.2', right='67.6'),
        P('Table 4: Tagging quality and cost on the held-out news sample.'),
        P(intro[1][2]),
    ]
    return article(body, pre), tests


@page
def accents_ot1():
    # OT1 (no fontenc): every accent is its own glyph, placed over the letter
    body = r'''
\section*{Names in the catalogue}
The recordings by Anton\'{\i}n Dvo\v{r}\'ak and Leo\v{s} Jan\'a\v{c}ek were digitised first, followed by the complete songs of Bohuslav Martin\r{u}.

The mathematics shelf holds letters from Paul Erd\H{o}s, a signed offprint by Kurt G\"odel and the collected notes of \'Evariste Galois.

Our correspondents in S\~ao Paulo, Cura\c{c}ao and Krak\'ow confirmed the shipment on Thursday.

The physicist Anders \AA ngstr\"om gave his name to a unit of length; the novelist Karel \v{C}apek gave us the word robot.

A caf\'e in M\"unchen served cr\`eme br\^ul\'ee na\"ively labelled as a na\"\i ve dessert.
'''
    pre = r'\pagestyle{empty}'
    tests = [
        P('The recordings by Antonín Dvořák and Leoš Janáček were digitised first'),
        P('followed by the complete songs of Bohuslav Martinů.'),
        P('letters from Paul Erdős, a signed offprint by Kurt Gödel'),
        P('the collected notes of Évariste Galois.'),
        P('Our correspondents in São Paulo, Curaçao and Kraków confirmed the shipment'),
        P('The physicist Anders Ångström gave his name to a unit of length'),
        P('the novelist Karel Čapek gave us the word robot.'),
        P('A café in München served crème brûlée naïvely labelled'),
        O('Dvořák', 'Ångström'),
    ]
    return article(body, pre), tests


@page
def math_inline_display():
    body = r'''
\section*{A few classical identities}
The theorem of Pythagoras states that $a^2+b^2=c^2$ for the sides of a right triangle, and Euler's identity $e^{i\pi}+1=0$ links five fundamental constants.
The roots of a quadratic equation $ax^2+bx+c=0$ are
\[ x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}. \]
The Gaussian integral evaluates to
\[ \int_{0}^{\infty} e^{-x^2}\, dx = \frac{\sqrt{\pi}}{2}, \]
and the sum of the first $n$ positive integers is
\[ \sum_{k=1}^{n} k = \frac{n(n+1)}{2}. \]
Gradient descent updates the parameters by $x_{i+1} = x_i - \eta \nabla f(x_i)$ with a step size $\eta > 0$, while the angles of a triangle satisfy $\alpha + \beta + \gamma = \pi$.
'''
    pre = r'''
\usepackage{amsmath}
\pagestyle{empty}
'''
    tests = [
        M('a^2+b^2=c^2'), M(r'e^{i\pi}+1=0'), M(r'x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}'),
        M(r'\int_0^\infty e^{-x^2} dx = \frac{\sqrt{\pi}}{2}'),
        M(r'\sum_{k=1}^{n} k = \frac{n(n+1)}{2}'), M(r'x_{i+1} = x_i - \eta \nabla f(x_i)'),
        M(r'\alpha + \beta + \gamma = \pi'), M('ax^2+bx+c=0'),
        P('links five fundamental constants.'), P('The Gaussian integral evaluates to'),
    ]
    return article(body, pre), tests


@page
def math_numbered():
    pr = Prose(109)
    p1 = pr.paragraph(3)
    body = r'''
\section{Model}
%s
The posterior mean is
\begin{equation}
\hat{\theta} = \frac{\sigma^2 \mu_0 + \tau^2 \bar{x}}{\sigma^2 + \tau^2},
\end{equation}
and the limit
\begin{equation}
\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^{n} = e
\end{equation}
is used in the continuous-time version. The cube root satisfies $\sqrt[3]{27} = 3$ and the number of subsets is $\binom{n}{k}$. The loss is
\begin{align}
L(w) &= \frac{1}{N} \sum_{i=1}^{N} (y_i - w^\top x_i)^2 + \lambda \lVert w \rVert^2, \\
\nabla L(w) &= -\frac{2}{N} \sum_{i=1}^{N} x_i (y_i - w^\top x_i) + 2 \lambda w.
\end{align}
Finally $\mathbb{E}[X] = \int x \, p(x) \, dx$ and $P(A \mid B) = P(B \mid A) P(A) / P(B)$.
''' % p1[0]
    pre = r'''
\usepackage{amsmath,amssymb}
\pagestyle{empty}
'''
    tests = [
        M(r'\hat{\theta} = \frac{\sigma^2 \mu_0 + \tau^2 \bar{x}}{\sigma^2 + \tau^2}'),
        M(r'\lim_{n \to \infty} (1 + \frac{1}{n})^{n} = e'), M(r'\sqrt[3]{27} = 3'),
        M(r'\binom{n}{k}'), M(r'\lambda \lVert w \rVert^2'),
        M(r'\mathbb{E}[X] = \int x p(x) dx'), M(r'P(A | B) = P(B | A) P(A) / P(B)'),
        H('1 Model'), P(p1[1][1]), P('is used in the continuous-time version.'),
    ]
    return article(body, pre), tests


@page
def math_twocol():
    pr = Prose(122)
    ps = paras(pr, [4, 3, 4, 3, 4])
    body = r"""
\section{Background}
%s The cubic $f(x) = x^3 - 2x + 1$ has three real roots, and the Euclidean norm is $\|x\|_2 = \sqrt{\sum_i x_i^2}$ for $x \in \mathbb{R}^d$.

%s Heat spreads according to
\begin{equation}
\frac{\partial u}{\partial t} = \alpha \frac{\partial^2 u}{\partial x^2},
\end{equation}
where $\alpha > 0$ is the diffusivity.

\section{Model}
%s The class probabilities are
\begin{equation}
p(y \mid x) = \frac{\exp(w_y^\top x)}{\sum_{k=1}^{K} \exp(w_k^\top x)},
\end{equation}
and the logistic function $\sigma(z) = 1/(1+e^{-z})$ is the case $K = 2$.

%s Sorting the $n$ scores costs $\mathcal{O}(n \log n)$ operations.

%s
""" % tuple(p[0] for p in ps)
    pre = r"""
\usepackage{amsmath,amssymb}
\pagestyle{empty}
"""
    tests = [
        M('f(x) = x^3 - 2x + 1'), M(r'\|x\|_2 = \sqrt{\sum_i x_i^2}'), M(r'x \in \mathbb{R}^d'),
        M(r'\frac{\partial u}{\partial t} = \alpha \frac{\partial^2 u}{\partial x^2}'),
        M(r'p(y | x) = \frac{\exp(w_y^\top x)}{\sum_{k=1}^{K} \exp(w_k^\top x)}'),
        M(r'\sigma(z) = 1/(1+e^{-z})'), M(r'\mathcal{O}(n \log n)'),
        H('1 Background', 1), H('2 Model', 1), P(ps[0][1][1]), P(ps[2][1][2]),
        O('is the diffusivity.', '2 Model'), O(ps[3][1][-1], ps[4][1][0]),
    ]
    return article(body, pre, ',twocolumn', 'margin=1.8cm'), tests


@page
def math_series():
    pr = Prose(123)
    p1 = pr.paragraph(2)
    body = r"""
\section*{Series, matrices and cases}
%s
The exponential function has the power series
\[ e^x = \sum_{n=0}^{\infty} \frac{x^n}{n!}, \]
and Euler showed that $\zeta(2) = \pi^2/6$. For a positive integer, $\Gamma(n) = (n-1)!$.
The inverse of a regular $2 \times 2$ matrix is
\[ \begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad-bc} \begin{pmatrix} d & -b \\ -c & a \end{pmatrix}. \]
The absolute value is defined by cases,
\[ |x| = \begin{cases} x & \text{if } x \geq 0, \\ -x & \text{if } x < 0, \end{cases} \]
and the fundamental theorem of calculus reads $\int_a^b f'(x)\,dx = f(b) - f(a)$.
""" % p1[0]
    pre = r"""
\usepackage{amsmath,amssymb}
\pagestyle{empty}
"""
    tests = [
        M(r'e^x = \sum_{n=0}^{\infty} \frac{x^n}{n!}'), M(r'\zeta(2) = \pi^2/6'),
        M(r'\Gamma(n) = (n-1)!'), M(r'\frac{1}{ad-bc}'),
        M(r'\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1}'),
        M(r'|x| = \begin{cases} x & \text{if } x \geq 0, \\ -x & \text{if } x < 0, \end{cases}'),
        M(r"\int_a^b f'(x) dx = f(b) - f(a)"),
        P('The exponential function has the power series'), P(p1[1][1]),
        O('The absolute value is defined by cases,', 'the fundamental theorem of calculus reads'),
    ]
    return article(body, pre), tests


CARDS = [
    ('Fast onboarding', 110), ('Offline first', 111), ('Audit trail', 112),
    ('Open formats', 113)]


@page
def cards_grid():
    cards = []
    tests = []
    for title, seed in CARDS:
        txt, ss = Prose(seed).paragraph(3)
        cards.append((title, txt, ss))
        tests += [P(ss[1]), O(title, ss[0])]
    boxes = [r'\fbox{\begin{minipage}[t][6.2cm]{0.44\textwidth}\vspace{2pt}'
             r'{\large\bfseries %s}\par\medskip %s\end{minipage}}' % (t, x)
             for t, x, _ in cards]
    body = r'''
\begin{center}{\LARGE\bfseries Why teams choose Ledgerline}\end{center}
\vspace{1em}
\noindent%s\hfill%s

\vspace{1.2em}
\noindent%s\hfill%s
''' % tuple(boxes)
    pre = r'\pagestyle{empty}'
    tests += [O(cards[0][2][-1], cards[3][0]), P('Why teams choose Ledgerline'),
              O('Why teams choose Ledgerline', 'Fast onboarding')]
    return article(body, pre), tests


@page
def unequal_columns():
    pr = Prose(114)
    left = paras(pr, [5, 5, 4, 5])
    right = paras(pr, [4])
    below = pr.paragraph(5)
    body = r'''
\section*{Field notes from the spring inspection}
\begin{multicols}{2}
%s

%s

%s

%s
\columnbreak

%s
\end{multicols}
\noindent\rule{\textwidth}{0.4pt}
\subsection*{Summary for the board}
%s
''' % (left[0][0], left[1][0], left[2][0], left[3][0], right[0][0], below[0])
    pre = r'''
\usepackage{multicol}
\raggedcolumns
\pagestyle{empty}
'''
    tests = [
        O(left[3][1][-1], right[0][1][0]), O(right[0][1][-1], 'Summary for the board'),
        O(left[0][1][-1], left[1][1][0]), O(left[2][1][-1], left[3][1][0]),
        P(right[0][1][1]), P(right[0][1][3]), P(left[3][1][2]), P(below[1][2]),
        O('Summary for the board', below[1][0]),
        H('Summary for the board'),
    ]
    return article(body, pre), tests


@page
def figure_pgfplots():
    pr = Prose(115)
    above = pr.paragraph(4)
    below1 = pr.paragraph(5)
    below2 = pr.paragraph(4)
    body = r'''
\section*{Shipments}
%s

\begin{figure}[h]
\centering
\begin{tikzpicture}
\begin{axis}[ybar, width=12cm, height=6cm, bar width=10pt, enlarge x limits=0.2,
  symbolic x coords={Q1,Q2,Q3,Q4}, xtick=data, ylabel={Shipments (k units)},
  legend style={at={(0.02,0.98)}, anchor=north west}, ymin=0,
  nodes near coords, every node near coord/.append style={font=\tiny}]
\addplot coordinates {(Q1,42) (Q2,57) (Q3,61) (Q4,73)};
\addplot coordinates {(Q1,38) (Q2,49) (Q3,66) (Q4,81)};
\legend{North region, South region}
\end{axis}
\end{tikzpicture}
\caption{Quarterly shipments by region in the last fiscal year.}
\end{figure}

%s

%s
''' % (above[0], below1[0], below2[0])
    pre = r'''
\usepackage{pgfplots}
\pgfplotsset{compat=1.17}
\pagestyle{empty}
\setcounter{figure}{1}
'''
    tests = [
        P('Figure 2: Quarterly shipments by region in the last fiscal year.'),
        P(below1[1][0]), P(below1[1][2]), P(below2[1][1]), P(above[1][2]),
        O(above[1][-1], 'Figure 2: Quarterly shipments'), O('Figure 2: Quarterly shipments',
                                                           below1[1][0]),
        O(below1[1][-1], below2[1][0]),
    ]
    return article(body, pre), tests


@page
def beamer_slide():
    frames = []
    for i in range(1, 13):
        if i == 7:
            frames.append(r'''
\begin{frame}{Results on the held-out districts}
\begin{columns}[T]
\begin{column}{0.55\textwidth}
\begin{itemize}
\item Response rate rose from 41\,\% to 58\,\% after the reminder letters
\item Item non-response fell in every age group
\item The paper form was still preferred by respondents over 70
\end{itemize}
\end{column}
\begin{column}{0.4\textwidth}
\begin{block}{Take-away}
Reminder letters pay for themselves within one survey wave.
\end{block}
\end{column}
\end{columns}
\end{frame}''')
        else:
            frames.append(r'\begin{frame}{Slide %d}Placeholder content %d.\end{frame}' % (i, i))
    tex = r'''\documentclass{beamer}
\usetheme{Madrid}
\title[Survey reminders]{Do reminder letters work?}
\author[M. Okafor]{Miriam Okafor}
\institute[Stats Office]{Regional Statistics Office}
\date[May 2023]{Methods Seminar, May 2023}
\begin{document}
%s
\end{document}
''' % '\n'.join(frames)
    tests = [
        H('Results on the held-out districts'),
        P('Response rate rose from 41 % to 58 % after the reminder letters'),
        P('Item non-response fell in every age group'),
        P('The paper form was still preferred by respondents over 70'),
        P('Reminder letters pay for themselves within one survey wave.'),
        O('Results on the held-out districts', 'Response rate rose'),
        O('Item non-response fell', 'The paper form was still preferred'),
        A('7 / 12'),
    ]
    return tex, tests, dict(runs=2, keep=7)


@page
def dutch_page():
    body = r'''
\section{Inleiding}
De gemeente heeft in het afgelopen jaar onderzocht hoe bewoners de nieuwe afvalinzameling ervaren. Daarvoor zijn in elf wijken huisbezoeken afgelegd en is een korte vragenlijst verstuurd naar ruim vierduizend huishoudens.

Uit de eerste resultaten blijkt dat de meeste bewoners tevreden zijn over de ophaalfrequentie, maar dat zij de informatie over de nieuwe regels vaak te laat ontvingen.

\section{Werkwijze}
\subsection{Steekproef}
De steekproef is getrokken uit de basisregistratie personen, waarbij per wijk een vast aantal adressen werd geselecteerd. Huishoudens die niet reageerden kregen na twee weken een herinnering.

\subsection{Vragenlijst}
De vragenlijst bestond uit achttien vragen over het scheiden van afval, de bereikbaarheid van containers en de communicatie door de gemeente. Het invullen kostte gemiddeld zeven minuten.

\section{Resultaten}
Van de verstuurde vragenlijsten werd ruim zevenenvijftig procent volledig ingevuld teruggestuurd. In de wijken met hoogbouw lag de respons duidelijk lager dan in de wijken met eengezinswoningen.
'''
    pre = r'''
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[dutch]{babel}
\pagestyle{empty}
'''
    tests = [
        H('1 Inleiding', 1), H('2 Werkwijze', 1), H('2.1 Steekproef', 2),
        H('2.2 Vragenlijst', 2), H('3 Resultaten', 1),
        P('Daarvoor zijn in elf wijken huisbezoeken afgelegd en is een korte vragenlijst '
          'verstuurd naar ruim vierduizend huishoudens.'),
        P('Huishoudens die niet reageerden kregen na twee weken een herinnering.'),
        P('Het invullen kostte gemiddeld zeven minuten.'),
        O('de informatie over de nieuwe regels vaak te laat ontvingen', '2 Werkwijze'),
    ]
    return article(body, pre, '', 'a5paper,margin=1.6cm'), tests


@page
def running_furniture():
    pr = Prose(117)
    ps = paras(pr, [5, 6, 5, 4])
    body = r'''
\section*{3\quad Results}
%s

%s

\subsection*{3.1\quad Sensitivity to the threshold}
%s

%s
''' % tuple(p[0] for p in ps)
    pre = r'''
\usepackage{fancyhdr}
\pagestyle{fancy}\fancyhf{}
\fancyhead[L]{\footnotesize Volume 8 \textbar{} Issue 3}
\fancyhead[R]{\footnotesize Revision 2.4 / P/N 0421-7789-03}
\fancyfoot[L]{\scriptsize Downloaded from http://archive.example.org/papers/8-3 on 05 March 2024}
\fancyfoot[R]{\small 17}
\renewcommand{\headrulewidth}{0pt}
'''
    tests = [
        A('Volume 8 | Issue 3'), A('Revision 2.4 / P/N 0421-7789-03'),
        A('Downloaded from http://archive.example.org/papers/8-3 on 05 March 2024'), A('17'),
        H('3 Results', 1), H('3.1 Sensitivity to the threshold', 2),
        P(ps[0][1][2]), P(ps[2][1][1]), O(ps[1][1][-1], ps[2][1][0]),
    ]
    return article(body, pre), tests


@page
def twocol_title_abstract():
    pr = Prose(118)
    abstract = pr.paragraph(5)
    ps = paras(pr, [5, 6, 5, 6, 5])
    tex = r'''\documentclass[10pt,twocolumn]{article}
\usepackage[margin=1.8cm]{geometry}
\pagestyle{plain}
\begin{document}
\twocolumn[{%%
\begin{center}
{\LARGE\bfseries Reminder letters and item non-response in a regional household survey}\\[8pt]
{\large Miriam Okafor$^{1}$ and Tomasz Wielgus$^{2}$}\\[4pt]
{\small $^{1}$Regional Statistics Office \quad $^{2}$University of the North}\\[10pt]
\begin{minipage}{0.8\textwidth}
\textbf{Abstract.} %s
\end{minipage}
\end{center}
\vspace{1em}}]
\section{Introduction}
%s

%s
\section{Data}
%s

%s

%s
\end{document}
''' % (abstract[0], ps[0][0], ps[1][0], ps[2][0], ps[3][0], ps[4][0])
    tests = [
        O('Reminder letters and item non-response', abstract[1][0]),
        O(abstract[1][-1], '1 Introduction'), P(abstract[1][2]),
        P('Reminder letters and item non-response in a regional household survey'),
        H('1 Introduction', 2), H('2 Data', 2),
        *consecutive_order_tests(ps, [0, 2, 3]), O(ps[1][1][-1], '2 Data'), P(ps[3][1][2]),
        A('1'),
    ]
    return tex, tests


@page
def table_multirow():
    pr = Prose(119)
    intro = pr.paragraph(3)
    body = r'''
\section*{Evaluation}
%s

\begin{table}[h]
\centering
\caption{Accuracy and F1 on the two evaluation sets.}
\begin{tabular}{llrrrr}
\toprule
 & & \multicolumn{2}{c}{News} & \multicolumn{2}{c}{Forum posts} \\
\cmidrule(lr){3-4}\cmidrule(lr){5-6}
Model & Variant & Acc. & F1 & Acc. & F1 \\
\midrule
\multirow{2}{*}{Baseline} & greedy & 81.2 & 79.4 & 70.3 & 66.8 \\
                          & beam   & 82.6 & 80.9 & 71.5 & 68.2 \\
\midrule
\multirow{3}{*}{Ours} & small  & 85.0 & 83.7 & 75.9 & 73.1 \\
                      & medium & 87.2 & 86.1 & 78.4 & 76.0 \\
                      & large  & 88.9 & 87.5 & 80.2 & 78.3 \\
\bottomrule
\end{tabular}
\end{table}
''' % intro[0]
    pre = r'''
\usepackage{booktabs,multirow}
\pagestyle{empty}
\setcounter{table}{2}
'''
    tests = [
        P('Table 3: Accuracy and F1 on the two evaluation sets.'),
        T('86.1', header='F1'), T('86.1', header='News'), T('78.4', header='Forum posts'),
        T('medium', right='87.2', below='large'), T('greedy', right='81.2'),
        T('70.3', right='66.8'), T('Variant', right='Acc.'),
        P(intro[1][1]),
    ]
    return article(body, pre), tests


@page
def twocol_fullwidth_table():
    pr = Prose(120)
    ps = paras(pr, [5, 5, 6, 5, 5])
    body = r'''
\twocolumn[{%%
\begin{center}
\begin{tabular}{lrrr}
\hline
District & Households & Responses & Rate \\
\hline
Harbour & 1,204 & 731 & 60.7\%% \\
Old Town & 986 & 512 & 51.9\%% \\
Riverside & 1,437 & 903 & 62.8\%% \\
Hillcrest & 778 & 349 & 44.9\%% \\
\hline
\end{tabular}\\[4pt]
Table 1: Responses by district after the second reminder.
\end{center}\vspace{1em}}]
\section{Response by district}
%s

%s

%s
\section{Discussion}
%s

%s
''' % tuple(p[0] for p in ps)
    pre = r'''
\pagestyle{empty}
'''
    tests = [
        T('Old Town', right='986', below='Riverside'), T('903', header='Responses'),
        T('44.9%', header='Rate'), T('1,437', right='903'),
        P('Table 1: Responses by district after the second reminder.'),
        *consecutive_order_tests(ps, [0, 1, 3]), O(ps[2][1][-1], '2 Discussion'),
        P(ps[2][1][3]), P(ps[4][1][1]),
        O('Responses by district after the second reminder', ps[0][1][0]),
    ]
    return article(body, pre, '', 'margin=1.8cm'), tests


@page
def footnotes_and_lists():
    pr = Prose(121)
    p1 = pr.paragraph(4)
    p2 = pr.paragraph(4)
    body = r'''
\section*{Procedure}
%s\footnote{The questionnaire is reproduced in full in the online supplement.}

\begin{enumerate}
\item Draw the addresses from the population register.
\item Send the invitation letter with a unique access code.
\item After fourteen days, send a reminder to every non-responding address.
\begin{itemize}
\item Use the short form of the letter for households that opened the link.
\item Use the long form for all other households.
\end{itemize}
\item Close the field period after six weeks.
\end{enumerate}

%s
''' % (p1[0], p2[0])
    pre = r'''
\pagestyle{empty}
'''
    tests = [
        P('Draw the addresses from the population register.'),
        P('After fourteen days, send a reminder to every non-responding address.'),
        P('Use the short form of the letter for households that opened the link.'),
        O('Send the invitation letter', 'After fourteen days'),
        O('Use the long form for all other households.', 'Close the field period'),
        O(p1[1][-1], 'Draw the addresses'), O('Close the field period after six weeks.',
                                              p2[1][0]),
        P('The questionnaire is reproduced in full in the online supplement.'),
        P(p2[1][2]),
    ]
    return article(body, pre), tests


# ---------------------------------------------------------------------------------------------

def page_id(fn):
    return 'tex-' + fn.__name__.replace('_', '-')


def specs():
    out = []
    for fn in PAGES:
        r = fn()
        tex, tests = r[0], r[1]
        opts = r[2] if len(r) > 2 else {}
        out.append(dict(id=page_id(fn), tex=tex, tests=tests, runs=opts.get('runs', 1),
                        keep=opts.get('keep', 1)))
    return out


def missing_prereqs():
    miss = [t for t in ('pdflatex', 'kpsewhich', 'qpdf', 'pdfinfo') if not shutil.which(t)]
    if 'kpsewhich' not in miss:
        for sty in REQUIRED_STY:
            r = subprocess.run(['kpsewhich', sty], capture_output=True, text=True)
            if not r.stdout.strip():
                miss.append(sty)
    return miss


def build_one(spec, force=False):
    os.makedirs(GEN_DIR, exist_ok=True)
    os.makedirs(PAGES_DIR, exist_ok=True)
    pid = spec['id']
    tex_path = os.path.join(GEN_DIR, pid + '.tex')
    out_pdf = os.path.join(PAGES_DIR, pid + '.pdf')
    if not force and os.path.exists(out_pdf) and os.path.exists(tex_path):
        with open(tex_path, encoding='utf-8') as f:
            if f.read() == spec['tex']:
                return out_pdf, False
    with open(tex_path, 'w', encoding='utf-8') as f:
        f.write(spec['tex'])
    for _ in range(spec['runs']):
        r = subprocess.run(['pdflatex', '-interaction=nonstopmode', '-halt-on-error',
                            pid + '.tex'], cwd=GEN_DIR, capture_output=True, text=True,
                           env=DETERMINISTIC_ENV)
        if r.returncode != 0:
            raise RuntimeError(f'pdflatex failed on {pid}: see {GEN_DIR}/{pid}.log\n'
                               + r.stdout[-1500:])
    full = os.path.join(GEN_DIR, pid + '.pdf')
    n = page_count(full)
    keep = spec['keep']
    if keep == 1 and n != 1 and spec['runs'] == 1:
        raise RuntimeError(f'{pid}: expected one page, pdflatex made {n}')
    subprocess.run(['qpdf', '--deterministic-id', full, '--pages', full, str(keep), '--',
                    out_pdf], check=True)
    return out_pdf, True


def generate(force=False, only=None, quiet=False):
    """Build the PDFs (missing or changed ones) and write the tests; returns the test list."""
    all_tests = []
    for spec in specs():
        if only and spec['id'] not in only:
            continue
        _, built = build_one(spec, force)
        if built and not quiet:
            print(f'  built {spec["id"]}')
        all_tests += number_tests(spec['id'], spec['tests'], 'latex')
    if not only:
        write_jsonl(os.path.join(GEN_TESTS_DIR, 'latex.jsonl'), all_tests)
    return all_tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--force', action='store_true')
    ap.add_argument('--only', nargs='*')
    args = ap.parse_args()
    miss = missing_prereqs()
    if miss:
        sys.exit(f'missing: {", ".join(miss)}\ninstall with: {INSTALL_HINT}')
    tests = generate(args.force, args.only)
    print(f'{len(tests)} tests over {len(set(t["page"] for t in tests))} LaTeX pages')


if __name__ == '__main__':
    main()
