#!/usr/bin/env python3
"""Writes the generated part of the fuzzers' seed corpora (test/Fuzz/corpus).

    make-corpus.py            rewrites safetensors/, llama2c/, tokenizer-bin/

The other seeds are copies of real files: hf-config/ of examples/configs,
tokenizer-json/ of the unit tests' sp-bpe-tiny.json, manifest/ of a small
engine's manifest.json. Every seed is valid, so the fuzzers start from inputs
that reach deep into their readers.
"""
import json
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")


def write(sub, name, data):
    with open(os.path.join(corpus, sub, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, bytes)."""
    header, data = {}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


floats = lambda values: struct.pack("<%df" % len(values), *values)
write("safetensors", "two-tensors.safetensors", safetensors([
    ("w", "F32", [2, 2], floats([1.0, -2.0, 0.5, 3.0])),
    ("b", "BF16", [3], b"\x80\x3f\x00\x40\x00\xc0"),
]))
write("safetensors", "metadata-f16.safetensors", safetensors(
    [("h", "F16", [1, 2], b"\x00\x3c\x00\xc0"), ("empty", "F32", [0], b"")],
    {"format": "pt"}))

# llama2.c: dim 8, hidden 16, 1 layer, 2 heads, 1 kv head, vocab 4 (shared
# classifier), seq_len 2: every array in file order, then freq_cis.
dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 1, 2, 1, 4, 2
head = dim // heads
kv_dim = kv_heads * head
count = (vocab * dim + layers * dim + layers * dim * dim +
         2 * layers * kv_dim * dim + layers * dim * dim + layers * dim +
         3 * layers * hidden * dim + dim + 2 * seq * (head // 2))
header = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq)
write("llama2c", "tiny.bin",
      header + floats([((i * 37) % 17 - 8) / 8.0 for i in range(count)]))
header = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, -vocab, seq)
write("llama2c", "tiny-wcls.bin", header + floats(
    [0.25] * (count + vocab * dim)))

# tokenizer.bin: <unk>, <s>, </s>, the 256 byte pieces, then a few words.
pieces = [b"<unk>", b"\n<s>\n", b"\n</s>\n"]
pieces += [("<0x%02X>" % b).encode() for b in range(256)]
pieces += [b" ", b"e", b"t", b"he", b" the", b" Once", b" upon", b" a",
           b" time", "é".encode()]
body = b"".join(struct.pack("<fi", -float(i), len(p)) + p
                for i, p in enumerate(pieces))
write("tokenizer-bin", "bytes-and-words.bin",
      struct.pack("<i", max(len(p) for p in pieces)) + body)
body = b"".join(struct.pack("<fi", 0.0, len(p)) + p for p in pieces[:3])
write("tokenizer-bin", "specials-only.bin", struct.pack("<i", 8) + body)
