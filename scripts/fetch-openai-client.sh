#!/usr/bin/env bash
# Installs the official `openai` npm client, which the llm-serve tests drive
# the server with, into the model cache (outside git). Idempotent.
#
#   scripts/fetch-openai-client.sh    # prints the node_modules directory
#
# Cache: $LLMC_MODEL_CACHE, else $XDG_CACHE_HOME/llmc, else ~/.cache/llmc.
set -euo pipefail

# 4.x runs on Node 18 and 20 (Debian's); later majors need Node 22.
readonly PACKAGE="openai@4.104.0"
cache="${LLMC_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmc}"
dir="$cache/npm/${PACKAGE/@/-}"

die() { echo "fetch-openai-client: error: $*" >&2; exit 1; }

if [ ! -f "$dir/node_modules/openai/package.json" ]; then
  command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
  mkdir -p "$cache/npm"
  tmp=$(mktemp -d "$cache/npm/.install.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "fetch-openai-client: installing $PACKAGE ..." >&2
  out=$(npm install --prefix "$tmp" --no-audit --no-fund --no-save \
        --loglevel=error "$PACKAGE" 2>&1) ||
    die "could not install $PACKAGE from the npm registry: $out"
  rm -rf "$dir"
  mv "$tmp" "$dir"
fi
echo "$dir/node_modules"
