#!/usr/bin/python3
"""Writes small random checkpoints in real Hugging Face layout, one per family.

Each family directory holds a `config.json` with the fields transformers'
`*ForCausalLM` reads, and a `model.safetensors` of bf16 tensors under the
Hugging Face parameter names, so that the same directory loads in
transformers (compare.py, on a GPU machine), in llmc (llm-compile, the CPU
model, the interpreter) and in the independent numpy forward pass
(test/Numerics/reference_hf.py). Only numpy is needed; values depend only on
--seed, so every machine writes the same bytes.

Families (GQA everywhere, 2 layers, head_dim 64 or 128):
  llama3.1  LlamaForCausalLM, llama3 RoPE scaling (factor 8), theta 5e5
  llama3.2  LlamaForCausalLM, tied embeddings, explicit head_dim, scaling x32
(the llama3 scalings keep the published factors but an
original_max_position_embeddings of 256 / 128 instead of 8192, so that the
rescaled frequencies turn by whole radians within a test prompt and a kernel
that ignored the scaling would be far outside the tolerance),
  qwen2.5   Qwen2ForCausalLM, q/k/v biases, theta 1e6, tied embeddings
  qwen3     Qwen3ForCausalLM, q/k RMSNorm, head_dim 128 != hidden / heads
  mistral   MistralForCausalLM, sliding_window 16 (shorter than the prompts)

Weights are scaled so that logits are decisive (greedy top-1 is not a
near-tie): projections ~ N(0, 1/in), embeddings ~ N(0, 1), norm scales and
q/k norm scales ~ 1 + N(0, 0.1^2), biases ~ N(0, 0.3^2).

Usage: make_checkpoint.py OUTDIR [--family NAME ...] [--seed S]
"""
import argparse
import json
import os
import struct

import numpy as np

VOCAB = 512
COMMON = {
    "hidden_act": "silu",
    "hidden_size": 256,
    "intermediate_size": 512,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": VOCAB,
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-5,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "torch_dtype": "bfloat16",
    "initializer_range": 0.02,
    "attention_dropout": 0.0,
    "use_cache": True,
}

FAMILIES = {
    "llama3.1": dict(
        COMMON, architectures=["LlamaForCausalLM"], model_type="llama",
        attention_bias=False, mlp_bias=False, rope_theta=500000.0,
        tie_word_embeddings=False,
        rope_scaling={"rope_type": "llama3", "factor": 8.0,
                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 256}),
    "llama3.2": dict(
        COMMON, architectures=["LlamaForCausalLM"], model_type="llama",
        attention_bias=False, mlp_bias=False, rope_theta=500000.0,
        head_dim=64, tie_word_embeddings=True,
        rope_scaling={"rope_type": "llama3", "factor": 32.0,
                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 128}),
    "qwen2.5": dict(
        COMMON, architectures=["Qwen2ForCausalLM"], model_type="qwen2",
        rope_theta=1000000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
        use_sliding_window=False, sliding_window=2048, max_window_layers=2),
    "qwen3": dict(
        COMMON, architectures=["Qwen3ForCausalLM"], model_type="qwen3",
        attention_bias=False, head_dim=128, rope_theta=1000000.0,
        rms_norm_eps=1e-6, tie_word_embeddings=False,
        use_sliding_window=False, sliding_window=None, max_window_layers=2),
    "mistral": dict(
        COMMON, architectures=["MistralForCausalLM"], model_type="mistral",
        rope_theta=10000.0, sliding_window=16, tie_word_embeddings=False),
}


def to_bf16_bits(values):
    """float32 -> bf16 bit patterns (uint16), rounding to nearest even."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + rounding) >> 16).astype(np.uint16)


def write_safetensors(path, tensors):
    """tensors: name -> float32 array, stored as BF16 in name order."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        blob = to_bf16_bits(tensors[name]).tobytes()
        header[name] = {"dtype": "BF16", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def make_weights(config, rng):
    dim = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config["num_key_value_heads"]
    head_dim = config.get("head_dim") or dim // heads
    ffn = config["intermediate_size"]
    arch = config["architectures"][0]

    def linear(out, inp):
        return rng.standard_normal((out, inp)) / np.sqrt(inp)

    def scale(n):
        return 1.0 + 0.1 * rng.standard_normal(n)

    w = {"model.embed_tokens.weight": rng.standard_normal((VOCAB, dim))}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = scale(dim)
        w[p + "self_attn.q_proj.weight"] = linear(heads * head_dim, dim)
        w[p + "self_attn.k_proj.weight"] = linear(kv_heads * head_dim, dim)
        w[p + "self_attn.v_proj.weight"] = linear(kv_heads * head_dim, dim)
        if arch == "Qwen2ForCausalLM":
            for name, n in (("q", heads), ("k", kv_heads), ("v", kv_heads)):
                w[p + f"self_attn.{name}_proj.bias"] = (
                    0.3 * rng.standard_normal(n * head_dim))
        if arch == "Qwen3ForCausalLM":
            w[p + "self_attn.q_norm.weight"] = scale(head_dim)
            w[p + "self_attn.k_norm.weight"] = scale(head_dim)
        w[p + "self_attn.o_proj.weight"] = linear(dim, heads * head_dim)
        w[p + "post_attention_layernorm.weight"] = scale(dim)
        w[p + "mlp.gate_proj.weight"] = linear(ffn, dim)
        w[p + "mlp.up_proj.weight"] = linear(ffn, dim)
        w[p + "mlp.down_proj.weight"] = linear(dim, ffn)
    w["model.norm.weight"] = scale(dim)
    if not config["tie_word_embeddings"]:
        w["lm_head.weight"] = linear(VOCAB, dim) * 4.0
    return {k: v.astype(np.float32) for k, v in w.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES),
                        help="families to write (default: all)")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    for index, family in enumerate(sorted(FAMILIES)):
        if args.family and family not in args.family:
            continue
        config = FAMILIES[family]
        # One stream per family, so writing a subset gives the same bytes.
        rng = np.random.default_rng([args.seed, index])
        directory = os.path.join(args.outdir, family)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        write_safetensors(os.path.join(directory, "model.safetensors"),
                          make_weights(config, rng))
        print(f"wrote {directory}")


if __name__ == "__main__":
    main()
