#!/usr/bin/env python3
"""The Python reference for benches/embed.rs: the same ONNX file (models/embed/.../model_int8.onnx),
the same tokenizer.json with the same overrides (no truncation below 256, padding to the
batch's longest), the same batches (texts sorted by token count, grouped while texts × longest
≤ 512 tokens, at most 64), mean pooling and L2 normalisation, with the `onnxruntime` and
`tokenizers` packages.

    python3 benches/embed_python.py TEXTS.jsonl [THREADS]
"""
import json, os, resource, sys, time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

texts = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8') if l.strip()]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models', 'embed', 'all-MiniLM-L6-v2')
tok = Tokenizer.from_file(os.path.join(root, 'tokenizer.json'))
tok.enable_truncation(256)
BATCH_TOKENS, MAX_BATCH = 512, 64
opts = ort.SessionOptions()
opts.intra_op_num_threads = threads
opts.inter_op_num_threads = 1
opts.add_session_config_entry('session.disable_quant_qdq', '1')
sess = ort.InferenceSession(os.path.join(root, 'model_int8.onnx'), opts, providers=['CPUExecutionProvider'])


def embed(enc):
    n, longest = len(enc), max(len(e.ids) for e in enc)
    ids = np.zeros((n, longest), dtype=np.int64)
    mask = np.zeros((n, longest), dtype=np.int64)
    for b, e in enumerate(enc):
        ids[b, :len(e.ids)] = e.ids
        mask[b, :len(e.ids)] = e.attention_mask
    out = sess.run(None, {'input_ids': ids, 'attention_mask': mask, 'token_type_ids': np.zeros_like(ids)})[0]
    pooled = (out * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def batches(enc):
    order = sorted(range(len(enc)), key=lambda i: len(enc[i].ids))
    start = 0
    while start < len(order):
        end = start + 1
        while (end < len(order) and end - start < MAX_BATCH
               and (end - start + 1) * max(1, len(enc[order[end]].ids)) <= BATCH_TOKENS):
            end += 1
        yield [enc[i] for i in order[start:end]]
        start = end


embed(tok.encode_batch(texts[:2]))
r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
for batch in batches(tok.encode_batch(texts)):
    embed(batch)
secs = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
print(json.dumps({'engine': 'python onnxruntime ' + ort.__version__, 'chunks': len(texts), 'seconds': secs,
                  'chunks_per_s': len(texts) / secs, 'cpu_seconds': cpu, 'threads': threads}))
