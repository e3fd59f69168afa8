#!/usr/bin/env bash
# The main job: installs what is missing, builds, fetches stories15M and generates a
# continuation of a prompt with llm-run.
#   scripts/demo.sh ["prompt"] [extra llm-run flags...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prompt="${1:-Once upon a time}"
shift || true

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" llm-run >/dev/null
model_dir="$("$root/scripts/fetch-model.sh")"
build="${LLMC_BUILD_DIR:-$root/build}"
exec "$build/bin/llm-run" "$model_dir/stories15M.bin" \
  --tokenizer "$model_dir/tokenizer.bin" --prompt "$prompt" --max-tokens 200 "$@"
