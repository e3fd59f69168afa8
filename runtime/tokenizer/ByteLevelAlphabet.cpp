// The GPT-2 byte <-> character table (see ByteLevelAlphabet.h).
#include "runtime/tokenizer/ByteLevelAlphabet.h"

#include "runtime/tokenizer/Utf8.h"

#include <array>
#include <cstdint>

namespace llmc::bytelevel {

namespace {

bool standsForItself(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
         (b >= 0xAE && b <= 0xFF);
}

/// charForByte for all 256 bytes, built once.
const std::array<char32_t, 256> &byteToChar() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b)
      t[b] = standsForItself(b) ? char32_t(b) : next++;
    return t;
  }();
  return table;
}

/// Decodes the (already validated) UTF-8 character at the start of `s`.
char32_t codePointAt(std::string_view s, size_t length) {
  auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  switch (length) {
  case 1:
    return b(0);
  case 2:
    return (char32_t(b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  case 3:
    return (char32_t(b(0) & 0x0F) << 12) | (char32_t(b(1) & 0x3F) << 6) |
           (b(2) & 0x3F);
  default:
    return (char32_t(b(0) & 0x07) << 18) | (char32_t(b(1) & 0x3F) << 12) |
           (char32_t(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

} // namespace

char32_t charForByte(unsigned char byte) { return byteToChar()[byte]; }

std::optional<std::string> decode(std::string_view text) {
  // Every character of the alphabet lies below U+0144, so a direct table
  // from code point to byte suffices.
  static const std::array<int16_t, 0x144> charToByte = [] {
    std::array<int16_t, 0x144> t;
    t.fill(-1);
    for (unsigned b = 0; b < 256; ++b)
      t[byteToChar()[b]] = static_cast<int16_t>(b);
    return t;
  }();

  std::string bytes;
  bytes.reserve(text.size());
  while (!text.empty()) {
    utf8::Sequence seq = utf8::inspect(text);
    if (seq.kind != utf8::SequenceKind::Complete)
      return std::nullopt;
    char32_t cp = codePointAt(text, seq.length);
    if (cp >= charToByte.size() || charToByte[cp] < 0)
      return std::nullopt;
    bytes.push_back(static_cast<char>(charToByte[cp]));
    text.remove_prefix(seq.length);
  }
  return bytes;
}

} // namespace llmc::bytelevel
