// Helpers shared by the tokenizer tests: where the real files and the fixtures
// are, scratch files, and seeded random text.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace llmc::test {

/// The model cache: $LLMC_MODEL_CACHE, else $HOME/.cache/llmc.
std::string modelCacheDir();

/// The path of a real file in the model cache, or "" when it is absent.
std::string cachedFile(const std::string &relativePath);

/// The path of a fixture under test/Unit/Tokenizer/Inputs.
std::string inputPath(const std::string &name);

/// Writes `contents` to a fresh file named `name` in a scratch directory and
/// returns its path.
std::string writeScratchFile(const std::string &name,
                             const std::string &contents);

/// Random text mixing ASCII words, punctuation, digits, runs of mixed
/// whitespace (spaces, tabs, newlines) and multi-byte characters (Latin-1,
/// Cyrillic, CJK, emoji). Always valid UTF-8.
std::string randomText(std::mt19937 &rng, size_t codePoints);

/// The UTF-8 encoding of `cp`.
std::string encodeUtf8(char32_t cp);

} // namespace llmc::test
