// The tokenizer interface the engine and tools use, whatever the file format.
//
// A tokenizer turns text into token ids (encode) and says which bytes each
// token contributes when the ids are turned back into text (decodeToken).
// Decoding is per token, not per sequence, so that text can be streamed while
// tokens arrive (see IncrementalDetokenizer). The one context-dependent
// decoding rule of the SentencePiece family, that the first piece of a text
// drops the leading space its encoder added, is expressed through the previous
// token.
//
// Two formats are read: llama2.c's tokenizer.bin (Llama2cTokenizer) and Hugging
// Face's tokenizer.json with a BPE model (HfTokenizer). loadTokenizer picks one
// by looking at the file.
#pragma once

#include "runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmc {

/// Text <-> token ids for one vocabulary. Implementations are immutable after
/// loading, so one instance may be shared by several threads.
class Tokenizer {
public:
  /// Stands for "no previous token": the token being decoded starts the text.
  static constexpr int32_t kNoToken = -1;

  virtual ~Tokenizer();

  /// Encodes `text` (any bytes; invalid UTF-8 is encoded byte by byte where the
  /// vocabulary allows). With `addBos` the ids get the special tokens the
  /// format adds around a text: the BOS of tokenizer.bin, the post-processor
  /// template of a tokenizer.json (nothing when it has none).
  virtual std::vector<int32_t> encode(std::string_view text,
                                      bool addBos) const = 0;

  /// The raw bytes token `id` contributes to decoded text when it follows
  /// `prevId`: the last token before it that is not special, kNoToken when
  /// there is none (a special `prevId` counts as none). Special tokens
  /// contribute nothing; the first piece of a text (nothing but special
  /// tokens, such as the BOS, before it) loses the leading space the encoder
  /// added, where the format says so. The bytes of
  /// one token may be part of a UTF-8 character. Unknown ids contribute
  /// nothing. The view stays valid as long as the tokenizer.
  virtual std::string_view decodeToken(int32_t prevId, int32_t id) const = 0;

  /// The vocabulary entry for `id` as stored in the file (for display and
  /// debugging); empty for unknown ids.
  virtual std::string_view tokenText(int32_t id) const = 0;

  /// The beginning-of-text token, or kNoToken when the vocabulary has none.
  virtual int32_t bosId() const = 0;
  /// The end-of-text token, or kNoToken when the vocabulary has none.
  virtual int32_t eosId() const = 0;
  /// One more than the largest token id.
  virtual int32_t vocabSize() const = 0;
  /// True for control tokens (BOS, EOS, chat markers) that decode to nothing.
  virtual bool isSpecial(int32_t id) const = 0;
  /// Tokens that end generation: EOS plus ends of turn such as <|eot_id|>.
  virtual std::vector<int32_t> stopIds() const = 0;

  /// Concatenates decodeToken over `ids`, the first following `prevId`. Only
  /// the first piece of the text loses its leading space, however many BOS
  /// tokens the ids hold. The result is raw bytes: a sequence cut inside a
  /// character stays cut.
  std::string decode(const std::vector<int32_t> &ids,
                     int32_t prevId = kNoToken) const;
};

/// Loads the tokenizer at `path`, choosing the format from the contents: a JSON
/// object is a Hugging Face tokenizer.json, anything else a llama2.c
/// tokenizer.bin. A directory is searched for tokenizer.json, then
/// tokenizer.bin.
StatusOr<std::unique_ptr<Tokenizer>> loadTokenizer(const std::string &path);

/// Checks that `tokenizer` (read from `path`) fits a model of `modelVocab`
/// ids: more tokenizer ids than the model has is an error (the model could
/// not embed them); far fewer (under 90%) is a warning, returned as text,
/// since the model may then generate ids the tokenizer cannot decode (a
/// mismatched pair). A few padding ids past the tokenizer's are normal.
StatusOr<std::string> checkTokenizerFitsModel(const Tokenizer &tokenizer,
                                              const std::string &path,
                                              int64_t modelVocab);

} // namespace llmc
