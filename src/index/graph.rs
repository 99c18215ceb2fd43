//! A hierarchical navigable small-world graph (HNSW, Malkov & Yashunin) over the vector
//! store's rows, so an unfiltered search past a few hundred thousand chunks follows the graph
//! instead of scanning every row. Rows are scored on their i8 quantisation; the store re-scores
//! the best candidates exactly. Deleted rows stay in the graph as waypoints and are never
//! returned; the store rebuilds the graph when it compacts. Persisted as one file with a
//! CRC-32, written beside the log (to a temporary name, then renamed).

use crate::error::{Error, Result};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;
use std::path::Path;

/// Neighbours per node on the upper layers; twice as many on the bottom layer.
const M: usize = 16;
const M0: usize = 2 * M;
/// Candidates kept while linking a new node.
const EF_CONSTRUCTION: usize = 100;
const MAGIC: &[u8; 8] = b"FOLIOHG1";
const NONE: u32 = u32::MAX;

/// The i8 rows the graph is built over (the vector store's quantised matrix).
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    pub dim: usize,
    pub quantized: &'a [i8],
    pub scales: &'a [f32],
}

impl Rows<'_> {
    fn row(&self, r: u32) -> &[i8] {
        let r = r as usize;
        &self.quantized[r * self.dim..(r + 1) * self.dim]
    }

    fn between(&self, a: u32, b: u32) -> f32 {
        super::vector::dot_i8(self.row(a), self.row(b)) as f32
            * self.scales[a as usize]
            * self.scales[b as usize]
    }

    fn to(&self, query: &[i8], scale: f32, b: u32) -> f32 {
        super::vector::dot_i8(self.row(b), query) as f32 * self.scales[b as usize] * scale
    }
}

/// A similarity and a node, ordered by similarity.
#[derive(Clone, Copy, PartialEq)]
struct Scored(f32, u32);

impl Eq for Scored {}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

/// Nodes seen during one search.
struct Visited(Vec<u64>);

impl Visited {
    fn new(nodes: usize) -> Self {
        Self(vec![0; nodes.div_ceil(64)])
    }

