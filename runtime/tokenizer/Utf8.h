// UTF-8 sequence inspection shared by the encoders (which split text into code
// points) and the incremental detokenizer (which must never emit half a
// character).
//
// The rules are the strict ones of Unicode 15 table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF. An invalid run is reported as its
// "maximal subpart" so that callers replace it with exactly one U+FFFD, as the
// Unicode standard recommends.
#pragma once

#include <cstddef>
#include <string_view>

namespace llmc::utf8 {

/// The replacement character U+FFFD, encoded.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

/// What the bytes at the start of a buffer are.
enum class SequenceKind {
  Complete,   ///< a whole, valid character of `length` bytes
  Incomplete, ///< all `length` bytes (the whole buffer) begin a valid character
  Invalid,    ///< `length` bytes (>= 1) that can never start a valid character
};

/// The kind and byte length of the sequence at the start of a buffer.
struct Sequence {
  SequenceKind kind;
  size_t length;
};

/// Inspects the sequence at the start of `bytes`, which must not be empty.
Sequence inspect(std::string_view bytes);

/// Returns true when `bytes` is entirely valid UTF-8.
bool isValid(std::string_view bytes);

} // namespace llmc::utf8
