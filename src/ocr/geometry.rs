//! Geometry for text detection: convex hulls, minimum-area rectangles, and sampling a
//! (possibly rotated) text line out of an image straight at the recogniser's height.

use ::image::RgbImage;

pub type Point = [f32; 2];

/// A text line's quadrilateral in image pixels: top-left, top-right, bottom-right, bottom-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    pub fn width(&self) -> f32 {
        dist(self.0[0], self.0[1]).max(dist(self.0[3], self.0[2]))
    }

    pub fn height(&self) -> f32 {
        dist(self.0[0], self.0[3]).max(dist(self.0[1], self.0[2]))
    }

    /// Axis-aligned bounds.
    pub fn bounds(&self) -> [f32; 4] {
        let xs = self.0.map(|p| p[0]);
        let ys = self.0.map(|p| p[1]);
        [
            xs.iter().copied().fold(f32::MAX, f32::min),
            ys.iter().copied().fold(f32::MAX, f32::min),
            xs.iter().copied().fold(f32::MIN, f32::max),
            ys.iter().copied().fold(f32::MIN, f32::max),
        ]
    }

    /// Reading frame of the line: origin, direction of the text (full length) and of the line
    /// height (full length). Lines much taller than wide are read top to bottom.
    pub fn frame(&self) -> (Point, Point, Point) {
        let [tl, tr, br, _bl] = self.0;
        if self.height() >= 1.5 * self.width() {
            (tr, sub(br, tr), sub(self.0[0], tr))
        } else {
            (tl, sub(tr, tl), sub(self.0[3], tl))
        }
    }
}

pub fn dist(a: Point, b: Point) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn sub(a: Point, b: Point) -> Point {
    [a[0] - b[0], a[1] - b[1]]
}

fn cross(o: Point, a: Point, b: Point) -> f32 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Convex hull (Andrew's monotone chain), counter-clockwise.
pub fn convex_hull(mut pts: Vec<Point>) -> Vec<Point> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The minimum-area rectangle around a convex hull: (corners, short side, long side).
pub fn min_area_rect(hull: &[Point]) -> Option<([Point; 4], f32, f32)> {
    if hull.len() < 3 {
        return None;
    }
    let mut best: Option<(f32, [Point; 4], f32, f32)> = None;
    for i in 0..hull.len() {
        let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
        let len = dist(a, b);
        if len < 1e-6 {
            continue;
        }
        let u = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
        let v = [-u[1], u[0]];
        let (mut umin, mut umax, mut vmin, mut vmax) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in hull {
            let d = sub(*p, a);
            let (pu, pv) = (d[0] * u[0] + d[1] * u[1], d[0] * v[0] + d[1] * v[1]);
            umin = umin.min(pu);
            umax = umax.max(pu);
            vmin = vmin.min(pv);
            vmax = vmax.max(pv);
        }
        let area = (umax - umin) * (vmax - vmin);
        if best.as_ref().is_none_or(|(a0, ..)| area < *a0) {
            let at =
                |pu: f32, pv: f32| [a[0] + u[0] * pu + v[0] * pv, a[1] + u[1] * pu + v[1] * pv];
            let corners = [
                at(umin, vmin),
                at(umax, vmin),
                at(umax, vmax),
                at(umin, vmax),
            ];
            let (w, h) = (umax - umin, vmax - vmin);
            best = Some((area, corners, w.min(h), w.max(h)));
        }
    }
    best.map(|(_, c, s, l)| (c, s, l))
}

/// Grows a rectangle by `d` on every side, keeping its orientation.
pub fn expand(corners: [Point; 4], d: f32) -> [Point; 4] {
    let c = [
        corners.iter().map(|p| p[0]).sum::<f32>() / 4.0,
        corners.iter().map(|p| p[1]).sum::<f32>() / 4.0,
    ];
    let e1 = sub(corners[1], corners[0]);
    let e2 = sub(corners[3], corners[0]);
    let (l1, l2) = (
        dist(corners[0], corners[1]).max(1e-6),
        dist(corners[0], corners[3]).max(1e-6),
    );
    let (u, v) = ([e1[0] / l1, e1[1] / l1], [e2[0] / l2, e2[1] / l2]);
    let (hw, hh) = (l1 / 2.0 + d, l2 / 2.0 + d);
    let at = |su: f32, sv: f32| {
        [
            c[0] + u[0] * hw * su + v[0] * hh * sv,
            c[1] + u[1] * hw * su + v[1] * hh * sv,
        ]
    };
    [at(-1.0, -1.0), at(1.0, -1.0), at(1.0, 1.0), at(-1.0, 1.0)]
}

/// Orders four corners as top-left, top-right, bottom-right, bottom-left.
pub fn order(corners: [Point; 4]) -> Quad {
    let mut by_x = corners;
    by_x.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let (mut left, mut right) = ([by_x[0], by_x[1]], [by_x[2], by_x[3]]);
    left.sort_by(|a, b| a[1].total_cmp(&b[1]));
    right.sort_by(|a, b| a[1].total_cmp(&b[1]));
    Quad([left[0], right[0], right[1], left[1]])
}

/// Samples the line `q` out of `img` at `height` pixels high, returning the pixels row-major
/// as RGB and the sampled width. Where the line is shrunk (a 300-dpi scan's lines are taller
/// than the recogniser's 48 px), each output pixel averages bilinear samples over its whole
/// footprint: point sampling would alias thin strokes away.
pub fn sample_line(img: &RgbImage, q: &Quad, height: u32, max_width: u32) -> (Vec<[u8; 3]>, u32) {
    let (origin, along, across) = q.frame();
    let len_along = (along[0].powi(2) + along[1].powi(2)).sqrt().max(1.0);
    let len_across = (across[0].powi(2) + across[1].powi(2)).sqrt().max(1.0);
    let width = ((height as f32 * len_along / len_across).round() as u32).clamp(4, max_width);
    // Samples per output pixel along and across the line: one when enlarging or shrinking
    // by less than 1.5× (bilinear alone is fine there, and it is most of the lines).
    let taps = |source: f32, out: u32| (source / out as f32).round().clamp(1.0, MAX_TAPS) as u32;
    let (tx, ty) = (taps(len_along, width), taps(len_across, height));
    let weight = 1.0 / (tx * ty) as f32;
    // Where each tap falls inside its output pixel, as a fraction of the line's length and
    // height: reciprocals and offsets once per line, not two divisions per tap.
    let (inv_w, inv_h) = (1.0 / width as f32, 1.0 / height as f32);
    let offsets = |taps: u32| (0..taps).map(move |s| (s as f32 + 0.5) / taps as f32);
    let (off_x, off_y): (Vec<f32>, Vec<f32>) = (offsets(tx).collect(), offsets(ty).collect());
    let (iw, ih) = (img.width() as f32, img.height() as f32);
    let mut sums = vec![[0f32; 3]; width as usize];
    let mut out = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        sums.fill([0.0; 3]);
        for &oy in &off_y {
            let fy = (y as f32 + oy) * inv_h;
            let row = [
                origin[0] + across[0] * fy - 0.5,
                origin[1] + across[1] * fy - 0.5,
            ];
            for (x, sum) in sums.iter_mut().enumerate() {
                for &ox in &off_x {
                    let fx = (x as f32 + ox) * inv_w;
                    let px = row[0] + along[0] * fx;
                    let py = row[1] + along[1] * fx;
                    let v = bilinear(img, px.clamp(0.0, iw - 1.0), py.clamp(0.0, ih - 1.0));
                    for i in 0..3 {
                        sum[i] += v[i];
                    }
                }
            }
        }
        // Sums are never negative: adding ½ and truncating rounds (and skips a libm call).
        out.extend(
            sums.iter()
                .map(|sum| sum.map(|v| (v * weight + 0.5).min(255.0) as u8)),
        );
    }
    (out, width)
}

