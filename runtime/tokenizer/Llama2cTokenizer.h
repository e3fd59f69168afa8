// The llama2.c tokenizer.bin format: a SentencePiece (Llama-2) vocabulary
// exported with its merge scores.
//
// Layout (little-endian): int32 max_token_length, then per token a float32
// merge score, an int32 byte length and that many bytes of text, until the end
// of the file; the file does not store the vocabulary size. Spaces are stored
// as ' ' (not U+2581). Ids 0, 1, 2 are <unk>, <s> (BOS) and </s> (EOS);
// ids 3..258 are the byte-fallback pieces for bytes 0x00..0xFF. The exporter
// wrote those as chr(byte) in UTF-8, so bytes from 0x80 up are stored as two
// bytes (0xFF as
// "\xC3\xBF"); files that store them as "<0xNN>" or as the raw byte are
// accepted too. Whatever is stored, token 3 + b decodes to the single byte b.
//
// Encoding is SentencePiece BPE: a dummy-prefix space, one piece per code point
// (byte-fallback tokens for code points not in the vocabulary), then merges of
// the adjacent pair whose concatenation is in the vocabulary with the highest
// score.
#pragma once

#include "runtime/Status.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmc {

/// A tokenizer read from a llama2.c tokenizer.bin.
class Llama2cTokenizer final : public Tokenizer {
public:
  static constexpr int32_t kUnkId = 0;
  static constexpr int32_t kBosId = 1;
  static constexpr int32_t kEosId = 2;
  /// The id of the byte-fallback token for byte 0x00.
  static constexpr int32_t kFirstByteId = 3;

  /// Reads `path`. With `expectedVocabSize` the file must hold exactly that
  /// many entries; without it, entries are read until the end of the file.
  static StatusOr<std::unique_ptr<Llama2cTokenizer>>
  load(const std::string &path,
       std::optional<int32_t> expectedVocabSize = std::nullopt);

  /// Parses the bytes of a tokenizer.bin; `path` only names it in errors.
  static StatusOr<std::unique_ptr<Llama2cTokenizer>>
  parse(std::string_view bytes, const std::string &path,
        std::optional<int32_t> expectedVocabSize = std::nullopt);

  std::vector<int32_t> encode(std::string_view text,
                              bool addBos) const override;
  std::string_view decodeToken(int32_t prevId, int32_t id) const override;
  std::string_view tokenText(int32_t id) const override;
  int32_t bosId() const override { return kBosId; }
  int32_t eosId() const override { return kEosId; }
  int32_t vocabSize() const override {
    return static_cast<int32_t>(pieces_.size());
  }
  bool isSpecial(int32_t id) const override {
    return id >= 0 && id < kFirstByteId;
  }
  std::vector<int32_t> stopIds() const override { return {kEosId}; }

  /// The merge score stored for `id` (higher merges first).
  float score(int32_t id) const { return scores_.at(id); }
  /// The max_token_length field of the header.
  int32_t maxTokenLength() const { return maxTokenLength_; }
  /// True when ids 3..258 are the byte-fallback pieces.
  bool hasByteFallback() const { return byteFallback_; }

private:
  Llama2cTokenizer() = default;

  /// Fills the lookup tables once the entries are read.
  void index();
  bool isByteToken(int32_t id) const {
    return byteFallback_ && id >= kFirstByteId && id < kFirstByteId + 256;
  }
  /// Appends the symbol(s) for one code point (or one stray byte).
  void appendSymbol(std::string_view character,
                    std::vector<int32_t> &symbols) const;

  int32_t maxTokenLength_ = 0;
  bool byteFallback_ = false;
  /// Per id: the text as stored, its score, and the bytes it decodes to.
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<std::string> decoded_;
  /// Ordinary pieces (not control, not byte fallback) by text: what encoding
  /// may produce.
  std::unordered_map<std::string, int32_t> pieceIds_;
};

} // namespace llmc
