//! Captions find what they describe: the nearest table or figure on the same page, above or
//! below and sharing its horizontal extent, of the kind the caption's label names.

use super::lines::h_overlap;
use crate::document::{Block, BlockKind};

/// Farthest a caption may sit from its table or figure, in points.
const MAX_GAP: f32 = 72.0;

/// Sets `caption_of` on every caption that has a table or figure near it.
pub fn link(blocks: &mut [Block]) {
    let targets: Vec<(usize, BlockKind, u32, crate::document::BBox)> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b.kind, BlockKind::Table | BlockKind::Figure))
        .map(|(i, b)| (i, b.kind, b.page, b.bbox))
        .collect();
    if targets.is_empty() {
        return;
    }
    for ci in 0..blocks.len() {
        let caption = &blocks[ci];
        if caption.kind != BlockKind::Caption {
            continue;
        }
        let wanted = named_kind(&caption.text);
        let best = targets
            .iter()
            .filter(|(_, kind, page, bbox)| {
                *page == caption.page
                    && wanted.is_none_or(|w| w == *kind)
                    && h_overlap(*bbox, caption.bbox) > 0.0
            })
            .map(|(i, _, _, bbox)| {
                let gap = (caption.bbox[1] - bbox[3])
                    .max(bbox[1] - caption.bbox[3])
                    .max(0.0);
                (*i, gap)
            })
            .filter(|(_, gap)| *gap <= MAX_GAP)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((target, _)) = best {
            let id = blocks[target].id.clone();
            blocks[ci].caption_of = Some(id);
        }
    }
}

/// The kind a caption's label names: "Table 2" → table, "Figure 3" → figure.
pub(super) fn named_kind(text: &str) -> Option<BlockKind> {
    let label = text.split_whitespace().next()?.to_lowercase();
    const TABLE: &[&str] = &[
        "table",
        "tab.",
        "tabelle",
        "tableau",
        "tabla",
        "tabela",
        "таблица",
        "表",
    ];
    const FIGURE: &[&str] = &[
        "figure",
        "fig.",
        "fig",
        "abbildung",
        "abb.",
        "figura",
        "рисунок",
        "рис.",
        "图",
        "図",
    ];
    let label = label.trim_end_matches([':', '.']);
    let matches = |list: &[&str]| list.iter().any(|l| l.trim_end_matches('.') == label);
    if matches(TABLE) {
        Some(BlockKind::Table)
    } else if matches(FIGURE) {
        Some(BlockKind::Figure)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::BlockSource;

    fn block(id: &str, kind: BlockKind, bbox: [f32; 4], text: &str) -> Block {
        Block {
            id: id.into(),
            page: 1,
            kind,
            bbox,
            text: text.into(),
            confidence: 0.9,
            source: BlockSource::Pdf,
            level: None,
            parent: None,
            table: None,
            caption_of: None,
            heading_from: None,
            marker: None,
            toc: None,
            latex: None,
        }
    }

    #[test]
    fn captions_link_to_the_nearest_target_of_their_kind() {
        let mut blocks = vec![
            block(
                "b1",
                BlockKind::Caption,
                [50.0, 90.0, 300.0, 100.0],
                "Table 1: Cars",
            ),
            block("b2", BlockKind::Table, [50.0, 105.0, 300.0, 200.0], ""),
            block("b3", BlockKind::Figure, [50.0, 220.0, 300.0, 400.0], ""),
            block(
                "b4",
                BlockKind::Caption,
                [50.0, 405.0, 300.0, 415.0],
                "Figure 2. A plot",
            ),
        ];
        link(&mut blocks);
        assert_eq!(blocks[0].caption_of.as_deref(), Some("b2"));
        assert_eq!(blocks[3].caption_of.as_deref(), Some("b3"));
    }
}
