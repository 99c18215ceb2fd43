//! Text embeddings with all-MiniLM-L6-v2 through ONNX Runtime and the model's own tokenizer:
//! batches sorted by length, mean pooling over the attention mask, L2 normalisation. The same
//! code runs on the CPU and with CUDA.

use crate::error::{Error, Result};
use crate::models::ModelStore;
use crate::runtime::{Device, SessionPool};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Manifest names of the model and its tokenizer.
pub const MODEL: &str = "minilm_int8";
pub const TOKENIZER: &str = "minilm_tokenizer";
/// Width of an embedding.
pub const DIM: usize = 384;
/// Longest input in tokens (the model's position table has 512; chunks are far shorter).
pub const MAX_TOKENS: usize = 256;
/// Texts per model run.
const BATCH: usize = 32;

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
    tokenizer: Tokenizer,
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
    /// 128 tokens, which is replaced by batch-longest padding and truncation at [`MAX_TOKENS`].
    pub fn load(models: &ModelStore, device: Device, threads: usize) -> Result<Self> {
        let path = models.path(TOKENIZER)?;
        let mut tokenizer = Tokenizer::from_file(&path).map_err(|e| Error::Model {
            what: TOKENIZER.into(),
            detail: e.to_string(),
        })?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::Embed(e.to_string()))?;
        Ok(Self {
            pool: SessionPool::with_arena(models, MODEL, device, threads, 2)?,
            tokenizer,
            sha256: models.entry(MODEL)?.sha256.clone(),
        })
    }

    /// The same tokenizer, counting tokens without padding or truncation.
    pub fn token_counter(&self) -> Result<TokenCounter> {
        let mut tokenizer = self.tokenizer.clone();
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| Error::Embed(e.to_string()))?;
        Ok(TokenCounter { tokenizer })
    }

    /// One unit vector per text, in the order given.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Similar lengths share a batch, so padding costs little.
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, v) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Embed(e.to_string()))?;
        let n = encodings.len();
        let len = encodings.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
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