/// Most samples per output pixel in each direction when shrinking.
const MAX_TAPS: f32 = 4.0;

fn bilinear(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    // Straight from the buffer: this runs a few million times per page.
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (dx, dy) = (x - x0 as f32, y - y0 as f32);
    // One bounds check per corner, not per channel (callers clamp to the image, so the
    // fallback is never taken: it replaces a panic, not an edge rule).
    let at = |xx: usize, yy: usize| {
        let i = 3 * (yy * w + xx);
        match raw.get(i..i + 3) {
            Some(p) => [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])],
            None => [0.0; 3],
        }
    };
    let (a, b, c, d) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
    let mut out = [0f32; 3];
    for i in 0..3 {
        let top = a[i] + (b[i] - a[i]) * dx;
        let bottom = c[i] + (d[i] - c[i]) * dx;
        out[i] = top + (bottom - top) * dy;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangle_of_a_tilted_square() {
        let pts = vec![[0.0, 5.0], [5.0, 0.0], [10.0, 5.0], [5.0, 10.0], [5.0, 5.0]];
        let hull = convex_hull(pts);
        assert_eq!(hull.len(), 4);
        let (_, short, long) = min_area_rect(&hull).expect("rect");
        assert!((short - 50f32.sqrt()).abs() < 1e-3 && (long - 50f32.sqrt()).abs() < 1e-3);
    }

    #[test]
    fn shrinking_a_line_keeps_thin_strokes() {
        // One-pixel strokes every 4 pixels, shrunk 4×: each output pixel holds one stroke.
        let img = RgbImage::from_fn(400, 200, |x, _| {
            ::image::Rgb(if x % 4 == 0 { [0; 3] } else { [255; 3] })
        });
        let q = Quad([[0.0, 0.0], [384.0, 0.0], [384.0, 192.0], [0.0, 192.0]]);
        let (pixels, width) = sample_line(&img, &q, 48, 1000);
        assert_eq!(width, 96);
        let row = &pixels[24 * 96..25 * 96];
        // Point sampling lands between strokes (255) or on them (0); the mean of the
        // footprint is 3/4 white.
        assert!(
            row[2..94].iter().all(|p| (170..=215).contains(&p[0])),
            "{:?}",
            &row[..8]
        );
    }

    #[test]
    fn orders_corners() {
        let q = order([[10.0, 0.0], [0.0, 0.0], [0.0, 5.0], [10.0, 5.0]]);
        assert_eq!(q.0, [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]);
        assert_eq!(q.width(), 10.0);
        assert_eq!(
            expand(q.0, 1.0),
            [[-1.0, -1.0], [11.0, -1.0], [11.0, 6.0], [-1.0, 6.0]]
        );
    }
}
