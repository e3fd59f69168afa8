#!/usr/bin/python3
"""Checks an engine's greedy run against Hugging Face transformers.

On the GPU machine (transformers 5.x and torch installed): loads the model
directory written by make_checkpoint.py with transformers' *ForCausalLM (the
class its config.json names) in float32 (the bf16 weights are exact in it),
teacher-forces it on prompt + the engine's greedy tokens, and compares every
logits row the engine wrote (llmc-engine-logits: row 0 is the prompt's last
position, row i decode step i) with transformers' row at the same position.

Tolerance, per row: max |engine - hf| / max |hf| < --tolerance (default
3e-2: the engine keeps weights, activations and the KV cache in bf16, 8
significant bits, with fp32 accumulation; errors add up over the layers, as in
test/Numerics/stories15m-engine.test). Top-1 agreement (engine argmax == hf
argmax) over all rows must be >= --min-top1 (default 0.99; a near-tie may
flip). Prints one table row per run and exits non-zero when a run fails.

  compare.py --model DIR --prompt 1,2,3 --logits F --tokens F [--label L]
  compare.py --header   (prints the table header)
"""
import argparse
import json
import os
import sys

import numpy as np

HEADER = ("| run | rows | max rel error (worst row) | mean rel error | "
          "top-1 agreement | result |\n|---|---|---|---|---|---|")


def hf_logits(model_dir, ids):
    import torch
    import transformers

    with open(os.path.join(model_dir, "config.json")) as f:
        architecture = json.load(f)["architectures"][0]
    cls = getattr(transformers, architecture)
    try:
        model = cls.from_pretrained(model_dir, dtype=torch.float32,
                                    attn_implementation="eager")
    except TypeError:  # transformers 4.x spells it torch_dtype
        model = cls.from_pretrained(model_dir, torch_dtype=torch.float32,
                                    attn_implementation="eager")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = model.to(device).eval()
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids], device=device))
    return out.logits[0].float().cpu().numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--header", action="store_true")
    parser.add_argument("--model")
    parser.add_argument("--prompt")
    parser.add_argument("--logits")
    parser.add_argument("--tokens")
    parser.add_argument("--label", default="")
    parser.add_argument("--tolerance", type=float, default=3e-2)
    parser.add_argument("--min-top1", type=float, default=0.99)
    args = parser.parse_args()
    if args.header:
        print(HEADER)
        return
    prompt = [int(t) for t in args.prompt.split(",")]
    tokens = [int(t) for t in open(args.tokens).read().split()]
    engine = np.fromfile(args.logits, dtype="<f4").reshape(len(tokens), -1)
    # The engine's greedy tokens drive the sequence; the last one is only
    # predicted, never fed.
    sequence = prompt + tokens[:-1]
    hf = hf_logits(args.model, sequence)[len(prompt) - 1:]
    if hf.shape != engine.shape:
        sys.exit(f"shape mismatch: hf {hf.shape}, engine {engine.shape}")
    errors = np.abs(engine - hf).max(axis=1) / np.abs(hf).max(axis=1)
    top1 = float(np.mean(engine.argmax(axis=1) == hf.argmax(axis=1)))
    ok = errors.max() < args.tolerance and top1 >= args.min_top1
    label = args.label or os.path.basename(os.path.normpath(args.model))
    print(f"| {label} | {len(tokens)} | {errors.max():.2e} (row "
          f"{int(errors.argmax())}) | {errors.mean():.2e} | {100 * top1:.1f}% | "
          f"{'PASS' if ok else 'FAIL'} |")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
