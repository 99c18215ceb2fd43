#!/usr/bin/env python3
"""Generated pages with known ground truth, drawn with reportlab (no TeX involved).

    python3 benches/fidelity/generate_reportlab.py [--force] [--only ID]

Like generate_latex.py: each page function draws one page and returns the tests that are true of
it by construction. PDFs go to bench-out/fidelity/pages/<id>.pdf, tests to
bench-out/fidelity/tests/reportlab.jsonl. reportlab's `invariant` mode makes the files
byte-identical from run to run; a PDF is replaced only when its bytes change. Needs `pip install reportlab`.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (A, GEN_TESTS_DIR, H, O, P, PAGES_DIR, Prose, T,  # noqa: E402
                    number_tests, write_jsonl)

PAGES = []


def page(fn):
    PAGES.append(fn)
    return fn


def rl():
    """Import reportlab lazily (the runner names the package when it is missing)."""
    from reportlab import rl_config
    rl_config.invariant = 1
    import reportlab.lib.colors as colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape, letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm, mm
    from reportlab.pdfgen import canvas
    from reportlab.platypus import (BaseDocTemplate, Frame, FrameBreak, PageTemplate,
                                    Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)
    return dict(colors=colors, TA_CENTER=TA_CENTER, TA_RIGHT=TA_RIGHT, A4=A4,
                landscape=landscape, letter=letter, ParagraphStyle=ParagraphStyle,
                styles=getSampleStyleSheet(), cm=cm, mm=mm, canvas=canvas,
                BaseDocTemplate=BaseDocTemplate, Frame=Frame, FrameBreak=FrameBreak,
                PageTemplate=PageTemplate, Paragraph=Paragraph,
                SimpleDocTemplate=SimpleDocTemplate, Spacer=Spacer, Table=Table,
                TableStyle=TableStyle)

def a4_canvas(path, landscape=False):
    """reportlab, a canvas on an A4 page (optionally landscape), the page size and the cm unit."""
    R = rl()
    size = R['landscape'](R['A4']) if landscape else R['A4']
    return R, R['canvas'].Canvas(path, pagesize=size), size[0], size[1], R['cm']



def body_style(R, size=10, leading=13.5, **kw):
    return R['ParagraphStyle']('body%d' % size, parent=R['styles']['Normal'], fontName='Times-Roman',
                               fontSize=size, leading=leading, spaceAfter=6, **kw)


# ---------------------------------------------------------------------------------------------

@page
def invoice(path):
    R = rl()
    cm, colors = R['cm'], R['colors']
    st = R['styles']
    pr = Prose(201)
    note = pr.paragraph(2)

    def furniture(c, doc):
        c.setFont('Helvetica', 8)
        c.drawString(2 * cm, 1.2 * cm, 'Northwind Instruments GmbH - Registered office: '
                     'Hafenstrasse 12, 20457 Hamburg - VAT ID DE 318 445 902')
        c.drawRightString(19 * cm, 1.2 * cm, 'Page 1 of 1')

    doc = R['SimpleDocTemplate'](path, pagesize=R['A4'], leftMargin=2 * cm, rightMargin=2 * cm,
                                 topMargin=2 * cm, bottomMargin=2.5 * cm)
    h = R['ParagraphStyle']('h', parent=st['Title'], alignment=0, fontName='Helvetica-Bold',
                            fontSize=22)
    small = R['ParagraphStyle']('s', parent=st['Normal'], fontName='Helvetica', fontSize=9,
                                leading=12)
    items = [
        ('Precision thermocouple, type K', '12', '48.50', '582.00'),
        ('Data logger DL-220 with USB cable', '3', '1,249.00', '3,747.00'),
        ('Calibration certificate (ISO 17025)', '3', '185.00', '555.00'),
        ('Mounting bracket, stainless steel', '24', '6.75', '162.00'),
        ('On-site installation, per hour', '6', '95.00', '570.00'),
    ]
    data = [['Description', 'Qty', 'Unit price', 'Amount']] + [list(i) for i in items] + [
        ['', '', 'Subtotal', '5,616.00'], ['', '', 'VAT 19%', '1,067.04'],
        ['', '', 'Total due (EUR)', '6,683.04']]
    tbl = R['Table'](data, colWidths=[8.5 * cm, 1.5 * cm, 3.2 * cm, 3.3 * cm])
    tbl.setStyle(R['TableStyle']([
        ('FONT', (0, 0), (-1, 0), 'Helvetica-Bold', 10),
        ('FONT', (0, 1), (-1, -1), 'Helvetica', 10),
        ('ALIGN', (1, 0), (-1, -1), 'RIGHT'),
        ('LINEBELOW', (0, 0), (-1, 0), 1, colors.black),
        ('LINEABOVE', (2, -3), (-1, -3), 0.5, colors.black),
        ('FONT', (2, -1), (-1, -1), 'Helvetica-Bold', 10),
        ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#e8eef4')),
    ]))
    story = [
        R['Paragraph']('Northwind Instruments', h),
        R['Paragraph']('Hafenstrasse 12, 20457 Hamburg, Germany', small),
        R['Spacer'](1, 0.8 * cm),
        R['Table']([[R['Paragraph']('<b>Bill to</b><br/>Lakeside Water Authority<br/>'
                                    'Attn: Accounts Payable<br/>41 Mill Road, Kendal LA9 4QR', small),
                     R['Paragraph']('<b>Invoice</b> INV-2024-0871<br/><b>Date</b> 14 May 2024'
                                    '<br/><b>Due</b> 13 June 2024', small)]],
                   colWidths=[10 * cm, 6.5 * cm]),
        R['Spacer'](1, 0.8 * cm), tbl, R['Spacer'](1, 0.8 * cm),
        R['Paragraph'](note[0], body_style(R)),
    ]
    doc.build(story, onFirstPage=furniture)
    return [
        T('Data logger DL-220 with USB cable', right='3'),
        T('1,249.00', header='Unit price', right='3,747.00'),
        T('162.00', header='Amount', below='570.00'),
        T('Subtotal', right='5,616.00'), T('Total due (EUR)', right='6,683.04'),
        T('Calibration certificate (ISO 17025)', below='Mounting bracket, stainless steel'),
        P('Lakeside Water Authority'), P('INV-2024-0871'), P(note[1][1]),
        A('Page 1 of 1'),
        A('Registered office: Hafenstrasse 12, 20457 Hamburg - VAT ID DE 318 445 902'),
    ]


@page
def balance_sheet(path):
    R = rl()
    cm, colors = R['cm'], R['colors']
    pr = Prose(202)
    intro = pr.paragraph(3)
    rows = [
        ['', 'As of December 31,', '', ''],
        ['(in millions)', '2023', '2022', 'Change'],
        ['Assets', '', '', ''],
        ['Current assets:', '', '', ''],
        ['   Cash and cash equivalents', '$ 2,418', '$ 1,967', '22.9 %'],
        ['   Accounts receivable, net', '1,105', '1,212', '(8.8) %'],
        ['   Inventories', '734', '689', '6.5 %'],
        ['Total current assets', '4,257', '3,868', '10.1 %'],
        ['Property and equipment, net', '3,902', '3,611', '8.1 %'],
        ['Goodwill', '1,448', '1,448', '-'],
        ['Total assets', '$ 9,607', '$ 8,927', '7.6 %'],
        ['Liabilities and equity', '', '', ''],
        ['Accounts payable', '$ 846', '$ 902', '(6.2) %'],
        ['Long-term debt', '2,750', '3,100', '(11.3) %'],
        ['Total stockholders\' equity', '6,011', '4,925', '22.1 %'],
    ]
    tbl = R['Table'](rows, colWidths=[7.5 * cm, 2.8 * cm, 2.8 * cm, 2.6 * cm])
    tbl.setStyle(R['TableStyle']([
        ('SPAN', (1, 0), (2, 0)),
        ('FONT', (0, 0), (-1, 1), 'Helvetica-Bold', 9.5),
        ('FONT', (0, 2), (-1, -1), 'Helvetica', 9.5),
        ('FONT', (0, 2), (0, 2), 'Helvetica-Bold', 9.5),
        ('FONT', (0, 11), (0, 11), 'Helvetica-Bold', 9.5),
        ('ALIGN', (1, 0), (-1, -1), 'RIGHT'),
        ('ALIGN', (1, 0), (2, 0), 'CENTER'),
        ('LINEBELOW', (1, 0), (2, 0), 0.5, colors.black),
        ('LINEBELOW', (0, 1), (-1, 1), 0.8, colors.black),
        ('LINEABOVE', (1, 7), (2, 7), 0.5, colors.black),
        ('LINEABOVE', (1, 10), (2, 10), 0.5, colors.black),
        ('LINEBELOW', (1, 10), (2, 10), 1.2, colors.black),
    ]))
    st = R['styles']
    doc = R['SimpleDocTemplate'](path, pagesize=R['letter'], leftMargin=2.2 * cm,
                                 rightMargin=2.2 * cm, topMargin=2.2 * cm, bottomMargin=2 * cm)
    cap = R['ParagraphStyle']('cap', parent=st['Normal'], fontName='Helvetica-Bold',
                              fontSize=10, spaceAfter=8)
    doc.build([
        R['Paragraph']('Consolidated Balance Sheets', st['Heading1']),
        R['Paragraph'](intro[0], body_style(R)),
        R['Paragraph']('Table 5: Condensed consolidated balance sheets', cap), tbl,
    ])
    return [
        P('Table 5: Condensed consolidated balance sheets'),
        T('Cash and cash equivalents', right='2,418'), T('1,212', header='2022'),
        T('1,212', header='As of December 31,'), T('3,611', header='2022', below='1,448'),
        T('Inventories', below='Total current assets'), T('(8.8)', header='Change'),
        T('Long-term debt', right='2,750'), T('Total assets', right='9,607'),
        T('6,011', header='2023'),
        P(intro[1][1]), H('Consolidated Balance Sheets'),
    ]


@page
def slide(path):
    R = rl()
    c = R['canvas'].Canvas(path, pagesize=(960, 540))
    colors = R['colors']
    c.setFillColor(colors.HexColor('#1f3a5f'))
    c.rect(0, 450, 960, 90, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.setFont('Helvetica-Bold', 34)
    c.drawString(50, 480, 'Roadmap for the second half of 2024')
    c.setFillColor(colors.black)
    bullets = ['Migrate the billing service to the new cluster by August',
               'Retire the legacy export jobs once customers have moved',
               'Publish the public API reference in three languages',
               'Hire two engineers for the data platform team']
    y = 390
    for b in bullets:
        c.setFont('Helvetica', 22)
        c.drawString(70, y, '\u2022')
        c.drawString(95, y, b)
        y -= 52
    c.setFillColor(colors.HexColor('#eef2f7'))
    c.roundRect(640, 120, 280, 110, 10, stroke=0, fill=1)
    c.setFillColor(colors.black)
    c.setFont('Helvetica-Bold', 16)
    c.drawString(655, 200, 'Budget impact')
    c.setFont('Helvetica', 14)
    c.drawString(655, 175, 'Net savings of 1.2 million')
    c.drawString(655, 155, 'euros per year from 2025')
    c.setFont('Helvetica', 10)
    c.setFillColor(colors.grey)
    c.drawString(50, 25, 'Company Confidential | Strategy Review | 3 July 2024')
    c.drawRightString(910, 25, '12')
    c.showPage()
    c.save()
    return [
        H('Roadmap for the second half of 2024'),
        P('Migrate the billing service to the new cluster by August'),
        P('Retire the legacy export jobs once customers have moved'),
        O('Publish the public API reference', 'Hire two engineers'),
        P('Net savings of 1.2 million euros per year from 2025'),
        A('Company Confidential | Strategy Review | 3 July 2024'), A('12'),
    ]


@page
def chart_figure(path):
    R = rl()
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    cm, colors = R['cm'], R['colors']
    pr = Prose(204)
    above = pr.paragraph(4)
    below = pr.paragraph(5)
    below2 = pr.paragraph(4)
    d = Drawing(440, 220)
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 50, 40, 360, 150
    bc.data = [(12.4, 15.1, 17.8, 21.3), (9.8, 11.2, 14.6, 18.9)]
    bc.categoryAxis.categoryNames = ['2020', '2021', '2022', '2023']
    bc.valueAxis.valueMin = 0
    bc.valueAxis.valueMax = 25
    bc.bars[0].fillColor = colors.HexColor('#4472c4')
    bc.bars[1].fillColor = colors.HexColor('#ed7d31')
    d.add(bc)
    d.add(String(8, 110, 'TWh', fontSize=8))
    lg = Legend()
    lg.x, lg.y = 60, 205
    lg.colorNamePairs = [(colors.HexColor('#4472c4'), 'Wind'),
                         (colors.HexColor('#ed7d31'), 'Solar')]
    lg.columnMaximum = 1
    lg.fontSize = 8
    d.add(lg)
    st = R['styles']
    cap = R['ParagraphStyle']('cap', parent=st['Normal'], fontName='Helvetica-Oblique',
                              fontSize=9, alignment=1, spaceAfter=10)
    doc = R['SimpleDocTemplate'](path, pagesize=R['A4'], leftMargin=2.5 * cm,
                                 rightMargin=2.5 * cm, topMargin=2 * cm, bottomMargin=2 * cm)
    doc.build([
        R['Paragraph']('Renewable generation', st['Heading2']),
        R['Paragraph'](above[0], body_style(R)), d,
        R['Paragraph']('Figure 3: Electricity generated from wind and solar, 2020 to 2023.', cap),
        R['Paragraph'](below[0], body_style(R)), R['Paragraph'](below2[0], body_style(R)),
    ])
    return [
        P('Figure 3: Electricity generated from wind and solar, 2020 to 2023.'),
        P(below[1][0]), P(below[1][3]), P(below2[1][2]), P(above[1][1]),
        O(above[1][-1], 'Figure 3: Electricity generated'),
        O('Figure 3: Electricity generated', below[1][0]), O(below[1][-1], below2[1][0]),
    ]


@page
def newsletter_3col(path):
    R = rl()
    cm = R['cm']
    st = R['styles']
    W, Hh = R['A4']
    pr = Prose(205)
    arts = [('New ferry timetable', [4, 5, 4]), ('Library reopens', [5, 4]),
            ('Council budget', [3])]
    paras_ = [(title, [pr.paragraph(n) for n in counts]) for title, counts in arts]
    gap, m = 0.6 * cm, 1.8 * cm
    colw = (W - 2 * m - 2 * gap) / 3
    top = Hh - m - 3.2 * cm
    frames = [R['Frame'](m + i * (colw + gap), m, colw, top - m, id=f'c{i}',
                         leftPadding=0, rightPadding=0) for i in range(3)]
    frames.insert(0, R['Frame'](m, top, W - 2 * m, 3.2 * cm, id='head', leftPadding=0))

    def furniture(c, doc):
        c.setFont('Helvetica', 8)
        c.drawString(m, 1.0 * cm, 'The Harbour Gazette \u00b7 Issue 14 \u00b7 Spring 2024')
        c.drawRightString(W - m, 1.0 * cm, '3')

    doc = R['BaseDocTemplate'](path, pagesize=R['A4'],
                               pageTemplates=[R['PageTemplate'](frames=frames, onPage=furniture)])
    mast = R['ParagraphStyle']('mast', parent=st['Title'], fontName='Times-Bold', fontSize=30,
                               leading=34)
    hs = R['ParagraphStyle']('hs', parent=st['Heading2'], fontName='Helvetica-Bold',
                             fontSize=13, spaceBefore=2)
    bs = body_style(R, 9.5, 12.5)
    story = [R['Paragraph']('Town News This Week', mast), R['FrameBreak']()]
    for k, (title, ps) in enumerate(paras_):
        story.append(R['Paragraph'](title, hs))
        story += [R['Paragraph'](p[0], bs) for p in ps]
        if k < 2:
            story.append(R['FrameBreak']())
    doc.build(story)
    a1, a2, a3 = (p for _, p in paras_)
    return [
        H('Town News This Week', 1), H('New ferry timetable', 2), H('Library reopens', 2),
        H('Council budget', 2),
        O(a1[-1][1][-1], 'Library reopens'), O(a2[-1][1][-1], 'Council budget'),
        O(a1[0][1][-1], a1[1][1][0]), O(a2[0][1][-1], a2[1][1][0]),
        P(a1[1][1][2]), P(a2[0][1][3]), P(a3[0][1][1]),
        A('The Harbour Gazette \u00b7 Issue 14 \u00b7 Spring 2024'), A('3'),
    ]


@page
def form(path):
    R, c, W, Hh, cm = a4_canvas(path)
    c.setFont('Helvetica-Bold', 16)
    c.drawString(2 * cm, Hh - 2.5 * cm, 'Application for a Residential Parking Permit')
    c.setFont('Helvetica', 9)
    c.drawString(2 * cm, Hh - 3.1 * cm, 'Please complete all sections in block capitals and '
                 'return the form to the Parking Services office.')
    y = Hh - 4.3 * cm
    sections = [('Section A - Applicant', ['Full name', 'Date of birth', 'Address',
                                          'Postcode', 'Telephone']),
                ('Section B - Vehicle', ['Registration number', 'Make and model', 'Colour']),
                ('Section C - Permit type', None)]
    for title, fields in sections:
        c.setFont('Helvetica-Bold', 11)
        c.drawString(2 * cm, y, title)
        y -= 0.8 * cm
        if fields:
            for f in fields:
                c.setFont('Helvetica', 10)
                c.drawString(2.3 * cm, y, f + ':')
                c.line(6.5 * cm, y - 2, 18.5 * cm, y - 2)
                y -= 0.85 * cm
        else:
            for opt in ['Annual permit (EUR 120)', 'Six-month permit (EUR 65)',
                        'Visitor vouchers, book of 20 (EUR 30)']:
                c.rect(2.3 * cm, y - 1, 9, 9)
                c.setFont('Helvetica', 10)
                c.drawString(2.9 * cm, y, opt)
                y -= 0.7 * cm
        y -= 0.4 * cm
    c.setFont('Helvetica', 9)
    c.drawString(2 * cm, y - 0.2 * cm, 'I declare that the information given on this form '
                 'is correct and complete.')
    c.drawString(2 * cm, y - 1.6 * cm, 'Signature: ____________________________     '
                 'Date: ______________')
    c.setFont('Helvetica', 7)
    c.drawString(2 * cm, 1.2 * cm, 'Form PS-12 (rev. 03/2024)')
    c.showPage()
    c.save()
    return [
        H('Application for a Residential Parking Permit'),
        P('Please complete all sections in block capitals and return the form to the Parking '
          'Services office.'),
        O('Section A - Applicant', 'Date of birth'), O('Date of birth', 'Address'),
        O('Registration number', 'Make and model'), O('Section B - Vehicle', 'Section C'),
        P('Visitor vouchers, book of 20 (EUR 30)'),
        P('I declare that the information given on this form is correct and complete.'),
        A('Form PS-12 (rev. 03/2024)'),
    ]


@page
def german_report(path):
    R = rl()
    cm = R['cm']
    st = R['styles']
    h1 = R['ParagraphStyle']('h1', parent=st['Heading1'], fontName='Helvetica-Bold',
                             fontSize=18)
    h2 = R['ParagraphStyle']('h2', parent=st['Heading2'], fontName='Helvetica-Bold',
                             fontSize=13)
    h3 = R['ParagraphStyle']('h3', parent=st['Heading3'], fontName='Helvetica-BoldOblique',
                             fontSize=11)
    bs = body_style(R, 10.5, 14)
    doc = R['SimpleDocTemplate'](path, pagesize=R['A4'], leftMargin=2.5 * cm,
                                 rightMargin=2.5 * cm, topMargin=2.5 * cm, bottomMargin=2 * cm)
    P_ = R['Paragraph']
    doc.build([
        P_('Jahresbericht der Stadtwerke', h1),
        P_('1 Einleitung', h2),
        P_('Im vergangenen Jahr haben die Stadtwerke ihr Leitungsnetz um weitere zw\u00f6lf '
           'Kilometer erweitert. Gleichzeitig wurde die Zahl der St\u00f6rungen gegen\u00fcber dem '
           'Vorjahr deutlich reduziert.', bs),
        P_('2 Versorgungssicherheit', h2),
        P_('2.1 Stromnetz', h3),
        P_('Die durchschnittliche Unterbrechungsdauer je Kunde lag bei elf Minuten und damit '
           'unter dem bundesweiten Durchschnitt. Gr\u00f6\u00dfere Ausf\u00e4lle gab es nur '
           'w\u00e4hrend des Sturms im Februar.', bs),
        P_('2.2 Wasserversorgung', h3),
        P_('Die Wasserqualit\u00e4t wurde an 214 Messstellen \u00fcberpr\u00fcft. Alle '
           'Grenzwerte der Trinkwasserverordnung wurden eingehalten.', bs),
        P_('3 Ausblick', h2),
        P_('F\u00fcr das kommende Jahr plant das Unternehmen Investitionen in H\u00f6he von '
           '38 Millionen Euro, vor allem in die Erneuerung der Umspannwerke und in '
           'gr\u00fcne Fernw\u00e4rme.', bs),
    ])
    return [
        H('Jahresbericht der Stadtwerke', 1), H('1 Einleitung', 2),
        H('2 Versorgungssicherheit', 2), H('2.1 Stromnetz', 3), H('2.2 Wasserversorgung', 3),
        H('3 Ausblick', 2),
        P('Gleichzeitig wurde die Zahl der Störungen gegenüber dem Vorjahr deutlich reduziert.'),
        P('Größere Ausfälle gab es nur während des Sturms im Februar.'),
        P('Alle Grenzwerte der Trinkwasserverordnung wurden eingehalten.'),
        P('vor allem in die Erneuerung der Umspannwerke und in grüne Fernwärme.'),
    ]


@page
def rotated_table(path):
    R, c, W, Hh, cm = a4_canvas(path)
    c.setFont('Helvetica-Bold', 14)
    c.drawString(2 * cm, Hh - 2.5 * cm, 'Table 7: Feature coverage by release')
    cols = ['Offline sync', 'Single sign-on', 'Audit export', 'Custom fields', 'Mobile app']
    rows = [('Release 3.0', ['partial', 'no', 'no', 'yes', 'beta']),
            ('Release 3.5', ['yes', 'beta', 'no', 'yes', 'yes']),
            ('Release 4.0', ['yes', 'yes', 'beta', 'yes', 'yes']),
            ('Release 4.2', ['yes', 'yes', 'yes', 'limited', 'yes'])]
    x0, colw, y_head = 2 * cm, 1.6 * cm, Hh - 7 * cm
    c.setFont('Helvetica-Bold', 10)
    for i, name in enumerate(cols):
        c.saveState()
        c.translate(x0 + 4.5 * cm + i * colw + colw / 2 + 3, y_head + 4)
        c.rotate(90)
        c.drawString(0, 0, name)
        c.restoreState()
    c.line(x0, y_head - 4, x0 + 4.5 * cm + len(cols) * colw, y_head - 4)
    y = y_head - 0.7 * cm
    for label, vals in rows:
        c.setFont('Helvetica', 10)
        c.drawString(x0, y, label)
        for i, v in enumerate(vals):
            c.drawCentredString(x0 + 4.5 * cm + i * colw + colw / 2, y, v)
        y -= 0.65 * cm
    c.line(x0, y + 0.3 * cm, x0 + 4.5 * cm + len(cols) * colw, y + 0.3 * cm)
    c.setFont('Times-Roman', 11)
    pr = Prose(208)
    txt, ss = pr.paragraph(2)
    c.drawString(x0, y - 0.6 * cm, ss[0])
    c.showPage()
    c.save()
    return [
        P('Table 7: Feature coverage by release'),
        T('limited', header='Custom fields'), T('partial', header='Offline sync'),
        T('Release 4.0', right='yes', below='Release 4.2'),
        T('Release 3.0', right='partial'),
        P(ss[0]),
    ]


@page
def report_font_hierarchy(path):
    R = rl()
    cm = R['cm']
    st = R['styles']
    pr = Prose(209)
    ps = [pr.paragraph(n) for n in (4, 3, 4, 3, 3)]
    W, Hh = R['A4']

    def furniture(c, doc):
        c.setFont('Helvetica', 8)
        c.drawString(2.5 * cm, Hh - 1.5 * cm, 'ACME Logistics - Internal Review 2024/07')
        c.drawRightString(W - 2.5 * cm, 1.3 * cm, 'Confidential - Page 4')

    t = R['ParagraphStyle']('t', parent=st['Normal'], fontName='Helvetica-Bold', fontSize=20,
                            leading=24, spaceAfter=12)
    h2 = R['ParagraphStyle']('h2', parent=st['Normal'], fontName='Helvetica-Bold', fontSize=14,
                             leading=18, spaceBefore=8, spaceAfter=6)
    h3 = R['ParagraphStyle']('h3', parent=st['Normal'], fontName='Helvetica-Bold', fontSize=11,
                             leading=14, spaceBefore=6, spaceAfter=4)
    bs = body_style(R)
    doc = R['SimpleDocTemplate'](path, pagesize=R['A4'], leftMargin=2.5 * cm,
                                 rightMargin=2.5 * cm, topMargin=2.5 * cm, bottomMargin=2 * cm)
    P_ = R['Paragraph']
    doc.build([
        P_('Warehouse Automation Review', t),
        P_('Background', h2), P_(ps[0][0], bs),
        P_('Scope of the review', h3), P_(ps[1][0], bs),
        P_('Sites visited', h3), P_(ps[2][0], bs),
        P_('Findings', h2), P_(ps[3][0], bs),
        P_('Recommendations', h2), P_(ps[4][0], bs),
    ], onFirstPage=furniture)
    return [
        H('Warehouse Automation Review', 1), H('Background', 2), H('Scope of the review', 3),
        H('Sites visited', 3), H('Findings', 2), H('Recommendations', 2),
        P(ps[0][1][2]), P(ps[2][1][1]), O(ps[3][1][-1], 'Recommendations'),
        A('ACME Logistics - Internal Review 2024/07'), A('Confidential - Page 4'),
    ]


@page
def pricing_cards(path):
    R, c, W, Hh, cm = a4_canvas(path, landscape=True)
    colors = R['colors']
    c.setFont('Helvetica-Bold', 26)
    c.drawCentredString(W / 2, Hh - 70, 'Plans and pricing')
    plans = [('Starter', '$19 / month', ['Up to 3 users', '10 GB storage', 'Email support']),
             ('Team', '$79 / month', ['Up to 25 users', '500 GB storage',
                                      'Priority support within 4 hours']),
             ('Enterprise', 'Contact sales', ['Unlimited users', 'Dedicated storage cluster',
                                              'Named account manager'])]
    cw, gap = 230, 30
    x = (W - 3 * cw - 2 * gap) / 2
    for name, price, feats in plans:
        c.setStrokeColor(colors.HexColor('#8899aa'))
        c.roundRect(x, 110, cw, 330, 12)
        c.setFont('Helvetica-Bold', 20)
        c.drawCentredString(x + cw / 2, 400, name)
        c.setFont('Helvetica', 16)
        c.drawCentredString(x + cw / 2, 365, price)
        yy = 310
        c.setFont('Helvetica', 12)
        for f in feats:
            c.drawString(x + 20, yy, f)
            yy -= 30
        x += cw + gap
    c.showPage()
    c.save()
    return [
        H('Plans and pricing'),
        O('Starter', 'Up to 3 users'), O('Team', 'Up to 25 users'),
        O('Enterprise', 'Named account manager'), O('Up to 3 users', 'Email support'),
        P('Priority support within 4 hours'), P('Dedicated storage cluster'),
        O('Plans and pricing', 'Starter'),
    ]


# ---------------------------------------------------------------------------------------------

def page_id(fn):
    return 'rl-' + fn.__name__.replace('_', '-')


def generate(force=False, only=None, quiet=False):
    """Draw every page (milliseconds each) and replace the PDF only when its bytes changed, so
    the runner's output cache stays valid; returns the tests."""
    os.makedirs(PAGES_DIR, exist_ok=True)
    all_tests = []
    for fn in PAGES:
        pid = page_id(fn)
        if only and pid not in only:
            continue
        path = os.path.join(PAGES_DIR, pid + '.pdf')
        tmp = path + '.tmp'
        tests = fn(tmp)
        with open(tmp, 'rb') as f:
            new = f.read()
        old = None
        if os.path.exists(path) and not force:
            with open(path, 'rb') as f:
                old = f.read()
        if old == new:
            os.remove(tmp)
        else:
            os.replace(tmp, path)
            if not quiet:
                print(f'  built {pid}')
        all_tests += number_tests(pid, tests, 'reportlab')
    if not only:
        write_jsonl(os.path.join(GEN_TESTS_DIR, 'reportlab.jsonl'), all_tests)
    return all_tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--force', action='store_true')
    ap.add_argument('--only', nargs='*')
    args = ap.parse_args()
    try:
        import reportlab  # noqa: F401
    except ImportError:
        sys.exit('missing: reportlab (pip install reportlab)')
    tests = generate(args.force, args.only)
    print(f'{len(tests)} tests over {len(set(t["page"] for t in tests))} reportlab pages')


if __name__ == '__main__':
    main()
