// Strict UTF-8 sequence inspection (see Utf8.h).
#include "runtime/tokenizer/Utf8.h"

#include <cassert>
#include <cstdint>

namespace llmc::utf8 {

Sequence inspect(std::string_view bytes) {
  assert(!bytes.empty() && "inspect needs at least one byte");
  auto byteAt = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  uint8_t lead = byteAt(0);
  if (lead < 0x80)
    return {SequenceKind::Complete, 1};

  // The total length and the allowed range of the second byte depend on the
  // lead byte; later continuation bytes are always 0x80..0xBF.
  size_t length = 0;
  uint8_t secondLo = 0x80, secondHi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0)
      secondLo = 0xA0; // excludes overlong forms
    else if (lead == 0xED)
      secondHi = 0x9F; // excludes UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0)
      secondLo = 0x90; // excludes overlong forms
    else if (lead == 0xF4)
      secondHi = 0x8F; // excludes code points above U+10FFFF
  } else {
    // Continuation bytes, C0/C1 (always overlong) and F5..FF.
    return {SequenceKind::Invalid, 1};
  }

  for (size_t i = 1; i < length; ++i) {
    if (i >= bytes.size())
      return {SequenceKind::Incomplete, bytes.size()};
    uint8_t lo = i == 1 ? secondLo : 0x80;
    uint8_t hi = i == 1 ? secondHi : 0xBF;
    if (byteAt(i) < lo || byteAt(i) > hi)
      return {SequenceKind::Invalid, i};
  }
  return {SequenceKind::Complete, length};
}

bool isValid(std::string_view bytes) {
  while (!bytes.empty()) {
    Sequence seq = inspect(bytes);
    if (seq.kind != SequenceKind::Complete)
      return false;
    bytes.remove_prefix(seq.length);
  }
  return true;
}

} // namespace llmc::utf8
