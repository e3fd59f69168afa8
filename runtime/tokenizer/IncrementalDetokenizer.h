// Turns a stream of token ids into a stream of valid UTF-8 text.
//
// One token may carry part of a character (byte-fallback tokens, byte-level BPE
// pieces), so the text of each token cannot be sent as it arrives: a client
// would see broken characters. The detokenizer appends each token's bytes to a
// buffer and hands out only whole characters, holding back the start of a
// character until its last byte arrives. Bytes that can never form a character
// become U+FFFD as soon as that is certain, so the output is always valid
// UTF-8.
#pragma once

#include "runtime/tokenizer/Tokenizer.h"

#include <cstdint>
#include <string>

namespace llmc {

/// Incremental, UTF-8-safe decoding of one token stream.
class IncrementalDetokenizer {
public:
  /// Decodes tokens that follow `prevId` (the last prompt token, or
  /// Tokenizer::kNoToken when the stream starts the text). `tokenizer` must
  /// outlive this object.
  explicit IncrementalDetokenizer(const Tokenizer &tokenizer,
                                  int32_t prevId = Tokenizer::kNoToken)
      : tokenizer_(tokenizer), prevId_(prevId) {}

  /// Adds token `id`; returns the text completed by it (possibly empty).
  std::string push(int32_t id);

  /// Ends the stream: returns U+FFFD if an unfinished character is held back,
  /// else nothing, and empties the buffer.
  std::string flush();

  /// Bytes held back, waiting for the rest of a character.
  size_t pendingBytes() const { return pending_.size(); }

private:
  const Tokenizer &tokenizer_;
  int32_t prevId_;
  /// At most the first three bytes of one unfinished character.
  std::string pending_;
};

} // namespace llmc
