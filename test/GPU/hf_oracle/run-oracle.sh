#!/bin/bash
# The HF oracle on the GPU machine: for every family checkpoint of
# make_checkpoint.py, compiles an engine at 8 and 64 slots, runs it greedily
# (llmc-engine-logits: a 100-token prompt, longer than Mistral's 16-token
# window and several KV blocks and prefill chunks, then 64 decode steps) and
# checks every logits row against transformers (compare.py). Prints the
# table test/GPU/README.md records.
#
#   test/GPU/hf_oracle/run-oracle.sh BUILD_DIR [OUT_DIR]
set -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-oracle.sh BUILD_DIR [OUT_DIR]}
out=${2:-/tmp/hf-oracle}
mkdir -p "$out"
python3 "$here/make_checkpoint.py" "$out/models" > /dev/null || exit 1
prompt=$(python3 -c "import random; r = random.Random(7); print(','.join(str(r.randrange(3, 512)) for _ in range(100)))")
python3 "$here/compare.py" --header
status=0
for model in "$out"/models/*/; do
  family=$(basename "$model")
  for slots in 8 64; do
    engine="$out/$family-$slots.llmc"
    rm -rf "$engine"
    if ! "$build/bin/llm-compile" "$model" -o "$engine" --max-slots "$slots" \
        --max-prefill-tokens 32 --kv-block-size 16 --quiet > "$out/$family-$slots.log" 2>&1 ||
       ! "$build/bin/llmc-engine-logits" "$engine" --prompt "$prompt" --steps 64 \
        --logits "$out/$family-$slots.logits" --tokens "$out/$family-$slots.tokens" \
        >> "$out/$family-$slots.log" 2>&1; then
      echo "| $family, $slots slots | - | - | - | - | FAIL: $(tail -1 "$out/$family-$slots.log") |"
      status=1
      continue
    fi
    python3 "$here/compare.py" --model "$model" --prompt "$prompt" \
      --logits "$out/$family-$slots.logits" --tokens "$out/$family-$slots.tokens" \
      --label "$family, $slots slots" || status=1
  done
done
exit $status
