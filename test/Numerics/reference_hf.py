#!/usr/bin/python3
"""An independent numpy forward pass of the Hugging Face decoder families.

Reads a model directory itself (config.json + a single model.safetensors of
bf16/f16/f32 tensors; no llmc code involved) and runs LlamaForCausalLM,
MistralForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM as transformers
defines them, in float64: half-split ("rotate_half") RoPE with llama3
frequency scaling, q/k/v biases (Qwen2), per-head q/k RMSNorm before RoPE
(Qwen3), sliding-window attention where a query at position p sees keys in
(p - window, p] (Mistral), tied embeddings. It recomputes the whole sequence
with a mask at every step (no KV cache) and compares against the logits and
greedy tokens written by llmc-dump-logits:

  error(step) = max |cpp - numpy| / max |numpy|   must stay below --tolerance

and both sides must choose the same greedy token at every step. Exits non-zero
with a message on the first violation; prints one line per step either way.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np


def load_safetensors(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[begin:end]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            values = bits.view(np.float32)
        elif entry["dtype"] == "F16":
            values = np.frombuffer(raw, dtype="<f2")
        elif entry["dtype"] == "F32":
            values = np.frombuffer(raw, dtype="<f4")
        else:
            sys.exit(f"{path}: tensor {name} has unsupported dtype {entry['dtype']}")
        tensors[name] = values.astype(np.float64).reshape(entry["shape"])
    return tensors


class Model:
    def __init__(self, directory):
        with open(os.path.join(directory, "config.json")) as f:
            c = json.load(f)
        self.arch = c["architectures"][0]
        self.dim = c["hidden_size"]
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.dim // self.heads
        self.eps = c["rms_norm_eps"]
        self.theta = c.get("rope_theta", 10000.0)
        self.scaling = c.get("rope_scaling")
        self.window = None
        if self.arch == "MistralForCausalLM":
            self.window = c.get("sliding_window")
        elif c.get("use_sliding_window"):
            sys.exit("use_sliding_window is not modelled here")
        self.w = load_safetensors(os.path.join(directory, "model.safetensors"))
        self.lm_head = self.w.get("lm_head.weight", self.w["model.embed_tokens.weight"])

    def inverse_frequencies(self):
        hd = self.head_dim
        freq = self.theta ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
        s = self.scaling
        if s and s.get("rope_type", s.get("type")) == "llama3":
            original = s["original_max_position_embeddings"]
            low, high, factor = s["low_freq_factor"], s["high_freq_factor"], s["factor"]
            wavelen = 2 * math.pi / freq
            smooth = (original / wavelen - low) / (high - low)
            blended = (1 - smooth) * freq / factor + smooth * freq
            freq = np.where(wavelen > original / low, freq / factor,
                            np.where(wavelen < original / high, freq, blended))
        return freq

    def rms_norm(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x, positions):
        # x: [T, heads, hd]; pairs (i, i + hd/2) rotate by position * freq[i].
        angles = positions[:, None] * self.inverse_frequencies()[None, :]
        cos = np.cos(angles)[:, None, :]
        sin = np.sin(angles)[:, None, :]
        half = self.head_dim // 2
        a, b = x[..., :half], x[..., half:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)

    def forward(self, tokens):
        """Logits [T, vocab] of the whole sequence."""
        T, hd = len(tokens), self.head_dim
        positions = np.arange(T, dtype=np.float64)
        mask = np.tril(np.ones((T, T), dtype=bool))
        if self.window:
            mask &= (positions[:, None] - positions[None, :]) < self.window
        x = self.w["model.embed_tokens.weight"][tokens]
        group = self.heads // self.kv_heads
        for i in range(self.layers):
            p = f"model.layers.{i}."
            w = lambda name: self.w[p + name]
            h = self.rms_norm(x, w("input_layernorm.weight"))
            q = h @ w("self_attn.q_proj.weight").T
            k = h @ w("self_attn.k_proj.weight").T
            v = h @ w("self_attn.v_proj.weight").T
            if p + "self_attn.q_proj.bias" in self.w:
                q = q + w("self_attn.q_proj.bias")
                k = k + w("self_attn.k_proj.bias")
                v = v + w("self_attn.v_proj.bias")
            q = q.reshape(T, self.heads, hd)
            k = k.reshape(T, self.kv_heads, hd)
            v = v.reshape(T, self.kv_heads, hd)
            if p + "self_attn.q_norm.weight" in self.w:
                q = self.rms_norm(q, w("self_attn.q_norm.weight"))
                k = self.rms_norm(k, w("self_attn.k_norm.weight"))
            q, k = self.rope(q, positions), self.rope(k, positions)
            out = np.empty_like(q)
            for head in range(self.heads):
                kh = head // group
                scores = q[:, head] @ k[:, kh].T / math.sqrt(hd)
                scores = np.where(mask, scores, -np.inf)
                scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
                scores /= scores.sum(axis=-1, keepdims=True)
                out[:, head] = scores @ v[:, kh]
            x = x + out.reshape(T, -1) @ w("self_attn.o_proj.weight").T
            h = self.rms_norm(x, w("post_attention_layernorm.weight"))
            gate = h @ w("mlp.gate_proj.weight").T
            up = h @ w("mlp.up_proj.weight").T
            x = x + (gate / (1 + np.exp(-gate)) * up) @ w("mlp.down_proj.weight").T
        return self.rms_norm(x, self.w["model.norm.weight"]) @ self.lm_head.T


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="Hugging Face model directory")
    parser.add_argument("--prompt", required=True, help="comma-separated ids")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--logits", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--tolerance", type=float, required=True)
    args = parser.parse_args()

    model = Model(args.model)
    prompt = [int(t) for t in args.prompt.split(",")]
    cpp_tokens = [int(line) for line in open(args.tokens).read().split()]
    cpp_logits = np.fromfile(args.logits, dtype="<f4")
    vocab = model.lm_head.shape[0]
    if cpp_logits.size != (args.steps + 1) * vocab or len(cpp_tokens) != args.steps + 1:
        sys.exit(f"expected {args.steps + 1} steps of {vocab} logits and tokens")
    cpp_logits = cpp_logits.reshape(args.steps + 1, vocab)

    # llmc's greedy tokens drive the sequence; every step is checked against
    # numpy's own logits and argmax for that prefix.
    sequence, worst = list(prompt), 0.0
    logits = model.forward(np.array(sequence))
    for step in range(args.steps + 1):
        row = logits[len(prompt) + step - 1]
        error = np.abs(cpp_logits[step] - row).max() / np.abs(row).max()
        worst = max(worst, error)
        token = int(np.argmax(row))
        print(f"step {step}: numpy token {token}, llmc token {cpp_tokens[step]}, "
              f"error {error:.2e}")
        if token != cpp_tokens[step]:
            sys.exit(f"FAIL: step {step} greedy tokens differ")
        if error > args.tolerance:
            sys.exit(f"FAIL: step {step} error {error:.2e} > {args.tolerance}")
        if step < args.steps:
            sequence.append(cpp_tokens[step])
            logits = model.forward(np.array(sequence))
    print("greedy tokens: " + " ".join(str(t) for t in cpp_tokens))
    print(f"PASS: {args.steps + 1} steps within {args.tolerance:g} (worst {worst:.2e})")


if __name__ == "__main__":
    main()
