// Which characters are whitespace to a Hugging Face tokenizer: Unicode's
// White_Space property, which the tokenizers library applies both in its
// regexes (Oniguruma's \s) and where added tokens strip their neighbours
// (Rust's char::is_whitespace).
//
// The set is written out here rather than taken from PCRE2, whose \s also
// matches U+180E MONGOLIAN VOWEL SEPARATOR (White_Space until Unicode 6.3, and
// still in Perl's \h): a split regex would then cut "a\u180Eb" where Hugging
// Face does not. Writing the set also pins it: it no longer moves with the
// system's PCRE2.
#pragma once

#include <string>
#include <string_view>

namespace llmc::unicode {

/// True for the 25 code points of Unicode's White_Space property.
bool isWhiteSpace(char32_t cp);

/// The White_Space set as the inside of a PCRE2 character class
/// ("\x{9}-\x{d}\x{20}..."), to be placed within [ ] or [^ ].
const std::string &whiteSpaceClassBody();

/// The code point at the start of `bytes` and its length in bytes, or
/// length 0 when the bytes do not start with a valid UTF-8 character.
char32_t decodeFirst(std::string_view bytes, size_t *length);
/// The code point that ends at `end` in `bytes` and its length, or length 0
/// when no valid UTF-8 character ends there.
char32_t decodeLast(std::string_view bytes, size_t end, size_t *length);

} // namespace llmc::unicode
