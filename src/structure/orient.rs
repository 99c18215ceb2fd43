//! Text direction of a page. Lines are found in a frame where the text runs left to right; a
//! page whose text runs down or up the display (a portrait page turned with /Rotate, a
//! sideways table, Japanese vertical writing) or upside down (a scan fed the wrong way) is
//! turned into such a frame first, and the boxes found there are turned back into display
//! coordinates.

use crate::document::BBox;
use crate::pdf::Glyph;

/// How the display frame maps to the frame in which text runs left to right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Orientation {
    /// Text already runs left to right.
    Horizontal,
    /// Text runs top to bottom; lines stack right to left.
    Down { width: f32 },
    /// Text runs bottom to top; lines stack left to right.
    Up { height: f32 },
    /// Text runs right to left, upside down (a page scanned the wrong way round).
    Flipped { width: f32, height: f32 },
}

impl Orientation {
    /// Detects the dominant direction from steps between consecutive glyphs.
    pub fn detect(glyphs: &[Glyph], width: f32, height: f32) -> Self {
        let (mut right, mut left, mut down, mut up) = (0usize, 0usize, 0usize, 0usize);
        for pair in glyphs.windows(2) {
            let (a, b) = (pair[0].bbox, pair[1].bbox);
            let dx = (b[0] + b[2] - a[0] - a[2]) / 2.0;
            let dy = (b[1] + b[3] - a[1] - a[3]) / 2.0;
            let em = pair[0].size.max(1.0);
            if dx.abs() > 2.0 * em || dy.abs() > 2.0 * em {
                continue;
            }
            if dx.abs() > dy.abs() {
                if dx > 0.0 {
                    right += 1;
                } else {
                    left += 1;
                }
            } else if dy.abs() > dx.abs() {
                if dy > 0.0 {
                    down += 1;
                } else {
                    up += 1;
                }
            }
        }
        if down > 2 * right && down >= up {
            Orientation::Down { width }
        } else if up > 2 * right {
            Orientation::Up { height }
        } else if left > 2 * right && left > 8 {
            Orientation::Flipped { width, height }
        } else {
            Orientation::Horizontal
        }
    }

    /// Display box → text frame.
    pub fn forward(self, b: BBox) -> BBox {
        match self {
            Orientation::Horizontal => b,
            // (x, y) → (y, W − x)
            Orientation::Down { width } => [b[1], width - b[2], b[3], width - b[0]],
            // (x, y) → (H − y, x)
            Orientation::Up { height } => [height - b[3], b[0], height - b[1], b[2]],
            // (x, y) → (W − x, H − y)
            Orientation::Flipped { width, height } => {
                [width - b[2], height - b[3], width - b[0], height - b[1]]
            }
        }
    }

    /// Text frame box → display.
    pub fn back(self, b: BBox) -> BBox {
        match self {
            Orientation::Horizontal => b,
            // x = W − y', y = x'
            Orientation::Down { width } => [width - b[3], b[0], width - b[1], b[2]],
            // x = y', y = H − x'
            Orientation::Up { height } => [b[1], height - b[2], b[3], height - b[0]],
            Orientation::Flipped { .. } => self.forward(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let b = [10.0, 20.0, 30.0, 45.0];
        for o in [
            Orientation::Horizontal,
            Orientation::Down { width: 600.0 },
            Orientation::Up { height: 800.0 },
            Orientation::Flipped {
                width: 600.0,
                height: 800.0,
            },
        ] {
            assert_eq!(o.back(o.forward(b)), b, "{o:?}");
        }
    }
}
