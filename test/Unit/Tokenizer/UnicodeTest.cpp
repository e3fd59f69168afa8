// Unicode behaviour the tokenizers depend on: the White_Space set (split
// regexes, added tokens' lstrip/rstrip), NFC through ICU, and the Unicode
// version of PCRE2's property tables.
#include "runtime/tokenizer/RegexSplitter.h"
#include "runtime/tokenizer/UnicodeNormalizer.h"
#include "runtime/tokenizer/UnicodeWhitespace.h"

#include <gtest/gtest.h>

namespace llmc {
namespace {

using Pieces = std::vector<std::string>;

Pieces split(const std::string &pattern, const std::string &text) {
  auto splitter = RegexSplitter::compile(pattern);
  EXPECT_TRUE(splitter) << splitter.status().message();
  Pieces pieces;
  if (splitter)
    splitter->split(text, pieces);
  return pieces;
}

TEST(UnicodeWhitespace, MongolianVowelSeparatorIsNotWhitespaceInSplitRegexes) {
  // U+180E stopped being White_Space in Unicode 6.3; PCRE2's \s still takes
  // it, Hugging Face's regexes do not.
  EXPECT_EQ(split(R"(\s+|\S+)", "a\u180Eb\u2003c"),
            (Pieces{"a\u180Eb", "\u2003", "c"}));
  EXPECT_EQ(split(R"([^\s\p{L}]+|\s+|\p{L}+)", "\u180E\u180E x"),
            (Pieces{"\u180E\u180E", " ", "x"}));
  EXPECT_EQ(split(R"(\s+(?!\S)|\s+)", "a \u0085\u3000b"),
            (Pieces{"a", " \u0085", "\u3000", "b"}));
}

TEST(UnicodeWhitespace, IsUnicodesWhiteSpaceProperty) {
  for (char32_t cp : {0x09, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A,
                      0x2028, 0x2029, 0x202F, 0x205F, 0x3000})
    EXPECT_TRUE(unicode::isWhiteSpace(cp)) << std::hex << cp;
  for (char32_t cp : {0x180E, 0x200B, 0xFEFF, 0x1C, 0x41})
    EXPECT_FALSE(unicode::isWhiteSpace(cp)) << std::hex << cp;
}

TEST(UnicodeWhitespace, RefusesNegatedWhitespaceInsideAClass) {
  auto splitter = RegexSplitter::compile(R"([\S])");
  ASSERT_FALSE(splitter);
  EXPECT_NE(splitter.status().message().find("\\S inside a character class"),
            std::string::npos);
}

TEST(UnicodeProperties, FollowPcre2sUnicodeVersion) {
  // \p{L} and \p{N} are PCRE2's tables. If this fails, the system PCRE2
  // changed: update the note in RegexSplitter.h and the expectations below.
  EXPECT_EQ(RegexSplitter::unicodeVersion(), "14.0.0");
  // U+31350 (CJK Extension H, Unicode 15.0) is unassigned to Unicode 14: not
  // a letter, so it does not join the letters around it.
  EXPECT_EQ(split(R"(\p{L}+)", "x\U00031350y"),
            (Pieces{"x", "\U00031350", "y"}));
  // U+30000 (CJK Extension G, Unicode 13.0) is a letter.
  EXPECT_EQ(split(R"(\p{L}+)", "x\U00030000y"), (Pieces{"x\U00030000y"}));
}

TEST(UnicodeNormalization, ComposesToNfc) {
  EXPECT_EQ(normalizeUnicode("cafe\u0301", UnicodeForm::NFC), "café");
  EXPECT_EQ(normalizeUnicode("\u212B", UnicodeForm::NFC), "\u00C5");
  EXPECT_EQ(normalizeUnicode("\u1112\u1161\u11AB", UnicodeForm::NFC), "한");
  // Canonical reordering: dot below (ccc 220) before dot above (ccc 230).
  EXPECT_EQ(normalizeUnicode("q\u0307\u0323", UnicodeForm::NFC),
            "q\u0323\u0307");
  // Composition exclusions stay decomposed; compatibility forms stay as they
  // are.
  EXPECT_EQ(normalizeUnicode("\u0958", UnicodeForm::NFC), "\u0915\u093C");
  EXPECT_EQ(normalizeUnicode("ﬁ", UnicodeForm::NFC), "ﬁ");
  EXPECT_EQ(normalizeUnicode("ﬁ", UnicodeForm::NFKC), "fi");
  EXPECT_EQ(normalizeUnicode("é", UnicodeForm::NFD), "e\u0301");
}

TEST(UnicodeNormalization, KeepsInvalidBytesWhereTheyAre) {
  EXPECT_EQ(normalizeUnicode("a\xFF"
                             "e\u0301\xE4\xB8",
                             UnicodeForm::NFC),
            "a\xFF"
            "\u00E9\xE4\xB8");
  EXPECT_EQ(normalizeUnicode("", UnicodeForm::NFC), "");
}

} // namespace
} // namespace llmc
