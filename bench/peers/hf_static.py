"""HF transformers static batching: the third column of llm-bench's static-vs-continuous
workload (workload 5 of BENCHMARKS.md), on the same GPU.

A Llama-2-7B-shaped LlamaForCausalLM with random bf16 weights runs `generate` on batches of
`--batch` requests: 512-token prompts, output lengths drawn from an exponential distribution
(mean 128, capped at 512, the workload's distribution; numpy's generator, not llm-bench's, so
the draws differ but not their law). Static batching decodes each batch until its longest
request is done, so each batch runs max(lengths) new tokens with EOS disabled, and only the
requested tokens count as output. With `--batches` below the full 1000 requests the rate is
that of the batches run (the time per batch does not depend on which batch it is).

Prints one JSON line per batch and a summary line, and with --json writes a peer report
(bench/peers/README.md) that bench/plot.py draws beside llm-bench's static-vs-continuous bars:
  python3 hf_static.py --batch 64 --batches 2 --json hf-static.json
"""
import argparse, json, sys, time

import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--prompt", type=int, default=512)
    parser.add_argument("--mean-output", type=float, default=128)
    parser.add_argument("--cap", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write a peer report here")
    args = parser.parse_args()

    config = LlamaConfig(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                         num_attention_heads=32, num_key_value_heads=32, vocab_size=32000,
                         max_position_embeddings=args.prompt + args.cap, rms_norm_eps=1e-5,
                         torch_dtype=torch.bfloat16)
    torch.manual_seed(args.seed)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16).eval()

    rng = np.random.default_rng(args.seed)
    lengths = np.minimum(np.maximum(1, np.round(rng.exponential(args.mean_output,
                                                                args.requests))), args.cap)
    lengths = lengths.astype(int)
    prompts = torch.randint(3, config.vocab_size, (args.requests, args.prompt), device="cuda")

    def run(batch_index):
        rows = slice(batch_index * args.batch, (batch_index + 1) * args.batch)
        ids, want = prompts[rows], lengths[rows]
        torch.cuda.synchronize()
        start = time.perf_counter()
        model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                       max_new_tokens=int(want.max()), min_new_tokens=int(want.max()),
                       eos_token_id=None, pad_token_id=0)
        torch.cuda.synchronize()
        return time.perf_counter() - start, int(want.sum()), int(want.max())

    # Warm-up (kernels, allocator): one batch, a few tokens.
    model.generate(prompts[:args.batch], attention_mask=torch.ones_like(prompts[:args.batch]),
                   do_sample=False, max_new_tokens=4, pad_token_id=0)
    total_time = total_tokens = 0
    for b in range(args.batches):
        seconds, tokens, steps = run(b)
        total_time += seconds
        total_tokens += tokens
        print(json.dumps({"batch": b, "seconds": round(seconds, 3), "output_tokens": tokens,
                          "decode_steps": steps}), flush=True)
    rate = total_tokens / total_time
    print(json.dumps({"system": "hf-transformers-static", "batch": args.batch,
                      "batches": args.batches, "prompt": args.prompt,
                      "output_tokens_per_s": round(rate, 1),
                      "seconds": round(total_time, 2)}), flush=True)
    if args.json:
        import transformers
        report = {"tool": "peer", "system": f"HF transformers {transformers.__version__}",
                  "device": torch.cuda.get_device_name(),
                  "command": "hf_static.py " + " ".join(sys.argv[1:]),
                  "results": [{"workload": "static-vs-continuous", "mode": "static",
                               "batch": args.batch, "prompt": args.prompt,
                               "output_tokens_per_second": rate}]}
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
