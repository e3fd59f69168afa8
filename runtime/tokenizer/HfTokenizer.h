// Hugging Face tokenizer.json with a BPE model, in its two common flavours:
//
//  - SentencePiece-style (Llama-2, Mistral): spaces become U+2581 (a Prepend +
//    Replace normalizer or a Metaspace pre-tokenizer), BPE runs on characters
//    with "<0xNN>" byte fallback, and decoding maps U+2581 back to a space and
//    drops the first one;
//  - byte-level (GPT-2, Llama-3): a Split regex cuts the text into words, BPE
//    runs on the bytes of each word, written in the GPT-2 byte alphabet.
//
// Encoding follows the tokenizers library: added tokens are found in the raw
// text first; each stretch in between is normalized, pre-tokenized into words,
// and each word is merged by merge rank (or taken whole when ignore_merges is
// set and the word is in the vocabulary). Asked for a BOS, encode adds the
// special tokens of the post-processor's template, and none when the file has
// no template, as the tokenizers library does.
#pragma once

#include "runtime/Status.h"
#include "runtime/tokenizer/AddedTokenSplitter.h"
#include "runtime/tokenizer/HfTokenizerSpec.h"
#include "runtime/tokenizer/RegexSplitter.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmc {

/// A tokenizer read from a Hugging Face tokenizer.json.
class HfTokenizer final : public Tokenizer {
public:
  /// Reads and parses `path`.
  static StatusOr<std::unique_ptr<HfTokenizer>> load(const std::string &path);
  /// Parses the text of a tokenizer.json; `path` only names it in errors.
  static StatusOr<std::unique_ptr<HfTokenizer>>
  fromJson(std::string_view json, const std::string &path);
  /// Builds the tokenizer an already parsed file describes.
  static StatusOr<std::unique_ptr<HfTokenizer>>
  fromSpec(HfTokenizerSpec spec, const std::string &path);

  std::vector<int32_t> encode(std::string_view text,
                              bool addBos) const override;
  std::string_view decodeToken(int32_t prevId, int32_t id) const override;
  std::string_view tokenText(int32_t id) const override;
  int32_t bosId() const override { return bosId_; }
  int32_t eosId() const override { return eosId_; }
  int32_t vocabSize() const override {
    return static_cast<int32_t>(texts_.size());
  }
  bool isSpecial(int32_t id) const override {
    return id >= 0 && id < vocabSize() && special_[id];
  }
  std::vector<int32_t> stopIds() const override { return stopIds_; }

  /// The id of a vocabulary entry or added token written as in the file
  /// ("Ġworld", "<|eot_id|>").
  std::optional<int32_t> tokenId(std::string_view text) const;
  /// True for byte-level vocabularies (BPE over bytes).
  bool isByteLevel() const { return byteLevel_; }

private:
  /// What merging an adjacent pair gives, keyed by the pair's ids.
  struct MergeResult {
    int32_t id;
    int32_t rank;
  };

  explicit HfTokenizer(HfTokenizerSpec spec)
      : spec_(std::move(spec)), addedTokens_(spec_.addedTokens) {}
  Status build(const std::string &path);
  void chooseSpecialIds();

  std::string normalize(std::string_view text) const;
  /// Splits normalized text into words; `atStart` when the text begins the
  /// input (Metaspace's "first" prepend scheme looks at it).
  std::vector<std::string> preTokenize(std::string text, bool atStart) const;
  /// Appends the BPE tokens of one word.
  void encodeWord(const std::string &word, std::vector<int32_t> &ids) const;
  /// The initial symbols of a word of a character-level vocabulary.
  void appendCharacter(std::string_view character,
                       std::vector<int32_t> &symbols) const;

  HfTokenizerSpec spec_;
  AddedTokenSplitter addedTokens_;
  /// The compiled regex of each pre-tokenizer step that has one, by step.
  std::vector<std::optional<RegexSplitter>> splitters_;
  bool byteLevel_ = false;

  /// Per id: the entry as written, the bytes it decodes to, whether special.
  std::vector<std::string> texts_;
  std::vector<std::string> decoded_;
  std::vector<uint8_t> special_;
  /// Entries as written, model vocabulary and added tokens.
  std::unordered_map<std::string, int32_t> textIds_;
  /// Model vocabulary keyed the way words are looked up: raw bytes for a
  /// byte-level vocabulary, the entry text otherwise.
  std::unordered_map<std::string, int32_t> wordIds_;
  /// Merges keyed by (left id << 32 | right id).
  std::unordered_map<uint64_t, MergeResult> merges_;
  /// Byte-level: the token of each single byte. Otherwise: "<0xNN>" tokens.
  std::array<int32_t, 256> byteIds_;
  int32_t unkId_ = kNoToken;
  int32_t bosId_ = kNoToken;
  int32_t eosId_ = kNoToken;
  std::vector<int32_t> stopIds_;
};

} // namespace llmc
