"""Turns the JSON lines of the PyTorch peer (fast_torch.py, in the project's shared anchors)
into a peer report (README.md here) that bench/plot.py draws beside llm-bench's decode series:

    python3 fast_torch.py 1024 | tee peer.log
    python3 torch_report.py peer.log --device "NVIDIA H200" -o torch-peer.json
"""
import argparse, json, sys


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="fast_torch.py's output")
    parser.add_argument("--device", required=True, help="the GPU it ran on")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    results = []
    with open(args.log) as f:
        for line in f:
            # Its JSON lines; the summary table and anything else is skipped.
            try:
                point = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(point, dict):
                continue
            if point.get("what") == "graph_decode_step_ms":
                results.append({"workload": "decode", "batch": point["bs"], "context": point["ctx"],
                                "step_ms": point["value"],
                                "compiled": point.get("compiled", False),
                                "steady_tokens_per_second": point["out_tok_s"]})
    if not results:
        sys.exit(f"torch_report.py: error: {args.log} has no decode step lines")
    compiled = any(r.get("compiled") for r in results)
    system = "PyTorch + CUDA graph" + (" (torch.compile)" if compiled else "")
    with open(args.output, "w") as f:
        json.dump({"tool": "peer", "system": system, "device": args.device, "results": results},
                  f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
