#!/usr/bin/env python3
"""Writes a tiny Hugging Face model for the tools' bad-input tests.

    make-tiny-hf.py OUT_DIR [--no-bos] [--model-vocab N] [--layers N]
                            [--context N]

OUT_DIR gets config.json (1 layer, dim 16, llama-shaped) and tokenizer.json
(the unit tests' sp-bpe-tiny.json). Run through config.json, a model has
synthetic weights, so no weights file is needed. --no-bos gives the
tokenizer a template without BOS and no normalizer, so an empty prompt encodes to no
tokens at all.
"""
import argparse
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
fixture = os.path.join(here, "..", "..", "Unit", "Tokenizer", "Inputs",
                       "sp-bpe-tiny.json")

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--no-bos", action="store_true")
parser.add_argument("--model-vocab", type=int, default=0)
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--context", type=int, default=64)
args = parser.parse_args()

tokenizer = json.load(open(fixture, encoding="utf-8"))
if args.no_bos:
    # A template of the text alone: no BOS, however "<s>" is spelled.
    tokenizer["post_processor"]["single"] = [
        {"Sequence": {"id": "A", "type_id": 0}}]
    tokenizer["normalizer"] = None
vocab = len(tokenizer["model"]["vocab"])

os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(tokenizer, f, ensure_ascii=False)
config = {
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 16,
    "num_hidden_layers": args.layers,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "intermediate_size": 32,
    "vocab_size": args.model_vocab or vocab,
    "max_position_embeddings": args.context,
    "rms_norm_eps": 1e-5,
    "bos_token_id": 1,
    "eos_token_id": 2,
}
with open(os.path.join(args.out, "config.json"), "w") as f:
    json.dump(config, f, indent=1)
