// String operations of chat templates over UTF-8, counted in code points.
#include "runtime/chat/TextFunctions.h"

#include <algorithm>

namespace llmc::chat {

uint32_t decodeCodePoint(const std::string &s, size_t pos, size_t *length) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(pos);
  size_t n = c < 0x80         ? 1
             : (c >> 5) == 6  ? 2
             : (c >> 4) == 14 ? 3
             : (c >> 3) == 30 ? 4
                              : 0;
  if (n == 0 || pos + n > s.size()) {
    *length = 1;
    return c;
  }
  uint32_t cp = n == 1   ? c
                : n == 2 ? (c & 0x1F)
                : n == 3 ? (c & 0x0F)
                         : (c & 0x07);
  for (size_t i = 1; i < n; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      *length = 1;
      return c;
    }
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  *length = n;
  return cp;
}

void appendCodePoint(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<std::string> codePoints(const std::string &s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t length = 1;
    decodeCodePoint(s, i, &length);
    out.push_back(s.substr(i, length));
    i += length;
  }
  return out;
}

bool isJsWhitespace(uint32_t cp) {
  switch (cp) {
  case 0x09:
  case 0x0A:
  case 0x0B:
  case 0x0C:
  case 0x0D:
  case 0x20:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
  case 0xFEFF:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::string stripText(const std::string &s, bool leading, bool trailing,
                      const std::string *chars) {
  std::vector<std::string> cps = codePoints(s);
  std::vector<std::string> strip;
  if (chars)
    strip = codePoints(*chars);
  auto strippable = [&](const std::string &cp) {
    if (chars)
      return std::find(strip.begin(), strip.end(), cp) != strip.end();
    size_t length = 1;
    return isJsWhitespace(decodeCodePoint(cp, 0, &length));
  };
  size_t begin = 0, end = cps.size();
  if (leading)
    while (begin < end && strippable(cps[begin]))
      ++begin;
  if (trailing)
    while (end > begin && strippable(cps[end - 1]))
      --end;
  std::string out;
  for (size_t i = begin; i < end; ++i)
    out += cps[i];
  return out;
}

std::vector<std::string> splitText(const std::string &s, const std::string &sep,
                                   int64_t maxsplit) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos)
      break;
    parts.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::vector<std::string> splitWhitespace(const std::string &s,
                                         int64_t maxsplit) {
  std::vector<std::string> parts;
  std::vector<std::string> cps = codePoints(s);
  auto space = [&](size_t i) {
    size_t length = 1;
    return isJsWhitespace(decodeCodePoint(cps[i], 0, &length));
  };
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && space(i))
      ++i;
    if (i == cps.size())
      break;
    std::string word;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      // The rest, trailing whitespace included, is the last part.
      for (; i < cps.size(); ++i)
        word += cps[i];
    } else {
      for (; i < cps.size() && !space(i); ++i)
        word += cps[i];
    }
    parts.push_back(word);
  }
  return parts;
}

std::string replaceText(const std::string &s, const std::string &from,
                        const std::string &to, int64_t count) {
  std::string out;
  int64_t done = 0;
  if (from.empty()) {
    std::vector<std::string> cps = codePoints(s);
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      if (i < cps.size())
        out += cps[i];
    }
    return out;
  }
  size_t start = 0;
  while (count < 0 || done < count) {
    size_t at = s.find(from, start);
    if (at == std::string::npos)
      break;
    out.append(s, start, at - start);
    out += to;
    start = at + from.size();
    ++done;
  }
  out.append(s, start, std::string::npos);
  return out;
}

std::string upperText(const std::string &s) {
  std::string out = s;
  for (char &c : out)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string lowerText(const std::string &s) {
  std::string out = s;
  for (char &c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string titleText(const std::string &s) {
  std::string out = lowerText(s);
  bool wordStart = true;
  for (char &c : out) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  static_cast<unsigned char>(c) >= 0x80;
    if (wordStart && c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
    wordStart = !letter;
  }
  return out;
}

std::string capitalizeText(const std::string &s) {
  std::string out = lowerText(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

} // namespace llmc::chat
