// What a Hugging Face tokenizer.json says, reduced to the parts llmc runs.
//
// parseHfTokenizerJson reads the file's normalizer, pre-tokenizer, BPE model,
// added tokens, post-processor and decoder into this plain description and
// rejects every component it cannot run faithfully with an error naming the
// file and the component; HfTokenizer then builds its lookup tables from it.
// Keeping the JSON walk apart from the tables lets each be read on its own.
#pragma once

#include "runtime/Status.h"
#include "runtime/tokenizer/UnicodeNormalizer.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmc {

/// One normalizer step, applied to each stretch of text between added tokens.
struct HfNormalizerStep {
  enum class Kind {
    Prepend, ///< prepend `text` to non-empty text
    Replace, ///< replace every `text` with `replacement`
    Unicode, ///< normalize to `form` (NFC, NFD, NFKC, NFKD)
  };
  Kind kind;
  std::string text;
  std::string replacement;
  UnicodeForm form = UnicodeForm::NFC;
};

/// One pre-tokenizer step, applied to every piece produced so far.
struct HfPreTokenizerStep {
  enum class Kind {
    Split,     ///< split on regex `pattern`, keeping matches and gaps
    ByteLevel, ///< BPE works on bytes; optionally split on `pattern` too
    Metaspace, ///< spaces become `replacement`, optionally prepended/split
  };
  /// When Metaspace prepends its replacement character.
  enum class Prepend { Always, First, Never };

  Kind kind;
  /// Split: the regex. ByteLevel: the GPT-2 regex with use_regex, else empty.
  std::string pattern;
  /// ByteLevel: prepend a space to pieces that do not start with one.
  bool addPrefixSpace = false;
  /// Metaspace: the character standing for a space (normally U+2581).
  std::string replacement;
  Prepend prepend = Prepend::Always;
  /// Metaspace: split before every replacement character.
  bool splitOnReplacement = false;
};

/// An entry of "added_tokens": matched in raw text before anything else.
struct HfAddedToken {
  int32_t id;
  std::string content;
  bool special;
  bool lstrip; ///< swallows whitespace on its left
  bool rstrip; ///< swallows whitespace on its right
};

/// Everything llmc uses from a tokenizer.json.
struct HfTokenizerSpec {
  std::vector<HfNormalizerStep> normalizer;
  std::vector<HfPreTokenizerStep> preTokenizer;

  // The BPE model.
  std::vector<std::pair<std::string, int32_t>> vocab;
  /// Merges in rank order (first merges first).
  std::vector<std::pair<std::string, std::string>> merges;
  bool byteFallback = false;
  /// A word that is itself in the vocabulary becomes that token unmerged.
  bool ignoreMerges = false;
  bool fuseUnk = false;
  std::string unkToken; ///< empty when none

  std::vector<HfAddedToken> addedTokens;

  // The post-processor's single-sequence template, applied with addBos.
  bool hasTemplate = false;
  std::vector<int32_t> templatePrefix; ///< special tokens before the text
  std::vector<int32_t> templateSuffix; ///< special tokens after the text

  // The decoder.
  bool decodeByteLevel = false;    ///< vocabulary entries are byte-level text
  bool decodeByteFallback = false; ///< "<0xNN>" entries decode to byte NN
  /// Literal replacements on vocabulary entries, in order ("▁" -> " ").
  std::vector<std::pair<std::string, std::string>> decodeReplacements;
  /// The first piece of a text loses one leading space.
  bool stripLeadingSpace = false;
};

/// Parses the text of a tokenizer.json; `path` names the file in errors.
StatusOr<HfTokenizerSpec> parseHfTokenizerJson(std::string_view json,
                                               const std::string &path);

} // namespace llmc
