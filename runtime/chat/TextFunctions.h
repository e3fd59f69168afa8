// The string operations of chat templates (str methods and filters) over
// UTF-8 text, counted in code points like Python's str.
//
// Whitespace is JavaScript's (\s, String.prototype.trim): the template
// whitespace control and `trim` of @huggingface/jinja use it, and our output
// must match that oracle byte for byte. It differs from Python's str.isspace
// only in U+001C..U+001F and U+0085 (Python: space) and U+FEFF (JavaScript:
// space).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::chat {

/// Decodes the code point at byte `pos` of `s`; an invalid byte decodes as
/// itself (U+0080..U+00FF) with length 1, so that no input is rejected.
uint32_t decodeCodePoint(const std::string &s, size_t pos, size_t *length);
/// Appends the UTF-8 encoding of `cp`.
void appendCodePoint(std::string &out, uint32_t cp);
/// The text split into one string per code point.
std::vector<std::string> codePoints(const std::string &s);

/// JavaScript's \s: the ECMAScript WhiteSpace and LineTerminator sets.
bool isJsWhitespace(uint32_t cp);

/// Strips leading and/or trailing code points: JavaScript whitespace when
/// `chars` is null, else any code point of `*chars` (Python's strip(chars)).
std::string stripText(const std::string &s, bool leading, bool trailing,
                      const std::string *chars = nullptr);

/// Python's str.split(sep) (sep non-empty), with maxsplit (-1: no limit).
std::vector<std::string> splitText(const std::string &s, const std::string &sep,
                                   int64_t maxsplit);
/// Python's str.split() without a separator: runs of whitespace separate.
std::vector<std::string> splitWhitespace(const std::string &s,
                                         int64_t maxsplit);

/// Replaces the first `count` occurrences (-1: all) of `from` by `to`; an
/// empty `from` inserts `to` between code points, as Python does.
std::string replaceText(const std::string &s, const std::string &from,
                        const std::string &to, int64_t count);

/// ASCII case mapping; other code points are kept (chat templates change the
/// case only of role names and keywords).
std::string upperText(const std::string &s);
std::string lowerText(const std::string &s);
/// First letter of every word upper, the rest lower (Jinja's `title`).
std::string titleText(const std::string &s);
/// First character upper, the rest lower (Jinja's `capitalize`).
std::string capitalizeText(const std::string &s);

} // namespace llmc::chat