    /// Marks `n`; false when it was already marked.
    fn insert(&mut self, n: u32) -> bool {
        let (word, bit) = (n as usize / 64, 1u64 << (n % 64));
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

pub struct Graph {
    levels: Vec<u8>,
    /// Bottom-layer neighbours, `M0` slots per node, unused slots `NONE`.
    base: Vec<u32>,
    /// Neighbours on layers 1..=level of the nodes above the bottom layer.
    upper: HashMap<u32, Vec<Vec<u32>>>,
    entry: u32,
    top: u8,
    seed: u64,
}

impl Default for Graph {
    fn default() -> Self {
        Self {
            levels: Vec::new(),
            base: Vec::new(),
            upper: HashMap::new(),
            entry: NONE,
            top: 0,
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

impl Graph {
    /// Rows the graph covers (rows `0..len`).
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    fn neighbours(&self, node: u32, layer: u8) -> &[u32] {
        if layer == 0 {
            let s = &self.base[node as usize * M0..(node as usize + 1) * M0];
            let n = s.iter().position(|&x| x == NONE).unwrap_or(M0);
            &s[..n]
        } else {
            &self.upper[&node][layer as usize - 1]
        }
    }

    fn set_neighbours(&mut self, node: u32, layer: u8, list: &[u32]) {
        if layer == 0 {
            let s = &mut self.base[node as usize * M0..(node as usize + 1) * M0];
            s.fill(NONE);
            s[..list.len()].copy_from_slice(list);
        } else if let Some(layers) = self.upper.get_mut(&node) {
            layers[layer as usize - 1] = list.to_vec();
        }
    }

    fn random_level(&mut self) -> u8 {
        // xorshift64*; a fixed seed keeps builds reproducible.
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        let bits = self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        let uniform = (bits as f64 + 1.0) / (1u64 << 53) as f64;
        ((-uniform.ln()) / (M as f64).ln()).floor().min(16.0) as u8
    }

    /// Best-first search of one layer from `entries`; the `ef` best nodes `accept` lets
    /// through, best first. Nodes it refuses are still walked through.
    fn search_layer(
        &self,
        sim: &impl Fn(u32) -> f32,
        entries: &[Scored],
        ef: usize,
        layer: u8,
        accept: &impl Fn(u32) -> bool,
    ) -> Vec<Scored> {
        let mut visited = Visited::new(self.len());
        let mut frontier: BinaryHeap<Scored> = BinaryHeap::new();
        // Min-heap of the accepted results (worst on top).
        let mut found: BinaryHeap<std::cmp::Reverse<Scored>> = BinaryHeap::new();
        for &e in entries {
            visited.insert(e.1);
            frontier.push(e);
            if accept(e.1) {
                found.push(std::cmp::Reverse(e));
            }
        }
        while let Some(current) = frontier.pop() {
            if found.len() >= ef && found.peek().is_some_and(|w| current.0 < w.0 .0) {
                break;
            }
            for &n in self.neighbours(current.1, layer) {
                if !visited.insert(n) {
                    continue;
                }
                let s = Scored(sim(n), n);
                if found.len() < ef || found.peek().is_some_and(|w| s.0 > w.0 .0) {
                    frontier.push(s);
                    if accept(n) {
                        found.push(std::cmp::Reverse(s));
                        if found.len() > ef {
                            found.pop();
                        }
                    }
                }
            }
        }
        let mut out: Vec<Scored> = found.into_iter().map(|r| r.0).collect();
        out.sort_by(|a, b| b.cmp(a));
        out
    }

    /// Greedy descent through the layers above `down_to`.
    fn descend(&self, sim: &impl Fn(u32) -> f32, down_to: u8) -> Scored {
        let mut best = Scored(sim(self.entry), self.entry);
        let mut layer = self.top;
        while layer > down_to {
            let mut moved = true;
            while moved {
                moved = false;
                for &n in self.neighbours(best.1, layer) {
                    let s = sim(n);
                    if s > best.0 {
                        best = Scored(s, n);
                        moved = true;
                    }
                }
            }
            layer -= 1;
        }
        best
    }

    /// Keeps up to `m` of `candidates` (best first) that are closer to the new node than to
    /// any neighbour kept before them, then fills up with the closest of the rest, so links
    /// reach in several directions rather than into one cluster.
    fn select(rows: &Rows, candidates: &[Scored], m: usize) -> Vec<u32> {
        let mut kept: Vec<u32> = Vec::with_capacity(m);
        let mut rest: Vec<u32> = Vec::new();
        for c in candidates {
            if kept.len() == m {
                break;
            }
            if kept.iter().all(|&k| rows.between(c.1, k) < c.0) {
                kept.push(c.1);
            } else {
                rest.push(c.1);
            }
        }
        for r in rest {
            if kept.len() == m {
                break;
            }
            kept.push(r);
        }
        kept
    }

    /// Adds the next row (`self.len()`) to the graph.
    pub fn insert(&mut self, rows: &Rows) {
        let node = self.len() as u32;
        let level = self.random_level();
        self.levels.push(level);
        self.base.extend(std::iter::repeat_n(NONE, M0));
        if level > 0 {
            self.upper.insert(node, vec![Vec::new(); level as usize]);
        }
        if self.entry == NONE {
            self.entry = node;
            self.top = level;
            return;
        }
        let sim = |x: u32| rows.between(node, x);
        let mut entries = vec![self.descend(&sim, level)];
        for layer in (0..=level.min(self.top)).rev() {
            let found = self.search_layer(&sim, &entries, EF_CONSTRUCTION, layer, &|_| true);
            let m = if layer == 0 { M0 } else { M };
            let chosen = Self::select(rows, &found, m);
            self.set_neighbours(node, layer, &chosen);
            for &n in &chosen {
                let mut list = self.neighbours(n, layer).to_vec();
                if list.len() < m {
                    list.push(node);
                } else {
                    let mut scored: Vec<Scored> = list
                        .iter()
                        .chain(std::iter::once(&node))
                        .map(|&x| Scored(rows.between(n, x), x))
                        .collect();
                    scored.sort_by(|a, b| b.cmp(a));
                    list = Self::select(rows, &scored, m);
                }
                self.set_neighbours(n, layer, &list);
            }
            entries = found;
        }
        if level > self.top {
            self.entry = node;
            self.top = level;
        }
    }

    /// The `ef` best rows for the quantised `query` that `accept` lets through, best first,
    /// scored on the i8 rows.
    pub fn search(
        &self,
        rows: &Rows,
        query: &[i8],
        scale: f32,
        ef: usize,
        accept: &impl Fn(u32) -> bool,
    ) -> Vec<(f32, usize)> {
        if self.entry == NONE {
            return Vec::new();
        }
        let sim = |x: u32| rows.to(query, scale, x);
        let start = self.descend(&sim, 0);
        self.search_layer(&sim, &[start], ef, 0, accept)
            .into_iter()
            .map(|s| (s.0, s.1 as usize))
            .collect()
    }

    /// Writes the graph to `path` (through a temporary file and a rename), with the chunk id
    /// of its last row (of `chunk_ids`, the store's rows) to check it against on loading.
    pub fn save(&self, path: &Path, chunk_ids: &[String]) -> Result<()> {
        let io = |e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let mut out = Vec::with_capacity(32 + self.levels.len() * (1 + M0 * 4));
        out.extend_from_slice(MAGIC);
        for v in [self.levels.len() as u32, self.entry, u32::from(self.top)] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.seed.to_le_bytes());
        let last = self
            .len()
            .checked_sub(1)
            .and_then(|r| chunk_ids.get(r))
            .map_or("", String::as_str);
        out.extend_from_slice(&(last.len() as u32).to_le_bytes());
        out.extend_from_slice(last.as_bytes());
        out.extend_from_slice(&self.levels);
        for n in &self.base {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for node in 0..self.levels.len() as u32 {
            for layer in self.upper.get(&node).into_iter().flatten() {
                out.push(layer.len() as u8);
                for n in layer {
                    out.extend_from_slice(&n.to_le_bytes());
                }
            }
        }
        let sum = crc32fast::hash(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&out).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads a graph written by [`Self::save`]; `None` when the file is missing or damaged, or
    /// was not built over these rows (`chunk_ids`): it covers more of them, or its last row
    /// holds another chunk.
    pub fn load(path: &Path, chunk_ids: &[String]) -> Option<Self> {
        let bytes = std::fs::read(path).ok()?;
        let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
        if crc32fast::hash(body) != u32::from_le_bytes(sum.try_into().ok()?) {
            return None;
        }
        let mut at = MAGIC.len();
        (body.get(..at)? == MAGIC).then_some(())?;
        let u32_at = |at: &mut usize| -> Option<u32> {
            let v = u32::from_le_bytes(body.get(*at..*at + 4)?.try_into().ok()?);
            *at += 4;
            Some(v)
        };
        let nodes = u32_at(&mut at)? as usize;
        let entry = u32_at(&mut at)?;
        let top = u8::try_from(u32_at(&mut at)?).ok()?;
        let seed = u64::from_le_bytes(body.get(at..at + 8)?.try_into().ok()?);
        at += 8;
        let last_len = u32_at(&mut at)? as usize;
        let last = body.get(at..at + last_len)?;
        at += last_len;
        let expected = nodes
            .checked_sub(1)
            .map_or(Some(""), |r| chunk_ids.get(r).map(String::as_str));
        if expected.map(str::as_bytes) != Some(last) {
            return None;
        }
        let levels = body.get(at..at + nodes)?.to_vec();
        at += nodes;
        let mut base = Vec::with_capacity(nodes * M0);
        for _ in 0..nodes * M0 {
            base.push(u32_at(&mut at)?);
        }
        let mut upper = HashMap::new();
        for (node, &level) in levels.iter().enumerate() {
            if level == 0 {
                continue;
            }
            let mut layers = Vec::with_capacity(level as usize);
            for _ in 0..level {
                let n = *body.get(at)? as usize;
                at += 1;
                let mut list = Vec::with_capacity(n);
                for _ in 0..n {
                    list.push(u32_at(&mut at)?);
                }
                layers.push(list);
            }
            upper.insert(node as u32, layers);
        }
        let valid = |n: &u32| *n == NONE || (*n as usize) < nodes;
        // Every link on layer l must lead to a node that lives on layer l.
        let linked = upper.values().all(|layers| {
            layers.iter().enumerate().all(|(l, list)| {
                list.iter()
                    .all(|&n| (n as usize) < nodes && levels[n as usize] as usize > l)
            })
        });
        (at == body.len()
            && base.iter().all(valid)
            && linked
            && (nodes == 0 || ((entry as usize) < nodes && levels[entry as usize] == top)))
            .then_some(Self {
                levels,
                base,
                upper,
                entry: if nodes == 0 { NONE } else { entry },
                top,
                seed,
            })
    }
}
