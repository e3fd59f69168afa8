// Finds the added tokens of a tokenizer.json (<|begin_of_text|>, <|eot_id|>,
// ...) in raw input text.
//
// Hugging Face matches added tokens before normalization and BPE, so that a
// chat template's markers become their single ids instead of being spelled out
// piece by piece. At each position the longest added token that matches wins;
// the text between matches is tokenized normally.
#pragma once

#include "runtime/tokenizer/HfTokenizerSpec.h"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace llmc {

/// A stretch of input text: plain text, or exactly one added token.
struct TextSegment {
  std::string_view text;
  /// The added token's id, or -1 for plain text.
  int32_t addedId;
  /// Where `text` starts in the input.
  size_t offset;
};

/// Splits text around added tokens.
class AddedTokenSplitter {
public:
  explicit AddedTokenSplitter(std::vector<HfAddedToken> tokens);

  /// Splits `text` into plain-text and added-token segments, in order. Empty
  /// plain-text segments are left out. An added token with lstrip/rstrip also
  /// swallows the Unicode whitespace next to it.
  std::vector<TextSegment> split(std::string_view text) const;

private:
  /// The index in tokens_ of the longest token matching at `text`'s start,
  /// or -1.
  int longestMatch(std::string_view text) const;

  std::vector<HfAddedToken> tokens_;
  /// Indices into tokens_, longest first, by the first byte of the content.
  std::array<std::vector<int>, 256> byFirstByte_;
};

} // namespace llmc
