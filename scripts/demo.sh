#!/usr/bin/env bash
# The main job: installs what is missing, builds, fetches stories15M and tells a
# story. With a CUDA device it compiles stories15M into an engine
# (build/stories15M.llmc, cached) and runs it on the GPU; otherwise it runs the
# checkpoint on the CPU reference.
#   scripts/demo.sh ["prompt"] [extra llm-run flags...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prompt="${1:-Once upon a time}"
shift || true

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" llm-run llm-compile >/dev/null
model_dir="$("$root/scripts/fetch-model.sh")"
build="${LLMC_BUILD_DIR:-$root/build}"

# A CUDA driver that sees a device (the same probe the GPU tests use).
has_cuda_device() {
  /usr/bin/python3 - <<'PY' 2>/dev/null
import ctypes, sys
try:
    cuda = ctypes.CDLL("libcuda.so.1")
except OSError:
    sys.exit(1)
n = ctypes.c_int(0)
ok = cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(n)) == 0
sys.exit(0 if ok and n.value > 0 else 1)
PY
}

if has_cuda_device && [ -x "$build/bin/llm-compile" ]; then
  engine="$build/stories15M.llmc"
  if [ ! -f "$engine/manifest.json" ]; then
    "$build/bin/llm-compile" "$model_dir/stories15M.bin" -o "$engine" \
      --tokenizer "$model_dir/tokenizer.bin" --arch sm_80,sm_90a --max-slots 8 \
      --quiet >/dev/null
  fi
  exec "$build/bin/llm-run" "$engine" --device cuda --prompt "$prompt" \
    --max-tokens 200 "$@"
fi
echo "demo: no CUDA device; running on the CPU" >&2
exec "$build/bin/llm-run" "$model_dir/stories15M.bin" \
  --tokenizer "$model_dir/tokenizer.bin" --prompt "$prompt" --max-tokens 200 "$@"
