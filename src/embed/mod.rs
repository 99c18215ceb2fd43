//! Text embeddings with all-MiniLM-L6-v2 through ONNX Runtime and the model's own tokenizer:
//! batches sorted by length and bounded in tokens, mean pooling over the attention mask, L2 normalisation. The same
//! code runs on the CPU and with CUDA.

use crate::error::{Error, Result};
use crate::models::ModelStore;
use crate::runtime::{Device, SessionPool};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

/// Manifest names of the model and its tokenizer.
pub const MODEL: &str = "minilm_int8";
pub const TOKENIZER: &str = "minilm_tokenizer";
/// Width of an embedding.
pub const DIM: usize = 384;
/// Longest input in tokens (the model's position table has 512; chunks are far shorter).
pub const MAX_TOKENS: usize = 256;
/// Tokens (texts × padded length) per batch on the CPU: on 2 cores, batches of two 256-token
/// chunks ran 2.0× faster than batches of 32 and held a quarter of the memory (the attention
/// tensors of a big batch overflow the caches; `benches/embed.sh`).
pub const CPU_BATCH_TOKENS: usize = 512;
/// Tokens per batch on a GPU, where big batches keep the device busy.
pub const GPU_BATCH_TOKENS: usize = 16_384;
/// Texts per batch at most.
const MAX_BATCH: usize = 64;

/// The embedding model's tokenizer without padding or truncation: the real length of a text,
/// which the chunker bounds. Made by [`Embedder::token_counter`].
pub struct TokenCounter {
    tokenizer: Tokenizer,
}

impl crate::chunk::TokenCount for TokenCounter {
    /// Tokens of `text`, without the model's [CLS] and [SEP].
    fn count(&self, text: &str) -> usize {
        self.tokenizer
            .encode(text, false)
            .map(|e| e.len())
            .unwrap_or_else(|_| text.split_whitespace().count())
    }
}

/// A loaded embedding model; share it, sessions are pooled.
pub struct Embedder {
    pool: SessionPool,
    /// Truncating at [`MAX_TOKENS`], not padding (batches are padded here).
    tokenizer: Tokenizer,
    batch_tokens: usize,
    /// sha256 of the model file.
    pub sha256: String,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").finish()
    }
}

impl Embedder {
    /// Loads the model and its tokenizer; the shipped tokenizer.json pads and truncates at
    /// 128 tokens, which is replaced by no padding and truncation at [`MAX_TOKENS`].
    pub fn load(models: &ModelStore, device: Device, threads: usize) -> Result<Self> {
        let path = models.path(TOKENIZER)?;
        let mut tokenizer = Tokenizer::from_file(&path).map_err(|e| Error::Model {
            what: TOKENIZER.into(),
            detail: e.to_string(),
        })?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::Embed(e.to_string()))?;
        let batch_tokens = match device {
            Device::Cuda(_) => GPU_BATCH_TOKENS,
            _ => CPU_BATCH_TOKENS,
        };
        Ok(Self {
            pool: SessionPool::with_arena(models, MODEL, device, threads, 2)?,
            tokenizer,
            batch_tokens,
            sha256: models.entry(MODEL)?.sha256.clone(),
        })
    }

    /// The same tokenizer, counting tokens without padding or truncation.
    pub fn token_counter(&self) -> Result<TokenCounter> {
        let mut tokenizer = self.tokenizer.clone();
        tokenizer
            .with_truncation(None)
            .map_err(|e| Error::Embed(e.to_string()))?;
        Ok(TokenCounter { tokenizer })
    }

    /// One unit vector per text, in the order given.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Embed(e.to_string()))?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Similar lengths share a batch, so padding costs little.
        order.sort_by_key(|&i| encodings[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            // Sorted ascending, so the last text of a batch is its longest.
            let mut end = start + 1;
            while end < order.len()
                && end - start < MAX_BATCH
                && (end - start + 1) * encodings[order[end]].len().max(1) <= self.batch_tokens
            {
                end += 1;
            }
            let batch: Vec<&Encoding> = order[start..end].iter().map(|&i| &encodings[i]).collect();
            for (&i, v) in order[start..end].iter().zip(self.embed_batch(&batch)?) {
                out[i] = v;
            }
            start = end;
        }
        Ok(out)
    }

    fn embed_batch(&self, encodings: &[&Encoding]) -> Result<Vec<Vec<f32>>> {
        let n = encodings.len();
        let len = encodings.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        // Padding: id 0 ([PAD]) with a zero attention mask.
        let mut ids = vec![0i64; n * len];
        let mut mask = vec![0i64; n * len];
        let types = vec![0i64; n * len];
        for (b, e) in encodings.iter().enumerate() {
            for (t, (&id, &m)) in e.get_ids().iter().zip(e.get_attention_mask()).enumerate() {
                ids[b * len + t] = i64::from(id);
                mask[b * len + t] = i64::from(m);
            }
        }
        let shape = [n, len];
        let (out_shape, hidden) = self.pool.run_i64_named(&[
            ("input_ids", &shape, &ids),
            ("attention_mask", &shape, &mask),
            ("token_type_ids", &shape, &types),
        ])?;
        if out_shape != [n as i64, len as i64, DIM as i64] {
            return Err(Error::Embed(format!(
                "unexpected output shape {out_shape:?} for a batch of {n}×{len}"
            )));
        }
        Ok((0..n)
            .map(|b| {
                let mut v = vec![0f32; DIM];
                let mut count = 0f32;
                for t in 0..len {
                    if mask[b * len + t] == 0 {
                        continue;
                    }
                    count += 1.0;
                    let row = &hidden[(b * len + t) * DIM..(b * len + t + 1) * DIM];
                    for (acc, x) in v.iter_mut().zip(row) {
                        *acc += x;
                    }
                }
                normalize(&mut v, count.max(1.0));
                v
            })
            .collect())
    }
}

/// Divides by `count` (mean pooling), then scales to unit length.
fn normalize(v: &mut [f32], count: f32) {
    for x in v.iter_mut() {
        *x /= count;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}
