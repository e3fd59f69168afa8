// Unicode's White_Space property (see UnicodeWhitespace.h).
#include "runtime/tokenizer/UnicodeWhitespace.h"

#include "runtime/tokenizer/Utf8.h"

#include <cstdio>

namespace llmc::unicode {

namespace {

struct Range {
  char32_t first, last;
};

/// PropList.txt, White_Space (unchanged since Unicode 6.3).
constexpr Range kWhiteSpace[] = {
    {0x09, 0x0D},     {0x20, 0x20},     {0x85, 0x85},     {0xA0, 0xA0},
    {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F},
    {0x205F, 0x205F}, {0x3000, 0x3000},
};

} // namespace

bool isWhiteSpace(char32_t cp) {
  for (const Range &r : kWhiteSpace)
    if (cp >= r.first && cp <= r.last)
      return true;
  return false;
}

const std::string &whiteSpaceClassBody() {
  static const std::string body = [] {
    std::string out;
    char buf[32];
    for (const Range &r : kWhiteSpace) {
      std::snprintf(buf, sizeof buf, "\\x{%x}", static_cast<unsigned>(r.first));
      out += buf;
      if (r.last != r.first) {
        std::snprintf(buf, sizeof buf, "-\\x{%x}",
                      static_cast<unsigned>(r.last));
        out += buf;
      }
    }
    return out;
  }();
  return body;
}

char32_t decodeFirst(std::string_view bytes, size_t *length) {
  *length = 0;
  if (bytes.empty())
    return 0;
  utf8::Sequence seq = utf8::inspect(bytes);
  if (seq.kind != utf8::SequenceKind::Complete)
    return 0;
  auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  char32_t cp = seq.length == 1   ? byte(0)
                : seq.length == 2 ? byte(0) & 0x1F
                : seq.length == 3 ? byte(0) & 0x0F
                                  : byte(0) & 0x07;
  for (size_t i = 1; i < seq.length; ++i)
    cp = (cp << 6) | (byte(i) & 0x3F);
  *length = seq.length;
  return cp;
}

char32_t decodeLast(std::string_view bytes, size_t end, size_t *length) {
  *length = 0;
  // A character is at most 4 bytes; find the start byte that reaches `end`.
  for (size_t back = 1; back <= 4 && back <= end; ++back) {
    size_t n = 0;
    char32_t cp = decodeFirst(bytes.substr(end - back, back), &n);
    if (n == back) {
      *length = n;
      return cp;
    }
  }
  return 0;
}

} // namespace llmc::unicode
