#!/usr/bin/python3
"""An independent numpy implementation of the llama2.c forward pass.

It parses a llama2.c checkpoint itself (no llmc code involved), runs the prompt
and greedy decode steps in float64 with interleaved RoPE, recomputing the whole
sequence with a causal mask at every step (no KV cache), and compares against
the logits and greedy tokens written by llmc-dump-logits:

  error(step) = max |cpp - numpy| / max |numpy|   must stay below --tolerance

and both sides must choose the same greedy token at every step. Exits non-zero
with a message on the first violation; prints one line per step either way.

Checkpoint layout (llama2.c, legacy version 0): a header of seven int32
  dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
(a negative vocab_size means a separate classifier follows), then float32 arrays
  token_embedding [vocab, dim]
  rms_att [L, dim], wq [L, dim, dim], wk [L, kv_dim, dim], wv [L, kv_dim, dim],
  wo [L, dim, dim], rms_ffn [L, dim], w1 [L, hidden, dim], w2 [L, dim, hidden],
  w3 [L, hidden, dim], rms_final [dim], freq_cis_real/imag [seq_len, head/2] x2,
  [wcls [vocab, dim]]
where every matrix is [out, in] and the FFN is w2(silu(w1 x) * w3 x).
"""
import argparse
import sys

import numpy as np

NORM_EPS = 1e-5
ROPE_THETA = 10000.0


def load_checkpoint(path):
    raw = np.fromfile(path, dtype="<i4", count=7)
    dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = (int(v) for v in raw)
    shared = vocab > 0
    vocab = abs(vocab)
    head = dim // n_heads
    kv_dim = n_kv_heads * head
    floats = np.fromfile(path, dtype="<f4", offset=7 * 4)
    cursor = 0

    def take(*shape):
        nonlocal cursor
        count = int(np.prod(shape))
        if cursor + count > floats.size:
            sys.exit(f"{path}: truncated checkpoint")
        array = floats[cursor:cursor + count].reshape(shape).astype(np.float64)
        cursor += count
        return array

    w = {
        "emb": take(vocab, dim),
        "rms_att": take(n_layers, dim),
        "wq": take(n_layers, dim, dim),
        "wk": take(n_layers, kv_dim, dim),
        "wv": take(n_layers, kv_dim, dim),
        "wo": take(n_layers, dim, dim),
        "rms_ffn": take(n_layers, dim),
        "w1": take(n_layers, hidden, dim),
        "w2": take(n_layers, dim, hidden),
        "w3": take(n_layers, hidden, dim),
        "rms_final": take(dim),
    }
    take(seq_len, head // 2)  # freq_cis_real: unused, RoPE is recomputed
    take(seq_len, head // 2)  # freq_cis_imag
    w["wcls"] = w["emb"] if shared else take(vocab, dim)
    if cursor != floats.size:
        sys.exit(f"{path}: {floats.size - cursor} unexpected trailing floats")
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads,
               n_kv_heads=n_kv_heads, vocab=vocab, seq_len=seq_len, head=head)
    return cfg, w


def rms_norm(x, weight):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + NORM_EPS) * weight


def rope_interleaved(x, head):
    """x: [T, heads, head]; rotates pairs (2i, 2i+1) of position t by t * f_i."""
    t = x.shape[0]
    freqs = ROPE_THETA ** (-np.arange(0, head, 2, dtype=np.float64) / head)
    angles = np.arange(t, dtype=np.float64)[:, None] * freqs[None, :]  # [T, head/2]
    cos = np.cos(angles)[:, None, :]
    sin = np.sin(angles)[:, None, :]
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def last_logits(cfg, w, tokens):
    """Logits of the last token of `tokens` (positions 0..T-1), float64."""
    n_heads, n_kv, head = cfg["n_heads"], cfg["n_kv_heads"], cfg["head"]
    t = len(tokens)
    x = w["emb"][np.asarray(tokens)]  # [T, dim]
    causal = np.triu(np.full((t, t), -np.inf), k=1)  # row attends to cols <= row
    for l in range(cfg["n_layers"]):
        h = rms_norm(x, w["rms_att"][l])
        q = rope_interleaved((h @ w["wq"][l].T).reshape(t, n_heads, head), head)
        k = rope_interleaved((h @ w["wk"][l].T).reshape(t, n_kv, head), head)
        v = (h @ w["wv"][l].T).reshape(t, n_kv, head)
        # Grouped-query attention: query head j reads kv head j // group.
        group = n_heads // n_kv
        k = np.repeat(k, group, axis=1)
        v = np.repeat(v, group, axis=1)
        scores = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(head) + causal
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        attn = np.einsum("hqk,khd->qhd", probs, v).reshape(t, n_heads * head)
        x = x + attn @ w["wo"][l].T
        h = rms_norm(x, w["rms_ffn"][l])
        gate = h @ w["w1"][l].T
        ffn = (gate / (1.0 + np.exp(-gate))) * (h @ w["w3"][l].T)
        x = x + ffn @ w["w2"][l].T
    return w["wcls"] @ rms_norm(x[-1], w["rms_final"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="llama2.c checkpoint (stories15M.bin)")
    parser.add_argument("--prompt", required=True, help="comma-separated token ids")
    parser.add_argument("--steps", type=int, default=8, help="greedy decode steps")
    parser.add_argument("--logits", required=True, help="float32 logits from llmc-dump-logits")
    parser.add_argument("--tokens", required=True, help="greedy ids from llmc-dump-logits")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    cfg, w = load_checkpoint(args.checkpoint)
    vocab = cfg["vocab"]
    rows = args.steps + 1
    cpp_logits = np.fromfile(args.logits, dtype="<f4")
    if cpp_logits.size != rows * vocab:
        sys.exit(f"{args.logits}: {cpp_logits.size} floats, expected {rows} x {vocab}")
    cpp_logits = cpp_logits.reshape(rows, vocab).astype(np.float64)
    with open(args.tokens) as f:
        cpp_tokens = [int(line) for line in f if line.strip()]
    if len(cpp_tokens) != rows:
        sys.exit(f"{args.tokens}: {len(cpp_tokens)} ids, expected {rows}")

    sequence = [int(t) for t in args.prompt.split(",")]
    chosen = []
    failures = []
    for step in range(rows):
        ours = last_logits(cfg, w, sequence)
        token = int(np.argmax(ours))  # numpy's argmax also takes the lowest id on ties
        error = np.max(np.abs(cpp_logits[step] - ours)) / np.max(np.abs(ours))
        print(f"step {step}: numpy token {token}, llmc token {cpp_tokens[step]}, "
              f"max relative error {error:.3e}")
        if not error < args.tolerance:
            failures.append(f"step {step}: relative error {error:.3e} >= {args.tolerance}")
        if token != cpp_tokens[step]:
            failures.append(f"step {step}: numpy picks {token}, llmc picks {cpp_tokens[step]}")
        chosen.append(token)
        sequence.append(token)
    print("greedy tokens:", " ".join(str(t) for t in chosen))
    if failures:
        print("FAIL\n" + "\n".join(failures))
        return 1
    print(f"PASS: {rows} steps within {args.tolerance:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
