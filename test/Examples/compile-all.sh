#!/bin/bash
# Compiles every example config (examples/configs/*/) to an engine with
# synthetic weights for the archs given, one engine per config in OUT.
#   compile-all.sh LLM_COMPILE CONFIGS_DIR OUT ARCHS
set -e
compile=$1 configs=$2 out=$3 archs=$4
rm -rf "$out" && mkdir -p "$out"
for config in "$configs"/*/; do
  name=$(basename "$config")
  if ! "$compile" "$config" -o "$out/$name.llmc" --synthetic-weights --arch "$archs" \
      --max-slots 8 --max-seq-len 4096 --quiet > "$out/$name.log" 2>&1; then
    echo "$name: FAILED"; cat "$out/$name.log"; exit 1
  fi
  echo "$name: $(ls "$out/$name.llmc/kernels" | grep -c cubin) cubins"
done
