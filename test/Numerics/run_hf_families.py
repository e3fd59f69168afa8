#!/usr/bin/python3
"""Runs llmc-dump-logits on every family directory under --models with each
executor and checks each run with reference_hf.py; prints one line per run,
"<family> <executor>: <reference_hf.py's last line>", and exits non-zero if any
run fails (after running them all, so one failure shows every other result).
llmc-dump-logits is found on PATH (lit puts the tools directory there)."""
import argparse
import os
import subprocess
import sys

EXECUTORS = ["cpu-model", "interpreter", "fused-interpreter"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", required=True)
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--steps", required=True)
    parser.add_argument("--tolerance", required=True)
    args = parser.parse_args()
    reference = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "reference_hf.py")
    failed = False
    for family in sorted(os.listdir(args.models)):
        model = os.path.join(args.models, family)
        for executor in EXECUTORS:
            stem = os.path.join(args.models, f"{family}.{executor}")
            run = subprocess.run(
                ["llmc-dump-logits", model, "--prompt", args.prompt,
                 "--steps", args.steps, "--logits", stem + ".logits",
                 "--tokens", stem + ".tokens", "--executor", executor,
                 "--threads", "2"], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{family} {executor}: FAIL: {run.stderr.strip()}")
                failed = True
                continue
            check = subprocess.run(
                [sys.executable, reference, model, "--prompt", args.prompt,
                 "--steps", args.steps, "--logits", stem + ".logits",
                 "--tokens", stem + ".tokens", "--tolerance", args.tolerance],
                capture_output=True, text=True)
            lines = (check.stdout + check.stderr).strip().splitlines()
            print(f"{family} {executor}: {lines[-1] if lines else 'no output'}")
            failed |= check.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
