#!/usr/bin/env python3
"""The Python reference for benches/embed.rs: the same ONNX file (models/embed/.../model_int8.onnx),
the same tokenizer.json with the same overrides (no truncation below 256, batch-longest
padding), the same batches (texts sorted by length, 32 per batch), mean pooling and L2
normalisation, with the `onnxruntime` and `tokenizers` packages.

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
tok.enable_padding()
opts = ort.SessionOptions()
opts.intra_op_num_threads = threads
opts.inter_op_num_threads = 1
opts.add_session_config_entry('session.disable_quant_qdq', '1')
sess = ort.InferenceSession(os.path.join(root, 'model_int8.onnx'), opts, providers=['CPUExecutionProvider'])


def embed(batch):
    enc = tok.encode_batch(batch)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    out = sess.run(None, {'input_ids': ids, 'attention_mask': mask, 'token_type_ids': np.zeros_like(ids)})[0]
    pooled = (out * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
embed([texts[i] for i in order[:8]])
r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
for s in range(0, len(order), 32):
    embed([texts[i] for i in order[s:s + 32]])
secs = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
print(json.dumps({'engine': 'python onnxruntime ' + ort.__version__, 'chunks': len(texts), 'seconds': secs,
                  'chunks_per_s': len(texts) / secs, 'cpu_seconds': cpu, 'threads': threads}))
