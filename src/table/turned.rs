//! Text set sideways inside a table (column headers rotated a quarter turn to fit narrow
//! columns): each vertical run of turned glyphs is read in its own direction as one phrase, and
//! the run sits in the text row of the upright labels beside it (`System` next to rotated
//! `Precision`, `Recall`, …) or in a row of its own.

use super::words::Phrase;
use crate::document::BBox;
use crate::pdf::Glyph;
use crate::structure::normalize_into;

/// A word space along a vertical run, in ems.
const WORD_GAP_EM: f32 = 0.2;
/// A gap along a run that ends it, in ems.
const RUN_GAP_EM: f32 = 1.0;

/// Phrases of the turned glyphs (each a vertical run read in its direction), placed in the
/// rows of `upright` (phrases from the other glyphs, rows numbered top to bottom): in the
/// lowest row whose middle lies within the run, or in a new row. Rows are renumbered.
pub fn merge(upright: Vec<Phrase>, turned: &[&Glyph]) -> Vec<Phrase> {
    let runs = runs(turned);
    if runs.is_empty() {
        return upright;
    }
    let rows = upright.iter().map(|p| p.row + 1).max().unwrap_or(0);
    let mut middle = vec![(0f32, 0usize); rows];
    for p in &upright {
        middle[p.row].0 += (p.bbox[1] + p.bbox[3]) / 2.0;
        middle[p.row].1 += 1;
    }
    let middle: Vec<f32> = middle.iter().map(|(s, n)| s / (*n).max(1) as f32).collect();
    // Row keys: (middle y, row); new rows, with their extents, for runs beside no upright row.
    let mut keys: Vec<(f32, usize)> = middle.iter().copied().zip(0..rows).collect();
    let mut bands: Vec<(f32, f32, usize)> = Vec::new();
    let mut out = upright;
    for run in runs {
        let row = (0..rows)
            .filter(|&r| middle[r] >= run.bbox[1] && middle[r] <= run.bbox[3])
            .max_by(|&a, &b| middle[a].total_cmp(&middle[b]));
        let row = row.unwrap_or_else(|| {
            // Runs that overlap along the vertical share one row.
            match bands
                .iter_mut()
                .find(|(top, bottom, _)| run.bbox[1] < *bottom && run.bbox[3] > *top)
            {
                Some((top, bottom, r)) => {
                    *top = top.min(run.bbox[1]);
                    *bottom = bottom.max(run.bbox[3]);
                    *r
                }
                None => {
                    let r = keys.len();
                    keys.push(((run.bbox[1] + run.bbox[3]) / 2.0, r));
                    bands.push((run.bbox[1], run.bbox[3], r));
                    r
                }
            }
        });
        out.push(Phrase { row, ..run });
    }
    keys.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut renumber = vec![0; keys.len()];
    for (new, (_, old)) in keys.iter().enumerate() {
        renumber[*old] = new;
    }
    for p in &mut out {
        p.row = renumber[p.row];
    }
    out.sort_by(|a, b| a.row.cmp(&b.row).then(a.bbox[0].total_cmp(&b.bbox[0])));
    out
}

/// Vertical runs of turned glyphs: glyphs overlapping across, close along, in reading order
/// (upwards for a quarter turn counter-clockwise, downwards for a turn clockwise).
fn runs(turned: &[&Glyph]) -> Vec<Phrase> {
    let mut columns: Vec<(BBox, Vec<&Glyph>)> = Vec::new();
    let mut sorted: Vec<&Glyph> = turned.to_vec();
    sorted.sort_by(|a, b| a.bbox[0].total_cmp(&b.bbox[0]));
    for g in sorted {
        let joined = columns.iter_mut().find(|(b, _)| {
            let overlap = g.bbox[2].min(b[2]) - g.bbox[0].max(b[0]);
            overlap >= 0.5 * (g.bbox[2] - g.bbox[0]).min(b[2] - b[0])
        });
        match joined {
            Some((b, members)) => {
                *b = super::union(*b, g.bbox);
                members.push(g);
            }
            None => columns.push((g.bbox, vec![g])),
        }
    }
    let mut out = Vec::new();
    for (_, mut members) in columns {
        let upwards = members.iter().filter(|g| g.turn == 1).count() * 2 >= members.len();
        members.sort_by(|a, b| {
            let (ya, yb) = (a.bbox[1] + a.bbox[3], b.bbox[1] + b.bbox[3]);
            if upwards {
                yb.total_cmp(&ya)
            } else {
                ya.total_cmp(&yb)
            }
        });
        let mut run: Vec<&Glyph> = Vec::new();
        for g in members {
            if let Some(p) = run.last() {
                let em = p.size.max(g.size).max(1.0);
                let gap = (g.bbox[1] - p.bbox[3]).max(p.bbox[1] - g.bbox[3]);
                if gap > RUN_GAP_EM * em {
                    out.extend(phrase(&run));
                    run.clear();
                }
            }
            run.push(g);
        }
        out.extend(phrase(&run));
    }
    out
}

fn phrase(run: &[&Glyph]) -> Option<Phrase> {
    let first = run.first()?;
    let mut raw = String::new();
    let mut bbox = first.bbox;
    for (i, g) in run.iter().enumerate() {
        if i > 0 {
            let p = run[i - 1];
            let em = p.size.max(g.size).max(1.0);
            let gap = (g.bbox[1] - p.bbox[3]).max(p.bbox[1] - g.bbox[3]);
            if g.space_before || gap > WORD_GAP_EM * em {
                raw.push(' ');
            }
        }
        raw.push(g.c);
        bbox = super::union(bbox, g.bbox);
    }
    let mut text = String::with_capacity(raw.len());
    normalize_into(&raw, &mut text);
    let text = text.trim().to_string();
    let bold = run.iter().filter(|g| g.style.bold).count() as f32 / run.len() as f32;
    (!text.is_empty()).then_some(Phrase {
        text,
        bbox,
        bold,
        row: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word turned to read upwards from its foot at (x, y): 10 pt glyphs, 6 pt apart.
    fn upwards(text: &str, x: f32, foot: f32) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                let y1 = foot - 6.0 * i as f32;
                let mut g = Glyph::sample(c, [x, y1 - 6.0, x + 10.0, y1], 10.0, false);
                g.turn = 1;
                g.space_before = c == ' ';
                g
            })
            .filter(|g| g.c != ' ')
            .collect()
    }

    #[test]
    fn rotated_headers_are_read_upwards_in_the_row_of_the_upright_label() {
        let label = Phrase {
            text: "System".into(),
            bbox: [50.0, 90.0, 80.0, 100.0],
            bold: 0.0,
            row: 0,
        };
        let body = Phrase {
            text: "71.4".into(),
            bbox: [120.0, 110.0, 140.0, 120.0],
            bold: 0.0,
            row: 1,
        };
        let mut glyphs = upwards("Precision", 120.0, 100.0);
        glyphs.extend(upwards("Macro F1", 160.0, 100.0));
        let refs: Vec<&Glyph> = glyphs.iter().collect();
        let out = merge(vec![label, body], &refs);
        let row0: Vec<&str> = out
            .iter()
            .filter(|p| p.row == 0)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(row0, ["System", "Precision", "Macro F1"]);
        assert!(out.iter().any(|p| p.row == 1 && p.text == "71.4"));
    }
}
